//! `make bench`: throughput and latency of the API of a running Worker
//! (`PW_BENCH_URL`, started by scripts/bench.sh), measured from this machine
//! with blocking HTTP clients on a few threads.
//!
//! It registers a fresh account, makes an API key, then measures, with that
//! key: creating 100 monitors, listing them 100 at a time, and
//! `GET /api/health` (the no-op baseline of the same build); and, apart, the
//! latency of logging in (PBKDF2 password hashing). Every loop is bounded in
//! count and in time; any answer other than 2xx makes it exit non-zero.

use reqwest::blocking::{Client, RequestBuilder};
use serde_json::{json, Value};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const MONITORS: usize = 100;
const CREATE_THREADS: usize = 4;
const READ_REQUESTS: usize = 2000;
const READ_THREADS: usize = 8;
const WARM_UP_REQUESTS: usize = 100;
const LOGINS: usize = 10;
/// No phase may take longer than this, whatever the Worker does.
const PHASE_TIME_LIMIT: Duration = Duration::from_secs(180);
const PASSWORD: &str = "correct horse battery staple";

/// What one phase measured.
struct Run {
    label: String,
    threads: usize,
    planned: usize,
    wall: Duration,
    /// Latency of every request that got an answer, sorted.
    latencies: Vec<Duration>,
    /// Answers other than 2xx, and requests that got no answer at all.
    failures: usize,
}

impl Run {
    fn done(&self) -> usize {
        self.latencies.len()
    }

    fn per_second(&self) -> f64 {
        self.done() as f64 / self.wall.as_secs_f64()
    }

    /// The nearest-rank percentile, in ms.
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        ms(self.latencies[rank.clamp(1, self.latencies.len()) - 1])
    }

    fn max(&self) -> f64 {
        self.latencies.last().map_or(f64::NAN, |d| ms(*d))
    }

    fn complete(&self) -> bool {
        self.failures == 0 && self.done() == self.planned
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Sends `count` requests made by `request(i)` from `threads` threads, each
/// taking the next index until all are taken or the phase's time is up, and
/// reads every answer to its end.
fn measure<F>(label: &str, count: usize, threads: usize, request: F) -> Run
where
    F: Fn(usize) -> RequestBuilder + Sync,
{
    let next = AtomicUsize::new(0);
    let failures = AtomicUsize::new(0);
    let latencies = Mutex::new(Vec::with_capacity(count));
    let started = Instant::now();
    let deadline = started + PHASE_TIME_LIMIT;
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut mine = Vec::with_capacity(count / threads + 1);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count || Instant::now() >= deadline {
                        break;
                    }
                    let sent = Instant::now();
                    match request(i).send() {
                        Ok(response) => {
                            let status = response.status();
                            let body = response.bytes();
                            mine.push(sent.elapsed());
                            let failed = !status.is_success() || body.is_err();
                            // Counts every failure; shows the first three.
                            if failed && failures.fetch_add(1, Ordering::Relaxed) < 3 {
                                let text = body
                                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                                    .unwrap_or_else(|e| e.to_string());
                                eprintln!("{label}: request {i}: {status}: {text}");
                            }
                        }
                        Err(error) => {
                            if failures.fetch_add(1, Ordering::Relaxed) < 3 {
                                eprintln!("{label}: request {i}: no answer: {error}");
                            }
                        }
                    }
                }
                latencies.lock().unwrap().extend(mine);
            });
        }
    });
    let wall = started.elapsed();
    let mut latencies = latencies.into_inner().unwrap();
    latencies.sort();
    Run {
        label: label.to_string(),
        threads,
        planned: count,
        wall,
        latencies,
        failures: failures.into_inner(),
    }
}

