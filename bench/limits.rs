//! `make bench`, limits: what the rate limiter adds to a request, and what
//! the public catalogue costs.
//!
//! Latency: `GET /api/no-op` (no route: 404, after spending from the
//! caller's `RateLimiter` object, as every API request does) against the
//! same build's ceiling `GET /no-op` (404 the same way, outside the API: no
//! limiter), one request at a time, in 5 alternating rounds of 200 each.
//! The difference of the medians is the limiter's cost. Goal: under 2 ms
//! at p50 locally.
//!
//! Catalogue: what 100 services of `web/catalogue/real.json` checked every 60 s
//! cost a day, from the measured cost of one check (`bench/cost.rs`: one
//! Durable Object request and two SQLite rows written, no D1) and of the
//! hourly lease renewal (one D1 batch of three statements per monitor).

mod support;

use std::process::ExitCode;
use support::{measure_expecting, merged, print_runs, Api};

const ROUNDS: usize = 5;
const PER_ROUND: usize = 200;
const GOAL_P50_MS: f64 = 2.0;
const SERVICES: usize = 100;
const CHECKS_PER_DAY: u64 = 1_440;
/// From bench/cost.rs: SQLite rows one steady check writes.
const ROWS_PER_CHECK: u64 = 2;
/// An object renews its lease (one D1 batch) once an hour.
const LEASES_PER_DAY: u64 = 24;
const STATEMENTS_PER_LEASE: u64 = 3;

fn main() -> ExitCode {
    support::main_with(run)
}

fn run() -> Result<bool, String> {
    let api = Api::from_env()?;
    let (mut limited, mut ceiling) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        limited.push(measure_expecting("limited", PER_ROUND, 1, 404, |_| {
            api.http.get(api.url("/api/no-op"))
        }));
        ceiling.push(measure_expecting("no-op", PER_ROUND, 1, 404, |_| {
            api.http.get(api.url("/no-op"))
        }));
    }
    let limited = merged("GET /api/no-op (404, through the rate limiter)", limited);
    let ceiling = merged("GET /no-op (404, no limiter: the ceiling)", ceiling);
    print_runs(&[&limited, &ceiling]);
    let added_p50 = limited.percentile(50.0) - ceiling.percentile(50.0);
    let added_p99 = limited.percentile(99.0) - ceiling.percentile(99.0);
    println!("| The limiter adds | p50 {added_p50:.2} ms | p99 {added_p99:.2} ms |");
    println!(
        "Goal (under {GOAL_P50_MS} ms at p50): {}.\n",
        if added_p50 < GOAL_P50_MS { "met" } else { "missed" }
    );
    catalogue_cost()?;
    Ok(limited.complete() && ceiling.complete())
}

fn catalogue_cost() -> Result<(), String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/web/catalogue/real.json");
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let services: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let targets: u64 = services
        .iter()
        .take(SERVICES)
        .map(|s| s["targets"].as_array().map_or(0, |t| t.len() as u64))
        .sum();
    let checks = targets * CHECKS_PER_DAY;
    println!("| {SERVICES} catalogue services ({targets} targets) every 60 s | a day |");
    println!("|---|--:|");
    println!("| Checks = Durable Object requests | {checks} |");
    println!("| SQLite rows written in the objects | {} |", checks * ROWS_PER_CHECK);
    println!(
        "| D1 statements written (hourly leases; status changes add one batch each) | {} |",
        targets * LEASES_PER_DAY * STATEMENTS_PER_LEASE
    );
    Ok(())
}
