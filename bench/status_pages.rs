//! `make bench`, public status pages: 50 HTTP monitors (hourly, on a
//! loopback target in this process) with 90 days of history, written
//! straight into the local D1 with `wrangler d1 execute` while the Worker
//! runs: 89 past days of rollups, each day's uptime unlike the day before,
//! so that no two bars merge (the largest page). They are shown on two pages,
//! of 50 and of 20 monitors; a third page shows 20 more monitors with a more
//! usual history (100 % but one day in ten), whose alike days merge.
//! It measures `GET /status/{slug}`, `/status/{slug}.json` and badges
//! answered from the cache (the same request again and again), the HTML and
//! JSON rendered afresh (the page's title changed before each request, which
//! drops it from the cache; only the GET is timed), a flood of badge requests
//! for random monitor ids (404s answered from the cached page), and the
//! pages' sizes. Each answer's `X-Cache` (`hit`, or `miss` when the page was
//! read from D1) is counted: a cached phase must have no miss.

mod support;

use serde_json::json;
use std::io::Write;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};
use support::{all_complete, d1, measure, measure_counting, must, print_runs, Api, Run, Target};

const MONITORS: usize = 50;
const SMALL_PAGE: usize = 20;
const SETUP_THREADS: usize = 4;
const THREADS: usize = 8;
const CACHED_REQUESTS: usize = 500;
const FLOOD_REQUESTS: usize = 2_000;
const SEQUENTIAL_REQUESTS: usize = 50;
const WARM_UP_REQUESTS: usize = 20;
const SIZE_GOAL_BYTES: usize = 60 * 1024;
/// Each day's downtime, in s: a different one every day, or 5 min one day in ten.
const EVERY_DAY_DIFFERENT: &str = "(d.n * 37 + m.rowid * 11) % 600 + 1";
const ONE_DAY_IN_TEN: &str = "CASE WHEN (d.n + m.rowid) % 10 = 0 THEN 300 ELSE 0 END";

fn main() -> ExitCode {
    support::main_with(run)
}

fn run() -> Result<bool, String> {
    let api = Api::from_env()?;
    let target = Target::start()?;
    let (_, token) = api.register("pages")?;
    let (create, monitors) = api.create_monitors(
        &token,
        MONITORS + SMALL_PAGE,
        SETUP_THREADS,
        |i| json!({ "type": "http", "name": format!("Service {i}"), "url": target.url(), "interval_seconds": 3600 }),
    )?;
    let ids: Vec<&str> = monitors.iter().filter_map(|m| m["id"].as_str()).collect();
    let (ids, usual) = ids.split_at(MONITORS);
    // Each monitor's first check takes it up (and writes today's rollup).
    wait_all_up(&api, &token, MONITORS + SMALL_PAGE)?;
    insert_history(ids, EVERY_DAY_DIFFERENT)?;
    insert_history(usual, ONE_DAY_IN_TEN)?;

    let page = |slug: &str, ids: &[&str]| {
        must(
            api.http
                .post(api.url("/api/v1/status-pages"))
                .bearer_auth(&token)
                .json(&json!({ "slug": slug, "title": "Bench", "monitor_ids": ids })),
            "making a status page",
        )
        .map(|made| made["data"]["id"].as_str().unwrap_or_default().to_string())
    };
    let page_id = page("bench-page", ids)?;
    page("bench-page-20", &ids[..SMALL_PAGE])?;
    page("bench-page-usual", usual)?;
    let days = days_with_data(&api)?;

    let get = |path: &str| api.http.get(api.url(path));
    let mut runs = Vec::new();
    // Each cached phase, with its count of answers by `X-Cache`.
    let mut caching = Vec::new();
    let mut cached = |label: &str, path: &str, count: usize, threads: usize| {
        let (run, counts) = measure_counting(label, count, threads, 200, "x-cache", |_| get(path));
        caching.push((run.label.clone(), threads, counts));
        run
    };
    let badge = format!("/status/bench-page/monitors/{}/badge.svg", ids[0]);
    for path in [
        "/status/bench-page",
        "/status/bench-page.json",
        "/status/bench-page/badge.svg",
        &badge,
    ] {
        let warm_up = measure("warm-up", WARM_UP_REQUESTS, THREADS, |_| get(path));
        let many = cached(&format!("GET {path} (cached)"), path, CACHED_REQUESTS, THREADS);
        let one = cached(&format!("GET {path} (cached)"), path, SEQUENTIAL_REQUESTS, 1);
        runs.extend([warm_up, many, one]);
        if !path.contains("badge") {
            runs.push(uncached(&api, &token, &page_id, path)?);
        }
    }
    let (flood, counts) = measure_counting(
        "GET /status/bench-page/monitors/{random id}/badge.svg (404)",
        FLOOD_REQUESTS,
        THREADS,
        404,
        "x-cache",
        |_| {
            let random = pingwarden::domain::ids::random_base62(16);
            get(&format!("/status/bench-page/monitors/mon_{random}/badge.svg"))
        },
    );
    caching.push((flood.label.clone(), THREADS, counts));
    runs.push(flood);
    let shown: Vec<&Run> = runs.iter().filter(|r| r.label != "warm-up").collect();
    print_runs(&[&[&create][..], &shown].concat());

    println!("| Cached phase | Client threads | `X-Cache: hit` | `miss` (page read from D1) |");
    println!("|---|--:|--:|--:|");
    let mut misses = 0;
    for (label, threads, counts) in &caching {
        let count = |value: &str| counts.get(value).copied().unwrap_or(0);
        misses += counts
            .iter()
            .filter(|(value, _)| *value != "hit")
            .map(|(_, n)| n)
            .sum::<usize>();
        println!("| `{label}` | {threads} | {} | {} |", count("hit"), count("miss"));
    }
    println!();
    println!(
        "Goal (cached pages, badges and random badge ids read nothing from D1): {} ({misses} answers not from the cache).",
        if misses == 0 { "met" } else { "missed" }
    );
    println!();

    println!("| Page size | Raw (B) | gzip -9 (B) |");
    println!("|---|--:|--:|");
    let mut small_html = 0;
    for (path, what) in [
        ("/status/bench-page", "50 monitors, every day different"),
        ("/status/bench-page.json", "50 monitors, every day different"),
        ("/status/bench-page-20", "20 monitors, every day different"),
        ("/status/bench-page-20.json", "20 monitors, every day different"),
        ("/status/bench-page-usual", "20 monitors, 100 % but one day in ten"),
        ("/status/bench-page-usual.json", "20 monitors, 100 % but one day in ten"),
    ] {
        let body = get(path)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.bytes())
            .map_err(|e| format!("GET {path}: {e}"))?;
        if path == "/status/bench-page-20" {
            small_html = body.len();
        }
        println!("| `{path}` ({what}) | {} | {} |", body.len(), gzip_size(&body));
    }
    println!();
    println!("Each monitor has {days} past days with an uptime figure, and today.");
    println!(
        "Goal (HTML page of 20 monitors under 60 KB = {SIZE_GOAL_BYTES} B, every day different): {} ({small_html} B).",
        if small_html < SIZE_GOAL_BYTES { "met" } else { "missed" }
    );
    println!();

    Ok(misses == 0 && all_complete(&[&[&create][..], &runs.iter().collect::<Vec<_>>()].concat()))
}

