//! `make bench`, heartbeats: how fast pings are taken in, and how soon a
//! missed deadline is noticed.
//!
//! Ingest: 100 heartbeats (hourly, an hour's grace); 16 threads send 3,000
//! `GET /p/{token}`, round-robin over the tokens, and as many requests to
//! the same build's ceiling, `GET /no-op`, a path no route takes (404
//! through the whole pipeline: settings, router, headers; no D1, no
//! object), in 5 alternating rounds of 600; then `GET /api/health` (one D1 `SELECT 1`) and pings with
//! unknown old-format tokens (a D1 lookup, answered 404). Then one more ping
//! per heartbeat reads the D1 queries each reports in `Server-Timing`: a
//! steady-state ping must run none. Every ping answered 200 must then be in
//! its monitor's history, or the run fails. Goal: pings/s at least 0.34 of
//! the no-op route's requests/s.
//!
//! Detection: 100 heartbeats every 2 s with 1 s grace, each pinged once; 6 s
//! later, each monitor's first `missed` entry tells when its alarm recorded
//! the miss (`created_at`) against the deadline (`expected_at` + grace);
//! `expected_at` must be the ping's time + 2 s, or the alarm was so late
//! that it reported a later slot.

mod support;

use serde_json::{json, Value};
use std::process::ExitCode;
use std::time::Duration;
use support::{
    all_complete, measure, measure_expecting, merged, millis, parallel_map, percentile, print_runs, Api, Run,
};

const MONITORS: usize = 100;
const PINGS: usize = 3_000;
/// Pings and the no-op ceiling alternate in this many rounds.
const ROUNDS: usize = 5;
const THREADS: usize = 16;
const SETUP_THREADS: usize = 4;
const WARM_UP_REQUESTS: usize = 100;
/// Pings/s over the no-op route's requests/s: 90 % of what a plain JS Worker
/// doing one Durable Object insert per request reaches on this machine.
const GOAL_RATIO: f64 = 0.34;
const DETECT_INTERVAL_SECONDS: i64 = 2;
const DETECT_GRACE_MS: i64 = 1_000;
const DETECT_WAIT: Duration = Duration::from_secs(6);
/// Rounds of reading the missed entries, 3 s apart, before giving up on a monitor.
const DETECT_READS: usize = 5;

fn main() -> ExitCode {
    support::main_with(run)
}

fn run() -> Result<bool, String> {
    let api = Api::from_env()?;
    let (_, token) = api.register("heartbeats")?;
    let ingested = ingest(&api, &token)?;
    let detected = detection(&api, &token)?;
    Ok(ingested && detected)
}

/// Makes `MONITORS` heartbeats: their ids and ping tokens.
fn heartbeats(api: &Api, token: &str, body: Value) -> Result<(Run, Vec<(String, String)>), String> {
    let (run, made) = api.create_monitors(token, MONITORS, SETUP_THREADS, |i| {
        let mut body = body.clone();
        body["name"] = json!(format!("h {i}"));
        body
    })?;
    let pairs = made
        .iter()
        .map(|m| match (m["id"].as_str(), m["token"].as_str()) {
            (Some(id), Some(ping)) => Ok((id.to_string(), ping.to_string())),
            _ => Err(format!("a heartbeat without id or token: {m}")),
        })
        .collect::<Result<_, _>>()?;
    Ok((run, pairs))
}

fn ingest(api: &Api, token: &str) -> Result<bool, String> {
    let body = json!({ "type": "heartbeat", "interval_seconds": 3600, "grace_seconds": 3600 });
    let (create, beats) = heartbeats(api, token, body)?;
    let health_request = |_: usize| api.http.get(api.url("/api/health"));
    let warm_up = measure("warm-up health", WARM_UP_REQUESTS, THREADS, health_request);
    // Pings and the ceiling take turns, so that a change in the machine's
    // load (other builds) weighs on both alike.
    let (mut ping_rounds, mut ceiling_rounds) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let offset = round * PINGS / ROUNDS;
        ping_rounds.push(measure("pings", PINGS / ROUNDS, THREADS, |i| {
            api.http
                .get(api.url(&format!("/p/{}", beats[(offset + i) % MONITORS].1)))
        }));
        ceiling_rounds.push(measure_expecting("no-op", PINGS / ROUNDS, THREADS, 404, |_| {
            api.http.get(api.url("/no-op"))
        }));
    }
    let pings = merged(
        &format!("GET /p/{{token}} ({MONITORS} heartbeats, round-robin)"),
        ping_rounds,
    );
    let no_op = merged("GET /no-op (no route: 404, the ceiling)", ceiling_rounds);
    let health = measure("GET /api/health (one D1 query)", PINGS, THREADS, health_request);
    // An old-format token nobody has: the D1 lookup, then 404.
    let unknown = measure_expecting("GET /p/{unknown old-format token} (404)", PINGS, THREADS, 404, |i| {
        api.http.get(api.url(&format!("/p/unknown{i:025}")))
    });

    let stored: usize = parallel_map(MONITORS, SETUP_THREADS, |i| {
        let path = format!("/api/v1/monitors/{}/pings?limit=200", beats[i].0);
        api.list_all(token, &path).map(|pings| pings.len())
    })?
    .iter()
    .sum();
    let accepted = pings.done() - pings.failures;
    let d1_per_ping = d1_queries_per_ping(api, &beats)?;

    let ratio = pings.per_second() / no_op.per_second();
    print_runs(&[&create, &pings, &no_op, &health, &unknown]);
    println!("| Ping intake | Value |");
    println!("|---|--:|");
    println!("| D1 queries per steady-state ping (`Server-Timing`) | {d1_per_ping} |");
    println!(
        "| Ping p50 / p99 (ms) | {:.1} / {:.1} |",
        pings.percentile(50.0),
        pings.percentile(99.0)
    );
    println!("| Pings/s ÷ no-op requests/s | {ratio:.2} |");
    println!(
        "| Pings/s ÷ `/api/health` requests/s | {:.2} |",
        pings.per_second() / health.per_second()
    );
    println!("| Pings in the monitors' histories | {stored} of {accepted} answered 200 ({PINGS} sent) |");
    println!();
    println!(
        "Goal (pings/s at least {GOAL_RATIO} of the no-op route's, no D1 query per ping): {}.",
        if ratio >= GOAL_RATIO && d1_per_ping == 0.0 {
            "met"
        } else {
            "missed"
        }
    );
    println!();
    let all_stored = stored == accepted;
    if !all_stored {
        eprintln!("the histories hold {stored} pings, not the {accepted} answered 200");
    }
    if d1_per_ping > 0.0 {
        eprintln!("a steady-state ping ran {d1_per_ping} D1 queries, not 0");
    }
    Ok(all_complete(&[&create, &warm_up, &pings, &no_op, &health, &unknown]) && all_stored && d1_per_ping == 0.0)
}

