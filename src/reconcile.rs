//! The cron reconciler (every minute). It is not the scheduler: each
//! monitor's Durable Object schedules itself with alarms, and renews its
//! lease in D1 once an hour (`domain::lease`). The reconciler visits only
//! active monitors whose lease ran out (an alarm was lost, for example when
//! `wrangler dev` restarts; D1 refused a write; or the object has no alarm
//! within the hour, like a heartbeat whose pings keep arriving), the longest
//! overdue first and at most `MONITORS_PER_RUN` of them, so a run's work
//! follows what went wrong, not how many monitors there are. A visit makes
//! sure the object is configured and armed and holds the maintenance windows
//! that cover it, that D1 has every change of status it made (retrying what failed, repairing what drifted), and brings
//! rollups up to the run's time; the object then grants a new lease. The
//! reconciler also finishes deletions whose D1 part failed, re-arms
//! organization hubs that hold unsettled deliveries, and prunes old rollups
//! and expired audit log entries.
//! A failed item is logged and stays overdue for the next run; the others go
//! on. It works at the cron event's time (`scheduled_ms`), not the wall
//! clock's, so rollups of days it did not run on are caught up to that time.

use crate::domain::ids::new_id;
use crate::domain::maintenance::Window;
use crate::domain::time::{day_of, iso_from_millis, DAY_MS};
use crate::objects::stub::{self, EnsureRequest, ObjectConfig, Visit};
use crate::store::monitors::{self, MonitorRow};
use crate::store::Db;
use crate::store::{audit_log, channels, maintenances, rollups};
use futures_util::future::join_all;
use std::collections::BTreeSet;
use worker::{console_error, console_log, Env, Result};

/// The free plan allows 50 subrequests per invocation: the objects a run
/// visits, monitors' and hubs', stay below it. D1 gets 4 queries a run, and
/// one more per failed visit's batch and per deletion finished.
const MONITORS_PER_RUN: u32 = 40;
const HUBS_PER_RUN: u32 = 8;
/// A Worker holds at most 6 outbound connections at once.
const AT_ONCE: usize = 6;

/// What a run did, for its summary line.
#[derive(Default)]
struct Tally {
    visited: usize,
    rearmed: usize,
    failed: usize,
    hubs: usize,
    /// D1 queries made (the free plan allows 50 per invocation).
    d1: usize,
}

pub async fn run(env: &Env, scheduled_ms: i64) -> Result<()> {
    let started = worker::Date::now().as_millis();
    let db = Db::of(env)?;
    let mut tally = Tally::default();
    let steps = [
        visit_overdue(env, &db, scheduled_ms, &mut tally).await,
        rearm_hubs(env, &db, &mut tally).await,
        rollups::prune(&db, &day_of(scheduled_ms - rollups::RETENTION_DAYS * DAY_MS))
            .await
            .map(drop),
        audit_log::prune(&db, scheduled_ms).await.map(drop),
    ];
    tally.d1 += 2;
    for error in steps.into_iter().filter_map(Result::err) {
        console_error!("the reconciler failed: {error}");
        tally.failed += 1;
    }
    let Tally {
        visited,
        rearmed,
        failed,
        hubs,
        d1,
    } = tally;
    let ms = worker::Date::now().as_millis() - started;
    console_log!("reconciler: visited={visited} rearmed={rearmed} failed={failed} hubs={hubs} d1={d1} ms={ms}");
    Ok(())
}

/// Visits the monitors whose lease ran out; those that fail go to the back
/// of the queue.
async fn visit_overdue(env: &Env, db: &Db, scheduled_ms: i64, tally: &mut Tally) -> Result<()> {
    tally.d1 += 1;
    let overdue = monitors::overdue(db, scheduled_ms, MONITORS_PER_RUN).await?;
    if overdue.is_empty() {
        return Ok(());
    }
    // The maintenance windows the objects should hold, for drift to be repaired.
    tally.d1 += 2;
    let org_ids: BTreeSet<&str> = overdue.iter().map(|row| row.org_id.as_str()).collect();
    let coverage = maintenances::covering(db, &org_ids.into_iter().collect::<Vec<_>>(), scheduled_ms).await?;
    let windows = |row: &MonitorRow| {
        coverage
            .get(&row.org_id)
            .and_then(|c| c.get(&row.id))
            .cloned()
            .unwrap_or_default()
    };
    let mut failed_ids = Vec::new();
    for batch in overdue.chunks(AT_ONCE) {
        let outcomes = join_all(batch.iter().map(|row| visit(env, db, row, windows(row), scheduled_ms))).await;
        for (row, outcome) in batch.iter().zip(outcomes) {
            tally.visited += 1;
            match outcome {
                Ok(Visit::Rearmed) => tally.rearmed += 1,
                Ok(Visit::Healthy) => {}
                Ok(Visit::Deleted) => {
                    console_log!("finished deleting monitor {}", row.id);
                    tally.d1 += 1;
                }
                Err(error) => {
                    console_error!("reconciling monitor {} failed; retried next run: {error}", row.id);
                    tally.failed += 1;
                    failed_ids.push(row.id.as_str());
                }
            }
        }
    }
    if failed_ids.is_empty() {
        return Ok(());
    }
    tally.d1 += 1;
    monitors::requeue(db, &serde_json::to_string(&failed_ids)?, scheduled_ms).await
}

/// One monitor's visit.
async fn visit(env: &Env, db: &Db, row: &MonitorRow, windows: Vec<Window>, scheduled_ms: i64) -> Result<Visit> {
    let config = ObjectConfig {
        maintenance: Some(windows),
        ..ObjectConfig::of(row)?
    };
    let visit = stub::ensure(env, &EnsureRequest { config, scheduled_ms }).await?;
    if let Visit::Deleted = visit {
        // The API's deletion stopped the object but did not reach D1: finish it.
        monitors::delete(db, None, &row.id, &new_id("upd"), &iso_from_millis(scheduled_ms)).await?;
    }
    Ok(visit)
}

/// Hubs with unsettled deliveries: a restart may have lost their alarm.
async fn rearm_hubs(env: &Env, db: &Db, tally: &mut Tally) -> Result<()> {
    tally.d1 += 1;
    let backlog = channels::backlog(db, HUBS_PER_RUN).await?;
    let visits = join_all(backlog.iter().map(|org_id| stub::hub_ensure(env, org_id))).await;
    for (org_id, visit) in backlog.iter().zip(visits) {
        tally.hubs += 1;
        if let Err(error) = visit {
            console_error!("re-arming the hub of {org_id} failed; retried next run: {error}");
            tally.failed += 1;
        }
    }
    Ok(())
}
