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

#[derive(Deserialize)]
pub struct PingKeyOwner {
    pub id: String,
    pub plan: String,
}

/// The organization whose ping key this is (slug pings with `?create=1`).
pub async fn by_ping_key(db: &Db, ping_key: &str) -> Result<Option<PingKeyOwner>> {
    super::first(
        db,
        "SELECT id, plan FROM organizations WHERE ping_key = ?1",
        &[ping_key.into()],
    )
    .await
}

#[derive(Deserialize)]
struct PingKey {
    ping_key: Option<String>,
}

/// The organization's ping key, if it made one.
pub async fn ping_key(db: &Db, org_id: &str) -> Result<Option<String>> {
    let row: Option<PingKey> =
        super::first(db, "SELECT ping_key FROM organizations WHERE id = ?1", &[org_id.into()]).await?;
    Ok(row.and_then(|r| r.ping_key))
}

/// Sets (creates or replaces) the organization's ping key.
pub async fn set_ping_key(db: &Db, org_id: &str, ping_key: &str) -> Result<()> {
    super::execute(
        db,
        "UPDATE organizations SET ping_key = ?2 WHERE id = ?1",
        &[org_id.into(), ping_key.into()],
    )
    .await
    .map(drop)
}