/// A request that must succeed for the benchmark to go on (setting up).
fn must(request: RequestBuilder, what: &str) -> Result<Value, String> {
    let response = request.send().map_err(|e| format!("{what}: no answer: {e}"))?;
    let status = response.status();
    let text = response.text().unwrap_or_default();
    if !status.is_success() {
        return Err(format!("{what}: {status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("{what}: not JSON ({e}): {text}"))
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("FAILED: some requests were not answered with 2xx, or a phase ran out of time");
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, String> {
    let base = std::env::var("PW_BENCH_URL").map_err(|_| "PW_BENCH_URL is not set (run `make bench`)".to_string())?;
    let base = base.trim_end_matches('/').to_string();
    let url = |path: &str| format!("{base}{path}");
    let http = Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(READ_THREADS)
        .build()
        .map_err(|e| format!("an HTTP client: {e}"))?;

    // A fresh account, so that the list holds exactly the monitors made here.
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let email = format!("bench-{nanos}-{}@example.com", std::process::id());
    let account = json!({ "email": email, "password": PASSWORD });
    let registered = must(http.post(url("/api/v1/auth/register")).json(&account), "registering")?;
    let token = registered["data"]["token"]
        .as_str()
        .ok_or("registering: no data.token")?;
    let made = must(
        http.post(url("/api/v1/api-keys"))
            .bearer_auth(token)
            .json(&json!({ "name": "bench", "scopes": ["read", "write"] })),
        "making an API key",
    )?;
    let key = made["data"]["key"]
        .as_str()
        .ok_or("making an API key: no data.key")?
        .to_string();

    let create = measure(
        &format!("POST /api/v1/monitors ({MONITORS} creations)"),
        MONITORS,
        CREATE_THREADS,
        |i| {
            http.post(url("/api/v1/monitors")).bearer_auth(&key).json(&json!({
                "type": "http",
                "name": format!("bench {i}"),
                "url": "http://127.0.0.1:9/",
                "interval_seconds": 60,
            }))
        },
    );

    // The list must hold the 100 monitors, or the figures would mean little.
    let list_path = format!("/api/v1/monitors?limit={MONITORS}");
    let listed = must(http.get(url(&list_path)).bearer_auth(&key), "listing")?;
    let rows = listed["data"].as_array().map_or(0, Vec::len);
    if rows != MONITORS {
        return Err(format!("the list holds {rows} monitors, not {MONITORS}"));
    }

    let list_request = |_: usize| http.get(url(&list_path)).bearer_auth(&key);
    let health_request = |_: usize| http.get(url("/api/health"));
    let list_label = format!("GET /api/v1/monitors?limit={MONITORS} ({MONITORS} monitors)");
    let warm_list = measure("warm-up list", WARM_UP_REQUESTS, READ_THREADS, list_request);
    let list = measure(&list_label, READ_REQUESTS, READ_THREADS, list_request);
    let warm_health = measure("warm-up health", WARM_UP_REQUESTS, READ_THREADS, health_request);
    let health = measure(
        "GET /api/health (baseline)",
        READ_REQUESTS,
        READ_THREADS,
        health_request,
    );

    // One at a time: each login hashes the password (PBKDF2-SHA256, 100k iterations).
    let login = measure("POST /api/v1/auth/login (sequential)", LOGINS, 1, |_| {
        http.post(url("/api/v1/auth/login")).json(&account)
    });

    println!("| Route | Requests | Client threads | Requests/s | p50 ms | p99 ms | max ms | Non-2xx |");
    println!("|---|--:|--:|--:|--:|--:|--:|--:|");
    for run in [&create, &list, &health, &login] {
        println!(
            "| `{}` | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
            run.label,
            run.done(),
            run.threads,
            run.per_second(),
            run.percentile(50.0),
            run.percentile(99.0),
            run.max(),
            run.failures,
        );
    }
    println!();
    println!(
        "Login (password hashing) p50: {:.1} ms over {} sequential logins.",
        login.percentile(50.0),
        login.done()
    );
    println!(
        "List rate as a share of the baseline rate: {:.0} %.",
        100.0 * list.per_second() / health.per_second()
    );

    let all = [&create, &warm_list, &list, &warm_health, &health, &login];
    for run in all.iter().filter(|run| !run.complete()) {
        eprintln!(
            "{}: {} of {} requests answered in {:.0} s, {} not 2xx or unanswered",
            run.label,
            run.done(),
            run.planned,
            run.wall.as_secs_f64(),
            run.failures
        );
    }
    Ok(all.iter().all(|run| run.complete()))
}
