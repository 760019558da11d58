//! `make bench`, the cron reconciler: 2,000 monitors (`BENCH_RECONCILER_MONITORS`),
//! heartbeats, each pinged once so that its object, going up, grants its
//! lease with that change's D1 write. The cron is then fired `RUNS` times
//! with every lease held, and `RUNS` times more after `wrangler d1 execute`
//! set every lease in the past (as if every alarm had been lost). Each run:
//! the wall time of the scheduled request (workerd's own route, as
//! `Server::fire_cron` does) and the run's summary line from the Worker's
//! log (`PW_BENCH_LOG`): objects visited (monitors and hubs, its
//! subrequests), D1 queries, and its own time.

mod support;

use serde_json::json;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use support::{d1, env_number, now_ms, parallel_map, print_runs, Api};

const THREADS: usize = 8;
const RUNS: usize = 3;
/// The most monitors a run visits (`reconcile::MONITORS_PER_RUN`).
const PER_RUN: u64 = 40;

fn main() -> ExitCode {
    support::main_with(run)
}

/// One reconciler run as its summary line tells it.
struct Summary {
    wall_ms: f64,
    fields: Vec<(String, u64)>,
}

impl Summary {
    fn get(&self, name: &str) -> u64 {
        self.fields.iter().find(|(k, _)| k == name).map_or(0, |(_, v)| *v)
    }
}

fn run() -> Result<bool, String> {
    let count = env_number("BENCH_RECONCILER_MONITORS", 2_000)? as usize;
    let api = Api::from_env()?;
    let (_, token) = api.register("reconciler")?;
    let body = json!({ "type": "heartbeat", "interval_seconds": 3600, "grace_seconds": 3600 });
    let (create, made) = api.create_monitors(&token, count, THREADS, |i| {
        let mut body = body.clone();
        body["name"] = json!(format!("r {i}"));
        body
    })?;
    let started = Instant::now();
    parallel_map(count, THREADS, |i| {
        let ping = made[i]["token"].as_str().ok_or("a heartbeat without a token")?;
        let response = api.http.get(api.url(&format!("/p/{ping}"))).send();
        match response.map(|r| r.status()) {
            Ok(status) if status.is_success() => Ok(()),
            other => Err(format!("a first ping: {other:?}")),
        }
    })?;
    let pinged_s = started.elapsed().as_secs_f64();
    print_runs(&[&create]);
    let overdue = overdue_count()?;
    println!("{count} heartbeats pinged once in {pinged_s:.1} s; leases overdue after: {overdue}\n");

    let mut held = Vec::new();
    for _ in 0..RUNS {
        held.push(fire(&api)?);
    }
    d1("UPDATE monitors SET lease_until = 0")?;
    let mut expired = Vec::new();
    for _ in 0..RUNS {
        expired.push(fire(&api)?);
    }

    println!("| Reconciler run ({count} monitors) | wall ms | Worker ms | objects visited | re-armed | failed | hubs | D1 queries |");
    println!("|---|--:|--:|--:|--:|--:|--:|--:|");
    for (label, runs) in [("every lease held", &held), ("every lease overdue", &expired)] {
        for (n, s) in runs.iter().enumerate() {
            println!(
                "| {label}, run {} | {:.0} | {} | {} | {} | {} | {} | {} |",
                n + 1,
                s.wall_ms,
                s.get("ms"),
                s.get("visited"),
                s.get("rearmed"),
                s.get("failed"),
                s.get("hubs"),
                s.get("d1"),
            );
        }
    }
    let runs_to_visit_all = (count as u64).div_ceil(PER_RUN);
    println!("\nEvery lease overdue: {runs_to_visit_all} runs (minutes) visit all {count}, {PER_RUN} a run.");

    let idle = held.iter().all(|s| s.get("visited") == 0 && s.get("failed") == 0);
    let bounded = expired
        .iter()
        .all(|s| s.get("visited") == PER_RUN.min(count as u64) && s.get("failed") == 0);
    if !idle {
        eprintln!("a run with every lease held visited objects");
    }
    if !bounded {
        eprintln!("a run with every lease overdue did not visit {PER_RUN} objects without failure");
    }
    Ok(overdue == 0 && idle && bounded)
}

fn overdue_count() -> Result<i64, String> {
    let rows = d1(&format!(
        "SELECT COUNT(*) AS n FROM monitors WHERE status <> 'paused' AND lease_until < {}",
        now_ms()
    ))?;
    rows.first()
        .and_then(|r| r["n"].as_i64())
        .ok_or_else(|| "no count".to_string())
}

/// Fires the cron now and waits for its summary line in the Worker's log.
fn fire(api: &Api) -> Result<Summary, String> {
    let log = std::env::var("PW_BENCH_LOG").map_err(|_| "PW_BENCH_LOG is not set (run `make bench`)")?;
    let summaries = || -> Vec<String> {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split_once("reconciler: ").map(|(_, rest)| rest.to_string()))
            .collect()
    };
    let before = summaries().len();
    let started = Instant::now();
    let url = api.url(&format!("/cdn-cgi/handler/scheduled?cron=*+*+*+*+*&time={}", now_ms()));
    let response = api.http.get(url).send().map_err(|e| format!("firing the cron: {e}"))?;
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    if !response.status().is_success() {
        return Err(format!("firing the cron: {}", response.status()));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(line) = summaries().get(before) {
            let fields = line
                .split_whitespace()
                .filter_map(|pair| pair.split_once('='))
                .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
                .collect();
            return Ok(Summary { wall_ms, fields });
        }
        if Instant::now() > deadline {
            return Err("no summary line from the reconciler within 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
