//! The live stream, through a real WebSocket client that is not ours (the
//! Python `websockets` package, driven by `live_client.py`): the hello
//! snapshot, check results, pings and missed deadlines as they happen,
//! subscriptions, credentials, revocation, isolation between organizations,
//! status pages' streams and the plan's cap on connections.

use crate::support::{base_url, Account, Client};
use crate::targets::HttpTarget;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// One connection, as the client reports it line by line.
struct Live {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<Value>,
}

impl Live {
    fn connect(path: &str, headers: &[(&str, &str)], subprotocols: &[&str]) -> Live {
        let url = format!("{}{path}", base_url().replacen("http", "ws", 1));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/live_client.py");
        let mut command = Command::new("python3");
        command.arg(script).arg(url);
        for (name, value) in headers {
            command.arg("--header").arg(format!("{name}:{value}"));
        }
        for protocol in subprotocols {
            command.arg("--subprotocol").arg(protocol);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs live_client.py");
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value: Value = serde_json::from_str(&line).unwrap_or(Value::String(line));
                if sender.send(value).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take().unwrap();
        Live { child, stdin, lines }
    }

    fn with_token(token: &str) -> Live {
        Live::connect(&format!("/live?token={token}"), &[], &[])
    }

    /// Connects and returns the stream after its `hello`.
    fn open(token: &str) -> (Live, Value) {
        let mut live = Live::with_token(token);
        live.expect_event("open");
        let hello = live.next_message(|m| m["type"] == "hello", 20);
        (live, hello)
    }

    fn next(&self, seconds: u64) -> Option<Value> {
        self.lines.recv_timeout(Duration::from_secs(seconds)).ok()
    }

    #[track_caller]
    fn expect_event(&mut self, event: &str) -> Value {
        let line = self.next(30).unwrap_or_else(|| panic!("no {event} within 30 s"));
        assert_eq!(line["event"], event, "{line}");
        line
    }

    /// The first message that matches, within `seconds`; others are skipped.
    #[track_caller]
    fn next_message(&mut self, wanted: impl Fn(&Value) -> bool, seconds: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line["event"] == "message" && wanted(&line["data"]) => return line["data"].clone(),
                Ok(line) if line["event"] == "closed" => panic!("the stream closed: {line}"),
                Ok(_) => continue,
                Err(_) => break,
            }
        }
        panic!("no such message within {seconds} s");
    }

    /// Every message that arrives within `seconds`.
    fn messages_for(&mut self, seconds: u64) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line["event"] == "message" => seen.push(line["data"].clone()),
                Ok(_) => continue,
                Err(_) => break,
            }
        }
        seen
    }

    fn send(&mut self, message: &str) {
        writeln!(self.stdin, "{message}").unwrap();
        self.stdin.flush().unwrap();
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn heartbeat(account: &Account, name: &str) -> (String, String) {
    let created =
        account.create_monitor(json!({ "type": "heartbeat", "name": name, "interval_seconds": 2, "grace_seconds": 1 }));
    (
        created["id"].as_str().unwrap().to_string(),
        created["token"].as_str().unwrap().to_string(),
    )
}

fn ping(token: &str) {
    let reply = Client::anonymous().get(&format!("/p/{token}"));
    assert_eq!(reply.status, 200, "{}", reply.body);
}

fn about<'a>(id: &'a str, kind: &'a str) -> impl Fn(&Value) -> bool + 'a {
    move |m: &Value| m["monitor_id"] == id && m["type"] == kind
}

#[test]
fn hello_lists_every_monitor_and_each_check_result_arrives_as_a_tick() {
    let (account, target) = (Account::register("live-hello"), HttpTarget::start());
    let id = account
        .create_monitor(json!({ "type": "http", "name": "site", "url": target.url("/ok"), "interval_seconds": 1 }))
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (mut live, hello) = Live::open(&account.token);
    assert_eq!(hello["organization"]["id"], account.org_id.as_str());
    assert_eq!(hello["monitors"][0]["id"], id.as_str(), "{hello}");
    assert_eq!(hello["monitors"][0]["type"], "http");
    assert!(hello["server_time"].as_str().unwrap().ends_with('Z'));
    let tick = live.next_message(about(&id, "telemetry_tick"), 30);
    assert_eq!(tick["kind"], "check");
    assert_eq!(tick["status"], "up");
    assert_eq!(tick["status_code"], 200);
    assert_eq!(tick["name"], "site");
    assert_eq!(tick["monitor_type"], "http");
    assert!(
        tick["latency_ms"].as_i64().is_some() && tick["region"].is_null(),
        "{tick}"
    );
    assert!(tick["timestamp"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn a_ping_arrives_as_a_tick_and_a_missed_deadline_as_an_alert_and_a_change() {
    let account = Account::register("live-beat");
    let (id, token) = heartbeat(&account, "backup");
    let (mut live, _) = Live::open(&account.token);
    // The first member to listen wakes the monitors: allow a moment for it.
    sleep(Duration::from_secs(1));
    ping(&token);
    let tick = live.next_message(about(&id, "telemetry_tick"), 20);
    assert_eq!(
        (tick["kind"].as_str(), tick["status"].as_str()),
        (Some("success"), Some("up"))
    );
    let change = live.next_message(about(&id, "status_changed"), 20);
    assert_eq!(
        (change["from"].as_str(), change["to"].as_str()),
        (Some("pending"), Some("up"))
    );
    // No further ping: 2 s period + 1 s grace.
    let alert = live.next_message(|m| m["type"] == "global_alert" && m["event"] == "incident.detected", 30);
    assert_eq!(alert["monitor"]["id"], id.as_str(), "{alert}");
    assert!(alert["incident"]["id"].as_str().unwrap().starts_with("inc_"));
    let down = live.next_message(about(&id, "status_changed"), 20);
    assert_eq!(down["to"], "down", "{down}");
}

#[test]
fn a_subscription_narrows_the_stream_and_survives_an_idle_object() {
    let account = Account::register("live-subscribe");
    let (kept, kept_token) = heartbeat(&account, "kept");
    let (dropped, dropped_token) = heartbeat(&account, "dropped");
    let (mut live, _) = Live::open(&account.token);
    live.send(&json!({ "type": "subscribe", "monitor_ids": [kept] }).to_string());
    let subscribed = live.next_message(|m| m["type"] == "subscribed", 20);
    assert_eq!(subscribed["subscription"]["monitor_ids"], json!([kept]));
    // Long enough idle for the organization's object to hibernate: the
    // filter must come back from the socket's attachment, not memory.
    sleep(Duration::from_secs(15));
    ping(&dropped_token);
    ping(&kept_token);
    let tick = live.next_message(|m| m["type"] == "telemetry_tick", 20);
    assert_eq!(tick["monitor_id"], kept.as_str(), "{tick}");
    let later = live.messages_for(3);
    assert!(
        later.iter().all(|m| m["monitor_id"] != dropped.as_str()),
        "an unsubscribed monitor's event arrived: {later:?}"
    );
}

#[test]
fn bad_messages_get_an_error_and_the_stream_goes_on() {
    let account = Account::register("live-bad");
    let (mut live, _) = Live::open(&account.token);
    live.send("not json");
    let error = live.next_message(|m| m["type"] == "error", 20);
    assert!(error["error"].as_str().unwrap().contains("not JSON"), "{error}");
    live.send(&format!(r#"{{"type":"ping","pad":"{}"}}"#, "x".repeat(5000)));
    let error = live.next_message(|m| m["type"] == "error", 20);
    assert!(error["error"].as_str().unwrap().contains("limited"), "{error}");
    live.send(r#"{"type":"subscribe","monitor_ids":[7]}"#);
    live.next_message(|m| m["type"] == "error", 20);
    live.send(r#"{"type":"ping"}"#);
    live.next_message(|m| m["type"] == "pong", 20);
}

#[test]
fn credentials_are_checked_before_the_upgrade_in_every_place_they_may_be() {
    let account = Account::register("live-auth");
    let mut bad = Live::with_token("pw_live_00000000000000000000000000000000");
    let refused = bad.expect_event("rejected");
    assert_eq!(refused["status"], 401, "{refused}");
    let mut none = Live::connect("/api/v1/live", &[], &[]);
    assert_eq!(none.expect_event("rejected")["status"], 401);
    // A plain GET is told to upgrade.
    Client::bearer(&account.token)
        .get("/api/v1/live")
        .error(426, "upgrade_required");
    // A header, an API key, and a browser's subprotocol pair all work.
    let key = account.api_key(&["read"]);
    let mut by_header = Live::connect("/api/v1/live", &[("Authorization", &format!("Bearer {key}"))], &[]);
    by_header.expect_event("open");
    let mut by_protocol = Live::connect("/api/v1/live", &[], &["pingwarden.v1", &account.token]);
    let opened = by_protocol.expect_event("open");
    assert_eq!(opened["subprotocol"], "pingwarden.v1");
    // The session cookie only from the site's own pages.
    let cookie = format!("pw_session={}", account.token);
    let mut foreign = Live::connect(
        "/api/v1/live",
        &[("Cookie", &cookie), ("Origin", "https://evil.example")],
        &[],
    );
    assert_eq!(foreign.expect_event("rejected")["status"], 403);
    let mut own = Live::connect("/api/v1/live", &[("Cookie", &cookie), ("Origin", &base_url())], &[]);
    own.expect_event("open");
}

#[test]
fn a_revoked_key_closes_its_sockets_at_once() {
    let account = Account::register("live-revoke");
    let key = account.api_key(&["read"]);
    let (live, _) = Live::open(&key);
    let keys = account.client().get("/api/v1/api-keys").data(200).clone();
    let key_id = keys.as_array().unwrap()[0]["id"].as_str().unwrap().to_string();
    account.client().delete(&format!("/api/v1/api-keys/{key_id}"));
    let closed = loop {
        let line = live.next(10).expect("the socket closes within seconds");
        if line["event"] == "closed" {
            break line;
        }
    };
    assert_eq!(closed["code"], 1008, "{closed}");
    assert_eq!(closed["reason"], "API key revoked");
}

#[test]
fn another_organizations_events_never_arrive() {
    let (owner, stranger) = (Account::register("live-own"), Account::register("live-stranger"));
    let (id, token) = heartbeat(&owner, "private");
    let (mut watching, _) = Live::open(&owner.token);
    let (mut other, hello) = Live::open(&stranger.token);
    assert_eq!(hello["monitors"], json!([]));
    sleep(Duration::from_secs(1));
    ping(&token);
    watching.next_message(about(&id, "telemetry_tick"), 20);
    let seen = other.messages_for(4);
    assert!(seen.iter().all(|m| m["monitor_id"] != id.as_str()), "{seen:?}");
}

#[test]
fn a_status_page_stream_shows_only_that_pages_monitors() {
    let account = Account::register("live-page");
    let (shown, shown_token) = heartbeat(&account, "public api");
    let (hidden, hidden_token) = heartbeat(&account, "internal db");
    let slug = format!("live-{}", &shown[4..12].to_lowercase());
    account
        .client()
        .post(
            "/api/v1/status-pages",
            json!({ "slug": slug, "title": "Live", "monitor_ids": [shown] }),
        )
        .data(201);
    let mut page = Live::connect(&format!("/status/{slug}/live"), &[], &[]);
    page.expect_event("open");
    let hello = page.next_message(|m| m["type"] == "hello", 20);
    assert_eq!(hello["monitors"].as_array().unwrap().len(), 1, "{hello}");
    assert_eq!(hello["monitors"][0]["id"], shown.as_str());
    // Both go up, then down: only the page's monitor is told, by the page's name for it.
    ping(&hidden_token);
    ping(&shown_token);
    let alert = page.next_message(|m| m["type"] == "global_alert", 30);
    assert_eq!(alert["monitor_id"], shown.as_str(), "{alert}");
    assert_eq!(alert["event"], "incident.detected");
    let text = page.messages_for(4).iter().map(Value::to_string).collect::<String>();
    assert!(!text.contains(&hidden) && !text.contains("internal db"), "{text}");
    // A page that changes closes its viewers' streams, so they reconnect to the new view.
    let page_id = account.client().get("/api/v1/status-pages").data(200)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    account
        .client()
        .patch(
            &format!("/api/v1/status-pages/{page_id}"),
            json!({ "title": "Renamed" }),
        )
        .data(200);
    let closed = loop {
        let line = page.next(10).expect("the page's stream closes");
        if line["event"] == "closed" {
            break line;
        }
    };
    assert_eq!(closed["code"], 1012, "{closed}");
}

#[test]
fn the_plan_caps_concurrent_connections() {
    // The suite's default plan is free: 5 connections.
    let account = Account::register("live-cap");
    let open: Vec<Live> = (0..5).map(|_| Live::open(&account.token).0).collect();
    let mut sixth = Live::with_token(&account.token);
    let refused = sixth.expect_event("rejected");
    assert_eq!(refused["status"], 429, "{refused}");
    assert!(refused["body"].as_str().unwrap().contains("too_many_connections"));
    drop(open);
    sleep(Duration::from_secs(2));
    Live::open(&account.token);
}

#[test]
fn most_of_a_region_failing_at_once_is_a_region_wide_shift_and_its_end_a_recovery() {
    let (account, target) = (Account::register("live-region"), HttpTarget::start());
    // The member listens first: monitors created meanwhile report too.
    let (mut live, _) = Live::open(&account.token);
    let ids: Vec<String> = (0..3)
        .map(|i| {
            account.create_monitor(json!({
                "type": "http", "name": format!("edge {i}"), "url": target.url("/status/503"),
                "interval_seconds": 1, "failure_threshold": 1,
            }))["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let degraded = live.next_message(|m| m["type"] == "global_alert" && m["event"] == "region.degraded", 30);
    assert_eq!(degraded["region"], "default");
    assert_eq!(
        (degraded["failing"].as_u64(), degraded["monitors"].as_u64()),
        (Some(3), Some(3))
    );
    for id in &ids {
        account
            .client()
            .patch(&format!("/api/v1/monitors/{id}"), json!({ "url": target.url("/ok") }))
            .data(200);
    }
    let recovered = live.next_message(|m| m["type"] == "global_alert" && m["event"] == "region.recovered", 30);
    assert_eq!(recovered["region"], "default", "{recovered}");
}
