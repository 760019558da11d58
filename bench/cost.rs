//! `make bench`, cost: what one check and one ping use of what Cloudflare
//! bills, measured, and what that makes on the Workers plans.
//!
//! `scripts/bench.sh` serves this benchmark's Worker with `PW_COST_LOG=true`:
//! every invocation (a Worker request or cron run, an object's request or
//! alarm) then logs one `cost:` line with the SQLite rows it read and wrote
//! (storage keys and alarms included), the D1 rows and subrequests it made, and its wall time (`src/meter.rs`).
//!
//! Checks: `BENCH_COST_MONITORS` (default 20) HTTP monitors on a loopback
//! target every 5 s; after 15 s (their first checks, which change their
//! status, are over) the log's lines of the next `BENCH_COST_SECONDS`
//! (default 60) are summed and divided by the checks the target answered
//! meanwhile. Pings: one heartbeat, pinged once to start it, then `PINGS`
//! pings in a row; the lines of that phase are divided by the pings, and
//! each answer's `Server-Timing` gives the D1 queries of the Worker's side.
//! The reconciler's own lines (the cron and its `/ensure` visits) are left
//! out of both: `bench/reconciler.rs` measures it apart.
//!
//! From the two averages it prints, with `domain::cost` (the formulas of
//! `docs/COST.md`), how many monitors and pings the free plan holds and what
//! 1,000 and 10,000 monitors at 1 min cost a month on the paid plan.

mod support;

use pingwarden::domain::cost::{self, Invocation, Usage};
use serde_json::json;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use support::{env_number, must, Api, Target};

const PINGS: usize = 500;
const CHECK_INTERVAL_SECONDS: u64 = 5;
const WARM_UP: Duration = Duration::from_secs(15);
/// A probe of a real target waits for it; on loopback it does not. The
/// monthly figures add this much Durable Object wall time to each check.
const REMOTE_TARGET_SECONDS: f64 = 0.25;

fn main() -> ExitCode {
    support::main_with(run)
}

fn run() -> Result<bool, String> {
    let monitors = env_number("BENCH_COST_MONITORS", 20)? as usize;
    let seconds = env_number("BENCH_COST_SECONDS", 60)?;
    let log = std::env::var("PW_BENCH_LOG").map_err(|_| "PW_BENCH_LOG is not set (run `make bench`)")?;
    let api = Api::from_env()?;
    let (_, token) = api.register("cost")?;

    let (per_check, checks) = measure_checks(&api, &token, &log, monitors, seconds)?;
    let (per_ping, d1_queries) = measure_pings(&api, &token, &log)?;
    print_usage(&per_check, checks, &per_ping, d1_queries);
    print_plans(&per_check, &per_ping);
    Ok(checks > 0 && per_check.object_requests > 0.0 && per_ping.worker_requests > 0.0)
}

fn measure_checks(api: &Api, token: &str, log: &str, monitors: usize, seconds: u64) -> Result<(Usage, usize), String> {
    let target = Target::start()?;
    let (_, made) = api.create_monitors(token, monitors, 4, |i| {
        json!({ "name": format!("cost {i}"), "type": "http", "url": target.url(),
                "interval_seconds": CHECK_INTERVAL_SECONDS })
    })?;
    std::thread::sleep(WARM_UP);
    let (from, checked_before) = (
        log_length(log)?,
        target.requests.load(std::sync::atomic::Ordering::Relaxed),
    );
    std::thread::sleep(Duration::from_secs(seconds));
    let (to, checked_after) = (
        log_length(log)?,
        target.requests.load(std::sync::atomic::Ordering::Relaxed),
    );
    for monitor in &made {
        let id = monitor["id"].as_str().unwrap_or_default();
        must(
            api.http
                .post(api.url(&format!("/api/v1/monitors/{id}/pause")))
                .bearer_auth(token),
            "pausing",
        )?;
    }
    let checks = checked_after - checked_before;
    let lines = invocations(log, from, to)?;
    Ok((
        cost::per_unit(lines.iter().filter(|i| !is_reconciler(i)), checks),
        checks,
    ))
}

fn measure_pings(api: &Api, token: &str, log: &str) -> Result<(Usage, usize), String> {
    let body =
        json!({ "name": "cost heartbeat", "type": "heartbeat", "interval_seconds": 3600, "grace_seconds": 3600 });
    let (_, made) = api.create_monitors(token, 1, 1, |_| body.clone())?;
    let url = api.url(&format!(
        "/p/{}",
        made[0]["token"].as_str().ok_or("a heartbeat without token")?
    ));
    let ping = || api.http.get(&url).send().map_err(|e| format!("a ping: {e}"));
    ping()?;
    std::thread::sleep(Duration::from_secs(1));
    let from = log_length(log)?;
    let (started, mut d1_queries) = (Instant::now(), 0);
    for _ in 0..PINGS {
        let answer = ping()?;
        if !answer.status().is_success() {
            return Err(format!("a ping answered {}", answer.status()));
        }
        d1_queries += server_timing_d1_queries(answer.headers()).unwrap_or(0);
    }
    let elapsed = started.elapsed();
    std::thread::sleep(Duration::from_secs(1));
    let lines = invocations(log, from, log_length(log)?)?;
    println!("{PINGS} pings in {:.1} s, one at a time.", elapsed.as_secs_f64());
    Ok((
        cost::per_unit(lines.iter().filter(|i| !is_reconciler(i)), PINGS),
        d1_queries,
    ))
}

