//! `daily_rollups`: one row per monitor and UTC day (checks, failures,
//! downtime, response times), the source of long-range uptime; and the
//! running counts of checks its writes add to `monitors` (the metrics').

use super::{execute, first, statement, Db};
use serde::{Deserialize, Serialize};
use worker::{D1PreparedStatement, Result};

/// How long rollups are kept.
pub const RETENTION_DAYS: i64 = 400;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DayStats {
    pub checks: i64,
    pub failures: i64,
    pub downtime_seconds: i64,
    pub observed_seconds: i64,
    pub avg_response_ms: Option<i64>,
    pub p95_response_ms: Option<i64>,
    /// Apdex counts against the monitor's `apdex_threshold_ms`.
    pub apdex_satisfied: i64,
    pub apdex_tolerating: i64,
    /// Time in maintenance windows, left out of downtime and observed time.
    #[serde(default)]
    pub maintenance_seconds: i64,
    /// The moment (epoch ms) these figures count up to, exclusive.
    #[serde(default)]
    pub through_ms: i64,
}

/// Writes a day's figures, in two statements for one batch: first the
/// monitor's running counts grow by what the day gained since its last
/// write (never shrinking: a counter, `domain::metrics`), then the day's row.
pub fn upsert(db: &Db, monitor_id: &str, day: &str, stats: &DayStats) -> Result<[D1PreparedStatement; 2]> {
    let counted = statement(
        db,
        "UPDATE monitors SET
           checks_recorded = checks_recorded + MAX(0, ?3 - COALESCE((SELECT checks FROM daily_rollups WHERE monitor_id = ?1 AND day = ?2), 0)),
           failures_recorded = failures_recorded + MAX(0, ?4 - COALESCE((SELECT failures FROM daily_rollups WHERE monitor_id = ?1 AND day = ?2), 0))
         WHERE id = ?1",
        &[monitor_id.into(), day.into(), stats.checks.into(), stats.failures.into()],
    )?;
    let row = statement(
        db,
        "INSERT INTO daily_rollups (monitor_id, day, checks, failures, downtime_seconds, observed_seconds, avg_response_ms,
           p95_response_ms, apdex_satisfied, apdex_tolerating, maintenance_seconds, through_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (monitor_id, day) DO UPDATE SET checks = excluded.checks, failures = excluded.failures,
           downtime_seconds = excluded.downtime_seconds, observed_seconds = excluded.observed_seconds,
           avg_response_ms = excluded.avg_response_ms, p95_response_ms = excluded.p95_response_ms,
           apdex_satisfied = excluded.apdex_satisfied, apdex_tolerating = excluded.apdex_tolerating,
           maintenance_seconds = excluded.maintenance_seconds, through_ms = excluded.through_ms",
        &[
            monitor_id.into(),
            day.into(),
            stats.checks.into(),
            stats.failures.into(),
            stats.downtime_seconds.into(),
            stats.observed_seconds.into(),
            stats.avg_response_ms.map_or(super::Arg::Null, super::Arg::Int),
            stats.p95_response_ms.map_or(super::Arg::Null, super::Arg::Int),
            stats.apdex_satisfied.into(),
            stats.apdex_tolerating.into(),
            stats.maintenance_seconds.into(),
            stats.through_ms.into(),
        ],
    )?;
    Ok([counted, row])
}

/// The sums over the monitor's days from `from_day` up to, not including, `to_day`.
#[derive(Debug, Default, Deserialize)]
pub struct Totals {
    pub checks: Option<i64>,
    pub failures: Option<i64>,
    pub downtime_seconds: Option<i64>,
    pub observed_seconds: Option<i64>,
    pub response_ms_sum: Option<f64>,
    pub apdex_satisfied: Option<i64>,
    pub apdex_tolerating: Option<i64>,
}

pub async fn totals(db: &Db, monitor_id: &str, from_day: &str, to_day: &str) -> Result<Totals> {
    let row = first(
        db,
        "SELECT SUM(checks) AS checks, SUM(failures) AS failures, SUM(downtime_seconds) AS downtime_seconds,
                SUM(observed_seconds) AS observed_seconds, SUM(avg_response_ms * (checks - failures)) AS response_ms_sum,
                SUM(apdex_satisfied) AS apdex_satisfied, SUM(apdex_tolerating) AS apdex_tolerating
         FROM daily_rollups WHERE monitor_id = ?1 AND day >= ?2 AND day < ?3",
        &[monitor_id.into(), from_day.into(), to_day.into()],
    )
    .await?;
    Ok(row.unwrap_or_default())
}

pub async fn prune(db: &Db, before_day: &str) -> Result<usize> {
    execute(db, "DELETE FROM daily_rollups WHERE day < ?1", &[before_day.into()]).await
}
