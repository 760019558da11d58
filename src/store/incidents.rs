//! `incidents`, `incident_monitors` and `incident_updates`: automatic
//! incidents opened and resolved by a monitor's status changes, and manual
//! ones with their timeline.

use super::{all, first, page_after, statement, Arg, Db};
use crate::domain::incident::{IncidentChange, IncidentUpdate, NewIncident};
use crate::domain::page::Cursor;
use serde::Deserialize;
use worker::{D1PreparedStatement, Result};

const COLUMNS: &str = "id, title, status, impact, kind, cause, started_at, resolved_at, updated_at";
const NEW_UPDATE_ID: &str = "'upd_' || lower(hex(randomblob(10)))";

#[derive(Debug, Clone, Deserialize)]
pub struct IncidentRow {
    pub id: String,
    pub title: String,
    pub status: String,
    pub impact: String,
    pub kind: String,
    pub cause: Option<String>,
    pub started_at: String,
    pub resolved_at: Option<String>,
    pub updated_at: String,
}

#[derive(Debug, Deserialize)]
pub struct UpdateRow {
    pub id: String,
    pub incident_id: String,
    pub status: String,
    pub message: String,
    pub created_at: String,
}

#[derive(Debug, Deserialize)]
pub struct LinkRow {
    pub incident_id: String,
    pub monitor_id: String,
}

/// The ids an automatic change writes under, chosen once by the monitor's
/// object and kept with the change until D1 has it: applied twice, the same
/// ids insert nothing new.
pub struct AutomaticIds<'a> {
    pub incident_id: &'a str,
    pub update_id: &'a str,
}

/// Opens an automatic incident for a monitor that went down, unless one is
/// already open, and only while the monitor is still down (a pause or a
/// deletion in between wins). Idempotent.
pub fn open_automatic(
    db: &Db,
    ids: &AutomaticIds<'_>,
    org_id: &str,
    monitor_id: &str,
    title: &str,
    cause: &str,
    at: &str,
) -> Result<Vec<D1PreparedStatement>> {
    let insert =
        "INSERT OR IGNORE INTO incidents (id, org_id, title, status, impact, kind, cause, started_at, updated_at)
        SELECT ?1, ?2, ?4, 'investigating', 'major', 'automatic', ?5, ?6, ?6
        WHERE EXISTS (SELECT 1 FROM monitors WHERE id = ?3 AND status = 'down')
          AND NOT EXISTS (SELECT 1 FROM incidents i JOIN incident_monitors im ON im.incident_id = i.id
                          WHERE im.monitor_id = ?3 AND i.kind = 'automatic' AND i.status <> 'resolved')";
    let link = "INSERT OR IGNORE INTO incident_monitors (incident_id, monitor_id) SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM incidents WHERE id = ?1)";
    let update = "INSERT OR IGNORE INTO incident_updates (id, incident_id, status, message, created_at)
        SELECT ?4, ?1, 'investigating', ?2, ?3 WHERE EXISTS (SELECT 1 FROM incidents WHERE id = ?1)";
    Ok(vec![
        statement(
            db,
            insert,
            &[
                ids.incident_id.into(),
                org_id.into(),
                monitor_id.into(),
                title.into(),
                cause.into(),
                at.into(),
            ],
        )?,
        statement(db, link, &[ids.incident_id.into(), monitor_id.into()])?,
        statement(
            db,
            update,
            &[ids.incident_id.into(), cause.into(), at.into(), ids.update_id.into()],
        )?,
    ])
}

