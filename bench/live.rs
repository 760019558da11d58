//! `make bench`, live: the live stream's fan-out. One organization, one
//! heartbeat monitor, `BENCH_LIVE_SOCKETS` (1,000) WebSocket clients on
//! `/api/v1/live`, each on a thread of its own; then `BENCH_LIVE_EVENTS`
//! (100) pings, one every 100 ms. Each ping is an event: the monitor's
//! object reports it to the organization's hub, which sends a
//! `telemetry_tick` to every socket. Reported: p50/p99/max from sending the
//! ping to each client's arrival, whether every client got every event in
//! order, and the resident memory of the server's workerd processes before
//! and after the sockets opened.
//!
//! Ceilings, measured in the same run on the same server: the round trip of
//! a `ping` message answered `pong` on one socket (the runtime's WebSocket
//! path through the Worker and the object, nothing of ours in between), and
//! the same events to a single socket. Goal: p99 under 200 ms with 1,000
//! sockets, every event everywhere, in order.

mod support;

use serde_json::{json, Value};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{sleep, JoinHandle};
use std::time::{Duration, Instant};
use support::{env_number, ms, must, percentile, Api};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

const EVENT_EVERY: Duration = Duration::from_millis(100);
const ROUND_TRIPS: usize = 200;
/// Sockets are opened this far apart, so the upgrades do not all land at once.
const OPEN_EVERY: Duration = Duration::from_millis(5);
const GOAL_P99_MS: f64 = 200.0;
/// How long a client waits for the events after the last one is sent.
const SETTLE: Duration = Duration::from_secs(30);

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

fn main() -> ExitCode {
    support::main_with(run)
}

fn open(url: &str) -> Result<Socket, String> {
    let (mut socket, _) = tungstenite::connect(url).map_err(|e| format!("connecting: {e}"))?;
    if let MaybeTlsStream::Plain(stream) = socket.get_mut() {
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .map_err(|e| e.to_string())?;
    }
    Ok(socket)
}

/// The next text message as JSON; `None` when none came within the read timeout.
fn next_json(socket: &mut Socket) -> Result<Option<Value>, String> {
    match socket.read() {
        Ok(Message::Text(text)) => serde_json::from_str(&text).map(Some).map_err(|e| e.to_string()),
        Ok(_) => Ok(None),
        Err(tungstenite::Error::Io(e))
            if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) =>
        {
            Ok(None)
        }
        Err(e) => Err(format!("reading: {e}")),
    }
}

/// What one client saw: when each event's tick arrived, and its timestamp.
struct Seen {
    arrivals: Vec<(Instant, String)>,
}

/// A client: connects, waits for `hello`, counts itself ready once a
/// warm-up `start` tick arrives, then collects `success` ticks until it has
/// `events` of them or the stream goes quiet past `quiet_after`.
fn client(url: String, events: usize, ready: Arc<AtomicUsize>, done_sending: Arc<AtomicUsize>) -> Result<Seen, String> {
    let mut socket = open(&url)?;
    let mut warmed = false;
    let mut arrivals = Vec::with_capacity(events);
    let mut quiet_since: Option<Instant> = None;
    while arrivals.len() < events {
        let Some(message) = next_json(&mut socket)? else {
            if done_sending.load(Ordering::SeqCst) == 1 {
                let since = *quiet_since.get_or_insert_with(Instant::now);
                if since.elapsed() > SETTLE {
                    break;
                }
            }
            continue;
        };
        let at = Instant::now();
        if message["type"] != "telemetry_tick" {
            continue;
        }
        match message["kind"].as_str() {
            Some("start") if !warmed => {
                warmed = true;
                ready.fetch_add(1, Ordering::SeqCst);
            }
            Some("success") => arrivals.push((at, message["timestamp"].as_str().unwrap_or_default().to_string())),
            _ => {}
        }
    }
    let _ = socket.close(None);
    Ok(Seen { arrivals })
}

/// Resident memory of every workerd process, in MiB (the server's).
fn workerd_rss_mib() -> f64 {
    let mut kib = 0u64;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        if !status.lines().any(|l| l.starts_with("Name:") && l.contains("workerd")) {
            continue;
        }
        kib += status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
    }
    kib as f64 / 1024.0
}

