//! `make soak`: the fault-injection soak. It serves the Worker itself
//! (`scripts/serve.sh` from the frozen copy in `PW_BENCH_WORKER_DIR`, state in
//! `PW_BENCH_STATE`) and, for `SOAK_SECONDS` (default 600):
//! - `SOAK_MONITORS` (default 50) HTTP monitors, every 2–5 s, failure
//!   threshold 1, each on its own path of a loopback target that switches
//!   between 200 and 500 on a seeded timetable (every 8–30 s);
//! - 10 heartbeats (period 3 s, grace 2 s), pinged every 2 s with a unique
//!   `rid`, with seeded silences of 8–20 s that take them down;
//! - a churn: a monitor created every 5 s and deleted 15 s later, on a slow
//!   target (1 s) that alternates 200 and 500, so that deletions meet probes
//!   under way and flips; each deletion is sent during a reconciler pass;
//! - `SOAK_RESTARTS` (default 3) restarts of the server on the same state,
//!   spread over the run, alternately a crash (`kill -KILL` of its process
//!   group) and a clean stop (`kill -TERM`), each during a storm of failures.
//!
//! Then every target answers 200, the heartbeats keep being pinged until every
//! monitor is up, the server is stopped cleanly, and the invariants are
//! checked on the files it left: D1's SQLite and each monitor object's own
//! SQLite (its `config` in `_cf_KV`, its alarm, its `results`, `flips` and
//! `pings`).
//! Exit non-zero when one fails. `SOAK_SEED` (default 1) varies the timetables.

mod support;

use rusqlite::Connection;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::fs::OpenOptions;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};
use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{env_number, now_ms, Api, Hit, Target};

const HEARTBEATS: usize = 10;
const HEARTBEAT_PERIOD_SECONDS: u64 = 3;
const HEARTBEAT_GRACE_SECONDS: u64 = 2;
const PING_EVERY: Duration = Duration::from_secs(2);
const CHURN_EVERY: Duration = Duration::from_secs(5);
const CHURN_LIFETIME_MS: i64 = 15_000;
const CHURN_ANSWER_DELAY: Duration = Duration::from_millis(1_000);
/// A churned monitor is deleted up to this long after a reconciler pass was
/// fired, so that some deletions land in the middle of one.
const CHURN_DELETE_JITTER_MS: u64 = 400;
const STORM_LEAD: Duration = Duration::from_secs(2);
const STORM_AFTER: Duration = Duration::from_secs(10);
/// How long after a flipping probe each restart's signal comes, in turn.
const KILL_DELAYS_MS: [u64; 3] = [5, 15, 40];
/// A probe already under way when its monitor is deleted may still arrive.
const DELETION_SLACK_MS: i64 = 2_000;
/// The settling lasts at least this long, so that a deleted monitor that
/// still probes gets caught, and at most `SETTLE_MAX`.
const SETTLE_MIN: Duration = Duration::from_secs(20);
const SETTLE_MAX: Duration = Duration::from_secs(120);
const BOOT_LIMIT: Duration = Duration::from_secs(180);
const STOP_LIMIT: Duration = Duration::from_secs(15);
/// The reconciler runs this often, so that it meets the objects often.
const CRON_EVERY_SECONDS: &str = "10";
const SETUP_THREADS: usize = 4;
/// Failures shown per invariant.
const EXAMPLES: usize = 8;

const RUNNING: u8 = 0;
const SETTLING: u8 = 1;
const DONE: u8 = 2;

fn main() -> ExitCode {
    support::main_with(run)
}

/// xorshift64*: seeded, so that a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn between(&mut self, low: i64, high: i64) -> i64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        low + (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as i64 % (high - low + 1)
    }
}

/// On, then off, then on…: the offsets (ms from the start) where it switches.
struct Timetable(Vec<i64>);

impl Timetable {
    fn new(rng: &mut Rng, on_ms: (i64, i64), off_ms: (i64, i64), horizon_ms: i64) -> Timetable {
        let mut switches = Vec::new();
        let mut at = 0;
        while at < horizon_ms {
            let (low, high) = if switches.len() % 2 == 0 { on_ms } else { off_ms };
            at += rng.between(low, high);
            switches.push(at);
        }
        Timetable(switches)
    }

    fn on_at(&self, offset_ms: i64) -> bool {
        self.0.partition_point(|&s| s <= offset_ms) % 2 == 0
    }

    fn switches_before(&self, offset_ms: i64) -> usize {
        self.0.partition_point(|&s| s <= offset_ms)
    }
}

/// What the loopback target answers: `/flap/{i}` by its timetable until the
/// run ends, then 200, except during a storm (500). `/churn/{n}` after `CHURN_ANSWER_DELAY`, alternately
/// 200 and 500 every 2 s (so most of its checks flip it): a deletion then
/// often lands while a probe is under way, and its result may flip the status.
struct Flapping {
    started_ms: i64,
    phase: AtomicU8,
    tables: Vec<Timetable>,
    /// Until when every `/flap/{i}` fails (ms since the epoch).
    storm_until_ms: AtomicI64,
}

