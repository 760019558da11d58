//! `monitors` and `monitor_tags`: the organization's monitors with their
//! current status; tags have their own indexed table for the `tag` filter.

use super::{all, changes, execute, first, like_pattern, page_after, statement, Arg, Db};
use crate::domain::incident::MONITOR_DELETED;
use crate::domain::monitor::MonitorSpec;
use crate::domain::page::Cursor;
use crate::domain::plan::monitor_cost;
use serde::Deserialize;
use worker::{D1PreparedStatement, Result};

const COLUMNS: &str =
    "id, org_id, name, type, status, interval_seconds, tags, settings, created_at, updated_at, ping_token_hash";

#[derive(Debug, Clone, Deserialize)]
pub struct MonitorRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub interval_seconds: i64,
    /// JSON list of strings.
    pub tags: String,
    /// JSON of `domain::monitor::Settings`.
    pub settings: String,
    pub created_at: String,
    pub updated_at: String,
    /// A heartbeat's: the SHA-256 of its ping token.
    pub ping_token_hash: Option<String>,
}

impl MonitorRow {
    pub fn spec(&self) -> serde_json::Result<MonitorSpec> {
        Ok(MonitorSpec {
            name: self.name.clone(),
            interval_seconds: self.interval_seconds as u32,
            tags: serde_json::from_str(&self.tags)?,
            settings: serde_json::from_str(&self.settings)?,
        })
    }
}

/// The stored form of a spec's columns.
struct SpecColumns {
    tags: String,
    settings: String,
    interval: i64,
    cost: i64,
    host: Option<String>,
    /// A heartbeat's Healthchecks UUID and slug, for the pings that name them.
    hc_uuid: Option<String>,
    slug: Option<String>,
}

impl SpecColumns {
    fn of(spec: &MonitorSpec) -> SpecColumns {
        SpecColumns {
            tags: serde_json::to_string(&spec.tags).unwrap_or_else(|_| "[]".into()),
            settings: serde_json::to_string(&spec.settings).unwrap_or_else(|_| "{}".into()),
            interval: i64::from(spec.interval_seconds),
            cost: monitor_cost(&spec.settings),
            host: spec.settings.watched_host(),
            hc_uuid: spec.settings.heartbeat().and_then(|b| b.hc_uuid.clone()),
            slug: spec.settings.heartbeat().and_then(|b| b.slug.clone()),
        }
    }
}

/// What the organization's (`?2`) monitors cost toward its plan, but monitor `?1`'s.
const COST_OF_OTHERS: &str = "(SELECT COALESCE(SUM(cost), 0) FROM monitors WHERE org_id = ?2 AND id <> ?1)";

// Tags are copied from the monitor's own `tags` column, so the two never differ.
const INSERT_TAGS: &str = "INSERT INTO monitor_tags (monitor_id, org_id, tag)
    SELECT m.id, m.org_id, t.value FROM monitors m, json_each(m.tags) t WHERE m.id = ?1";

/// A monitor about to be inserted.
pub struct NewMonitor<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub spec: &'a MonitorSpec,
    /// The SHA-256 of a heartbeat's ping token.
    pub ping_token_hash: Option<&'a str>,
    pub now: &'a str,
}

