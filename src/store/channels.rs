//! D1 tables `channels` (notification channels) and `hub_backlog` (the
//! organizations whose hub has deliveries to settle). Deliveries themselves
//! are in each hub's own storage (`store::deliveries`).

use super::{all, execute, first, Arg, Db};
use crate::domain::notify::spec::ChannelSpec;
use serde::Deserialize;
use worker::Result;

const COLUMNS: &str =
    "id, org_id, name, kind, settings, events, monitor_ids, enabled, remind_every_minutes, signing_secret, created_at, updated_at";

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct ChannelRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub kind: String,
    /// JSON of `ChannelSettings`.
    pub settings: String,
    /// JSON list of event names.
    pub events: String,
    /// JSON list of monitor ids; NULL: all.
    pub monitor_ids: Option<String>,
    pub enabled: i64,
    pub remind_every_minutes: Option<i64>,
    pub signing_secret: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl ChannelRow {
    pub fn spec(&self) -> serde_json::Result<ChannelSpec> {
        Ok(ChannelSpec {
            name: self.name.clone(),
            settings: serde_json::from_str(&self.settings)?,
            events: serde_json::from_str(&self.events)?,
            monitor_ids: self.monitor_ids.as_deref().map(serde_json::from_str).transpose()?,
            enabled: self.enabled != 0,
            remind_every_minutes: self.remind_every_minutes.and_then(|n| u32::try_from(n).ok()),
        })
    }
}

/// The columns a spec sets, in the order `?3…?8` of the writes below.
struct Columns {
    settings: String,
    events: String,
    monitor_ids: Option<String>,
}

fn columns(spec: &ChannelSpec) -> Result<Columns> {
    Ok(Columns {
        settings: serde_json::to_string(&spec.settings)?,
        events: serde_json::to_string(&spec.events)?,
        monitor_ids: spec.monitor_ids.as_ref().map(serde_json::to_string).transpose()?,
    })
}

/// Inserts a channel unless the organization has `max_channels` already (false).
pub async fn create(
    db: &Db,
    id: &str,
    org_id: &str,
    spec: &ChannelSpec,
    signing_secret: Option<&str>,
    max_channels: i64,
    now: &str,
) -> Result<bool> {
    let c = columns(spec)?;
    let sql = format!(
        "INSERT INTO channels ({COLUMNS})
        SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11
        WHERE (SELECT COUNT(*) FROM channels WHERE org_id = ?2) < ?12"
    );
    let args = [
        id.into(),
        org_id.into(),
        (&spec.name).into(),
        spec.settings.kind().into(),
        (&c.settings).into(),
        (&c.events).into(),
        c.monitor_ids.as_deref().into(),
        i64::from(spec.enabled).into(),
        spec.remind_every_minutes.map_or(Arg::Null, |n| i64::from(n).into()),
        signing_secret.into(),
        now.into(),
        max_channels.into(),
    ];
    Ok(execute(db, &sql, &args).await? == 1)
}

pub async fn update(db: &Db, org_id: &str, id: &str, spec: &ChannelSpec, now: &str) -> Result<bool> {
    let c = columns(spec)?;
    let sql = "UPDATE channels SET name = ?3, settings = ?4, events = ?5, monitor_ids = ?6, enabled = ?7,
        remind_every_minutes = ?8, updated_at = ?9 WHERE id = ?1 AND org_id = ?2";
    let args = [
        id.into(),
        org_id.into(),
        (&spec.name).into(),
        (&c.settings).into(),
        (&c.events).into(),
        c.monitor_ids.as_deref().into(),
        i64::from(spec.enabled).into(),
        spec.remind_every_minutes.map_or(Arg::Null, |n| i64::from(n).into()),
        now.into(),
    ];
    Ok(execute(db, sql, &args).await? == 1)
}

pub async fn set_signing_secret(db: &Db, org_id: &str, id: &str, secret: &str, now: &str) -> Result<bool> {
    let sql = "UPDATE channels SET signing_secret = ?3, updated_at = ?4 WHERE id = ?1 AND org_id = ?2";
    Ok(execute(db, sql, &[id.into(), org_id.into(), secret.into(), now.into()]).await? == 1)
}

pub async fn delete(db: &Db, org_id: &str, id: &str) -> Result<bool> {
    let sql = "DELETE FROM channels WHERE id = ?1 AND org_id = ?2";
    Ok(execute(db, sql, &[id.into(), org_id.into()]).await? == 1)
}

pub async fn get(db: &Db, org_id: &str, id: &str) -> Result<Option<ChannelRow>> {
    let sql = format!("SELECT {COLUMNS} FROM channels WHERE id = ?1 AND org_id = ?2");
    first(db, &sql, &[id.into(), org_id.into()]).await
}

/// The organization's channels, oldest first (a plan allows at most 100).
pub async fn list(db: &Db, org_id: &str) -> Result<Vec<ChannelRow>> {
    let sql = format!("SELECT {COLUMNS} FROM channels WHERE org_id = ?1 ORDER BY created_at, id");
    all(db, &sql, &[org_id.into()]).await
}

/// The enabled channels of an organization: the hub's one read per event,
/// matched against the event in the domain.
pub async fn enabled(db: &Db, org_id: &str) -> Result<Vec<ChannelRow>> {
    let sql = format!("SELECT {COLUMNS} FROM channels WHERE org_id = ?1 AND enabled = 1");
    all(db, &sql, &[org_id.into()]).await
}

/// These channels (a JSON list of ids) of the organization, as they are now:
/// retries are sent with the current settings and signing secret.
pub async fn by_ids(db: &Db, org_id: &str, ids_json: &str) -> Result<Vec<ChannelRow>> {
    let sql = format!("SELECT {COLUMNS} FROM channels WHERE org_id = ?1 AND id IN (SELECT value FROM json_each(?2))");
    all(db, &sql, &[org_id.into(), ids_json.into()]).await
}

/// Marks the organization's hub as holding unsettled deliveries.
pub async fn mark_backlog(db: &Db, org_id: &str, now: &str) -> Result<()> {
    let sql = "INSERT OR IGNORE INTO hub_backlog (org_id, since) VALUES (?1, ?2)";
    execute(db, sql, &[org_id.into(), now.into()]).await.map(drop)
}

pub async fn clear_backlog(db: &Db, org_id: &str) -> Result<()> {
    execute(db, "DELETE FROM hub_backlog WHERE org_id = ?1", &[org_id.into()])
        .await
        .map(drop)
}

/// Up to `limit` organizations whose hubs have unsettled deliveries, drawn
/// at random: hubs whose deliveries stay unsettled for long (a receiver that
/// is down) cannot keep the others from their turn. The table holds only
/// the hubs with a backlog, so sorting it costs little.
pub async fn backlog(db: &Db, limit: u32) -> Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Org {
        org_id: String,
    }
    let sql = "SELECT org_id FROM hub_backlog ORDER BY random() LIMIT ?1";
    let rows: Vec<Org> = all(db, sql, &[i64::from(limit).into()]).await?;
    Ok(rows.into_iter().map(|r| r.org_id).collect())
}
