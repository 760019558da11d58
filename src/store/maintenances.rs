//! `maintenances` (D1): the organization's maintenance windows, and what a
//! push to the monitor objects reads: the windows still to come or going on,
//! with the monitors of the status pages they name.

use super::{all, execute, first, page_after, statement, Arg, Db};
use crate::domain::maintenance::{coverage, Coverage, MaintenanceSpec, Recurrence, Window};
use crate::domain::page::Cursor;
use crate::domain::status_page::Section;
use crate::domain::time::millis_from_iso;
use serde::Deserialize;
use std::collections::BTreeMap;
use worker::Result;

const COLUMNS: &str = "id, org_id, spec, created_at, updated_at";

#[derive(Debug, Clone, Deserialize)]
pub struct MaintenanceRow {
    pub id: String,
    pub org_id: String,
    /// JSON of `MaintenanceSpec`.
    pub spec: String,
    pub created_at: String,
    pub updated_at: String,
}

impl MaintenanceRow {
    pub fn spec(&self) -> serde_json::Result<MaintenanceSpec> {
        serde_json::from_str(&self.spec)
    }

    /// The window as monitor objects hold it: it applies from its last edit.
    pub fn window(&self, spec: &MaintenanceSpec) -> Window {
        Window {
            id: self.id.clone(),
            since_ms: millis_from_iso(&self.updated_at).unwrap_or(0),
            recurrence: spec.recurrence.clone(),
        }
    }
}

/// A one-off window's end; a schedule has none.
fn ends_ms(spec: &MaintenanceSpec) -> Option<i64> {
    match spec.recurrence {
        Recurrence::Once { ends_ms, .. } => Some(ends_ms),
        Recurrence::Schedule { .. } => None,
    }
}

/// Inserts a window unless the organization has `max` already (false).
pub async fn create(db: &Db, id: &str, org_id: &str, spec: &MaintenanceSpec, max: i64, now: &str) -> Result<bool> {
    let spec_json = serde_json::to_string(spec)?;
    let sql = "INSERT INTO maintenances (id, org_id, spec, ends_ms, created_at, updated_at)
        SELECT ?1, ?2, ?3, ?4, ?5, ?5 WHERE (SELECT COUNT(*) FROM maintenances WHERE org_id = ?2) < ?6";
    let args = [
        id.into(),
        org_id.into(),
        (&spec_json).into(),
        ends_ms(spec).map_or(Arg::Null, Arg::Int),
        now.into(),
        max.into(),
    ];
    Ok(execute(db, sql, &args).await? == 1)
}

pub async fn update(db: &Db, org_id: &str, id: &str, spec: &MaintenanceSpec, now: &str) -> Result<bool> {
    let spec_json = serde_json::to_string(spec)?;
    let sql = "UPDATE maintenances SET spec = ?3, ends_ms = ?4, updated_at = ?5 WHERE id = ?1 AND org_id = ?2";
    let args = [
        id.into(),
        org_id.into(),
        (&spec_json).into(),
        ends_ms(spec).map_or(Arg::Null, Arg::Int),
        now.into(),
    ];
    Ok(execute(db, sql, &args).await? == 1)
}

pub async fn delete(db: &Db, org_id: &str, id: &str) -> Result<bool> {
    let sql = "DELETE FROM maintenances WHERE id = ?1 AND org_id = ?2";
    Ok(execute(db, sql, &[id.into(), org_id.into()]).await? == 1)
}

pub async fn get(db: &Db, org_id: &str, id: &str) -> Result<Option<MaintenanceRow>> {
    let sql = format!("SELECT {COLUMNS} FROM maintenances WHERE id = ?1 AND org_id = ?2");
    first(db, &sql, &[id.into(), org_id.into()]).await
}