/// Inserts a monitor unless its cost would take the organization past
/// `max_monitors`; false then. The sum is inside the insert so that
/// concurrent creations cannot pass the limit together.
pub async fn create(db: &Db, monitor: &NewMonitor<'_>, max_monitors: i64) -> Result<bool> {
    let NewMonitor {
        id,
        org_id,
        spec,
        ping_token_hash,
        now,
    } = *monitor;
    let columns = SpecColumns::of(spec);
    let insert = statement(
        db,
        &format!("INSERT INTO monitors (id, org_id, name, type, status, interval_seconds, tags, settings, created_at, updated_at, ping_token_hash, cost, host, hc_uuid, slug)
         SELECT ?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8, ?8, ?10, ?11, ?12, ?13, ?14
         WHERE {COST_OF_OTHERS} + ?11 <= ?9"),
        &[id.into(), org_id.into(), (&spec.name).into(), spec.settings.kind().into(), columns.interval.into(), (&columns.tags).into(), (&columns.settings).into(), now.into(), max_monitors.into(), ping_token_hash.into(), columns.cost.into(), columns.host.as_deref().into(), columns.hc_uuid.as_deref().into(), columns.slug.as_deref().into()],
    )?;
    let results = db
        .batch(vec![insert, statement(db, INSERT_TAGS, &[id.into()])?])
        .await?;
    Ok(changes(results.first()) == 1)
}

/// What became of an update.
pub enum Updated {
    Done,
    NotFound,
    /// Its new cost would take the organization past `max_monitors`.
    OverLimit,
}

/// Replaces a monitor's spec unless its cost would take the organization
/// past `max_monitors` (checked inside the update, as at creation).
pub async fn update(
    db: &Db,
    org_id: &str,
    id: &str,
    spec: &MonitorSpec,
    now: &str,
    max_monitors: i64,
) -> Result<Updated> {
    let columns = SpecColumns::of(spec);
    let update = statement(
        db,
        &format!(
            "UPDATE monitors SET name = ?3, interval_seconds = ?4, tags = ?5, settings = ?6, updated_at = ?7, cost = ?8, host = ?10, hc_uuid = ?11, slug = ?12
         WHERE id = ?1 AND org_id = ?2 AND {COST_OF_OTHERS} + ?8 <= ?9"
        ),
        &[
            id.into(),
            org_id.into(),
            (&spec.name).into(),
            columns.interval.into(),
            (&columns.tags).into(),
            (&columns.settings).into(),
            now.into(),
            columns.cost.into(),
            max_monitors.into(),
            columns.host.as_deref().into(),
            columns.hc_uuid.as_deref().into(),
            columns.slug.as_deref().into(),
        ],
    )?;
    let results = db
        .batch(vec![
            update,
            // Rebuilt from the monitor's own `tags` column: unchanged when the update was refused.
            statement(db, "DELETE FROM monitor_tags WHERE monitor_id = ?1", &[id.into()])?,
            statement(db, INSERT_TAGS, &[id.into()])?,
            statement(
                db,
                "SELECT COUNT(*) AS n FROM monitors WHERE id = ?1 AND org_id = ?2",
                &[id.into(), org_id.into()],
            )?,
        ])
        .await?;
    let exists = results
        .last()
        .and_then(|r| r.results::<Count>().ok())
        .is_some_and(|rows| rows.first().is_some_and(|row| row.n > 0));
    Ok(match (changes(results.first()) == 1, exists) {
        (true, _) => Updated::Done,
        (false, true) => Updated::OverLimit,
        (false, false) => Updated::NotFound,
    })
}

/// A pause or resume through the API. It is a change of status too, so a
/// verdict the object made before it can no longer overwrite it.
pub async fn set_status(db: &Db, org_id: &str, id: &str, status: &str, now: &str) -> Result<bool> {
    let sql = "UPDATE monitors SET status = ?3, updated_at = ?4, status_changed_at = ?4 WHERE id = ?1 AND org_id = ?2";
    Ok(execute(db, sql, &[id.into(), org_id.into(), status.into(), now.into()]).await? == 1)
}

/// Deletes a monitor (of `org_id`, when given) and resolves its open
/// automatic incident with the update `update_id`: nothing is left to
/// resolve it later. False when there was no such monitor.
pub async fn delete(db: &Db, org_id: Option<&str>, id: &str, update_id: &str, now: &str) -> Result<bool> {
    let mut statements = vec![statement(
        db,
        "DELETE FROM monitors WHERE id = ?1 AND (?2 IS NULL OR org_id = ?2)",
        &[id.into(), org_id.into()],
    )?];
    statements.extend(super::incidents::resolve_automatic(
        db,
        id,
        update_id,
        MONITOR_DELETED,
        now,
    )?);
    let results = db.batch(statements).await?;
    Ok(changes(results.first()) == 1)
}

pub async fn get(db: &Db, org_id: &str, id: &str) -> Result<Option<MonitorRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM monitors WHERE id = ?1 AND org_id = ?2"),
        &[id.into(), org_id.into()],
    )
    .await
}

#[derive(Debug, Deserialize)]
struct Count {
    n: i64,
}

/// What the organization's monitors cost toward its plan (`monitor_cost`).
pub async fn cost(db: &Db, org_id: &str) -> Result<i64> {
    let row: Option<Count> = first(
        db,
        "SELECT COALESCE(SUM(cost), 0) AS n FROM monitors WHERE org_id = ?1",
        &[org_id.into()],
    )
    .await?;
    Ok(row.map_or(0, |c| c.n))
}

#[derive(Debug, Default)]
pub struct ListFilter {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub tag: Option<String>,
    /// Part of the name, any case.
    pub name_contains: Option<String>,
}

