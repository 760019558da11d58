//! `memberships`: who belongs to which organization, with which role.

use super::{all, execute, first, Db};
use serde::Deserialize;
use worker::Result;

/// The organization a request acts in, with the caller's role there.
#[derive(Debug, Deserialize)]
pub struct Membership {
    pub org_id: String,
    pub plan: String,
    pub role: String,
}

/// The user's membership in `org_id`, or in their personal organization when
/// no organization is named.
pub async fn resolve(db: &Db, user_id: &str, org_id: Option<&str>) -> Result<Option<Membership>> {
    first(
        db,
        "SELECT m.org_id, o.plan, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id
         WHERE m.user_id = ?1 AND m.org_id = COALESCE(?2, (SELECT personal_org_id FROM users WHERE id = ?1))",
        &[user_id.into(), org_id.into()],
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub created_at: String,
}

pub async fn list(db: &Db, org_id: &str) -> Result<Vec<Member>> {
    all(
        db,
        "SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = ?1 ORDER BY m.created_at, m.user_id",
        &[org_id.into()],
    )
    .await
}

pub async fn get(db: &Db, org_id: &str, user_id: &str) -> Result<Option<Member>> {
    first(
        db,
        "SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = ?1 AND m.user_id = ?2",
        &[org_id.into(), user_id.into()],
    )
    .await
}

// The two writes below keep at least one owner. The check sits inside the
// statement, not in a read before it, so two owners demoting each other at
// the same moment cannot both succeed.
const STAYS_OWNED: &str =
    "(role <> 'owner' OR (SELECT COUNT(*) FROM memberships WHERE org_id = ?1 AND role = 'owner') > 1)";

/// Changes a member's role; false when that would leave no owner.
pub async fn change_role(db: &Db, org_id: &str, user_id: &str, role: &str) -> Result<bool> {
    let sql = format!(
        "UPDATE memberships SET role = ?3 WHERE org_id = ?1 AND user_id = ?2 AND (?3 = 'owner' OR {STAYS_OWNED})"
    );
    Ok(execute(db, &sql, &[org_id.into(), user_id.into(), role.into()]).await? == 1)
}

/// Removes a member; false when that would leave no owner.
pub async fn remove(db: &Db, org_id: &str, user_id: &str) -> Result<bool> {
    let sql = format!("DELETE FROM memberships WHERE org_id = ?1 AND user_id = ?2 AND {STAYS_OWNED}");
    Ok(execute(db, &sql, &[org_id.into(), user_id.into()]).await? == 1)
}
