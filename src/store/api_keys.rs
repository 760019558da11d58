//! `api_keys`: organization keys, stored as the SHA-256 of the secret.

use super::{all, execute, first, Arg, Db};
use crate::domain::api_key::MAX_ACTIVE_KEYS;
use serde::Deserialize;
use worker::Result;

#[derive(Debug, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// An active key found by its hash, with its organization's plan.
#[derive(Debug, Deserialize)]
pub struct ActiveKey {
    pub id: String,
    pub org_id: String,
    pub plan: String,
    pub scopes: String,
    pub last_used_at: Option<String>,
}

pub struct NewKey<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub name: &'a str,
    pub prefix: &'a str,
    pub hash: &'a str,
    pub scopes: &'a str,
    pub created_by: Option<&'a str>,
    pub now: &'a str,
}

/// Inserts the key unless the organization already has the maximum of active
/// keys; false then. The count is inside the insert so that concurrent
/// creations cannot pass the limit together.
pub async fn create(db: &Db, key: &NewKey<'_>) -> Result<bool> {
    let sql = format!(
        "INSERT INTO api_keys (id, org_id, name, prefix, key_hash, scopes, created_by, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
         WHERE (SELECT COUNT(*) FROM api_keys WHERE org_id = ?2 AND revoked_at IS NULL) < {MAX_ACTIVE_KEYS}"
    );
    let args = [
        key.id.into(),
        key.org_id.into(),
        key.name.into(),
        key.prefix.into(),
        key.hash.into(),
        key.scopes.into(),
        key.created_by.into(),
        key.now.into(),
    ];
    Ok(execute(db, &sql, &args).await? == 1)
}

pub async fn list_active(db: &Db, org_id: &str) -> Result<Vec<ApiKey>> {
    all(
        db,
        "SELECT id, name, prefix, scopes, created_at, last_used_at FROM api_keys
         WHERE org_id = ?1 AND revoked_at IS NULL ORDER BY created_at, id",
        &[org_id.into()],
    )
    .await
}

/// An active key of the organization.
pub async fn get_active(db: &Db, org_id: &str, id: &str) -> Result<Option<ApiKey>> {
    first(
        db,
        "SELECT id, name, prefix, scopes, created_at, last_used_at FROM api_keys
         WHERE id = ?1 AND org_id = ?2 AND revoked_at IS NULL",
        &[id.into(), org_id.into()],
    )
    .await
}

pub async fn find_active(db: &Db, hash: &str) -> Result<Option<ActiveKey>> {
    first(
        db,
        "SELECT k.id, k.org_id, o.plan, k.scopes, k.last_used_at FROM api_keys k JOIN organizations o ON o.id = k.org_id
         WHERE k.key_hash = ?1 AND k.revoked_at IS NULL",
        &[Arg::Text(hash)],
    )
    .await
}

/// Revokes an active key of the organization; false when there is none.
pub async fn revoke(db: &Db, org_id: &str, id: &str, now: &str) -> Result<bool> {
    let sql = "UPDATE api_keys SET revoked_at = ?3 WHERE id = ?1 AND org_id = ?2 AND revoked_at IS NULL";
    Ok(execute(db, sql, &[id.into(), org_id.into(), now.into()]).await? == 1)
}

pub async fn touch(db: &Db, id: &str, now: &str) -> Result<()> {
    execute(
        db,
        "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1",
        &[id.into(), now.into()],
    )
    .await?;
    Ok(())
}