/// One page of the organization's monitors, oldest first, after `cursor`.
/// Every filter is served by an index on `org_id` first.
pub async fn list(
    db: &Db,
    org_id: &str,
    filter: &ListFilter,
    cursor: Option<&Cursor>,
    limit: u32,
) -> Result<Vec<MonitorRow>> {
    let pattern = filter.name_contains.as_deref().map(like_pattern);
    let mut sql = format!("SELECT {COLUMNS} FROM monitors WHERE org_id = ?");
    let mut args: Vec<Arg> = vec![org_id.into()];
    if let Some(kind) = &filter.kind {
        sql.push_str(" AND type = ?");
        args.push(kind.into());
    }
    if let Some(status) = &filter.status {
        sql.push_str(" AND status = ?");
        args.push(status.into());
    }
    if let Some(tag) = &filter.tag {
        sql.push_str(" AND id IN (SELECT monitor_id FROM monitor_tags WHERE org_id = ? AND tag = ?)");
        args.extend([org_id.into(), tag.into()]);
    }
    if let Some(pattern) = &pattern {
        sql.push_str(" AND name LIKE ? ESCAPE '\\'");
        args.push(pattern.into());
    }
    page_after(&mut sql, &mut args, "created_at", false, cursor, limit);
    all(db, &sql, &args).await
}

/// Records a change of status the monitor's Durable Object made at `at`.
/// Idempotent and order-proof, as the object may send it again (until D1
/// acknowledges it) and after later ones failed: it applies only over an
/// older change (`status_changed_at <= at`, ISO 8601 in one format sorts as
/// time), and never over a pause, which the API sets and which wins over a
/// probe's verdict, unless the object itself left the pause (a ping resumes
/// a paused heartbeat).
pub fn apply_status_change(db: &Db, id: &str, from: &str, to: &str, at: &str) -> Result<D1PreparedStatement> {
    statement(
        db,
        "UPDATE monitors SET status = ?2, status_changed_at = ?3
         WHERE id = ?1 AND (status <> 'paused' OR ?4 = 'paused')
           AND (status_changed_at IS NULL OR status_changed_at <= ?3)",
        &[id.into(), to.into(), at.into(), from.into()],
    )
}

/// Counts the monitor's row (0 or 1): how an object learns that its monitor
/// was deleted behind its back.
pub fn existence(db: &Db, id: &str) -> Result<D1PreparedStatement> {
    statement(db, "SELECT COUNT(*) AS n FROM monitors WHERE id = ?1", &[id.into()])
}

#[derive(Debug, Deserialize)]
pub struct Existence {
    pub n: i64,
}

/// Up to `limit` active (not paused) monitors whose lease ran out before
/// `now_ms`, the longest overdue first (`monitors_by_lease`): the reconciler's
/// work for one run.
pub async fn overdue(db: &Db, now_ms: i64, limit: u32) -> Result<Vec<MonitorRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM monitors WHERE status <> 'paused' AND lease_until < ?1 ORDER BY lease_until LIMIT ?2"
    );
    all(db, &sql, &[now_ms.into(), i64::from(limit).into()]).await
}

/// Grants the monitor's lease until `until_ms` (`domain::lease`); its object
/// sends it with a write it makes anyway when it can.
pub fn set_lease(db: &Db, id: &str, until_ms: i64, last_ping_ms: Option<i64>) -> Result<D1PreparedStatement> {
    // The heartbeat's latest ping rides on the lease's write (`None` keeps
    // what D1 holds), so the metrics can show its age without a write per ping.
    statement(
        db,
        "UPDATE monitors SET lease_until = ?2, last_ping_ms = COALESCE(?3, last_ping_ms) WHERE id = ?1",
        &[id.into(), until_ms.into(), last_ping_ms.into()],
    )
}

/// Sends monitors whose visit failed to the back of the reconciler's queue:
/// still overdue (retried at the next run), but behind those not tried yet,
/// so a few that keep failing cannot hold up the rest. A lease their object
/// granted meanwhile stays.
pub async fn requeue(db: &Db, ids_json: &str, now_ms: i64) -> Result<()> {
    let sql = "UPDATE monitors SET lease_until = ?2
               WHERE id IN (SELECT value FROM json_each(?1)) AND lease_until < ?2";
    execute(db, sql, &[ids_json.into(), now_ms.into()]).await.map(drop)
}

/// Makes these monitors (a JSON list of ids) due for the reconciler's next run.
pub async fn expire_leases(db: &Db, ids_json: &str) -> Result<()> {
    let sql = "UPDATE monitors SET lease_until = 0 WHERE id IN (SELECT value FROM json_each(?1))";
    execute(db, sql, &[ids_json.into()]).await.map(drop)
}

/// Which of these ids (a JSON list) are the organization's monitors.
pub async fn existing_ids(db: &Db, org_id: &str, ids_json: &str) -> Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let rows: Vec<Id> = all(
        db,
        "SELECT id FROM monitors WHERE org_id = ?1 AND id IN (SELECT value FROM json_each(?2))",
        &[org_id.into(), ids_json.into()],
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The heartbeat monitor a ping token belongs to.
pub async fn by_ping_token(db: &Db, token_hash: &str) -> Result<Option<MonitorRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM monitors WHERE ping_token_hash = ?1"),
        &[token_hash.into()],
    )
    .await
}