/// Waits (at most 60 s) until `count` monitors are up.
fn wait_all_up(api: &Api, token: &str, count: usize) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let up = api.list_all(token, "/api/v1/monitors?status=up&limit=200")?.len();
        if up == count {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err(format!("{up} of {count} monitors up after 60 s"));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// 89 past days of rollups for each monitor, with `downtime` seconds a day
/// (an SQL expression of the day back, `d.n`, and the monitor's `m.rowid`).
fn insert_history(ids: &[&str], downtime: &str) -> Result<(), String> {
    let list = ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
    d1(&format!(
        "INSERT INTO daily_rollups (monitor_id, day, checks, failures, downtime_seconds, observed_seconds, avg_response_ms, p95_response_ms)
         SELECT m.id, date('now', '-' || d.n || ' days'), 1440, 2, {downtime}, 86400, 80, 150
         FROM monitors m, (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 89) SELECT n FROM c) d
         WHERE m.id IN ({list})"
    ))?;
    Ok(())
}

/// The days with an uptime figure of the first monitor on the big page: the
/// 89 past days if the rows written behind the Worker's back are seen (today
/// has none yet: its rollup, written at the first check, observed 0 s).
fn days_with_data(api: &Api) -> Result<usize, String> {
    let page = must(api.http.get(api.url("/status/bench-page.json")), "the page as JSON")?;
    let days = page["monitors"][0]["days"]
        .as_array()
        .map_or(0, |days| days.iter().filter(|d| !d["uptime_pct"].is_null()).count());
    if days < 89 {
        return Err(format!(
            "the page shows {days} days with data, not 89: {}",
            page["monitors"][0]
        ));
    }
    Ok(days)
}

/// One request at a time, each after a change of the page's title (a new
/// cache key, so a miss); times only the GET, which must show the new title.
fn uncached(api: &Api, token: &str, page_id: &str, path: &str) -> Result<Run, String> {
    let mut run = Run {
        label: format!("GET {path} (uncached; a PATCH before each, not timed)"),
        threads: 1,
        planned: SEQUENTIAL_REQUESTS,
        wall: Duration::ZERO,
        latencies: Vec::new(),
        failures: 0,
    };
    for i in 0..SEQUENTIAL_REQUESTS {
        let title = format!("Bench {i}");
        must(
            api.http
                .patch(api.url(&format!("/api/v1/status-pages/{page_id}")))
                .bearer_auth(token)
                .json(&json!({ "title": title })),
            "changing the page's title",
        )?;
        let sent = Instant::now();
        let answer = api
            .http
            .get(api.url(path))
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.text());
        let took = sent.elapsed();
        run.latencies.push(took);
        run.wall += took;
        match answer {
            Ok(text) if text.contains(&title) => {}
            Ok(_) => {
                run.failures += 1;
                eprintln!("{}: request {i} did not show the new title {title:?}", run.label);
            }
            Err(e) => {
                run.failures += 1;
                eprintln!("{}: request {i}: {e}", run.label);
            }
        }
    }
    run.latencies.sort();
    Ok(run)
}

/// The size of `gzip -9` of the bytes (0 when gzip is not there).
fn gzip_size(bytes: &[u8]) -> usize {
    let Ok(mut child) = Command::new("gzip")
        .arg("-9c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    else {
        return 0;
    };
    // Written from another thread, so that a full output pipe cannot block it.
    let input = bytes.to_vec();
    let writer = child
        .stdin
        .take()
        .map(|mut stdin| std::thread::spawn(move || stdin.write_all(&input)));
    let size = child.wait_with_output().map_or(0, |out| out.stdout.len());
    writer.map(|w| w.join());
    size
}