/// A page of the organization's windows, oldest first.
pub async fn list(db: &Db, org_id: &str, cursor: Option<&Cursor>, limit: u32) -> Result<Vec<MaintenanceRow>> {
    let mut sql = format!("SELECT {COLUMNS} FROM maintenances WHERE org_id = ?");
    let mut args = vec![org_id.into()];
    page_after(&mut sql, &mut args, "created_at", false, cursor, limit);
    all(db, &sql, &args).await
}

/// The monitors on a status page a window names.
#[derive(Debug, Clone, Deserialize)]
struct NamedPage {
    pub id: String,
    /// JSON of `Vec<domain::status_page::Section>`.
    pub sections: String,
}

/// Which windows cover each monitor of these organizations at `now_ms`
/// (ended one-off windows cover nothing), by organization: what their
/// monitor objects should hold. One batch of two reads.
pub async fn covering(db: &Db, org_ids: &[&str], now_ms: i64) -> Result<BTreeMap<String, Coverage>> {
    let (rows, pages) = current(db, &serde_json::to_string(org_ids)?, now_ms).await?;
    let page_monitors: BTreeMap<String, Vec<String>> = pages
        .iter()
        .map(|page| {
            let sections: Vec<Section> = serde_json::from_str(&page.sections).unwrap_or_default();
            let ids = sections.iter().flat_map(|s| s.monitors.iter().map(|m| m.id.clone()));
            (page.id.clone(), ids.collect())
        })
        .collect();
    let mut by_org: BTreeMap<String, Vec<(Window, MaintenanceSpec)>> = BTreeMap::new();
    for row in &rows {
        let spec = row.spec()?;
        by_org
            .entry(row.org_id.clone())
            .or_default()
            .push((row.window(&spec), spec));
    }
    Ok(by_org
        .into_iter()
        .map(|(org_id, windows)| (org_id, coverage(&windows, &page_monitors)))
        .collect())
}

/// The windows of these organizations (a JSON list of ids) that have not
/// ended at `now_ms`, and the status pages they name, in one batch.
async fn current(db: &Db, org_ids_json: &str, now_ms: i64) -> Result<(Vec<MaintenanceRow>, Vec<NamedPage>)> {
    let live = "m.org_id IN (SELECT value FROM json_each(?1)) AND (m.ends_ms IS NULL OR m.ends_ms > ?2)";
    let results = db
        .batch(vec![
            statement(
                db,
                &format!("SELECT {COLUMNS} FROM maintenances m WHERE {live} ORDER BY m.id"),
                &[org_ids_json.into(), now_ms.into()],
            )?,
            statement(
                db,
                &format!(
                    "SELECT p.id, p.sections FROM status_pages p WHERE p.id IN
                       (SELECT j.value FROM maintenances m, json_each(m.spec, '$.status_page_ids') j WHERE {live})"
                ),
                &[org_ids_json.into(), now_ms.into()],
            )?,
        ])
        .await?;
    let windows = results.first().map(|r| r.results()).transpose()?.unwrap_or_default();
    let pages = results.get(1).map(|r| r.results()).transpose()?.unwrap_or_default();
    Ok((windows, pages))
}

/// The organization's windows that have not ended at `now_ms`.
pub async fn unended(db: &Db, org_id: &str, now_ms: i64) -> Result<Vec<MaintenanceRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM maintenances WHERE org_id = ?1 AND (ends_ms IS NULL OR ends_ms > ?2) ORDER BY id"
    );
    all(db, &sql, &[org_id.into(), now_ms.into()]).await
}

/// Which of these monitor and status page ids (JSON lists) the organization has.
pub async fn owned_ids(db: &Db, org_id: &str, monitor_ids_json: &str, page_ids_json: &str) -> Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let sql = "SELECT id FROM monitors WHERE org_id = ?1 AND id IN (SELECT value FROM json_each(?2))
               UNION ALL SELECT id FROM status_pages WHERE org_id = ?1 AND id IN (SELECT value FROM json_each(?3))";
    let rows: Vec<Id> = all(db, sql, &[org_id.into(), monitor_ids_json.into(), page_ids_json.into()]).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
