//! `invitations` (D1): invitations to join an organization, found by the
//! SHA-256 of their token. Open means neither accepted nor revoked; whether
//! an open one has expired depends on the `now` a caller passes.

use super::{all, changes, execute, first, statement, Arg, Db};
use crate::domain::invitation::MAX_OPEN;
use serde::Deserialize;
use worker::Result;

#[derive(Debug, Deserialize)]
pub struct Invitation {
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub role: String,
    pub invited_by: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    pub accepted_at: Option<String>,
    pub revoked_at: Option<String>,
}

const COLUMNS: &str = "id, org_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at";
const OPEN: &str = "accepted_at IS NULL AND revoked_at IS NULL";

/// Stores a new invitation, revoking any open one to the same address, unless
/// the organization already has `MAX_OPEN` unexpired open invitations: false
/// then. One batch is one transaction, so concurrent invitations can neither
/// pass the limit nor leave two open for one address. (When the limit refuses,
/// the replaced invitation can only have been an expired one.)
pub async fn create(db: &Db, invitation: &Invitation, token_hash: &str) -> Result<bool> {
    let i = invitation;
    let replace = statement(
        db,
        &format!("UPDATE invitations SET revoked_at = ?3 WHERE org_id = ?1 AND email = ?2 AND {OPEN}"),
        &[(&i.org_id).into(), (&i.email).into(), (&i.created_at).into()],
    )?;
    let insert = statement(
        db,
        &format!(
            "INSERT INTO invitations (id, org_id, email, role, token_hash, invited_by, created_at, expires_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
             WHERE (SELECT COUNT(*) FROM invitations WHERE org_id = ?2 AND {OPEN} AND expires_at > ?7) < {MAX_OPEN}"
        ),
        &[
            (&i.id).into(),
            (&i.org_id).into(),
            (&i.email).into(),
            (&i.role).into(),
            token_hash.into(),
            i.invited_by.as_deref().into(),
            (&i.created_at).into(),
            (&i.expires_at).into(),
        ],
    )?;
    let results = db.batch(vec![replace, insert]).await?;
    Ok(changes(results.get(1)) == 1)
}

/// The organization's open, unexpired invitations, oldest first.
pub async fn list_open(db: &Db, org_id: &str, now: &str) -> Result<Vec<Invitation>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM invitations WHERE org_id = ?1 AND {OPEN} AND expires_at > ?2 ORDER BY created_at, id"
    );
    all(db, &sql, &[org_id.into(), now.into()]).await
}

/// An open, unexpired invitation of the organization.
pub async fn get_open(db: &Db, org_id: &str, id: &str, now: &str) -> Result<Option<Invitation>> {
    let sql = format!("SELECT {COLUMNS} FROM invitations WHERE id = ?1 AND org_id = ?2 AND {OPEN} AND expires_at > ?3");
    first(db, &sql, &[id.into(), org_id.into(), now.into()]).await
}

/// Any invitation, open or not, by its token's hash.
pub async fn by_token(db: &Db, token_hash: &str) -> Result<Option<Invitation>> {
    let sql = format!("SELECT {COLUMNS} FROM invitations WHERE token_hash = ?1");
    first(db, &sql, &[token_hash.into()]).await
}

/// Revokes an open invitation of the organization; false when there is none.
pub async fn revoke(db: &Db, org_id: &str, id: &str, now: &str) -> Result<bool> {
    let sql = format!("UPDATE invitations SET revoked_at = ?3 WHERE id = ?1 AND org_id = ?2 AND {OPEN}");
    Ok(execute(db, &sql, &[id.into(), org_id.into(), now.into()]).await? == 1)
}

/// Accepts an open, unexpired invitation for the user it was sent to, making
/// them a member with its role; false when it is not open, not theirs, or
/// they already are a member. The conditions sit in the UPDATE and the
/// membership follows in the same batch (one transaction), so two accepts of
/// one token cannot both succeed.
pub async fn accept(db: &Db, token_hash: &str, user_id: &str, now: &str) -> Result<bool> {
    let args: [Arg; 3] = [token_hash.into(), user_id.into(), now.into()];
    let consume = statement(
        db,
        &format!(
            "UPDATE invitations SET accepted_at = ?3, accepted_by = ?2
             WHERE token_hash = ?1 AND {OPEN} AND expires_at > ?3
               AND email = (SELECT email FROM users WHERE id = ?2)
               AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = invitations.org_id AND m.user_id = ?2)"
        ),
        &args,
    )?;
    // Selects the invitation only if the UPDATE above just consumed it, or
    // if the same user's accept in the same millisecond did: OR IGNORE lets
    // that loser find the membership made and answer 410 rather than fail.
    let join = statement(
        db,
        "INSERT OR IGNORE INTO memberships (org_id, user_id, role, created_at)
         SELECT org_id, ?2, role, ?3 FROM invitations WHERE token_hash = ?1 AND accepted_by = ?2 AND accepted_at = ?3",
        &args,
    )?;
    let results = db.batch(vec![consume, join]).await?;
    Ok(changes(results.first()) == 1)
}
