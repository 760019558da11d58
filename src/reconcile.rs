//! The cron reconciler (every minute). It is not the scheduler: each
//! monitor's Durable Object schedules itself with alarms. This makes sure
//! every active monitor's object is configured and armed (alarms can be lost,
//! for example when `wrangler dev` restarts), that D1 has every change of
//! status its object made (retrying what failed, repairing what drifted),
//! finishes deletions whose D1 part failed, re-arms organization hubs that
//! hold unsettled deliveries, and prunes old rollups. It works
//! at the cron event's time (`scheduled_ms`), not the wall clock's, so
//! rollups of days it did not run on are caught up to that time.

use crate::domain::ids::new_id;
use crate::domain::time::{day_of, iso_from_millis, DAY_MS};
use crate::objects::stub::{self, EnsureRequest, ObjectConfig, Visit};
use crate::store::monitors::{self, MonitorRow};
use crate::store::Db;
use crate::store::{channels, rollups};
use futures_util::future::join_all;
use worker::{console_error, console_log, Env, Result};

const PAGE: u32 = 100;
/// A Worker holds at most 6 outbound connections at once.
const AT_ONCE: usize = 6;

pub async fn run(env: &Env, scheduled_ms: i64) -> Result<()> {
    let db = Db::of(env)?;
    let (mut after, mut seen, mut rearmed) = (String::new(), 0, 0);
    loop {
        let page = monitors::active_page(&db, &after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        for batch in page.chunks(AT_ONCE) {
            let db = &db;
            let outcomes = join_all(batch.iter().map(|row| visit(env, db, row, scheduled_ms))).await;
            for (row, outcome) in batch.iter().zip(outcomes) {
                match outcome {
                    Ok(Visit::Rearmed) => rearmed += 1,
                    Ok(Visit::Healthy) => {}
                    Ok(Visit::Deleted) => console_log!("finished deleting monitor {}", row.id),
                    Err(error) => console_error!("reconciling monitor {} failed: {error}", row.id),
                }
            }
        }
        seen += page.len();
    }
    // Hubs with unsettled deliveries: a restart may have lost their alarm.
    let backlog = channels::backlog(&db).await?;
    for batch in backlog.chunks(AT_ONCE) {
        let visits = join_all(batch.iter().map(|org_id| stub::hub_ensure(env, org_id))).await;
        for (org_id, visit) in batch.iter().zip(visits) {
            if let Err(error) = visit {
                console_error!("re-arming the hub of {org_id} failed: {error}");
            }
        }
    }
    rollups::prune(&db, &day_of(scheduled_ms - rollups::RETENTION_DAYS * DAY_MS)).await?;
    console_log!("reconciled {seen} active monitors, re-armed {rearmed}");
    Ok(())
}

/// One monitor's visit.
async fn visit(env: &Env, db: &Db, row: &MonitorRow, scheduled_ms: i64) -> Result<Visit> {
    let config = ObjectConfig::of(row)?;
    let visit = stub::ensure(env, &EnsureRequest { config, scheduled_ms }).await?;
    if let Visit::Deleted = visit {
        // The API's deletion stopped the object but did not reach D1: finish it.
        monitors::delete(db, None, &row.id, &new_id("upd"), &iso_from_millis(scheduled_ms)).await?;
    }
    Ok(visit)
}
