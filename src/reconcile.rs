//! The cron reconciler (every minute). It is not the scheduler: each
//! monitor's Durable Object schedules itself with alarms. This makes sure
//! every active monitor's object is configured and armed (alarms can be lost,
//! for example when `wrangler dev` restarts), and prunes old rollups.

use crate::domain::time::{day_of, DAY_MS};
use crate::objects::stub::{self, ObjectConfig};
use crate::store::{monitors, rollups};
use futures_util::future::join_all;
use worker::{console_error, console_log, Env, Result};

const PAGE: u32 = 100;
/// A Worker holds at most 6 outbound connections at once.
const AT_ONCE: usize = 6;

pub async fn run(env: &Env) -> Result<()> {
    let db = env.d1("DB")?;
    let (mut after, mut seen, mut rearmed) = (String::new(), 0, 0);
    loop {
        let page = monitors::active_page(&db, &after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        for batch in page.chunks(AT_ONCE) {
            let outcomes = join_all(batch.iter().map(|row| async move {
                let config = ObjectConfig::of(row)?;
                stub::ensure(env, &config).await
            }))
            .await;
            for (row, outcome) in batch.iter().zip(outcomes) {
                match outcome {
                    Ok(true) => rearmed += 1,
                    Ok(false) => {}
                    Err(error) => console_error!("reconciling monitor {} failed: {error}", row.id),
                }
            }
        }
        seen += page.len();
    }
    let now = worker::Date::now().as_millis() as i64;
    rollups::prune(&db, &day_of(now - rollups::RETENTION_DAYS * DAY_MS)).await?;
    console_log!("reconciled {seen} active monitors, re-armed {rearmed}");
    Ok(())
}