/// The reconciler's lines: the cron run and its visits to objects.
fn is_reconciler(invocation: &Invocation) -> bool {
    invocation.event == "cron" || invocation.event == "/ensure"
}

/// `d1;desc="N queries";dur=M` → N.
fn server_timing_d1_queries(headers: &reqwest::header::HeaderMap) -> Option<usize> {
    let timing = headers.get("server-timing")?.to_str().ok()?;
    let metric = timing.split(',').find(|m| m.trim_start().starts_with("d1"))?;
    let desc = metric.split(';').find_map(|part| part.trim().strip_prefix("desc="))?;
    desc.trim_matches('"').split_whitespace().next()?.parse().ok()
}

fn log_length(log: &str) -> Result<u64, String> {
    std::fs::metadata(log)
        .map(|m| m.len())
        .map_err(|e| format!("the server's log {log}: {e}"))
}

/// The `cost:` lines the server logged between two lengths of its log.
fn invocations(log: &str, from: u64, to: u64) -> Result<Vec<Invocation>, String> {
    let text = std::fs::read(log).map_err(|e| format!("the server's log {log}: {e}"))?;
    let window = &text[from as usize..(to as usize).min(text.len())];
    Ok(String::from_utf8_lossy(window)
        .lines()
        .filter_map(Invocation::parse)
        .collect())
}

fn print_usage(per_check: &Usage, checks: usize, per_ping: &Usage, d1_queries: usize) {
    println!();
    println!("| Per unit, measured | check ({checks}) | ping ({PINGS}) |");
    println!("|---|--:|--:|");
    type Figure = fn(&Usage) -> f64;
    let rows: [(&str, Figure); 8] = [
        ("Worker requests", |u| u.worker_requests),
        ("Durable Object requests", |u| u.object_requests),
        ("Durable Object wall time, ms", |u| u.object_seconds * 1000.0),
        ("Durable Object SQLite rows read", |u| u.object_rows_read),
        ("Durable Object SQLite rows written (alarms included)", |u| {
            u.object_rows_written
        }),
        ("D1 rows read", |u| u.d1_rows_read),
        ("D1 rows written", |u| u.d1_rows_written),
        ("Subrequests", |u| u.subrequests),
    ];
    for (name, value) in rows {
        println!("| {name} | {:.2} | {:.2} |", value(per_check), value(per_ping));
    }
    println!(
        "| D1 queries (Worker, from `Server-Timing`) | — | {:.2} |",
        d1_queries as f64 / PINGS as f64
    );
}

fn print_plans(per_check: &Usage, per_ping: &Usage) {
    // Loopback answers at once; a real target keeps the object waiting.
    let remote = Usage {
        object_seconds: per_check.object_seconds + REMOTE_TARGET_SECONDS,
        ..*per_check
    };
    // Each result is deleted once its retention is over: one row more, later.
    let retained = Usage {
        object_rows_written: remote.object_rows_written + 1.0,
        ..remote
    };
    println!();
    println!(
        "| Checks {REMOTE_TARGET_SECONDS} s each | rows measured ({:.2} / check) | with retention's deletes ({:.2}) |",
        remote.object_rows_written, retained.object_rows_written
    );
    println!("|---|--:|--:|");
    for interval in [60.0, 300.0] {
        let cell = |usage: &Usage| {
            let (monitors, binding) = cost::free_monitors(usage, interval);
            format!("{monitors} ({binding})")
        };
        println!(
            "| Monitors at {:.0} min, Free plan | {} | {} |",
            interval / 60.0,
            cell(&remote),
            cell(&retained)
        );
    }
    for monitors in [1_000.0, 10_000.0] {
        let checks = cost::checks_per_month(monitors, 60.0);
        println!(
            "| {monitors:.0} monitors at 1 min, Paid, a month | ${:.2} | ${:.2} |",
            cost::paid_per_month(&remote, checks),
            cost::paid_per_month(&retained, checks)
        );
    }
    let (pings, binding) = cost::free_units_per_day(per_ping);
    println!();
    println!("Pings a day on the Free plan: {pings:.0} (bound by {binding}).");
    let checks = cost::checks_per_month(1_000.0, 60.0);
    println!("1,000 monitors at 1 min, Paid, beyond the $5 base (with retention's deletes):");
    for (name, usd) in cost::overage_per_month(&retained, checks) {
        if usd > 0.005 {
            println!("  {name}: ${usd:.2}");
        }
    }
}
