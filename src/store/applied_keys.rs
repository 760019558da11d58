//! `applied_keys` (D1): the key an `apply` document gave each resource it
//! created (`domain::apply`), by organization and kind.

use super::{all, execute, Db};
use serde::Deserialize;
use worker::Result;

#[derive(Debug, Clone, Deserialize)]
pub struct AppliedKey {
    pub kind: String,
    pub key: String,
    pub resource_id: String,
}

pub async fn of_org(db: &Db, org_id: &str) -> Result<Vec<AppliedKey>> {
    let sql = "SELECT kind, key, resource_id FROM applied_keys WHERE org_id = ?1";
    all(db, sql, &[org_id.into()]).await
}

pub async fn remember(db: &Db, org_id: &str, kind: &str, key: &str, resource_id: &str) -> Result<()> {
    let sql = "INSERT OR REPLACE INTO applied_keys (org_id, kind, key, resource_id) VALUES (?1, ?2, ?3, ?4)";
    execute(db, sql, &[org_id.into(), kind.into(), key.into(), resource_id.into()])
        .await
        .map(drop)
}

pub async fn forget(db: &Db, org_id: &str, kind: &str, resource_id: &str) -> Result<()> {
    let sql = "DELETE FROM applied_keys WHERE org_id = ?1 AND kind = ?2 AND resource_id = ?3";
    execute(db, sql, &[org_id.into(), kind.into(), resource_id.into()])
        .await
        .map(drop)
}
