//! `make bench`: what timing every phase of an HTTP check costs. Monitors
//! with `timing: "sockets"` (the probe writes the request itself) and as
//! many with `timing: "fetch"` check the same loopback target every second
//! for a while (`BENCH_TIMINGS_SECONDS`, default 60); then their checks'
//! `total_ms`, as the Worker measured them, are compared at p50 and p99,
//! with the sockets' phases. Fails unless every check was up.

mod support;

use serde_json::{json, Value};
use std::process::ExitCode;
use std::time::Duration;
use support::{all_complete, env_number, pause_all, percentile, print_runs, Api, Target};

/// Monitors of each kind: enough checks a second for a p99 within a minute.
const MONITORS: usize = 10;
const THREADS: usize = 4;

fn main() -> ExitCode {
    support::main_with(run)
}

fn run() -> Result<bool, String> {
    let api = Api::from_env()?;
    let seconds = env_number("BENCH_TIMINGS_SECONDS", 60)?;
    let target = Target::start()?;
    let (_, token) = api.register("timings")?;
    let modes = ["sockets", "fetch"];
    let (create, made) = api.create_monitors(&token, 2 * MONITORS, THREADS, |i| {
        json!({ "type": "http", "name": format!("timed {i}"), "url": target.url(),
                "timing": modes[i % 2], "interval_seconds": 1, "failure_threshold": 1 })
    })?;
    let ids: Vec<String> = made
        .iter()
        .map(|m| m["id"].as_str().unwrap_or_default().to_string())
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    let pause = pause_all(&api, &token, &ids, THREADS);

    let mut held = true;
    println!("| timing | checks | total p50 | total p99 | connect p50 | ttfb p50 |");
    println!("|---|--:|--:|--:|--:|--:|");
    for (offset, mode) in modes.iter().enumerate() {
        let mut checks = Vec::new();
        for id in ids.iter().skip(offset).step_by(2) {
            checks.extend(api.list_all(&token, &format!("/api/v1/monitors/{id}/checks?limit=200"))?);
        }
        let down = checks.iter().filter(|c| c["status"] != "up").count();
        if down > 0 {
            eprintln!("{mode}: {down} of {} checks were not up", checks.len());
            held = false;
        }
        let phase = |name: &str, p: f64| {
            let mut values: Vec<u64> = checks
                .iter()
                .filter_map(|c: &Value| c["timings"][name].as_u64())
                .collect();
            values.sort_unstable();
            percentile(&values, p).map_or("–".to_string(), |ms| format!("{ms} ms"))
        };
        println!(
            "| {mode} | {} | {} | {} | {} | {} |",
            checks.len(),
            phase("total_ms", 50.0),
            phase("total_ms", 99.0),
            phase("connect_ms", 50.0),
            phase("ttfb_ms", 50.0),
        );
    }
    println!();
    print_runs(&[&create, &pause]);
    Ok(held && all_complete(&[&create, &pause]))
}
