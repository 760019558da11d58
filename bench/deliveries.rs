//! `make bench`, notification deliveries: one monitor (every 1 s,
//! `failure_threshold` 1) on a loopback path this process switches between
//! 200 and 500, and 20 `webhook` channels for it, all pointing to a loopback
//! receiver in this process, which logs each request's arrival and body.
//! Each switch is one transition (`incident.detected`, then
//! `incident.resolved`) fanned out to the 20 channels. It reports the time
//! from the transition (the event's `timestamp`, when the check that flipped
//! the monitor ran) to each delivery's arrival, and deliveries/s, next to
//! two figures of the same run: the receiver's ceiling (plain requests from
//! here), and test-sends through the API (`POST /api/v1/channels/{id}/test`:
//! the Worker, the hub, one signed webhook, the logged outcome back).
//! Meanwhile 50 HTTP monitors, every 2 s, check the same loopback target:
//! their schedule lateness (`checked_at − scheduled_at`) is compared between
//! a quiet window and the window of the delivery bursts.

mod support;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{
    all_complete, histories, measure, millis, must, now_ms, parallel_map, pause_all, percentile, print_runs, Api, Hit,
    Target,
};

const CHANNELS: usize = 20;
/// Transitions: 10 down and 10 up.
const TRANSITIONS: usize = 20;
const QUIET_MONITORS: usize = 50;
const QUIET_INTERVAL_S: u64 = 2;
const QUIET_SECONDS: u64 = 30;
const THREADS: usize = 4;
/// The hub sends 4 at a time: so many client threads for the ceilings.
const CEILING_THREADS: usize = 4;
const CEILING_REQUESTS: usize = 200;
/// How long one transition may take to reach every channel.
const TRANSITION_TIME_LIMIT: Duration = Duration::from_secs(30);
const P99_GOAL_MS: i64 = 1000;

fn main() -> ExitCode {
    support::main_with(run)
}

/// One delivery as the receiver got it.
struct Delivery {
    event: String,
    incident: String,
    transition_ms: i64,
    arrived_ms: i64,
}

fn delivery(hit: &Hit) -> Option<Delivery> {
    let body: Value = serde_json::from_str(&hit.body).ok()?;
    Some(Delivery {
        event: body["event"].as_str()?.to_string(),
        incident: body["incident"]["id"].as_str().unwrap_or_default().to_string(),
        transition_ms: millis(&body, "timestamp").ok()?,
        arrived_ms: hit.at_ms,
    })
}

