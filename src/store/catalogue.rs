//! `services` (the public catalogue) and the catalogue's bookkeeping in
//! `deployment_state`: which version of it is loaded.

use super::{all, execute, first, statement, Db};
use crate::domain::catalogue::{Service, CATALOGUE_ORG};
use serde::Deserialize;
use worker::Result;

const VERSION_KEY: &str = "catalogue_version";

#[derive(Debug, Clone, Deserialize)]
pub struct ServiceRow {
    pub id: String,
    pub name: String,
    pub category: String,
    /// JSON list of monitor ids, the primary first.
    pub monitor_ids: String,
}

impl ServiceRow {
    pub fn monitors(&self) -> Vec<String> {
        serde_json::from_str(&self.monitor_ids).unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct Value {
    value: String,
}

/// The catalogue version the last complete sync loaded.
pub async fn loaded_version(db: &Db) -> Result<Option<String>> {
    let row: Option<Value> = first(
        db,
        "SELECT value FROM deployment_state WHERE key = ?1",
        &[VERSION_KEY.into()],
    )
    .await?;
    Ok(row.map(|r| r.value))
}

/// The catalogue's organization, made once.
pub async fn ensure_org(db: &Db, now: &str) -> Result<()> {
    execute(
        db,
        "INSERT OR IGNORE INTO organizations (id, name, plan, created_at) VALUES (?1, 'Public catalogue', 'business', ?2)",
        &[CATALOGUE_ORG.into(), now.into()],
    )
    .await
    .map(drop)
}

/// Replaces the services with these (monitor ids alongside each) and
/// records the version, in one batch.
pub async fn replace(db: &Db, services: &[(Service, Vec<String>)], version: &str) -> Result<()> {
    let mut statements = vec![statement(db, "DELETE FROM services", &[])?];
    for (position, (service, monitor_ids)) in services.iter().enumerate() {
        let ids = serde_json::to_string(monitor_ids)?;
        statements.push(statement(
            db,
            "INSERT INTO services (id, name, category, monitor_ids, position) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                (&service.id).into(),
                (&service.name).into(),
                (&service.category).into(),
                (&ids).into(),
                (position as i64).into(),
            ],
        )?);
    }
    statements.push(statement(
        db,
        "INSERT INTO deployment_state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[VERSION_KEY.into(), version.into()],
    )?);
    db.batch(statements).await.map(drop)
}

const COLUMNS: &str = "id, name, category, monitor_ids";

/// The services, in catalogue order, of one category if given, whose name
/// contains `search` if given.
pub async fn list(db: &Db, category: Option<&str>, search: Option<&str>) -> Result<Vec<ServiceRow>> {
    let pattern = search.map(super::like_pattern);
    all(
        db,
        &format!(
            "SELECT {COLUMNS} FROM services WHERE (?1 IS NULL OR category = ?1)
             AND (?2 IS NULL OR name LIKE ?2 ESCAPE '\\' OR id LIKE ?2 ESCAPE '\\') ORDER BY position"
        ),
        &[category.into(), pattern.as_deref().into()],
    )
    .await
}

pub async fn get(db: &Db, id: &str) -> Result<Option<ServiceRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM services WHERE id = ?1"),
        &[id.into()],
    )
    .await
}

#[derive(Debug, Clone, Deserialize)]
pub struct MonitorState {
    pub id: String,
    pub status: String,
}

/// The catalogue monitors' statuses as D1 holds them (kept at each change).
pub async fn monitor_states(db: &Db) -> Result<Vec<MonitorState>> {
    all(
        db,
        "SELECT id, status FROM monitors WHERE org_id = ?1",
        &[CATALOGUE_ORG.into()],
    )
    .await
}
