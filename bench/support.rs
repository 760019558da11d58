//! What the benchmarks share: the served Worker (`PW_BENCH_URL`), accounts,
//! timed request loops with their percentiles and tables, paged lists, a
//! loopback HTTP target for monitors to check (logging every request), and
//! queries on the Worker's local D1 (`PW_BENCH_STATE`, through the frozen copy
//! in `PW_BENCH_WORKER_DIR`).
//! Every loop is bounded in count and in time.
#![allow(dead_code)] // each benchmark uses only part of this

use reqwest::blocking::{Client, RequestBuilder};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// No timed phase may take longer than this, whatever the Worker does.
pub const PHASE_TIME_LIMIT: Duration = Duration::from_secs(180);
pub const PASSWORD: &str = "correct horse battery staple";
/// Pages read of one list at most (200 items each).
const MAX_PAGES: usize = 100;

/// Runs a benchmark: exit 0 when every request succeeded and every check held.
pub fn main_with(run: fn() -> Result<bool, String>) -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("FAILED: some requests were not answered with 2xx, a phase ran out of time, or a check failed");
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A whole number from the environment, or `default`.
pub fn env_number(name: &str, default: u64) -> Result<u64, String> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("{name} must be a whole number, not {text:?}")),
        Err(_) => Ok(default),
    }
}

/// The served Worker and an HTTP client for it.
pub struct Api {
    pub http: Client,
    base: String,
}

impl Api {
    pub fn from_env() -> Result<Api, String> {
        let base =
            std::env::var("PW_BENCH_URL").map_err(|_| "PW_BENCH_URL is not set (run `make bench`)".to_string())?;
        Api::new(&base)
    }

    /// The Worker at `base` (a benchmark that serves it itself).
    pub fn new(base: &str) -> Result<Api, String> {
        let http = Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(32)
            .build()
            .map_err(|e| format!("an HTTP client: {e}"))?;
        Ok(Api {
            http,
            base: base.trim_end_matches('/').to_string(),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Registers a fresh account: its credentials and its bearer token.
    pub fn register(&self, label: &str) -> Result<(Value, String), String> {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let email = format!("bench-{label}-{nanos}-{}@example.com", std::process::id());
        let account = json!({ "email": email, "password": PASSWORD });
        let registered = must(
            self.http.post(self.url("/api/v1/auth/register")).json(&account),
            "registering",
        )?;
        let token = registered["data"]["token"]
            .as_str()
            .ok_or("registering: no data.token")?
            .to_string();
        Ok((account, token))
    }

    /// Makes monitors from `body(i)`, `threads` at a time, and answers the
    /// run and the created monitors (`data`) in order; fails unless all were made.
    pub fn create_monitors<F>(
        &self,
        token: &str,
        count: usize,
        threads: usize,
        body: F,
    ) -> Result<(Run, Vec<Value>), String>
    where
        F: Fn(usize) -> Value + Sync,
    {
        let made = Mutex::new(vec![Value::Null; count]);
        let run = measure_answers(
            "POST /api/v1/monitors",
            count,
            threads,
            |i| {
                self.http
                    .post(self.url("/api/v1/monitors"))
                    .bearer_auth(token)
                    .json(&body(i))
            },
            |i, answer| made.lock().unwrap()[i] = answer["data"].clone(),
        );
        let made = made.into_inner().unwrap();
        if !run.complete() || made.iter().any(|m| m["id"].as_str().is_none()) {
            return Err(format!("{} of {count} monitors were made", run.done() - run.failures));
        }
        Ok((run, made))
    }

    /// Every item of a list, following `next_cursor` (at most `MAX_PAGES` pages).
    /// `path` already has a query (`?limit=200` at least).
    pub fn list_all(&self, token: &str, path: &str) -> Result<Vec<Value>, String> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page_path = match &cursor {
                Some(c) => format!("{path}&cursor={c}"),
                None => path.to_string(),
            };
            let page = must(
                self.http.get(self.url(&page_path)).bearer_auth(token),
                &format!("GET {page_path}"),
            )?;
            items.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return Ok(items),
            }
        }
        Err(format!("GET {path}: more than {MAX_PAGES} pages"))
    }
}

