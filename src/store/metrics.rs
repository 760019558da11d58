//! What the Prometheus metrics read (`domain::metrics`): D1 only (the
//! `monitors` rows of the organization, their `daily_rollups` of the last
//! 30 days, its open `incidents`), in one batch of two indexed reads; and the
//! answers kept in this isolate's memory for `TTL_MS` per organization, so a
//! scrape every few seconds costs D1 nothing more.

use super::{statement, Db};
use crate::domain::metrics::{Days, MonitorFigures, OrgFigures, Rollups, Spans};
use crate::domain::monitor::MonitorStatus;
use crate::domain::time::millis_from_iso;
use lru::LruCache;
use serde::Deserialize;
use std::cell::RefCell;
use std::num::NonZeroUsize;
use std::rc::Rc;
use worker::Result;

/// How long an organization's answer is kept.
pub const TTL_MS: i64 = 15_000;
/// The most organizations whose answers an isolate keeps, and their bytes
/// together (an isolate has 128 MB).
const KEPT_ORGS: usize = 256;
const KEPT_BYTES: usize = 4 * 1024 * 1024;
/// The most monitors read: above the largest plan's limit (a downgrade
/// can leave more than the plan allows).
const MAX_MONITORS: i64 = 5_000;

/// A monitor's columns, with its rollups of the last 30 days summed by where
/// they fall (`Days`). Only the grace and regions are read out of
/// `settings`, which otherwise holds what must never be shown (URL,
/// headers, body).
const MONITORS: &str = "
SELECT m.id, m.name, m.type, m.status, m.interval_seconds, m.tags,
       json_extract(m.settings, '$.grace_seconds') AS grace_seconds,
       json_extract(m.settings, '$.regions') AS regions,
       m.status_changed_at, m.last_ping_ms, m.checks_recorded, m.failures_recorded,
       r.has_today, r.today_down, r.today_observed, r.yesterday_down, r.yesterday_observed,
       r.oldest_down, r.oldest_observed, r.recent_down, r.recent_observed, r.through_ms,
       r.avg_today, r.p95_today, r.avg_yesterday, r.p95_yesterday
FROM monitors m LEFT JOIN (
    SELECT d.monitor_id,
           MAX(d.day = ?2) AS has_today,
           SUM(CASE WHEN d.day = ?2 THEN d.downtime_seconds END) AS today_down,
           SUM(CASE WHEN d.day = ?2 THEN d.observed_seconds END) AS today_observed,
           SUM(CASE WHEN d.day = ?3 THEN d.downtime_seconds END) AS yesterday_down,
           SUM(CASE WHEN d.day = ?3 THEN d.observed_seconds END) AS yesterday_observed,
           SUM(CASE WHEN d.day = ?4 THEN d.downtime_seconds END) AS oldest_down,
           SUM(CASE WHEN d.day = ?4 THEN d.observed_seconds END) AS oldest_observed,
           SUM(CASE WHEN d.day > ?4 THEN d.downtime_seconds END) AS recent_down,
           SUM(CASE WHEN d.day > ?4 THEN d.observed_seconds END) AS recent_observed,
           MAX(d.through_ms) AS through_ms,
           MAX(CASE WHEN d.day = ?2 THEN d.avg_response_ms END) AS avg_today,
           MAX(CASE WHEN d.day = ?2 THEN d.p95_response_ms END) AS p95_today,
           MAX(CASE WHEN d.day = ?3 THEN d.avg_response_ms END) AS avg_yesterday,
           MAX(CASE WHEN d.day = ?3 THEN d.p95_response_ms END) AS p95_yesterday
    FROM monitors o JOIN daily_rollups d ON d.monitor_id = o.id AND d.day >= ?4
    WHERE o.org_id = ?1
    GROUP BY d.monitor_id
) r ON r.monitor_id = m.id
WHERE m.org_id = ?1
ORDER BY m.created_at, m.id
LIMIT ?5";

/// `IN` rather than `<> 'resolved'`, so that the read stays within the
/// open ones of `incidents_by_org_status` as resolved incidents pile up.
const OPEN_INCIDENTS: &str = "
SELECT impact, COUNT(*) AS n FROM incidents
WHERE org_id = ?1 AND status IN ('investigating', 'identified', 'monitoring')
GROUP BY impact";

#[derive(Debug, Deserialize)]
struct MonitorLine {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    status: String,
    interval_seconds: i64,
    /// JSON list of strings.
    tags: String,
    grace_seconds: Option<i64>,
    /// JSON list of strings, when the kind has regions.
    regions: Option<String>,
    status_changed_at: Option<String>,
    last_ping_ms: Option<i64>,
    checks_recorded: i64,
    failures_recorded: i64,
    has_today: Option<i64>,
    today_down: Option<i64>,
    today_observed: Option<i64>,
    yesterday_down: Option<i64>,
    yesterday_observed: Option<i64>,
    oldest_down: Option<i64>,
    oldest_observed: Option<i64>,
    recent_down: Option<i64>,
    recent_observed: Option<i64>,
    through_ms: Option<i64>,
    avg_today: Option<i64>,
    p95_today: Option<i64>,
    avg_yesterday: Option<i64>,
    p95_yesterday: Option<i64>,
}