/// The heartbeat monitor that took over the Healthchecks check `uuid`, in any organization.
pub async fn by_hc_uuid(db: &Db, uuid: &str) -> Result<Option<MonitorRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM monitors WHERE hc_uuid = ?1"),
        &[uuid.into()],
    )
    .await
}

/// A monitor that took over a Healthchecks check.
#[derive(Debug, Deserialize)]
pub struct HcUuidOwner {
    pub hc_uuid: String,
    pub id: String,
    pub org_id: String,
}

/// The monitors, in any organization, that took over these Healthchecks
/// UUIDs (a JSON list): an import's checks, in one read.
pub async fn by_hc_uuids(db: &Db, uuids_json: &str) -> Result<Vec<HcUuidOwner>> {
    all(
        db,
        "SELECT hc_uuid, id, org_id FROM monitors WHERE hc_uuid IN (SELECT value FROM json_each(?1))",
        &[uuids_json.into()],
    )
    .await
}

/// The organization's heartbeats with the Healthchecks UUIDs (a `/api/v3` list).
pub async fn with_hc_uuid(db: &Db, org_id: &str) -> Result<Vec<MonitorRow>> {
    all(
        db,
        &format!("SELECT {COLUMNS} FROM monitors WHERE org_id = ?1 AND hc_uuid IS NOT NULL ORDER BY created_at, id"),
        &[org_id.into()],
    )
    .await
}

/// The monitors with this slug in the organization of this ping key (two
/// or more: the slug is ambiguous).
pub async fn by_slug(db: &Db, ping_key: &str, slug: &str) -> Result<Vec<MonitorRow>> {
    all(
        db,
        &format!(
            "SELECT {COLUMNS} FROM monitors WHERE slug = ?2
             AND org_id = (SELECT id FROM organizations WHERE ping_key = ?1) LIMIT 2"
        ),
        &[ping_key.into(), slug.into()],
    )
    .await
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

/// The organization's monitors pinged by slug (told of a new ping key).
pub async fn slugged(db: &Db, org_id: &str) -> Result<Vec<String>> {
    let rows: Vec<Id> = all(
        db,
        "SELECT id FROM monitors WHERE org_id = ?1 AND slug IS NOT NULL",
        &[org_id.into()],
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Replaces a heartbeat's token: the old one stops working at once.
pub async fn set_ping_token(db: &Db, org_id: &str, id: &str, token_hash: &str) -> Result<bool> {
    let sql = "UPDATE monitors SET ping_token_hash = ?3 WHERE id = ?1 AND org_id = ?2 AND type = 'heartbeat'";
    Ok(execute(db, sql, &[id.into(), org_id.into(), token_hash.into()]).await? == 1)
}

/// The organization's monitors as the live stream's `hello` lists them,
/// oldest first (a plan caps how many there are).
pub async fn live_states(db: &Db, org_id: &str) -> Result<Vec<crate::domain::live::MonitorState>> {
    all(
        db,
        "SELECT id, name, type, status FROM monitors WHERE org_id = ?1 ORDER BY created_at, id",
        &[org_id.into()],
    )
    .await
}

/// How many of the organization's monitors that are not paused probe from
/// `region` (`default`: those the platform places), for a region-wide shift.
pub async fn count_in_region(db: &Db, org_id: &str, region: &str) -> Result<i64> {
    let placed = "(json_array_length(settings, '$.regions') IS NULL OR json_array_length(settings, '$.regions') = 0)";
    let active = "SELECT COUNT(*) AS n FROM monitors WHERE org_id = ?1 AND status != 'paused'";
    let row: Option<Existence> = if region == "default" {
        let sql = format!("{active} AND type != 'heartbeat' AND {placed}");
        first(db, &sql, &[org_id.into()]).await?
    } else {
        let sql =
            format!("{active} AND EXISTS (SELECT 1 FROM json_each(monitors.settings, '$.regions') WHERE value = ?2)");
        first(db, &sql, &[org_id.into(), region.into()]).await?
    };
    Ok(row.map_or(0, |r| r.n))
}

/// Every monitor of an organization (the catalogue's: a few hundred at most).
pub async fn of_org(db: &Db, org_id: &str) -> Result<Vec<MonitorRow>> {
    all(
        db,
        &format!("SELECT {COLUMNS} FROM monitors WHERE org_id = ?1 ORDER BY created_at, id"),
        &[org_id.into()],
    )
    .await
}