fn run() -> Result<bool, String> {
    let api = Api::from_env()?;
    // 200, or 500 while `failing` holds 500: the flipping monitor's path only.
    let failing = Arc::new(AtomicU16::new(200));
    let switch = failing.clone();
    let target = Target::answering(move |path| {
        if path == "/flip" {
            switch.load(Ordering::Relaxed)
        } else {
            200
        }
    })?;
    let receiver = Target::start()?;
    let (_, token) = api.register("deliveries")?;

    let (create, quiet) = api.create_monitors(&token, QUIET_MONITORS, THREADS, |i| {
        json!({ "type": "http", "name": format!("quiet {i}"), "url": target.url(),
                "interval_seconds": QUIET_INTERVAL_S })
    })?;
    let quiet_ids: Vec<String> = quiet
        .iter()
        .filter_map(|m| m["id"].as_str().map(String::from))
        .collect();
    let flip = must(
        api.http
            .post(api.url("/api/v1/monitors"))
            .bearer_auth(&token)
            .json(&json!({
                "type": "http", "name": "flip", "url": format!("{}flip", target.url()),
                "interval_seconds": 1, "failure_threshold": 1
            })),
        "making the flipping monitor",
    )?;
    let flip_id = flip["data"]["id"]
        .as_str()
        .ok_or("no id for the flipping monitor")?
        .to_string();
    let mut channel_ids = Vec::new();
    for i in 0..CHANNELS {
        let made = must(
            api.http
                .post(api.url("/api/v1/channels"))
                .bearer_auth(&token)
                .json(&json!({
                    "name": format!("hook {i}"), "kind": "webhook",
                    "url": format!("{}hook/{i}", receiver.url()), "monitor_ids": [flip_id]
                })),
            "making a webhook channel",
        )?;
        channel_ids.push(made["data"]["id"].as_str().unwrap_or_default().to_string());
    }
    wait_until(&api, &token, &flip_id, "up")?;

    // The creations' first checks are over; the quiet window, then the bursts.
    let quiet_window = (now_ms(), now_ms() + QUIET_SECONDS as i64 * 1000);
    std::thread::sleep(Duration::from_secs(QUIET_SECONDS));
    let burst_start = now_ms();
    let mut complete = true;
    for n in 1..=TRANSITIONS {
        failing.store(if n % 2 == 1 { 500 } else { 200 }, Ordering::Relaxed);
        complete &= wait_for_deliveries(&receiver, n * CHANNELS);
    }
    let burst_window = (burst_start, now_ms());
    failing.store(200, Ordering::Relaxed);

    let plain = measure(
        "GET receiver, plain requests from here",
        CEILING_REQUESTS,
        CEILING_THREADS,
        |_| api.http.get(format!("{}plain", receiver.url())),
    );
    let test_sends = measure(
        "POST /api/v1/channels/{id}/test (Worker → hub → receiver)",
        CEILING_REQUESTS,
        CEILING_THREADS,
        |i| {
            api.http
                .post(api.url(&format!("/api/v1/channels/{}/test", channel_ids[i % CHANNELS])))
                .bearer_auth(&token)
        },
    );
    let pause = pause_all(&api, &token, &quiet_ids, THREADS);
    // The hub's log: which deliveries took more than one attempt, and why.
    let logs = parallel_map(CHANNELS, THREADS, |i| {
        api.list_all(
            &token,
            &format!("/api/v1/channels/{}/deliveries?limit=200", channel_ids[i]),
        )
    })?;
    let retried: Vec<&Value> = logs
        .iter()
        .flatten()
        .filter(|d| d["event"] != "test" && d["attempts"].as_array().map_or(0, Vec::len) > 1)
        .collect();
    let failed_attempts: Vec<String> = retried
        .iter()
        .flat_map(|d| d["attempts"].as_array().cloned().unwrap_or_default())
        .filter(|a| !a["status_code"].as_u64().is_some_and(|code| (200..300).contains(&code)))
        .map(|a| format!("{} {}", a["status_code"], a["error"]))
        .collect();

    let hits = receiver.hits.lock().unwrap().clone();
    let deliveries: Vec<Delivery> = hits
        .iter()
        .filter(|hit| hit.path.starts_with("/hook/"))
        .filter_map(delivery)
        .filter(|d| d.event != "test")
        .collect();
    // Each transition, by its event and incident: its time and arrivals.
    let mut transitions: BTreeMap<(String, String), (i64, Vec<i64>)> = BTreeMap::new();
    for d in &deliveries {
        let entry = transitions
            .entry((d.event.clone(), d.incident.clone()))
            .or_insert((d.transition_ms, Vec::new()));
        entry.1.push(d.arrived_ms);
    }
    let mut latencies: Vec<i64> = deliveries.iter().map(|d| d.arrived_ms - d.transition_ms).collect();
    latencies.sort();
    let spans: i64 = transitions
        .values()
        .map(|(at, arrivals)| arrivals.iter().max().unwrap_or(at) - at)
        .sum();
    let rate = deliveries.len() as f64 / (spans as f64 / 1000.0);
    let whole = transitions.values().filter(|(_, a)| a.len() == CHANNELS).count();
    let mut by_time: Vec<&(i64, Vec<i64>)> = transitions.values().collect();
    by_time.sort_by_key(|(at, _)| *at);
    let last_arrivals: Vec<String> = by_time
        .iter()
        .map(|(at, arrivals)| (arrivals.iter().max().unwrap_or(at) - at).to_string())
        .collect();

    let lateness = |window: (i64, i64)| -> Result<Vec<i64>, String> {
        let mut late: Vec<i64> = histories(&api, &token, &quiet_ids, THREADS)?
            .iter()
            .flatten()
            .filter(|c| (window.0..window.1).contains(&c.checked))
            .map(|c| c.lateness())
            .collect();
        late.sort();
        Ok(late)
    };
    let (quiet_late, burst_late) = (lateness(quiet_window)?, lateness(burst_window)?);

    print_runs(&[&create, &plain, &test_sends, &pause]);
    let ms = |sorted: &[i64], p: f64| percentile(sorted, p).map_or("n/a".into(), |v| v.to_string());
    println!("| Deliveries ({CHANNELS} webhook channels, {TRANSITIONS} transitions) | Value |");
    println!("|---|--:|");
    println!(
        "| Transitions that reached all {CHANNELS} channels | {whole} of {} ({TRANSITIONS} made) |",
        transitions.len()
    );
    println!("| Deliveries received | {} |", deliveries.len());
    println!(
        "| Transition → arrival p50 / p99 / max (ms) | {} / {} / {} |",
        ms(&latencies, 50.0),
        ms(&latencies, 99.0),
        ms(&latencies, 100.0)
    );
    println!("| Deliveries/s (deliveries ÷ Σ transition → last arrival) | {rate:.1} |");
    println!(
        "| Deliveries that took more than one attempt | {} (failed attempts: {}) |",
        retried.len(),
        failed_attempts.iter().take(3).cloned().collect::<Vec<_>>().join("; ")
    );
    println!(
        "| Reference: test-sends through the API, 4 at a time (requests/s) | {:.1} |",
        test_sends.per_second()
    );
    println!(
        "| Ceiling of the receiver: plain requests, 4 at a time (requests/s) | {:.1} |",
        plain.per_second()
    );
    println!();
    println!(
        "Transition → last arrival, each transition in order (ms): {}.",
        last_arrivals.join(", ")
    );
    println!();
    println!("| Schedule lateness, {QUIET_MONITORS} HTTP monitors every {QUIET_INTERVAL_S} s | Checks | p50 | p99 | max (ms) |");
    println!("|---|--:|--:|--:|--:|");
    for (label, late) in [
        (format!("quiet ({QUIET_SECONDS} s)"), &quiet_late),
        (
            format!(
                "during the deliveries ({:.0} s)",
                (burst_window.1 - burst_window.0) as f64 / 1000.0
            ),
            &burst_late,
        ),
    ] {
        println!(
            "| {label} | {} | {} | {} | {} |",
            late.len(),
            ms(late, 50.0),
            ms(late, 99.0),
            ms(late, 100.0)
        );
    }
    println!();
    let p99 = percentile(&latencies, 99.0).unwrap_or(i64::MAX);
    println!(
        "Goal (transition → arrival p99 under {P99_GOAL_MS} ms): {} ({p99} ms).",
        if p99 < P99_GOAL_MS { "met" } else { "missed" }
    );
    println!();
    let every = whole == TRANSITIONS && deliveries.len() == TRANSITIONS * CHANNELS;
    if !every {
        eprintln!(
            "{} deliveries of {} transitions; expected {} of {TRANSITIONS}",
            deliveries.len(),
            transitions.len(),
            TRANSITIONS * CHANNELS
        );
    }
    Ok(complete && every && all_complete(&[&create, &plain, &test_sends, &pause]))
}

/// Waits (at most 60 s) until the monitor has this status.
fn wait_until(api: &Api, token: &str, id: &str, status: &str) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        let monitor = must(
            api.http
                .get(api.url(&format!("/api/v1/monitors/{id}")))
                .bearer_auth(token),
            "reading a monitor",
        )?;
        if monitor["data"]["status"] == status {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!("monitor {id} not {status} after 60 s"))
}

/// Waits until the receiver has `count` webhook deliveries; false if they
/// did not all come within the time limit.
fn wait_for_deliveries(receiver: &Target, count: usize) -> bool {
    let started = Instant::now();
    while started.elapsed() < TRANSITION_TIME_LIMIT {
        let got = receiver
            .hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path.starts_with("/hook/"))
            .count();
        if got >= count {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "fewer than {count} deliveries after {} s",
        TRANSITION_TIME_LIMIT.as_secs()
    );
    false
}
