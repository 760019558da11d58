//! The ping path: a steady-state ping reads no D1 (its answer's
//! `Server-Timing` says so), yet a rotation, a pause or a deletion holds from
//! the very next ping, a token naming one monitor never pings another, and
//! tokens of the old format (no monitor in them) still work, looked up once.

use crate::support::{base_url, Account, Client, Server, TempDir};
use pingwarden::domain::ids::{random_base62, sha256_hex};
use reqwest::blocking::Client as Http;
use serde_json::{json, Value};

/// A ping on `base`: its status and the D1 queries its answer reports.
fn ping_on(base: &str, path: &str) -> (u16, u32) {
    let response = Http::new().get(format!("{base}{path}")).send().unwrap();
    let timing = response
        .headers()
        .get("Server-Timing")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (response.status().as_u16(), d1_queries(&timing))
}

fn ping(path: &str) -> (u16, u32) {
    ping_on(&base_url(), path)
}

/// The count in `d1;desc="N queries";dur=…`.
fn d1_queries(server_timing: &str) -> u32 {
    server_timing
        .strip_prefix("d1;desc=\"")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no D1 entry in Server-Timing: {server_timing:?}"))
}

fn heartbeat(account: &Account) -> (String, String) {
    let created = account.create_monitor(
        json!({ "type": "heartbeat", "name": "backup", "interval_seconds": 3600, "grace_seconds": 3600 }),
    );
    (
        created["id"].as_str().unwrap().into(),
        created["token"].as_str().unwrap().into(),
    )
}

fn rotate(client: &Client, id: &str) -> String {
    let reply = client.post(&format!("/api/v1/monitors/{id}/rotate-token"), json!({}));
    reply.data(201)["token"].as_str().unwrap().to_string()
}

fn ping_count(client: &Client, id: &str) -> usize {
    let reply = client.get(&format!("/api/v1/monitors/{id}/pings?limit=200"));
    reply.data(200).as_array().map_or(0, Vec::len)
}

#[test]
fn every_answer_reports_its_d1_queries_and_a_steady_state_ping_runs_none() {
    let account = Account::register("steady");
    let (id, token) = heartbeat(&account);
    assert!(token.starts_with(&id["mon_".len()..]), "the token names its monitor");
    let shown = account.client().get(&format!("/api/v1/monitors/{id}"));
    assert!(
        d1_queries(shown.header("Server-Timing").unwrap()) >= 2,
        "the credential and the monitor are read"
    );
    for _ in 0..3 {
        assert_eq!(ping(&format!("/p/{token}")), (200, 0));
    }
    assert_eq!(ping(&format!("/api/v1/heartbeat/{token}")), (200, 0));
    assert_eq!(ping_count(&account.client(), &id), 4);
    let unknown = Client::anonymous().get("/api/v1/nothing-here");
    assert_eq!(unknown.header("Server-Timing"), Some(r#"d1;desc="0 queries";dur=0"#));
}

#[test]
fn a_rotated_token_fails_at_the_very_next_ping_and_the_new_one_works() {
    let account = Account::register("rotated");
    let (id, old) = heartbeat(&account);
    assert_eq!(ping(&format!("/p/{old}")).0, 200);
    let new = rotate(&account.client(), &id);
    assert!(new.starts_with(&id["mon_".len()..]));
    assert_eq!(ping(&format!("/p/{old}")).0, 404);
    assert_eq!(ping(&format!("/p/{new}")), (200, 0));
    assert_eq!(ping(&format!("/p/{old}/fail")).0, 404);
    assert_eq!(ping_count(&account.client(), &id), 2);
    assert_eq!(account.monitor_status(&id), "up");
}

#[test]
fn a_pause_reaches_the_very_next_ping_which_resumes_the_monitor_as_before() {
    let account = Account::register("pausedping");
    let (id, token) = heartbeat(&account);
    assert_eq!(ping(&format!("/p/{token}")).0, 200);
    account.wait_until_status(&id, "up");
    let paused = account
        .client()
        .post(&format!("/api/v1/monitors/{id}/pause"), json!({}));
    assert_eq!(paused.data(200)["status"], "paused");
    // Had the ping path missed the pause, the object would see an `up`
    // monitor pinged again and D1 would stay `paused`.
    assert_eq!(ping(&format!("/p/{token}")), (200, 0));
    account.wait_until_status(&id, "up");
}

#[test]
fn a_deleted_heartbeats_next_ping_is_404() {
    let account = Account::register("deletedping");
    let (id, token) = heartbeat(&account);
    assert_eq!(ping(&format!("/p/{token}")).0, 200);
    assert_eq!(account.client().delete(&format!("/api/v1/monitors/{id}")).status, 204);
    for path in [format!("/p/{token}"), format!("/p/{token}/fail")] {
        assert_eq!(ping(&path).0, 404, "{path}");
    }
}

#[test]
fn a_wrong_token_naming_a_real_monitor_is_404_and_pings_no_monitor() {
    let account = Account::register("wrongtoken");
    let (first, first_token) = heartbeat(&account);
    let (second, second_token) = heartbeat(&account);
    let forged = [
        // The first monitor's id with the second's secret part.
        format!("{}{}", &first_token[..20], &second_token[20..]),
        format!("{}{}", &first_token[..20], random_base62(32)),
        // A well-formed token whose monitor does not exist.
        random_base62(52),
    ];
    for token in &forged {
        assert_eq!(ping(&format!("/p/{token}")).0, 404, "{token}");
    }
    let client = account.client();
    assert_eq!((ping_count(&client, &first), ping_count(&client, &second)), (0, 0));
    assert_eq!(account.monitor_status(&first), "pending");
}

#[test]
fn an_old_format_token_is_looked_up_once_and_fails_right_after_rotation() {
    let state = TempDir::new("oldtoken");
    let server = Server::start(&state.0, &[("CRON_EVERY_SECONDS", "0")]);
    let account = Account::register_on(&server.url, "oldtoken");
    let client = account.client().on(&server.url);
    let created = client
        .post(
            "/api/v1/monitors",
            json!({ "type": "heartbeat", "name": "legacy", "interval_seconds": 3600, "grace_seconds": 3600 }),
        )
        .data(201)
        .clone();
    // A monitor as the old format left it: its token names no monitor, and
    // its object has never been told its token.
    let (legacy_id, legacy_token) = (format!("mon_{}", random_base62(20)), random_base62(32));
    server.d1(&format!(
        "INSERT INTO monitors (id, org_id, name, type, status, interval_seconds, tags, settings, created_at, updated_at, ping_token_hash)
         SELECT '{legacy_id}', org_id, name, type, status, interval_seconds, tags, settings, created_at, updated_at, '{}'
         FROM monitors WHERE id = '{}'",
        sha256_hex(&legacy_token),
        created["id"].as_str().unwrap()
    ));
    let path = format!("/p/{legacy_token}");
    let (status, first_queries) = ping_on(&server.url, &path);
    assert_eq!(status, 200);
    assert!(first_queries >= 1, "the first ping looks the token up");
    assert_eq!(ping_on(&server.url, &path), (200, 0), "then it is known");
    let pings = client.get(&format!("/api/v1/monitors/{legacy_id}/pings"));
    assert_eq!(pings.data(200).as_array().map(Vec::len), Some(2));

    let new = rotate(&client, &legacy_id);
    assert_eq!(ping_on(&server.url, &path).0, 404);
    assert_eq!(ping_on(&server.url, &format!("/p/{new}")), (200, 0));
    let status: Value = client.get(&format!("/api/v1/monitors/{legacy_id}")).data(200)["status"].clone();
    assert_eq!(status, "up");
}