/// `f(0)` to `f(count - 1)` on `threads` threads, in order; the first error ends it.
pub fn parallel_map<T, F>(count: usize, threads: usize, f: F) -> Result<Vec<T>, String>
where
    T: Send,
    F: Fn(usize) -> Result<T, String> + Sync,
{
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<T, String>>>> = Mutex::new((0..count).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let result = f(i);
                let failed = result.is_err();
                results.lock().unwrap()[i] = Some(result);
                if failed {
                    next.store(count, Ordering::Relaxed);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("stopped by an earlier error".into())))
        .collect()
}

/// A request that must succeed for the benchmark to go on (setting up).
pub fn must(request: RequestBuilder, what: &str) -> Result<Value, String> {
    let response = request.send().map_err(|e| format!("{what}: no answer: {e}"))?;
    let status = response.status();
    let text = response.text().unwrap_or_default();
    if !status.is_success() {
        return Err(format!("{what}: {status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("{what}: not JSON ({e}): {text}"))
}

/// Now, in ms since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// An ISO 8601 field of a JSON object, in ms since the epoch.
pub fn millis(item: &Value, field: &str) -> Result<i64, String> {
    item[field]
        .as_str()
        .and_then(pingwarden::domain::time::millis_from_iso)
        .ok_or_else(|| format!("no ISO timestamp in {field}: {item}"))
}

/// The nearest-rank percentile of sorted values.
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    (!sorted.is_empty()).then(|| sorted[rank.clamp(1, sorted.len()) - 1])
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// What one timed phase measured.
pub struct Run {
    pub label: String,
    pub threads: usize,
    pub planned: usize,
    pub wall: Duration,
    /// Latency of every request that got an answer, sorted.
    pub latencies: Vec<Duration>,
    /// Answers other than 2xx (or than the status expected), and requests
    /// that got no answer at all.
    pub failures: usize,
}

impl Run {
    pub fn done(&self) -> usize {
        self.latencies.len()
    }

    pub fn per_second(&self) -> f64 {
        self.done() as f64 / self.wall.as_secs_f64()
    }

    /// In ms.
    pub fn percentile(&self, p: f64) -> f64 {
        percentile(&self.latencies, p).map_or(f64::NAN, ms)
    }

    pub fn complete(&self) -> bool {
        self.failures == 0 && self.done() == self.planned
    }
}

/// Sends `count` requests made by `request(i)` from `threads` threads, each
/// taking the next index until all are taken or the phase's time is up, and
/// reads every answer to its end.
pub fn measure<F>(label: &str, count: usize, threads: usize, request: F) -> Run
where
    F: Fn(usize) -> RequestBuilder + Sync,
{
    measure_answers(label, count, threads, request, |_, _| {})
}

/// `measure`, handing each 2xx JSON answer to `answer(i, json)`.
pub fn measure_answers<F, A>(label: &str, count: usize, threads: usize, request: F, answer: A) -> Run
where
    F: Fn(usize) -> RequestBuilder + Sync,
    A: Fn(usize, Value) + Sync,
{
    timed(label, count, threads, None, request, |i, _, json| answer(i, json))
}

/// `measure`, where every answer must have the status `expected`; also
/// counts the values of the answers' `header` (`X-Cache: hit`, say).
pub fn measure_counting<F>(
    label: &str,
    count: usize,
    threads: usize,
    expected: u16,
    header: &str,
    request: F,
) -> (Run, BTreeMap<String, usize>)
where
    F: Fn(usize) -> RequestBuilder + Sync,
{
    let counts = Mutex::new(BTreeMap::new());
    let run = timed(label, count, threads, Some(expected), request, |_, headers, _| {
        let value = headers
            .get(header)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(none)")
            .to_string();
        *counts.lock().unwrap().entry(value).or_insert(0) += 1;
    });
    (run, counts.into_inner().unwrap())
}

/// `measure`, where every answer must have the status `expected` (a 404, say).
pub fn measure_expecting<F>(label: &str, count: usize, threads: usize, expected: u16, request: F) -> Run
where
    F: Fn(usize) -> RequestBuilder + Sync,
{
    timed(label, count, threads, Some(expected), request, |_, _, _| {})
}

/// The loop behind `measure`: an answer succeeds with the status `expected`,
/// or with any 2xx when none is, and is handed to `answer` with its headers.
fn timed<F, A>(label: &str, count: usize, threads: usize, expected: Option<u16>, request: F, answer: A) -> Run
where
    F: Fn(usize) -> RequestBuilder + Sync,
    A: Fn(usize, &HeaderMap, Value) + Sync,
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
                    let outcome = request(i)
                        .send()
                        .map_err(|e| format!("no answer: {e}"))
                        .and_then(|response| {
                            let status = response.status();
                            let headers = response.headers().clone();
                            let body = response.bytes();
                            mine.push(sent.elapsed());
                            match body {
                                Ok(body) if expected.map_or(status.is_success(), |e| status == e) => {
                                    Ok((headers, body))
                                }
                                Ok(body) => Err(format!("{status}: {}", String::from_utf8_lossy(&body))),
                                Err(e) => Err(format!("{status}: {e}")),
                            }
                        });
                    match outcome {
                        Ok((headers, body)) => {
                            answer(i, &headers, serde_json::from_slice(&body).unwrap_or(Value::Null))
                        }
                        // Counts every failure; shows the first three.
                        Err(why) if failures.fetch_add(1, Ordering::Relaxed) < 3 => {
                            eprintln!("{label}: request {i}: {why}")
                        }
                        Err(_) => {}
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

/// The runs as a Markdown table.
pub fn print_runs(runs: &[&Run]) {
    println!("| Route | Requests | Client threads | Requests/s | p50 ms | p99 ms | max ms | Failed |");
    println!("|---|--:|--:|--:|--:|--:|--:|--:|");
    for run in runs {
        println!(
            "| `{}` | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
            run.label,
            run.done(),
            run.threads,
            run.per_second(),
            run.percentile(50.0),
            run.percentile(99.0),
            run.percentile(100.0),
            run.failures,
        );
    }
    println!();
}

/// Reports the runs that fell short; true when none did.
pub fn all_complete(runs: &[&Run]) -> bool {
    for run in runs.iter().filter(|run| !run.complete()) {
        eprintln!(
            "{}: {} of {} requests answered in {:.0} s, {} not 2xx or unanswered",
            run.label,
            run.done(),
            run.planned,
            run.wall.as_secs_f64(),
            run.failures
        );
    }
    runs.iter().all(|run| run.complete())
}

/// One request a `Target` received: when (ms since the epoch), its path and
/// its body (a webhook's JSON; probes send none).
#[derive(Clone, Debug)]
pub struct Hit {
    pub at_ms: i64,
    pub path: String,
    pub body: String,
}

/// An HTTP server on 127.0.0.1 for monitors to check and webhooks to reach,
/// a thread per connection, answering every request with a short body and
/// `Connection: close`, until the process ends. Counts the requests answered
/// and logs every request received, once its body is read.
pub struct Target {
    pub port: u16,
    pub requests: Arc<AtomicUsize>,
    /// Every request, in order of arrival.
    pub hits: Arc<Mutex<Vec<Hit>>>,
}

impl Target {
    /// Answers every request `200 OK`.
    pub fn start() -> Result<Target, String> {
        Target::answering(|_| 200)
    }

    /// Answers each request with the status `status(path)` (200 or 500),
    /// once it returns.
    pub fn answering(status: impl Fn(&str) -> u16 + Send + Sync + 'static) -> Result<Target, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("a loopback port: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let requests = Arc::new(AtomicUsize::new(0));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let (counter, log, status) = (requests.clone(), hits.clone(), Arc::new(status));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (counter, log, status) = (counter.clone(), log.clone(), status.clone());
                std::thread::spawn(move || {
                    if answer(stream, &log, &*status).is_ok() {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        Ok(Target { port, requests, hits })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

fn answer(stream: TcpStream, log: &Mutex<Vec<Hit>>, status: &dyn Fn(&str) -> u16) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // `GET /path HTTP/1.1`
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    // The headers, up to the blank line, then the body they announce.
    let mut length = 0;
    line.clear();
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        line.clear();
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    log.lock().unwrap().push(Hit {
        at_ms: now_ms(),
        path: path.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    // After the log: `status` may take its time (a slow target).
    let code = status(&path);
    let (reason, body) = if code == 200 {
        ("OK", "ok\n")
    } else {
        ("Internal Server Error", "failing\n")
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Runs SQL on the served Worker's local D1 with `wrangler d1 execute` (a
/// second process on the same SQLite file) and answers the rows of the
/// last statement. Bounded to 120 s.
pub fn d1(sql: &str) -> Result<Vec<Value>, String> {
    let dir = std::env::var("PW_BENCH_WORKER_DIR").map_err(|_| "PW_BENCH_WORKER_DIR is not set (run `make bench`)")?;
    let state = std::env::var("PW_BENCH_STATE").map_err(|_| "PW_BENCH_STATE is not set (run `make bench`)")?;
    let mut child = Command::new(format!("{dir}/node_modules/.bin/wrangler"))
        .args([
            "d1",
            "execute",
            "DB",
            "--local",
            "--persist-to",
            &state,
            "--json",
            "--command",
            sql,
        ])
        .current_dir(&dir)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("wrangler d1 execute: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err("wrangler d1 execute took more than 120 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrangler d1 execute: {}: {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let results: Value =
        serde_json::from_str(&stdout).map_err(|e| format!("wrangler d1 execute: not JSON ({e}): {stdout}"))?;
    Ok(results
        .as_array()
        .and_then(|all| all.last())
        .and_then(|last| last["results"].as_array())
        .cloned()
        .unwrap_or_default())
}

/// One check as the API shows it (times in ms since the epoch).
pub struct Check {
    pub scheduled: i64,
    pub checked: i64,
    pub up: bool,
}

impl Check {
    /// How late the check ran: `checked_at − scheduled_at`.
    pub fn lateness(&self) -> i64 {
        self.checked - self.scheduled
    }
}

fn parse_check(item: &Value) -> Result<Check, String> {
    Ok(Check {
        scheduled: millis(item, "scheduled_at")?,
        checked: millis(item, "checked_at")?,
        up: item["status"] == "up",
    })
}

/// Every check of each monitor, oldest first, read `threads` monitors at a time.
pub fn histories(api: &Api, token: &str, ids: &[String], threads: usize) -> Result<Vec<Vec<Check>>, String> {
    parallel_map(ids.len(), threads, |i| {
        let items = api.list_all(token, &format!("/api/v1/monitors/{}/checks?limit=200", ids[i]))?;
        let mut checks = items.iter().map(parse_check).collect::<Result<Vec<_>, _>>()?;
        checks.sort_by_key(|c| c.scheduled);
        Ok(checks)
    })
}

/// Pauses the monitors, `threads` at a time, so that their history stops
/// moving; then waits 2 s, since a check already under way still lands.
pub fn pause_all(api: &Api, token: &str, ids: &[String], threads: usize) -> Run {
    let pause = measure("POST /api/v1/monitors/{id}/pause", ids.len(), threads, |i| {
        api.http
            .post(api.url(&format!("/api/v1/monitors/{}/pause", ids[i])))
            .bearer_auth(token)
    });
    std::thread::sleep(Duration::from_secs(2));
    pause
}

/// Rounds of one phase as one run: their requests, and their time summed.
pub fn merged(label: &str, rounds: Vec<Run>) -> Run {
    let mut latencies: Vec<Duration> = rounds.iter().flat_map(|r| r.latencies.iter().copied()).collect();
    latencies.sort();
    Run {
        label: label.to_string(),
        threads: rounds.first().map_or(1, |r| r.threads),
        planned: rounds.iter().map(|r| r.planned).sum(),
        wall: rounds.iter().map(|r| r.wall).sum(),
        latencies,
        failures: rounds.iter().map(|r| r.failures).sum(),
    }
}