impl MonitorLine {
    fn figures(self) -> MonitorFigures {
        let spans = |down: Option<i64>, observed: Option<i64>| Spans {
            downtime_s: down.unwrap_or(0),
            observed_s: observed.unwrap_or(0),
        };
        let list = |json: Option<&str>| -> Vec<String> {
            json.and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or_default()
        };
        // Today's response times once today has a rollup; yesterday's until then.
        let (avg_response_ms, p95_response_ms) = if self.has_today == Some(1) {
            (self.avg_today, self.p95_today)
        } else {
            (self.avg_yesterday, self.p95_yesterday)
        };
        MonitorFigures {
            tags: list(Some(&self.tags)),
            regions: list(self.regions.as_deref()),
            status: MonitorStatus::parse(&self.status).unwrap_or(MonitorStatus::Pending),
            grace_seconds: self.grace_seconds.filter(|_| self.kind == "heartbeat"),
            status_changed_ms: self.status_changed_at.as_deref().and_then(millis_from_iso),
            interval_seconds: self.interval_seconds,
            last_ping_ms: self.last_ping_ms.filter(|_| self.kind == "heartbeat"),
            checks: self.checks_recorded,
            failures: self.failures_recorded,
            rollups: Rollups {
                today: spans(self.today_down, self.today_observed),
                yesterday: spans(self.yesterday_down, self.yesterday_observed),
                oldest: spans(self.oldest_down, self.oldest_observed),
                recent: spans(self.recent_down, self.recent_observed),
                through_ms: self.through_ms,
                avg_response_ms,
                p95_response_ms,
            },
            id: self.id,
            name: self.name,
            kind: self.kind,
        }
    }
}

#[derive(Debug, Deserialize)]
struct ImpactCount {
    impact: String,
    n: i64,
}

/// The organization's figures at `now_ms`.
pub async fn figures(db: &Db, org_id: &str, now_ms: i64) -> Result<OrgFigures> {
    let days = Days::at(now_ms);
    let monitors = statement(
        db,
        MONITORS,
        &[
            org_id.into(),
            (&days.today).into(),
            (&days.yesterday).into(),
            (&days.oldest).into(),
            MAX_MONITORS.into(),
        ],
    )?;
    let incidents = statement(db, OPEN_INCIDENTS, &[org_id.into()])?;
    let results = db.batch(vec![monitors, incidents]).await?;
    let (Some(monitors), Some(incidents)) = (results.first(), results.get(1)) else {
        return Err(worker::Error::RustError(
            "D1 answered the metrics batch only in part".into(),
        ));
    };
    Ok(OrgFigures {
        monitors: monitors
            .results::<MonitorLine>()?
            .into_iter()
            .map(MonitorLine::figures)
            .collect(),
        open_incidents: incidents
            .results::<ImpactCount>()?
            .into_iter()
            .map(|row| (row.impact, row.n))
            .collect(),
    })
}

/// Answers kept per organization, each `TTL_MS`, the least recently used
/// dropped first past `KEPT_ORGS` or `KEPT_BYTES`.
struct Kept {
    entries: LruCache<String, (i64, Rc<str>)>,
    bytes: usize,
}

thread_local! {
    static KEPT: RefCell<Kept> = RefCell::new(Kept {
        entries: LruCache::new(NonZeroUsize::new(KEPT_ORGS).unwrap_or(NonZeroUsize::MIN)),
        bytes: 0,
    });
}

/// The organization's answer, if one made less than `TTL_MS` ago is kept.
pub fn kept(org_id: &str, now_ms: i64) -> Option<Rc<str>> {
    KEPT.with(|kept| {
        let kept = &mut *kept.borrow_mut();
        let (at_ms, body) = kept.entries.get(org_id)?;
        if (0..TTL_MS).contains(&(now_ms - *at_ms)) {
            return Some(body.clone());
        }
        if let Some((_, old)) = kept.entries.pop(org_id) {
            kept.bytes = kept.bytes.saturating_sub(old.len());
        }
        None
    })
}

/// Keeps the organization's answer made at `now_ms`.
pub fn keep(org_id: &str, now_ms: i64, body: Rc<str>) {
    if body.len() > KEPT_BYTES {
        return;
    }
    KEPT.with(|kept| {
        let kept = &mut *kept.borrow_mut();
        kept.bytes += body.len();
        if let Some((_, (_, old))) = kept.entries.push(org_id.to_string(), (now_ms, body)) {
            kept.bytes = kept.bytes.saturating_sub(old.len());
        }
        while kept.bytes > KEPT_BYTES {
            match kept.entries.pop_lru() {
                Some((_, (_, old))) => kept.bytes = kept.bytes.saturating_sub(old.len()),
                None => break,
            }
        }
    })
}