/// One more ping per heartbeat: the mean of the D1 queries their answers
/// report in `Server-Timing` (`d1;desc="N queries";dur=…`).
fn d1_queries_per_ping(api: &Api, beats: &[(String, String)]) -> Result<f64, String> {
    let counts = parallel_map(beats.len(), SETUP_THREADS, |i| {
        let response = api
            .http
            .get(api.url(&format!("/p/{}", beats[i].1)))
            .send()
            .map_err(|e| format!("no answer to a ping: {e}"))?;
        let timing = response
            .headers()
            .get("Server-Timing")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if !response.status().is_success() {
            return Err(format!("a ping answered {}", response.status()));
        }
        timing
            .strip_prefix("d1;desc=\"")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| format!("no D1 entry in Server-Timing: {timing:?}"))
    })?;
    Ok(f64::from(counts.iter().sum::<u32>()) / counts.len() as f64)
}

fn detection(api: &Api, token: &str) -> Result<bool, String> {
    let body = json!({ "type": "heartbeat", "interval_seconds": DETECT_INTERVAL_SECONDS,
                       "grace_seconds": DETECT_GRACE_MS / 1000 });
    let (create, beats) = heartbeats(api, token, body)?;
    let first = measure("GET /p/{token} (one per heartbeat)", MONITORS, THREADS, |i| {
        api.http.get(api.url(&format!("/p/{}", beats[i].1)))
    });
    std::thread::sleep(DETECT_WAIT);

    // Each monitor's delay, once its first missed entry is there, and
    // whether that entry expected the ping one period after the one sent
    // (else the alarm was so late that it reported a later slot).
    let mut found: Vec<Option<(i64, bool)>> = vec![None; MONITORS];
    for round in 0..DETECT_READS {
        let waiting: Vec<usize> = (0..MONITORS).filter(|i| found[*i].is_none()).collect();
        if waiting.is_empty() {
            break;
        }
        if round > 0 {
            std::thread::sleep(Duration::from_secs(3));
        }
        let read = parallel_map(waiting.len(), SETUP_THREADS, |k| {
            let path = format!("/api/v1/monitors/{}/pings?limit=200", beats[waiting[k]].0);
            let history = api.list_all(token, &path)?;
            // Newest first: the last of each kind is the first.
            let ping = history.iter().rfind(|p| p["kind"] == "success");
            match (ping, history.iter().rfind(|p| p["kind"] == "missed")) {
                (Some(ping), Some(missed)) => {
                    let expected = millis(missed, "expected_at")?;
                    let on_time = expected == millis(ping, "created_at")? + DETECT_INTERVAL_SECONDS * 1000;
                    Ok(Some((
                        millis(missed, "created_at")? - expected - DETECT_GRACE_MS,
                        on_time,
                    )))
                }
                _ => Ok(None),
            }
        })?;
        for (k, entry) in read.into_iter().enumerate() {
            found[waiting[k]] = entry;
        }
    }
    let mut known: Vec<i64> = found.iter().flatten().map(|(delay, _)| *delay).collect();
    known.sort();
    let first_slot = found.iter().flatten().filter(|(_, on_time)| *on_time).count();
    let at = |p: f64| percentile(&known, p).map_or("n/a".into(), |v| v.to_string());

    print_runs(&[&create, &first]);
    println!(
        "| Missed-deadline detection ({MONITORS} heartbeats, every {DETECT_INTERVAL_SECONDS} s, grace {} s) | Value |",
        DETECT_GRACE_MS / 1000
    );
    println!("|---|--:|");
    println!("| Monitors whose miss was recorded | {} of {MONITORS} |", known.len());
    println!(
        "| First missed entries expecting the ping {DETECT_INTERVAL_SECONDS} s after the one sent | {first_slot} of {} |",
        known.len()
    );
    println!(
        "| Delay after the deadline p50 / p99 / max (ms) | {} / {} / {} |",
        at(50.0),
        at(99.0),
        at(100.0)
    );
    println!("| Smallest delay (ms) | {} |", at(0.0));
    println!();
    let met = first_slot == MONITORS && percentile(&known, 99.0).is_some_and(|p99| p99 < 1000);
    println!(
        "Goal (p99 detection delay under 1 s): {}.",
        if met { "met" } else { "missed" }
    );
    println!();
    if known.len() < MONITORS {
        eprintln!("{} heartbeats had no missed entry", MONITORS - known.len());
    }
    Ok(all_complete(&[&create, &first]) && known.len() == MONITORS)
}
