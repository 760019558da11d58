//! `make bench`, the check engine's schedule: `BENCH_SCHEDULE_MONITORS`
//! (default 200) HTTP monitors, every `BENCH_SCHEDULE_INTERVAL` seconds
//! (default 5), on a loopback target in this process, for
//! `BENCH_SCHEDULE_SECONDS` (default 120), while `scripts/serve.sh` fires the
//! cron reconciler every minute as in production. Then it pauses them, so that their history stops moving,
//! reads every check back and reports how late each ran (`checked_at −
//! scheduled_at`), how many of the 5 s slots were skipped, and what the
//! checks wrote: their rows in each monitor's own SQLite, and D1's rollups
//! (written when a status changes, not per check) read with `wrangler d1`.

mod support;

use serde_json::{json, Value};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;
use support::{all_complete, d1, env_number, histories, now_ms, pause_all, percentile, print_runs, Api, Check, Target};

/// The most monitors one account holds (the business plan).
const MAX_MONITORS: u64 = 2_000;
const THREADS: usize = 4;
const MAX_SECONDS: u64 = 3_600;

fn main() -> ExitCode {
    support::main_with(run)
}

/// Slots skipped between consecutive checks of one monitor (oldest first),
/// and gaps that are not a whole number of intervals (a restarted grid).
fn skipped_slots(checks: &[Check], interval_ms: i64) -> (i64, usize) {
    let (mut skipped, mut irregular) = (0, 0);
    for pair in checks.windows(2) {
        let gap = pair[1].scheduled - pair[0].scheduled;
        if gap % interval_ms != 0 || gap <= 0 {
            irregular += 1;
        }
        skipped += (gap / interval_ms - 1).max(0);
    }
    (skipped, irregular)
}

fn run() -> Result<bool, String> {
    let seconds = env_number("BENCH_SCHEDULE_SECONDS", 120)?.clamp(10, MAX_SECONDS);
    let monitors = env_number("BENCH_SCHEDULE_MONITORS", 200)?.clamp(1, MAX_MONITORS) as usize;
    let interval_ms = env_number("BENCH_SCHEDULE_INTERVAL", 5)?.clamp(1, 3_600) as i64 * 1000;
    let api = Api::from_env()?;
    let target = Target::start()?;
    let (_, token) = api.register("schedule")?;

    let (create, made) = api.create_monitors(&token, monitors, THREADS, |i| {
        json!({ "type": "http", "name": format!("b {i}"), "url": target.url(),
                "interval_seconds": interval_ms / 1000, "failure_threshold": 2 })
    })?;
    let ids: Vec<String> = made
        .iter()
        .map(|m| m["id"].as_str().unwrap_or_default().to_string())
        .collect();

    let started = now_ms();
    std::thread::sleep(Duration::from_secs(seconds));
    let ended = now_ms();
    let pause = pause_all(&api, &token, &ids, THREADS);
    let target_requests = target.requests.load(Ordering::Relaxed);
    let histories = histories(&api, &token, &ids, THREADS)?;

    let all: Vec<&Check> = histories.iter().flatten().collect();
    let total = all.len();
    let in_run = all.iter().filter(|c| (started..ended).contains(&c.checked)).count();
    let rate = in_run as f64 / ((ended - started) as f64 / 1000.0);
    let mut lateness: Vec<i64> = all.iter().map(|c| c.lateness()).collect();
    lateness.sort();
    let late = |p: f64| percentile(&lateness, p).map_or("n/a".into(), |v| v.to_string());
    let failed = all.iter().filter(|c| !c.up).count();
    let (mut skipped, mut irregular, mut stopped_early) = (0, 0, 0);
    for history in &histories {
        let (s, i) = skipped_slots(history, interval_ms);
        skipped += s;
        irregular += i;
        // Slots due before the run ended that never ran (one may be under way).
        let last = history.last().map_or(started, |c| c.scheduled);
        stopped_early += ((ended - last) / interval_ms - 1).max(0);
    }
    let per_monitor: Vec<usize> = histories.iter().map(Vec::len).collect();

    print_runs(&[&create, &pause]);
    println!(
        "| Schedule ({monitors} monitors, every {} s, run {seconds} s, reconciler every minute) | Value |",
        interval_ms / 1000
    );
    println!("|---|--:|");
    println!("| Checks in the history (whole life of the monitors) | {total} |");
    println!(
        "| Checks per monitor, min–max | {}–{} |",
        per_monitor.iter().min().unwrap_or(&0),
        per_monitor.iter().max().unwrap_or(&0)
    );
    println!(
        "| Checks/s during the run (expected {:.1}) | {rate:.1} |",
        monitors as f64 * 1000.0 / interval_ms as f64
    );
    println!(
        "| Lateness p50 / p99 / max (ms) | {} / {} / {} |",
        late(50.0),
        late(99.0),
        late(100.0)
    );
    println!("| Earliest check (ms, negative = before its slot) | {} |", late(0.0));
    println!("| Missed slots between checks | {skipped} |");
    println!("| Missed slots at the end of the run | {stopped_early} |");
    println!("| Gaps that are not whole intervals | {irregular} |");
    println!("| Failed checks | {failed} |");
    println!("| Requests the target received | {target_requests} |");
    println!("| Result rows in the monitors' own SQLite (1 per check) | {total} |");
    match d1_writes() {
        Ok((rollups, rollup_checks, incidents)) => {
            println!("| D1 `daily_rollups` rows / sum of their `checks` | {rollups} / {rollup_checks} |");
            println!("| D1 incidents | {incidents} |");
            // Every status change writes today's rollup, counting the checks
            // before the one that changed it: a sum of 0 over one row per
            // monitor means each row was written once, at its first check.
            let once = rollups == monitors as i64 && rollup_checks == 0 && incidents == 0 && failed == 0;
            let writes = if once {
                format!(
                    "{rollups} (pending → up, 1 per monitor); none for the other {} checks",
                    total as i64 - rollups
                )
            } else {
                "not derived: the rollups do not show one status change per monitor".into()
            };
            println!("| D1 write batches by the check engine | {writes} |");
        }
        Err(why) => println!("| D1 writes | not measured: {} |", why.replace('\n', " ")),
    }
    println!();
    println!(
        "The check engine writes D1 only when a status changes: the status and today's rollup in one batch \
         (and the epoch in KV). Each check inserts one row in its monitor's own SQLite and sets the next alarm."
    );
    println!();

    let goals = lateness.last().is_some()
        && percentile(&lateness, 99.0).unwrap_or(i64::MAX) < 1000
        && skipped + stopped_early == 0;
    println!(
        "Goal (p99 lateness under 1 s, no missed slot): {}.",
        if goals { "met" } else { "missed" }
    );
    println!();
    Ok(all_complete(&[&create, &pause]) && total > 0)
}

/// The D1 rows the check engine wrote: rollups (how many, and the sum of
/// their `checks`) and incidents. The served Worker holds only this run's data.
fn d1_writes() -> Result<(i64, i64, i64), String> {
    let rollups = d1("SELECT COUNT(*) AS n, COALESCE(SUM(checks), 0) AS checks FROM daily_rollups")?;
    let incidents = d1("SELECT COUNT(*) AS n FROM incidents")?;
    let number = |rows: &[Value], field: &str| {
        rows.first()
            .and_then(|r| r[field].as_i64())
            .ok_or(format!("no {field} in {rows:?}"))
    };
    Ok((
        number(&rollups, "n")?,
        number(&rollups, "checks")?,
        number(&incidents, "n")?,
    ))
}
