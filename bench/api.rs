//! `make bench`: throughput and latency of the API of a running Worker
//! (`PW_BENCH_URL`, started by scripts/bench.sh), measured from this machine
//! with blocking HTTP clients on a few threads.
//!
//! It registers a fresh account, makes an API key, then measures, with that
//! key: creating 100 monitors, listing them 100 at a time, and
//! `GET /api/health` (the no-op baseline of the same build); and, apart, the
//! latency of logging in (PBKDF2 password hashing). Every loop is bounded in
//! count and in time; any answer other than 2xx makes it exit non-zero.

mod support;

use serde_json::json;
use std::process::ExitCode;
use support::{all_complete, measure, must, print_runs, Api};

const MONITORS: usize = 100;
const CREATE_THREADS: usize = 4;
const READ_REQUESTS: usize = 2000;
const READ_THREADS: usize = 8;
const WARM_UP_REQUESTS: usize = 100;
const LOGINS: usize = 10;

fn main() -> ExitCode {
    support::main_with(run)
}

fn run() -> Result<bool, String> {
    let api = Api::from_env()?;
    let url = |path: &str| api.url(path);
    let http = &api.http;

    // A fresh account, so that the list holds exactly the monitors made here.
    let (account, token) = api.register("api")?;
    let made = must(
        http.post(url("/api/v1/api-keys"))
            .bearer_auth(&token)
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

    print_runs(&[&create, &list, &health, &login]);
    println!(
        "Login (password hashing) p50: {:.1} ms over {} sequential logins.",
        login.percentile(50.0),
        login.done()
    );
    println!(
        "List rate as a share of the baseline rate: {:.0} %.",
        100.0 * list.per_second() / health.per_second()
    );
    println!();

    Ok(all_complete(&[
        &create,
        &warm_list,
        &list,
        &warm_health,
        &health,
        &login,
    ]))
}