/// Resolves the monitor's open automatic incident, with a closing update
/// `update_id`. Idempotent: once resolved, nothing is open to resolve.
pub fn resolve_automatic(
    db: &Db,
    monitor_id: &str,
    update_id: &str,
    message: &str,
    at: &str,
) -> Result<Vec<D1PreparedStatement>> {
    let open = "SELECT i.id FROM incidents i JOIN incident_monitors im ON im.incident_id = i.id
        WHERE im.monitor_id = ?1 AND i.kind = 'automatic' AND i.status <> 'resolved'";
    let update = format!("INSERT OR IGNORE INTO incident_updates (id, incident_id, status, message, created_at) SELECT ?4, id, 'resolved', ?2, ?3 FROM ({open}) LIMIT 1");
    let resolve =
        format!("UPDATE incidents SET status = 'resolved', resolved_at = ?2, updated_at = ?2 WHERE id IN ({open})");
    Ok(vec![
        statement(
            db,
            &update,
            &[monitor_id.into(), message.into(), at.into(), update_id.into()],
        )?,
        statement(db, &resolve, &[monitor_id.into(), at.into()])?,
    ])
}

pub async fn create(db: &Db, id: &str, org_id: &str, incident: &NewIncident, now: &str) -> Result<()> {
    let resolved_at = (incident.status == "resolved").then_some(now);
    let mut statements = vec![
        statement(
            db,
            "INSERT INTO incidents (id, org_id, title, status, impact, kind, started_at, resolved_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'manual', ?6, ?7, ?6)",
            &[id.into(), org_id.into(), (&incident.title).into(), (&incident.status).into(), (&incident.impact).into(), now.into(), resolved_at.into()],
        )?,
        statement(db, &format!("INSERT INTO incident_updates (id, incident_id, status, message, created_at) VALUES ({NEW_UPDATE_ID}, ?1, ?2, ?3, ?4)"), &[id.into(), (&incident.status).into(), (&incident.message).into(), now.into()])?,
    ];
    for monitor_id in &incident.monitor_ids {
        statements.push(statement(
            db,
            "INSERT INTO incident_monitors (incident_id, monitor_id) VALUES (?1, ?2)",
            &[id.into(), monitor_id.into()],
        )?);
    }
    db.batch(statements).await?;
    Ok(())
}

/// Applies a change; a new status is also written to the timeline.
pub async fn change(db: &Db, org_id: &str, id: &str, change: &IncidentChange, now: &str) -> Result<()> {
    let mut statements = vec![statement(
        db,
        "UPDATE incidents SET title = COALESCE(?3, title), impact = COALESCE(?4, impact), status = COALESCE(?5, status),
            resolved_at = CASE WHEN ?5 IS NULL THEN resolved_at WHEN ?5 = 'resolved' THEN COALESCE(resolved_at, ?6) ELSE NULL END,
            updated_at = ?6
         WHERE id = ?1 AND org_id = ?2",
        &[id.into(), org_id.into(), change.title.as_deref().into(), change.impact.as_deref().into(), change.status.as_deref().into(), now.into()],
    )?];
    if let Some(status) = &change.status {
        let update = IncidentUpdate {
            status: status.clone(),
            message: format!("Status changed to {status}."),
        };
        statements.push(insert_update(db, org_id, id, &update, now)?);
    }
    db.batch(statements).await?;
    Ok(())
}

/// Adds an entry to the timeline and moves the incident to its status.
pub async fn add_update(db: &Db, org_id: &str, id: &str, update: &IncidentUpdate, now: &str) -> Result<()> {
    let change = IncidentChange {
        status: Some(update.status.clone()),
        ..IncidentChange::default()
    };
    db.batch(vec![
        insert_update(db, org_id, id, update, now)?,
        statement(
            db,
            "UPDATE incidents SET status = ?3, resolved_at = CASE WHEN ?3 = 'resolved' THEN COALESCE(resolved_at, ?4) ELSE NULL END, updated_at = ?4 WHERE id = ?1 AND org_id = ?2",
            &[id.into(), org_id.into(), change.status.as_deref().into(), now.into()],
        )?,
    ])
    .await?;
    Ok(())
}

fn insert_update(db: &Db, org_id: &str, id: &str, update: &IncidentUpdate, now: &str) -> Result<D1PreparedStatement> {
    statement(
        db,
        &format!("INSERT INTO incident_updates (id, incident_id, status, message, created_at)
            SELECT {NEW_UPDATE_ID}, ?1, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM incidents WHERE id = ?1 AND org_id = ?2)"),
        &[id.into(), org_id.into(), (&update.status).into(), (&update.message).into(), now.into()],
    )
}

