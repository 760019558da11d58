//! `organizations`: the unit that owns monitors, keys and pages, with a plan.

use super::{all, Db};
use serde::Deserialize;
use worker::Result;

#[derive(Debug, Clone, Deserialize)]
pub struct OrganizationWithRole {
    pub id: String,
    pub name: String,
    pub plan: String,
    pub role: String,
    pub created_at: String,
}

/// The organizations a user belongs to, with their role in each.
pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<OrganizationWithRole>> {
    all(
        db,
        "SELECT o.id, o.name, o.plan, m.role, o.created_at FROM memberships m JOIN organizations o ON o.id = m.org_id
         WHERE m.user_id = ?1 ORDER BY o.created_at, o.id",
        &[user_id.into()],
    )
    .await
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

/// An organization's name; `None` once it is gone.
pub async fn name(db: &Db, org_id: &str) -> Result<Option<String>> {
    let row: Option<Name> = super::first(db, "SELECT name FROM organizations WHERE id = ?1", &[org_id.into()]).await?;
    Ok(row.map(|r| r.name))
}
