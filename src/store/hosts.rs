//! `host_checks` (live checks' results) and the reads a host's public
//! status is drawn from: its latest live check and the public monitors of
//! that host (the catalogue's, and those shown on a status page).

use super::{all, execute, first, Db};
use serde::Deserialize;
use worker::Result;

#[derive(Debug, Clone, Deserialize)]
pub struct HostCheck {
    pub host: String,
    pub checked_at: String,
    pub id: String,
    pub up: i64,
    pub status_code: Option<i64>,
    pub response_ms: Option<i64>,
    pub ip_address: Option<String>,
    pub error: Option<String>,
}

pub async fn record(db: &Db, check: &HostCheck) -> Result<()> {
    execute(
        db,
        "INSERT INTO host_checks (host, checked_at, id, up, status_code, response_ms, ip_address, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            (&check.host).into(),
            (&check.checked_at).into(),
            (&check.id).into(),
            check.up.into(),
            check.status_code.map_or(super::Arg::Null, Into::into),
            check.response_ms.map_or(super::Arg::Null, Into::into),
            check.ip_address.as_deref().into(),
            check.error.as_deref().into(),
        ],
    )
    .await
    .map(drop)
}

/// A host's live checks: the latest, and how many there were and were up.
#[derive(Debug, Clone, Deserialize)]
pub struct LiveChecks {
    pub total: i64,
    pub up: Option<i64>,
}

pub async fn latest(db: &Db, host: &str) -> Result<Option<HostCheck>> {
    first(
        db,
        "SELECT host, checked_at, id, up, status_code, response_ms, ip_address, error FROM host_checks
         WHERE host = ?1 ORDER BY checked_at DESC, id DESC LIMIT 1",
        &[host.into()],
    )
    .await
}

pub async fn counts(db: &Db, host: &str) -> Result<LiveChecks> {
    let row: Option<LiveChecks> = first(
        db,
        "SELECT COUNT(*) AS total, SUM(up) AS up FROM host_checks WHERE host = ?1",
        &[host.into()],
    )
    .await?;
    Ok(row.unwrap_or(LiveChecks { total: 0, up: None }))
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

/// Active monitors of `host` whose results are public: the catalogue
/// organization's, and those on one of their organization's status pages
/// (a few at most, through the host index).
pub async fn public_monitors(db: &Db, host: &str, catalogue_org: &str) -> Result<Vec<String>> {
    let rows: Vec<Id> = all(
        db,
        "SELECT m.id FROM monitors m WHERE m.host = ?1 AND m.status <> 'paused' AND (m.org_id = ?2 OR EXISTS (
             SELECT 1 FROM status_pages p, json_each(p.sections) s, json_each(s.value, '$.monitor_ids') i
             WHERE p.org_id = m.org_id AND i.value = m.id))
         ORDER BY m.created_at LIMIT 5",
        &[host.into(), catalogue_org.into()],
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Whether the organization monitors `host` (a live check of it is then a read).
pub async fn is_monitored_by(db: &Db, org_id: &str, host: &str) -> Result<bool> {
    let row: Option<super::monitors::Existence> = first(
        db,
        "SELECT COUNT(*) AS n FROM monitors WHERE host = ?1 AND org_id = ?2",
        &[host.into(), org_id.into()],
    )
    .await?;
    Ok(row.is_some_and(|r| r.n > 0))
}