pub async fn get(db: &Db, org_id: &str, id: &str) -> Result<Option<IncidentRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM incidents WHERE id = ?1 AND org_id = ?2"),
        &[id.into(), org_id.into()],
    )
    .await
}

/// Whether a forum thread of `user_id` may link to the incident: one of an
/// organization the user belongs to, or one a public status page shows
/// (concerning a monitor in one of its organization's pages' sections).
pub async fn linkable(db: &Db, id: &str, user_id: &str) -> Result<bool> {
    let found: Option<serde_json::Value> = first(
        db,
        "SELECT 1 AS found FROM incidents i WHERE i.id = ?1 AND (
            i.org_id IN (SELECT org_id FROM memberships WHERE user_id = ?2)
            OR EXISTS (SELECT 1 FROM status_pages p, json_each(p.sections) s, json_each(s.value, '$.monitors') m
                       JOIN incident_monitors im ON im.monitor_id = json_extract(m.value, '$.id')
                       WHERE p.org_id = i.org_id AND im.incident_id = i.id))",
        &[id.into(), user_id.into()],
    )
    .await?;
    Ok(found.is_some())
}

#[derive(Debug, Default)]
pub struct ListFilter {
    pub status: Option<String>,
    pub monitor_id: Option<String>,
}

/// One page of the organization's incidents, newest first, after `cursor`.
pub async fn list(
    db: &Db,
    org_id: &str,
    filter: &ListFilter,
    cursor: Option<&Cursor>,
    limit: u32,
) -> Result<Vec<IncidentRow>> {
    let mut sql = format!("SELECT {COLUMNS} FROM incidents WHERE org_id = ?");
    let mut args: Vec<Arg> = vec![org_id.into()];
    if let Some(status) = &filter.status {
        sql.push_str(" AND status = ?");
        args.push(status.into());
    }
    if let Some(monitor_id) = &filter.monitor_id {
        sql.push_str(" AND id IN (SELECT incident_id FROM incident_monitors WHERE monitor_id = ?)");
        args.push(monitor_id.into());
    }
    page_after(&mut sql, &mut args, "started_at", true, cursor, limit);
    all(db, &sql, &args).await
}

/// The monitors and the timelines of some incidents (one query each).
pub async fn details(db: &Db, ids_json: &str) -> Result<(Vec<LinkRow>, Vec<UpdateRow>)> {
    let links = all(db, "SELECT incident_id, monitor_id FROM incident_monitors WHERE incident_id IN (SELECT value FROM json_each(?1)) ORDER BY monitor_id", &[ids_json.into()]).await?;
    Ok((links, updates(db, ids_json).await?))
}

/// The timelines of the incidents (a JSON list of ids), oldest entry first.
pub async fn updates(db: &Db, ids_json: &str) -> Result<Vec<UpdateRow>> {
    all(
        db,
        "SELECT id, incident_id, status, message, created_at FROM incident_updates WHERE incident_id IN (SELECT value FROM json_each(?1)) ORDER BY created_at, id",
        &[ids_json.into()],
    )
    .await
}

/// A status page's incidents: those still open and the last `resolved`
/// resolved ones, concerning any of the monitors (a JSON list), newest first.
pub async fn for_monitors(db: &Db, org_id: &str, ids_json: &str, resolved: u32) -> Result<Vec<IncidentRow>> {
    let concerned = "org_id = ?1 AND id IN (SELECT incident_id FROM incident_monitors WHERE monitor_id IN (SELECT value FROM json_each(?2)))";
    let sql = format!(
        "SELECT {COLUMNS} FROM incidents WHERE {concerned} AND status <> 'resolved'
         UNION ALL SELECT * FROM (SELECT {COLUMNS} FROM incidents WHERE {concerned} AND status = 'resolved' ORDER BY started_at DESC LIMIT ?3)
         ORDER BY started_at DESC"
    );
    all(db, &sql, &[org_id.into(), ids_json.into(), i64::from(resolved).into()]).await
}