impl Flapping {
    fn status(&self, path: &str) -> u16 {
        if path.starts_with("/churn/") {
            std::thread::sleep(CHURN_ANSWER_DELAY);
            return if now_ms() / 2_000 % 2 == 0 { 200 } else { 500 };
        }
        let table = path
            .strip_prefix("/flap/")
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| self.tables.get(i));
        let now = now_ms();
        let running = self.phase.load(Ordering::Relaxed) == RUNNING;
        match table {
            Some(_) if running && now < self.storm_until_ms.load(Ordering::Relaxed) => 500,
            Some(table) if running && !table.on_at(now - self.started_ms) => 500,
            _ => 200,
        }
    }
}

/// `scripts/serve.sh` of the frozen copy, in its own process group, on a
/// fixed port and state folder across restarts; its output appended to `log`.
struct Server {
    worker: PathBuf,
    state: PathBuf,
    log: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Server {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn start(&mut self) -> Result<(), String> {
        let output = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("{}: {e}", self.log.display()))?;
        let mut command = Command::new(self.worker.join("scripts/serve.sh"));
        command
            .env("PORT", self.port.to_string())
            .env("STATE_DIR", &self.state)
            .env("CRON_EVERY_SECONDS", CRON_EVERY_SECONDS)
            // Loopback targets, 2 s intervals and 2 s grace, 60+ monitors.
            .env("PW_ALLOW_PRIVATE_TARGETS", "true")
            .env("PW_MIN_INTERVAL_SECONDS", "1")
            .env("PW_MIN_GRACE_SECONDS", "1")
            .env("PW_DEFAULT_PLAN", "business")
            .stdout(output.try_clone().map_err(|e| e.to_string())?)
            .stderr(output);
        // Its own process group, so that a signal to the group reaches workerd too.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        self.child = Some(command.spawn().map_err(|e| format!("scripts/serve.sh: {e}"))?);
        let http = reqwest::blocking::Client::new();
        let deadline = Instant::now() + BOOT_LIMIT;
        while Instant::now() < deadline {
            let health = http.get(format!("{}/api/health", self.url())).send();
            if health.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if let Some(Ok(Some(exit))) = self.child.as_mut().map(Child::try_wait) {
                return Err(format!("scripts/serve.sh stopped ({exit}); see {}", self.log.display()));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!("the Worker did not answer within {} s", BOOT_LIMIT.as_secs()))
    }

    /// Sends `signal` (`TERM` or `KILL`) to the process group, then `KILL`
    /// to whatever is left of it after `STOP_LIMIT`.
    fn stop(&mut self, signal: &str) {
        let Some(mut child) = self.child.take() else { return };
        let group = format!("-{}", child.id());
        let signal_group = |signal: &str| {
            Command::new("kill")
                .args([&format!("-{signal}"), "--", &group])
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        signal_group(signal);
        let deadline = Instant::now() + STOP_LIMIT;
        while Instant::now() < deadline && signal_group("0") {
            let _ = child.try_wait();
            std::thread::sleep(Duration::from_millis(100));
        }
        signal_group("KILL");
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop("KILL");
    }
}

/// One restart: the signal, when it was sent and when the Worker answered again.
struct Restart {
    signal: &'static str,
    at_ms: i64,
    back_ms: i64,
}

/// One ping answered 2xx.
struct Ping {
    beat: usize,
    rid: String,
}

/// One churned monitor that is gone: its path's number and when its `DELETE`
/// was answered 204 (or 404, when an earlier unanswered one had done it).
struct Deletion {
    n: usize,
    id: String,
    at_ms: i64,
}

struct Churned {
    /// The ids of the monitors made.
    created: Vec<String>,
    deletions: Vec<Deletion>,
}

fn run() -> Result<bool, String> {
    let seconds = env_number("SOAK_SECONDS", 600)?.max(30);
    let restarts = env_number("SOAK_RESTARTS", 3)? as usize;
    let monitors = env_number("SOAK_MONITORS", 50)? as usize;
    let mut rng = Rng(env_number("SOAK_SEED", 1)?.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let worker = PathBuf::from(
        std::env::var("PW_BENCH_WORKER_DIR").map_err(|_| "PW_BENCH_WORKER_DIR is not set (run `make soak`)")?,
    );
    let state =
        PathBuf::from(std::env::var("PW_BENCH_STATE").map_err(|_| "PW_BENCH_STATE is not set (run `make soak`)")?);
    std::fs::create_dir_all(&state).map_err(|e| format!("{}: {e}", state.display()))?;

    let horizon_ms = seconds as i64 * 1000;
    let tables: Vec<Timetable> = (0..monitors)
        .map(|_| Timetable::new(&mut rng, (8_000, 30_000), (8_000, 30_000), horizon_ms))
        .collect();
    let silences: Vec<Timetable> = (0..HEARTBEATS)
        .map(|_| Timetable::new(&mut rng, (15_000, 40_000), (8_000, 20_000), horizon_ms))
        .collect();
    let intervals: Vec<i64> = (0..monitors).map(|_| rng.between(2, 5)).collect();

    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("a free port: {e}"))?
        .port();
    let mut server = Server {
        worker,
        log: state.with_file_name("wrangler.log"),
        state: state.clone(),
        port,
        child: None,
    };
    server.start()?;
    let api = Api::new(&server.url())?;
    let (_, token) = api.register("soak")?;

    // The timetables start now, once the server is up.
    let started_ms = now_ms();
    let flapping = Arc::new(Flapping {
        started_ms,
        phase: AtomicU8::new(RUNNING),
        tables,
        storm_until_ms: AtomicI64::new(0),
    });
    let answering = flapping.clone();
    let target = Target::answering(move |path| answering.status(path))?;
    let base = target.url();

    let (_, flaps) = api.create_monitors(&token, monitors, SETUP_THREADS, |i| {
        json!({ "type": "http", "name": format!("flap {i}"), "url": format!("{base}flap/{i}"),
                "interval_seconds": intervals[i], "failure_threshold": 1 })
    })?;
    let (_, beats) = api.create_monitors(&token, HEARTBEATS, SETUP_THREADS, |i| {
        json!({ "type": "heartbeat", "name": format!("beat {i}"),
                "interval_seconds": HEARTBEAT_PERIOD_SECONDS, "grace_seconds": HEARTBEAT_GRACE_SECONDS })
    })?;
    let beat_tokens: Vec<String> = beats
        .iter()
        .map(|b| {
            b["token"]
                .as_str()
                .map(str::to_string)
                .ok_or(format!("a heartbeat without token: {b}"))
        })
        .collect::<Result<_, _>>()?;
    let ids = |made: &[Value]| -> Vec<String> {
        made.iter()
            .map(|m| m["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (flap_ids, beat_ids) = (ids(&flaps), ids(&beats));
    println!(
        "soak: {monitors} HTTP monitors, {HEARTBEATS} heartbeats, {seconds} s, {restarts} restarts, server on {}, state in {}",
        server.url(),
        state.display()
    );

    let phase = &flapping.phase;
    let (restart_log, settled, pings_sent, pings, churned) = std::thread::scope(|scope| {
        let pinger = scope.spawn(|| ping(&api, &beat_tokens, &silences, started_ms, phase));
        let churner = scope.spawn(|| churn(&api, &token, &base, phase));
        let restarted = restart(&mut server, &flapping, &target.hits, seconds, restarts);
        // Settle: every target up, the heartbeats pinged, the churn cleared.
        phase.store(SETTLING, Ordering::Relaxed);
        let churned = churner.join();
        let settled = match (restarted, churned) {
            (Ok(restarts), Ok(mut churned)) => clear_churn(&api, &token, &mut churned)
                .and_then(|()| settle(&api, &token))
                .map(|settled| (restarts, settled, churned)),
            (Err(why), _) => Err(why),
            (_, Err(_)) => Err("the churn thread panicked".into()),
        };
        phase.store(DONE, Ordering::Relaxed);
        let pinged = pinger.join().map_err(|_| "the ping thread panicked".to_string());
        let ((restarts, settled, churned), (sent, pings)) = (settled?, pinged?);
        Ok::<_, String>((restarts, settled, sent, pings, churned))
    })?;
    server.stop("TERM");
    let ended_ms = now_ms();
    println!(
        "soak: stopped after {} s; every monitor up before the stop: {settled}",
        (ended_ms - started_ms) / 1000
    );

    let hits = target.hits.lock().unwrap().clone();
    let seen = Seen {
        d1: read_d1(&state)?,
        objects: read_objects(&state)?,
        hits,
    };
    let flips_scheduled: usize = flapping.tables.iter().map(|t| t.switches_before(horizon_ms)).sum();
    Ok(report(&Report {
        seconds,
        monitors,
        started_ms,
        restarts: &restart_log,
        flips_scheduled,
        flap_ids: &flap_ids,
        beat_ids: &beat_ids,
        pings_sent,
        pings: &pings,
        churned: &churned,
        seen: &seen,
    }))
}

/// Restarts the server `restarts` times, spread over the run, then waits
/// for the run's end: crash first, then alternately a clean stop and a crash.
/// Each comes `STORM_LEAD` into a storm, every flapping target failing at
/// once, a few ms after a failing answer to a monitor that was up (see
/// `after_flipping_probe`), so that it meets flips under way; the storm ends
/// `STORM_AFTER` the server is back.
fn restart(
    server: &mut Server,
    flapping: &Flapping,
    hits: &Mutex<Vec<Hit>>,
    seconds: u64,
    restarts: usize,
) -> Result<Vec<Restart>, String> {
    let started_ms = flapping.started_ms;
    let mut done = Vec::new();
    for k in 1..=restarts {
        let at = Duration::from_millis(seconds * 1000 * k as u64 / (restarts as u64 + 1));
        sleep_until(started_ms, at.saturating_sub(STORM_LEAD));
        flapping.storm_until_ms.store(i64::MAX, Ordering::Relaxed);
        sleep_until(started_ms, at);
        after_flipping_probe(flapping, hits, KILL_DELAYS_MS[k % KILL_DELAYS_MS.len()]);
        let signal = if k % 2 == 1 { "KILL" } else { "TERM" };
        let at_ms = now_ms();
        server.stop(signal);
        let started = server.start();
        let back_ms = now_ms();
        flapping
            .storm_until_ms
            .store(back_ms + STORM_AFTER.as_millis() as i64, Ordering::Relaxed);
        started?;
        println!(
            "soak: restart {k} ({signal}) at {} s, back after {:.1} s",
            (at_ms - started_ms) / 1000,
            (back_ms - at_ms) as f64 / 1000.0
        );
        done.push(Restart { signal, at_ms, back_ms });
    }
    sleep_until(started_ms, Duration::from_secs(seconds));
    Ok(done)
}

/// Waits until every monitor is up in D1 (at least `SETTLE_MIN`, at most
/// `SETTLE_MAX`): whether they all were.
fn settle(api: &Api, token: &str) -> Result<bool, String> {
    let settling = Instant::now();
    let mut settled = false;
    while settling.elapsed() < SETTLE_MAX && !(settled && settling.elapsed() >= SETTLE_MIN) {
        std::thread::sleep(Duration::from_secs(2));
        let listed = api.list_all(token, "/api/v1/monitors?limit=200")?;
        settled = listed.iter().all(|m| m["status"] == "up");
    }
    Ok(settled)
}

/// Waits (at most `STORM_LEAD`) for the target to receive a probe of a
/// monitor whose timetable says up, which the storm's 500 is about to flip,
/// then `delay_ms`: the object is then likely between saving its new status
/// and writing D1.
fn after_flipping_probe(flapping: &Flapping, hits: &Mutex<Vec<Hit>>, delay_ms: u64) {
    let since = now_ms();
    let deadline = Instant::now() + STORM_LEAD;
    let flipping = |hit: &Hit| {
        hit.path
            .strip_prefix("/flap/")
            .and_then(|i| flapping.tables.get(i.parse::<usize>().ok()?))
            .is_some_and(|table| table.on_at(hit.at_ms - flapping.started_ms))
    };
    while Instant::now() < deadline {
        let seen = hits
            .lock()
            .unwrap()
            .iter()
            .rev()
            .take_while(|h| h.at_ms >= since)
            .any(flipping);
        if seen {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(delay_ms));
}

fn sleep_until(started_ms: i64, offset: Duration) {
    let wait = started_ms + offset.as_millis() as i64 - now_ms();
    if wait > 0 {
        std::thread::sleep(Duration::from_millis(wait as u64));
    }
}

/// Pings every heartbeat every `PING_EVERY` except in its silences (none
/// once the run is settling), until done: the count sent and those answered 2xx.
fn ping(api: &Api, tokens: &[String], silences: &[Timetable], started_ms: i64, phase: &AtomicU8) -> (usize, Vec<Ping>) {
    let (mut sent, mut answered) = (0, Vec::new());
    while phase.load(Ordering::Relaxed) != DONE {
        let running = phase.load(Ordering::Relaxed) == RUNNING;
        for (beat, token) in tokens.iter().enumerate() {
            if running && !silences[beat].on_at(now_ms() - started_ms) {
                continue;
            }
            let rid = format!("soak-{beat}-{sent}");
            sent += 1;
            let request = api.http.get(api.url(&format!("/p/{token}?rid={rid}")));
            if request.send().is_ok_and(|r| r.status().is_success()) {
                answered.push(Ping { beat, rid });
            }
        }
        std::thread::sleep(PING_EVERY);
    }
    (sent, answered)
}

/// While running, makes a monitor every `CHURN_EVERY` (2 s interval, on
/// `/churn/{n}`) and deletes each after `CHURN_LIFETIME_MS`; a failed request
/// (the server restarting) is tried again at the next turn.
fn churn(api: &Api, token: &str, base: &str, phase: &AtomicU8) -> Churned {
    let mut live: VecDeque<(usize, String, i64)> = VecDeque::new();
    let mut churned = Churned {
        created: Vec::new(),
        deletions: Vec::new(),
    };
    let mut n = 0;
    while phase.load(Ordering::Relaxed) == RUNNING {
        while let Some((number, id, made)) = live.front() {
            if now_ms() - made < CHURN_LIFETIME_MS {
                break;
            }
            // Fires the reconciler, as the cron would, and deletes meanwhile.
            let jitter = Duration::from_millis(*number as u64 * 97 % CHURN_DELETE_JITTER_MS);
            let deleted = std::thread::scope(|scope| {
                scope.spawn(|| api.http.get(api.url("/__scheduled?cron=*+*+*+*+*")).send());
                std::thread::sleep(jitter);
                delete(api, token, id)
            });
            match deleted {
                Some(at_ms) => churned.deletions.push(Deletion {
                    n: *number,
                    id: id.clone(),
                    at_ms,
                }),
                None => break,
            }
            live.pop_front();
        }
        let body = json!({ "type": "http", "name": format!("churn {n}"), "url": format!("{base}churn/{n}"),
                           "interval_seconds": 2, "failure_threshold": 1 });
        let made = api
            .http
            .post(api.url("/api/v1/monitors"))
            .bearer_auth(token)
            .json(&body)
            .send();
        if let Some(id) = made
            .ok()
            .filter(|r| r.status().is_success())
            .and_then(|r| r.json::<Value>().ok())
            .and_then(|v| v["data"]["id"].as_str().map(str::to_string))
        {
            churned.created.push(id.clone());
            live.push_back((n, id, now_ms()));
        }
        // A number per attempt: a create that was done but not answered keeps its own path.
        n += 1;
        std::thread::sleep(CHURN_EVERY);
    }
    churned
}

/// `DELETE`s a monitor: when it is known gone (204, or 404 after an
/// unanswered attempt), or `None`.
fn delete(api: &Api, token: &str, id: &str) -> Option<i64> {
    let answer = api
        .http
        .delete(api.url(&format!("/api/v1/monitors/{id}")))
        .bearer_auth(token)
        .send()
        .ok()?;
    (answer.status().is_success() || answer.status() == 404).then(now_ms)
}

/// Deletes every churned monitor still listed, those whose create went
/// unanswered included (counted as created then).
fn clear_churn(api: &Api, token: &str, churned: &mut Churned) -> Result<(), String> {
    let listed = api.list_all(token, "/api/v1/monitors?limit=200")?;
    for monitor in listed {
        let (Some(id), Some(n)) = (
            monitor["id"].as_str(),
            monitor["name"]
                .as_str()
                .and_then(|name| name.strip_prefix("churn "))
                .and_then(|n| n.parse().ok()),
        ) else {
            continue;
        };
        if !churned.created.iter().any(|c| c == id) {
            churned.created.push(id.to_string());
        }
        let at_ms = delete(api, token, id).ok_or(format!("deleting churned monitor {id} failed"))?;
        churned.deletions.push(Deletion {
            n,
            id: id.to_string(),
            at_ms,
        });
    }
    Ok(())
}

/// A monitor's row in D1.
struct D1Monitor {
    name: String,
    status: String,
}

/// An automatic incident in D1, once per monitor it names.
struct D1Incident {
    id: String,
    monitor_id: String,
    status: String,
    started_ms: i64,
}

struct D1 {
    monitors: HashMap<String, D1Monitor>,
    incidents: Vec<D1Incident>,
}

/// What one monitor object's SQLite file holds.
struct Object {
    file: String,
    /// The `config` entry of its key-value storage.
    config: Option<Value>,
    /// When its alarm is set for, in ms since the epoch.
    alarm: Option<i64>,
    results: usize,
    /// `(at, new)`, oldest first.
    flips: Vec<(i64, String)>,
    /// The `rid` of every stored ping of kind `success`.
    rids: Vec<String>,
}

impl Object {
    fn field(&self, name: &str) -> Option<&str> {
        self.config.as_ref().and_then(|c| c[name].as_str())
    }
}

/// Everything read after the server stopped.
struct Seen {
    d1: D1,
    objects: Vec<Object>,
    hits: Vec<Hit>,
}

fn sqlite_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(sqlite_files(&path));
        } else if path.extension().is_some_and(|e| e == "sqlite") {
            files.push(path);
        }
    }
    files
}

fn open(path: &Path) -> Result<(Connection, Vec<String>), String> {
    let db = Connection::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut q| q.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((db, tables))
}

fn rows<T>(
    db: &Connection,
    sql: &str,
    row: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
) -> Result<Vec<T>, String> {
    db.prepare(sql)
        .and_then(|mut q| q.query_map([], row)?.collect())
        .map_err(|e| format!("{sql}: {e}"))
}

/// Local D1 is one SQLite file under `v3/d1`: the one with a `monitors` table.
fn read_d1(state: &Path) -> Result<D1, String> {
    for path in sqlite_files(&state.join("v3/d1")) {
        let (db, tables) = open(&path)?;
        if !tables.iter().any(|t| t == "monitors") {
            continue;
        }
        let monitors = rows(&db, "SELECT id, name, status FROM monitors", |r| {
            Ok((
                r.get::<_, String>(0)?,
                D1Monitor {
                    name: r.get(1)?,
                    status: r.get(2)?,
                },
            ))
        })?;
        let incidents = rows(
            &db,
            "SELECT i.id, im.monitor_id, i.status, i.started_at FROM incidents i
             JOIN incident_monitors im ON im.incident_id = i.id WHERE i.kind = 'automatic'",
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let incidents = incidents
            .into_iter()
            .map(|(id, monitor_id, status, started): (String, String, String, String)| {
                let started_ms = pingwarden::domain::time::millis_from_iso(&started)
                    .ok_or(format!("incident {id}: started_at {started}"))?;
                Ok(D1Incident {
                    id,
                    monitor_id,
                    status,
                    started_ms,
                })
            })
            .collect::<Result<_, String>>()?;
        return Ok(D1 {
            monitors: monitors.into_iter().collect(),
            incidents,
        });
    }
    Err(format!("no D1 database under {}", state.join("v3/d1").display()))
}

/// Each monitor object's SQLite file, `v3/do/pingwarden-MonitorObject/<id>.sqlite`.
/// Its key-value storage is the table `_cf_KV`, each value serialized by V8:
/// the config's JSON text sits in it whole (its names are ASCII), between the
/// first `{` and the last `}`. An alarm is in two places, in ns since the
/// epoch: the object's `_cf_METADATA` (key 1), and the scheduler's table
/// `_cf_ALARM` in `metadata.sqlite` beside the objects (by the file's name).
fn read_objects(state: &Path) -> Result<Vec<Object>, String> {
    let dirs = std::fs::read_dir(state.join("v3/do")).map_err(|e| format!("{}: {e}", state.join("v3/do").display()))?;
    let mut objects = Vec::new();
    for dir in dirs
        .flatten()
        .filter(|d| d.file_name().to_string_lossy().ends_with("-MonitorObject"))
    {
        let scheduler = dir.path().join("metadata.sqlite");
        let scheduled: HashMap<String, i64> = if scheduler.exists() {
            rows(
                &open(&scheduler)?.0,
                "SELECT actor_id, scheduled_time FROM _cf_ALARM",
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .into_iter()
            .collect()
        } else {
            HashMap::new()
        };
        for path in sqlite_files(&dir.path()).into_iter().filter(|p| *p != scheduler) {
            let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            let (db, tables) = open(&path)?;
            let has = |table: &str| tables.iter().any(|t| t == table);
            let config = if has("_cf_KV") {
                rows(&db, "SELECT value FROM _cf_KV WHERE key = 'config'", |r| {
                    r.get::<_, Vec<u8>>(0)
                })?
                .first()
                .and_then(|blob| {
                    let (start, end) = (
                        blob.iter().position(|&b| b == b'{')?,
                        blob.iter().rposition(|&b| b == b'}')?,
                    );
                    serde_json::from_slice(&blob[start..=end]).ok()
                })
            } else {
                None
            };
            let alarm = if has("_cf_METADATA") {
                rows(&db, "SELECT value FROM _cf_METADATA WHERE key = 1", |r| {
                    r.get::<_, Option<i64>>(0)
                })?
                .into_iter()
                .flatten()
                .next()
            } else {
                None
            }
            .or(scheduled.get(&name).copied())
            .map(|ns| ns / 1_000_000);
            let results = if has("results") {
                rows(&db, "SELECT COUNT(*) FROM results", |r| r.get::<_, i64>(0))?[0] as usize
            } else {
                0
            };
            let flips = if has("flips") {
                rows(&db, "SELECT at, new FROM flips ORDER BY at, rowid", |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
            } else {
                Vec::new()
            };
            let rids = if has("pings") {
                rows(
                    &db,
                    "SELECT rid FROM pings WHERE kind = 'success' AND rid IS NOT NULL",
                    |r| r.get(0),
                )?
            } else {
                Vec::new()
            };
            objects.push(Object {
                file: name,
                config,
                alarm,
                results,
                flips,
                rids,
            });
        }
    }
    Ok(objects)
}

struct Report<'a> {
    seconds: u64,
    monitors: usize,
    started_ms: i64,
    restarts: &'a [Restart],
    flips_scheduled: usize,
    flap_ids: &'a [String],
    beat_ids: &'a [String],
    pings_sent: usize,
    pings: &'a [Ping],
    churned: &'a Churned,
    seen: &'a Seen,
}

impl Report<'_> {
    /// A time as seconds into the run, with the restart it follows closely.
    fn when(&self, ms: i64) -> String {
        let near = self
            .restarts
            .iter()
            .position(|r| (r.at_ms - 5_000..r.back_ms + 15_000).contains(&ms))
            .map_or(String::new(), |k| format!(" (near restart {})", k + 1));
        format!("{}{near}", self.seconds(ms))
    }

    fn seconds(&self, ms: i64) -> String {
        format!("{:.1} s", (ms - self.started_ms) as f64 / 1000.0)
    }
}

/// One invariant: PASS, or FAIL with the first few failures.
fn verdict(name: &str, checked: String, failures: &[String]) -> bool {
    println!(
        "{}: {name} ({checked})",
        if failures.is_empty() { "PASS" } else { "FAIL" }
    );
    for failure in failures.iter().take(EXAMPLES) {
        println!("    {failure}");
    }
    if failures.len() > EXAMPLES {
        println!("    … and {} more", failures.len() - EXAMPLES);
    }
    failures.is_empty()
}

fn report(r: &Report) -> bool {
    let seen = r.seen;
    let by_monitor: HashMap<&str, &Object> = seen
        .objects
        .iter()
        .filter_map(|o| Some((o.field("monitor_id")?, o)))
        .collect();
    let mut hits_by_path: HashMap<&str, Vec<i64>> = HashMap::new();
    for hit in &seen.hits {
        hits_by_path.entry(hit.path.as_str()).or_default().push(hit.at_ms);
    }
    let live: Vec<(&String, &D1Monitor)> = seen.d1.monitors.iter().collect();

    // 1. D1's status is the object's.
    let mut failures = Vec::new();
    for (id, monitor) in &live {
        match by_monitor.get(id.as_str()).and_then(|o| o.field("status")) {
            Some(status) if status == monitor.status => {}
            object => failures.push(format!(
                "{} {id}: D1 says {}, the object {}",
                monitor.name,
                monitor.status,
                object.unwrap_or("has no config")
            )),
        }
    }
    let mut passed = vec![verdict(
        "every monitor's D1 status equals its object's",
        format!("{} monitors", live.len()),
        &failures,
    )];

    // 2. One automatic incident per down period, resolved when it ended.
    let (mut failures, mut periods, mut flips) = (Vec::new(), 0, 0);
    for (id, monitor) in &live {
        let Some(object) = by_monitor.get(id.as_str()) else {
            continue;
        };
        flips += object.flips.len();
        let mut incidents: Vec<&D1Incident> = seen.d1.incidents.iter().filter(|i| &i.monitor_id == *id).collect();
        let mut down_since: Option<i64> = None;
        let mut down_periods = Vec::new();
        for (at, new) in &object.flips {
            match (down_since, new.as_str()) {
                (None, "down") => down_since = Some(*at),
                (Some(since), status) if status != "down" => {
                    down_periods.push((since, Some(*at)));
                    down_since = None;
                }
                _ => {}
            }
        }
        down_periods.extend(down_since.map(|since| (since, None)));
        periods += down_periods.len();
        for (since, until) in down_periods {
            let (inside, outside): (Vec<&D1Incident>, Vec<&D1Incident>) = std::mem::take(&mut incidents)
                .into_iter()
                .partition(|i| i.started_ms >= since && until.is_none_or(|u| i.started_ms < u));
            incidents = outside;
            let period = format!(
                "{} {id} down from {} to {}",
                monitor.name,
                r.when(since),
                until.map_or("the end".into(), |u| r.when(u))
            );
            match inside.as_slice() {
                [one] if until.is_some() && one.status != "resolved" => {
                    failures.push(format!("{period}: incident {} is {}, not resolved", one.id, one.status))
                }
                [_] if until.is_none() => failures.push(format!("{period}: still down")),
                [_] => {}
                many => failures.push(format!(
                    "{period}: {} incidents {:?}",
                    many.len(),
                    many.iter().map(|i| &i.id).collect::<Vec<_>>()
                )),
            }
        }
        for stray in incidents {
            failures.push(format!(
                "{} {id}: incident {} opened at {} in no down period",
                monitor.name,
                stray.id,
                r.when(stray.started_ms)
            ));
        }
    }
    let (of_live, of_deleted): (Vec<&D1Incident>, Vec<&D1Incident>) = seen
        .d1
        .incidents
        .iter()
        .partition(|i| seen.d1.monitors.contains_key(&i.monitor_id));
    let incidents = of_live.len();
    let resolved = of_live.iter().filter(|i| i.status == "resolved").count();
    // Not an invariant of the issue, but worth seeing: a monitor deleted
    // while down leaves its incident as it was.
    let left_open = of_deleted.iter().filter(|i| i.status != "resolved").count();
    passed.push(verdict(
        "every down period has exactly one automatic incident, opened and resolved",
        format!("{periods} down periods, {incidents} incidents"),
        &failures,
    ));

    // 3. Every acknowledged ping stored (once); every probe a result.
    let mut failures = Vec::new();
    let mut stored = 0;
    for (beat, id) in r.beat_ids.iter().enumerate() {
        let rids: Vec<&String> = by_monitor
            .get(id.as_str())
            .map_or(Vec::new(), |o| o.rids.iter().collect());
        stored += rids.len();
        let acknowledged: Vec<&Ping> = r.pings.iter().filter(|p| p.beat == beat).collect();
        let missing: Vec<&str> = acknowledged
            .iter()
            .filter(|p| !rids.contains(&&p.rid))
            .map(|p| p.rid.as_str())
            .collect();
        if !missing.is_empty() {
            failures.push(format!(
                "beat {beat} {id}: {} acknowledged pings not stored: {missing:?}",
                missing.len()
            ));
        }
        let mut unique = rids.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != rids.len() {
            failures.push(format!(
                "beat {beat} {id}: {} pings stored twice",
                rids.len() - unique.len()
            ));
        }
    }
    passed.push(verdict(
        "no acknowledged ping missing",
        format!("{} sent, {} acknowledged, {stored} stored", r.pings_sent, r.pings.len()),
        &failures,
    ));

    // A probe in flight when the server stops loses its result: at most one
    // per monitor per restart, and one for the final stop.
    let tolerance = r.restarts.len() + 1;
    let (mut failures, mut probes, mut checks, mut lost) = (Vec::new(), 0, 0, 0);
    for (i, id) in r.flap_ids.iter().enumerate() {
        let requests = hits_by_path.get(format!("/flap/{i}").as_str()).map_or(0, Vec::len);
        let results = by_monitor.get(id.as_str()).map_or(0, |o| o.results);
        let missing = requests.saturating_sub(results);
        (probes, checks, lost) = (probes + requests, checks + results, lost + missing);
        if missing > tolerance {
            failures.push(format!(
                "flap {i} {id}: {requests} probes received, {results} results stored"
            ));
        }
    }
    passed.push(verdict(
        "no result missing",
        format!(
            "{probes} probes received, {checks} results stored, {lost} lost, at most {tolerance} per monitor allowed"
        ),
        &failures,
    ));

    // 4. A deleted monitor neither probes nor keeps an alarm.
    let mut failures = Vec::new();
    let mut late_probes = 0;
    for deletion in &r.churned.deletions {
        let late: Vec<i64> = hits_by_path
            .get(format!("/churn/{}", deletion.n).as_str())
            .map_or(Vec::new(), |hits| {
                hits.iter()
                    .copied()
                    .filter(|&at| at > deletion.at_ms + DELETION_SLACK_MS)
                    .collect()
            });
        late_probes += late.len();
        if let Some(last) = late.last() {
            failures.push(format!(
                "churn {} {}: deleted at {}, {} probes after, the last at {}",
                deletion.n,
                deletion.id,
                r.when(deletion.at_ms),
                late.len(),
                r.when(*last)
            ));
        }
    }
    for object in &seen.objects {
        let id = object.field("monitor_id");
        if id.is_some_and(|id| seen.d1.monitors.contains_key(id)) {
            continue;
        }
        if object.config.is_some() || object.alarm.is_some() {
            failures.push(format!(
                "object {} of deleted monitor {}: config {}, alarm {}",
                object.file,
                id.unwrap_or("?"),
                if object.config.is_some() { "kept" } else { "gone" },
                object.alarm.map_or("none".into(), |at| r.when(at))
            ));
        }
    }
    passed.push(verdict(
        "no probe or alarm for a deleted monitor",
        format!(
            "{} deleted, {late_probes} probes more than {} s after their deletion",
            r.churned.deletions.len(),
            DELETION_SLACK_MS / 1000
        ),
        &failures,
    ));

    let downs = r
        .seen
        .objects
        .iter()
        .flat_map(|o| &o.flips)
        .filter(|(_, new)| new == "down")
        .count();
    let restarts: Vec<String> = r
        .restarts
        .iter()
        .map(|x| {
            format!(
                "{} at {} (back in {:.0} s)",
                x.signal,
                r.seconds(x.at_ms),
                (x.back_ms - x.at_ms) as f64 / 1000.0
            )
        })
        .collect();
    println!();
    println!(
        "| Soak ({} HTTP monitors, {HEARTBEATS} heartbeats, {} s) | Value |",
        r.monitors, r.seconds
    );
    println!("|---|--:|");
    println!("| Restarts | {}: {} |", r.restarts.len(), restarts.join(", "));
    println!("| Target switches 200 ↔ 500 | {} |", r.flips_scheduled);
    println!("| Status flips in the live monitors' objects (to down, all objects) | {flips} ({downs}) |");
    println!("| Automatic incidents of the live monitors in D1 (resolved) | {incidents} ({resolved}) |");
    println!(
        "| Automatic incidents of deleted monitors (left open) | {} ({left_open}) |",
        of_deleted.len()
    );
    println!(
        "| Pings sent / acknowledged / stored | {} / {} / {stored} |",
        r.pings_sent,
        r.pings.len()
    );
    println!("| Probes received / checks stored (flapping monitors) | {probes} / {checks} |");
    println!(
        "| Monitors created / deleted | {} / {} |",
        r.flap_ids.len() + r.beat_ids.len() + r.churned.created.len(),
        r.churned.deletions.len()
    );
    println!(
        "| Probes after deletion (+{} s) | {late_probes} |",
        DELETION_SLACK_MS / 1000
    );
    println!(
        "| Invariants passed | {} of {} |",
        passed.iter().filter(|p| **p).count(),
        passed.len()
    );
    println!();
    passed.iter().all(|p| *p)
}