/// The round trip of `ping` → `pong` on one socket.
fn round_trips(url: &str) -> Result<Vec<Duration>, String> {
    let mut socket = open(url)?;
    let mut times = Vec::with_capacity(ROUND_TRIPS);
    for _ in 0..ROUND_TRIPS {
        let sent = Instant::now();
        socket
            .send(Message::text(r#"{"type":"ping"}"#))
            .map_err(|e| e.to_string())?;
        loop {
            match next_json(&mut socket)? {
                Some(m) if m["type"] == "pong" => break,
                Some(_) => continue,
                None if sent.elapsed() > Duration::from_secs(10) => return Err("no pong within 10 s".into()),
                None => continue,
            }
        }
        times.push(sent.elapsed());
    }
    Ok(times)
}

/// A ping, answered `200 OK` (text, not JSON), on a connection of its own:
/// a pooled one may have been closed by the server while the sockets opened.
fn ping(url: &str) -> Result<(), String> {
    let client = reqwest::blocking::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client.get(url).send().map_err(|e| format!("a ping: {e}"))?;
    match response.status().as_u16() {
        200 => Ok(()),
        code => Err(format!("a ping was answered {code}")),
    }
}

struct Fanout {
    sockets: usize,
    latencies: Vec<Duration>,
    complete: usize,
    in_order: usize,
    rss_before: f64,
    rss_open: f64,
}

/// Opens `sockets` clients, warms the stream up, sends `events` pings 100 ms
/// apart and gathers what every client saw.
fn fan_out(url: &str, ping_url: &str, sockets: usize, events: usize) -> Result<Fanout, String> {
    let rss_before = workerd_rss_mib();
    let ready = Arc::new(AtomicUsize::new(0));
    let done_sending = Arc::new(AtomicUsize::new(0));
    let mut clients: Vec<JoinHandle<Result<Seen, String>>> = Vec::with_capacity(sockets);
    for _ in 0..sockets {
        let (url, ready, done) = (url.to_string(), ready.clone(), done_sending.clone());
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || client(url, events, ready, done))
            .map_err(|e| e.to_string())?;
        clients.push(handle);
        sleep(OPEN_EVERY);
    }
    // Warm-up: `start` pings until every client has heard one (the first
    // listener wakes the monitor, which then reports its pings).
    let warm_up_until = Instant::now() + Duration::from_secs(120);
    while ready.load(Ordering::SeqCst) < sockets {
        if Instant::now() > warm_up_until {
            return Err(format!(
                "only {} of {sockets} clients heard the warm-up",
                ready.load(Ordering::SeqCst)
            ));
        }
        ping(&format!("{ping_url}/start"))?;
        sleep(Duration::from_millis(500));
    }
    let rss_open = workerd_rss_mib();
    let mut sent = Vec::with_capacity(events);
    let started = Instant::now();
    for k in 0..events {
        let slot = started + EVENT_EVERY * k as u32;
        if let Some(wait) = slot.checked_duration_since(Instant::now()) {
            sleep(wait);
        }
        sent.push(Instant::now());
        ping(ping_url)?;
    }
    done_sending.store(1, Ordering::SeqCst);
    let (mut latencies, mut complete, mut in_order) = (Vec::new(), 0, 0);
    for handle in clients {
        let seen = handle.join().map_err(|_| "a client panicked".to_string())??;
        complete += usize::from(seen.arrivals.len() == events);
        in_order += usize::from(seen.arrivals.windows(2).all(|w| w[0].1 < w[1].1));
        for (k, (at, _)) in seen.arrivals.iter().enumerate() {
            latencies.push(at.saturating_duration_since(sent[k]));
        }
    }
    latencies.sort();
    Ok(Fanout {
        sockets,
        latencies,
        complete,
        in_order,
        rss_before,
        rss_open,
    })
}

fn row(label: &str, latencies: &[Duration], extra: &str) {
    let p = |q: f64| percentile(latencies, q).map_or(f64::NAN, ms);
    println!(
        "{label:<34} {:>8} {:>9.1} {:>9.1} {:>9.1}  {extra}",
        latencies.len(),
        p(50.0),
        p(99.0),
        p(100.0)
    );
}

fn run() -> Result<bool, String> {
    let api = Api::from_env()?;
    let sockets = env_number("BENCH_LIVE_SOCKETS", 1000)? as usize;
    let events = env_number("BENCH_LIVE_EVENTS", 100)? as usize;
    let (_, token) = api.register("live")?;
    let monitor = must(
        api.http
            .post(api.url("/api/v1/monitors"))
            .bearer_auth(&token)
            .json(&json!({ "type": "heartbeat", "name": "fan-out", "interval_seconds": 3600, "grace_seconds": 3600 })),
        "creating the heartbeat",
    )?;
    let ping_url = api.url(&format!("/p/{}", monitor["data"]["token"].as_str().ok_or("no token")?));
    let url = format!("{}?token={token}", api.url("/api/v1/live").replacen("http", "ws", 1));

    let mut trips = round_trips(&url)?;
    trips.sort();
    let single = fan_out(&url, &ping_url, 1, events)?;
    let many = fan_out(&url, &ping_url, sockets, events)?;

    println!(
        "\nlive fan-out: {events} events, one every {} ms",
        EVENT_EVERY.as_millis()
    );
    println!(
        "{:<34} {:>8} {:>9} {:>9} {:>9}",
        "", "arrivals", "p50 ms", "p99 ms", "max ms"
    );
    row("ceiling: ping → pong, 1 socket", &trips, "");
    for fan in [&single, &many] {
        row(
            &format!("event → client, {} socket(s)", fan.sockets),
            &fan.latencies,
            &format!(
                "{}/{} complete, {}/{} in order, workerd RSS {:.0} → {:.0} MiB",
                fan.complete, fan.sockets, fan.in_order, fan.sockets, fan.rss_before, fan.rss_open
            ),
        );
    }
    let p99 = percentile(&many.latencies, 99.0).map_or(f64::NAN, ms);
    let all = many.complete == sockets && many.in_order == sockets && single.complete == 1;
    println!(
        "goal: p99 under {GOAL_P99_MS} ms with {sockets} sockets ({}), every event everywhere in order ({})",
        if p99 < GOAL_P99_MS { "met" } else { "NOT met" },
        if all { "yes" } else { "NO" }
    );
    Ok(all)
}
