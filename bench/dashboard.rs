//! `make bench`, the dashboard (`/app`): what a browser waits for and loads.
//! With 20 HTTP monitors on a loopback target and the dashboard's session
//! cookie, it times, one request at a time (a browser's page, not a load
//! test): the page and its script, served as static assets; the three API
//! calls the monitor list makes (`/api/v1/me`, `/api/v1/monitors`,
//! `/api/v1/monitors/summary`); and, as the same run's ceiling, `GET /no-op`
//! (a path no route takes: a 404 through the Worker). It also sums what the
//! browser loads: every file under `web/app`, each gzip -9 as it is sent.

mod support;

use reqwest::blocking::RequestBuilder;
use serde_json::json;
use std::process::{Command, ExitCode};
use support::{all_complete, measure, measure_expecting, print_runs, Api, Target};

const MONITORS: usize = 20;
const SETUP_THREADS: usize = 4;
const REQUESTS: usize = 200;
const WARM_UP_REQUESTS: usize = 20;

fn main() -> ExitCode {
    support::main_with(run)
}

fn run() -> Result<bool, String> {
    let api = Api::from_env()?;
    let target = Target::start()?;
    let (account, token) = api.register("dashboard")?;
    api.create_monitors(
        &token,
        MONITORS,
        SETUP_THREADS,
        |i| json!({ "type": "http", "name": format!("Service {i}"), "url": target.url(), "interval_seconds": 60 }),
    )?;
    let cookie = session_cookie(&api, &account)?;
    let signed_in = |path: &'static str| {
        let (api, cookie) = (&api, cookie.clone());
        move |_| api.http.get(api.url(path)).header("Cookie", cookie.as_str())
    };
    let page = |path: &'static str| {
        let api = &api;
        move |_: usize| api.http.get(api.url(path))
    };
    let timed = |label: &str, request: &(dyn Fn(usize) -> RequestBuilder + Sync)| {
        measure(&format!("{label} (warm-up)"), WARM_UP_REQUESTS, 1, request);
        measure(label, REQUESTS, 1, request)
    };
    let runs = [
        timed("GET /app/ (static)", &page("/app/")),
        timed("GET /app/js/main.js (static)", &page("/app/js/main.js")),
        timed("GET /api/v1/me", &signed_in("/api/v1/me")),
        timed(
            "GET /api/v1/monitors?limit=200",
            &signed_in("/api/v1/monitors?limit=200"),
        ),
        timed("GET /api/v1/monitors/summary", &signed_in("/api/v1/monitors/summary")),
        measure_expecting(
            "GET /no-op (ceiling: a 404 through the Worker)",
            REQUESTS,
            1,
            404,
            page("/no-op"),
        ),
    ];
    println!("Dashboard, {MONITORS} monitors, one request at a time:\n");
    print_runs(&runs.iter().collect::<Vec<_>>());
    println!(
        "What a browser loads for /app (every file under web/app, each gzip -9): {} B\n",
        loaded_bytes()?
    );
    Ok(all_complete(&runs.iter().collect::<Vec<_>>()))
}

/// The `pw_session` cookie, from signing in as the dashboard does.
fn session_cookie(api: &Api, account: &serde_json::Value) -> Result<String, String> {
    let answer = api
        .http
        .post(api.url("/api/v1/auth/session"))
        .header("Origin", api.url("").trim_end_matches('/'))
        .json(account)
        .send()
        .map_err(|e| format!("signing in: {e}"))?;
    answer
        .headers()
        .get_all("Set-Cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("pw_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
        .ok_or_else(|| format!("no session cookie in the answer ({})", answer.status()))
}

fn loaded_bytes() -> Result<usize, String> {
    let output = Command::new("bash")
        .args([
            "-c",
            "find web/app -type f -exec sh -c 'gzip -9 -c \"$1\" | wc -c' _ {} \\; | awk '{ s += $1 } END { print s }'",
        ])
        .output()
        .map_err(|e| format!("gzip: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("gzip answered {:?}: {e}", output.stdout))
}
