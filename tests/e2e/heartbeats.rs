//! Heartbeats: ping URLs in every form, run durations, failures, missed
//! deadlines, schedules, token rotation and the ping history.

use crate::support::{base_url, wait_for, Account, Client};
use reqwest::blocking::Client as Http;
use reqwest::Method;
use serde_json::{json, Value};
use std::thread::sleep;
use std::time::Duration;

struct Beat {
    id: String,
    token: String,
}

fn heartbeat(account: &Account, extra: Value) -> Beat {
    let mut body = json!({ "type": "heartbeat", "name": "backup", "interval_seconds": 60, "grace_seconds": 60 });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let created = account.create_monitor(body);
    Beat {
        id: created["id"].as_str().unwrap().into(),
        token: created["token"].as_str().unwrap().into(),
    }
}

fn ping(method: Method, path: &str, body: Option<Vec<u8>>) -> (u16, String) {
    let mut request = Http::new()
        .request(method, format!("{}{path}", base_url()))
        .header("User-Agent", "backup-script/1.0");
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send().unwrap();
    (response.status().as_u16(), response.text().unwrap_or_default())
}

fn pings(account: &Account, id: &str, query: &str) -> Vec<Value> {
    account
        .client()
        .get(&format!("/api/v1/monitors/{id}/pings?{query}"))
        .data(200)
        .as_array()
        .cloned()
        .unwrap()
}

#[test]
fn creating_a_heartbeat_returns_its_token_and_ping_url_once() {
    let account = Account::register("beat");
    let created = account.create_monitor(
        json!({ "type": "heartbeat", "name": "nightly", "interval_seconds": 86_400, "grace_seconds": 3600 }),
    );
    let token = created["token"].as_str().unwrap();
    assert!(
        token.len() >= 22 && token.chars().all(|c| c.is_ascii_alphanumeric()),
        "at least 128 bits: {token}"
    );
    assert_eq!(created["ping_url"], format!("{}/p/{token}", base_url()));
    assert_eq!(created["status"], "pending");
    let shown = account
        .client()
        .get(&format!("/api/v1/monitors/{}", created["id"].as_str().unwrap()));
    assert!(!shown.body.to_string().contains(token), "the token is not shown again");
}

#[test]
fn every_ping_form_and_method_is_accepted_and_recorded() {
    let account = Account::register("forms");
    let beat = heartbeat(&account, json!({}));
    let t = &beat.token;
    let cases = [
        (Method::GET, format!("/p/{t}"), "success", None),
        (Method::POST, format!("/p/{t}"), "success", None),
        (Method::HEAD, format!("/p/{t}"), "success", None),
        (Method::GET, format!("/p/{t}/start"), "start", None),
        (Method::GET, format!("/p/{t}/0"), "success", Some(0)),
        (Method::POST, format!("/p/{t}/fail"), "fail", None),
        (Method::GET, format!("/p/{t}/3"), "fail", Some(3)),
        (Method::GET, format!("/api/v1/heartbeat/{t}"), "success", None),
        (Method::HEAD, format!("/api/v1/heartbeat/{t}/start"), "start", None),
        (Method::POST, format!("/api/v1/heartbeat/{t}/255"), "fail", Some(255)),
    ];
    for (method, path, _, _) in &cases {
        let (status, text) = ping(method.clone(), path, None);
        assert_eq!(status, 200, "{method} {path}");
        if *method != Method::HEAD {
            assert_eq!(text, "OK\n");
        }
    }
    let recorded = pings(&account, &beat.id, "limit=50");
    assert_eq!(recorded.len(), cases.len());
    for (ping, (method, _, kind, exit_code)) in recorded.iter().rev().zip(&cases) {
        assert_eq!(
            (ping["kind"].as_str().unwrap(), ping["method"].as_str().unwrap()),
            (*kind, method.as_str())
        );
        assert_eq!(ping["exit_code"], json!(exit_code));
        assert_eq!(ping["user_agent"], "backup-script/1.0");
    }
    for bad in ["256", "-1", "later"] {
        assert_eq!(ping(Method::GET, &format!("/p/{t}/{bad}"), None).0, 400, "{bad}");
    }
}

#[test]
fn an_unknown_token_is_404() {
    let (status, _) = ping(Method::GET, "/p/notarealtoken0000000000000000000", None);
    assert_eq!(status, 404);
    assert_eq!(ping(Method::POST, "/api/v1/heartbeat/nope/fail", None).0, 404);
}

#[test]
fn a_start_then_success_records_the_run_duration_and_rids_pair_overlapping_runs() {
    let account = Account::register("duration");
    let beat = heartbeat(&account, json!({}));
    let too_long = "r".repeat(65);
    assert_eq!(
        ping(Method::GET, &format!("/p/{}/start?rid={too_long}", beat.token), None).0,
        400
    );
    ping(Method::GET, &format!("/p/{}/start?rid=a", beat.token), None);
    sleep(Duration::from_millis(600));
    ping(Method::GET, &format!("/p/{}/start?rid=b", beat.token), None);
    ping(Method::GET, &format!("/p/{}?rid=a", beat.token), None);
    ping(Method::GET, &format!("/p/{}/fail?rid=b", beat.token), None);
    let recorded = pings(&account, &beat.id, "");
    let (b_done, a_done) = (&recorded[0], &recorded[1]);
    assert_eq!((a_done["rid"].as_str(), b_done["rid"].as_str()), (Some("a"), Some("b")));
    let (a_ms, b_ms) = (
        a_done["duration_ms"].as_i64().unwrap(),
        b_done["duration_ms"].as_i64().unwrap(),
    );
    assert!(a_ms >= 600 && b_ms < a_ms, "run a took {a_ms} ms, run b {b_ms} ms");
}

#[test]
fn a_failure_ping_takes_the_monitor_down_and_a_success_brings_it_back() {
    let account = Account::register("fail");
    let beat = heartbeat(&account, json!({}));
    ping(Method::GET, &format!("/p/{}", beat.token), None);
    assert_eq!(account.monitor_status(&beat.id), "up");
    ping(Method::GET, &format!("/p/{}/2", beat.token), None);
    assert_eq!(account.monitor_status(&beat.id), "down");
    let incident = account
        .client()
        .get(&format!("/api/v1/incidents?monitor_id={}", beat.id))
        .body["data"][0]
        .clone();
    assert_eq!(
        (incident["status"].clone(), incident["cause"].clone()),
        (json!("investigating"), json!("the job reported failure (exit code 2)"))
    );
    ping(Method::POST, &format!("/p/{}", beat.token), None);
    assert_eq!(account.monitor_status(&beat.id), "up");
    let incident = account
        .client()
        .get(&format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap()))
        .data(200)
        .clone();
    assert_eq!(incident["status"], "resolved");
}

#[test]
fn a_missed_deadline_goes_down_with_a_missed_entry_and_a_ping_recovers() {
    let account = Account::register("missed");
    let beat = heartbeat(&account, json!({ "interval_seconds": 2, "grace_seconds": 1 }));
    ping(Method::GET, &format!("/p/{}", beat.token), None);
    let first = pings(&account, &beat.id, "")[0]["created_at"]
        .as_str()
        .unwrap()
        .to_string();
    account.wait_until_status(&beat.id, "down");
    // The status changes first; the missed entry follows it.
    let missed = wait_for(10, "the missed entry", || {
        Some(pings(&account, &beat.id, "kind=missed")).filter(|missed| !missed.is_empty())
    });
    let expected_at =
        pingwarden::domain::time::millis_from_iso(missed.last().unwrap()["expected_at"].as_str().unwrap()).unwrap();
    assert_eq!(
        expected_at - pingwarden::domain::time::millis_from_iso(&first).unwrap(),
        2000,
        "expected one period after the ping"
    );
    let incident = account
        .client()
        .get(&format!("/api/v1/incidents?monitor_id={}", beat.id))
        .body["data"][0]
        .clone();
    let cause = incident["cause"].as_str().unwrap();
    assert!(
        cause.starts_with(&format!("no ping since {first}, expected by ")),
        "{cause}"
    );
    ping(Method::GET, &format!("/p/{}", beat.token), None);
    assert_eq!(account.monitor_status(&beat.id), "up");
    let incident = account
        .client()
        .get(&format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap()))
        .data(200)
        .clone();
    assert_eq!(incident["status"], "resolved");
}

#[test]
fn a_start_without_an_end_within_grace_goes_down() {
    let account = Account::register("unfinished");
    let beat = heartbeat(&account, json!({ "interval_seconds": 3600, "grace_seconds": 1 }));
    ping(Method::GET, &format!("/p/{}/start", beat.token), None);
    account.wait_until_status(&beat.id, "down");
    let incident = account
        .client()
        .get(&format!("/api/v1/incidents?monitor_id={}", beat.id))
        .body["data"][0]
        .clone();
    let cause = incident["cause"].as_str().unwrap();
    assert!(
        cause.starts_with("started at ") && cause.ends_with(" and never finished"),
        "{cause}"
    );
    // Reported once: the job is then expected on its hourly period again.
    sleep(Duration::from_secs(3));
    assert_eq!(pings(&account, &beat.id, "kind=missed&limit=200").len(), 1);
}

#[test]
fn a_cron_schedule_in_a_time_zone_sets_the_deadline_at_its_next_occurrence() {
    let account = Account::register("cron");
    let beat = heartbeat(
        &account,
        // Kathmandu is UTC+05:45: its even minutes are odd minutes in UTC.
        json!({ "interval_seconds": null, "schedule": "*/2 * * * *", "timezone": "Asia/Kathmandu", "grace_seconds": 1 }),
    );
    let shown = account
        .client()
        .get(&format!("/api/v1/monitors/{}", beat.id))
        .data(200)
        .clone();
    assert_eq!(
        (
            shown["schedule"].clone(),
            shown["timezone"].clone(),
            shown["interval_seconds"].clone()
        ),
        (json!("*/2 * * * *"), json!("Asia/Kathmandu"), json!(120))
    );
    ping(Method::GET, &format!("/p/{}", beat.token), None);
    let missed = wait_for(135, "the next occurrence's deadline to pass", || {
        pings(&account, &beat.id, "kind=missed").into_iter().next()
    });
    let expected = missed["expected_at"].as_str().unwrap();
    assert!(expected.ends_with(":00.000Z"), "expected on the minute, at {expected}");
    let utc_minute: u32 = expected[14..16].parse().unwrap();
    assert_eq!(utc_minute % 2, 1, "an even minute in Kathmandu, at {expected}");
    assert_eq!(account.monitor_status(&beat.id), "down");
}

#[test]
fn rotating_the_token_retires_the_old_one_at_once() {
    let account = Account::register("rotate");
    let beat = heartbeat(&account, json!({}));
    let rotated = account
        .client()
        .post(&format!("/api/v1/monitors/{}/rotate-token", beat.id), json!({}));
    let token = rotated.data(201)["token"].as_str().unwrap().to_string();
    assert_ne!(token, beat.token);
    assert_eq!(rotated.body["data"]["ping_url"], format!("{}/p/{token}", base_url()));
    assert_eq!(ping(Method::GET, &format!("/p/{}", beat.token), None).0, 404);
    assert_eq!(ping(Method::GET, &format!("/p/{token}"), None).0, 200);
    let http = account.create_monitor(crate::support::http_monitor("site"));
    account
        .client()
        .post(
            &format!("/api/v1/monitors/{}/rotate-token", http["id"].as_str().unwrap()),
            json!({}),
        )
        .error(409, "not_a_heartbeat");
    account
        .client()
        .get(&format!("/api/v1/monitors/{}/pings", http["id"].as_str().unwrap()))
        .error(409, "not_a_heartbeat");
}

#[test]
fn a_ping_resumes_a_paused_heartbeat() {
    let account = Account::register("paused");
    let beat = heartbeat(&account, json!({}));
    account
        .client()
        .post(&format!("/api/v1/monitors/{}/pause", beat.id), json!({}))
        .data(200);
    assert_eq!(ping(Method::GET, &format!("/p/{}", beat.token), None).0, 200);
    assert_eq!(account.monitor_status(&beat.id), "up");
}

#[test]
fn ping_bodies_are_kept_up_to_10_kb_and_binary_is_only_noted() {
    let account = Account::register("bodies");
    let beat = heartbeat(&account, json!({}));
    ping(
        Method::POST,
        &format!("/p/{}", beat.token),
        Some(b"backup: 42 files".to_vec()),
    );
    ping(Method::POST, &format!("/p/{}", beat.token), Some(vec![b'l'; 20_000]));
    ping(
        Method::POST,
        &format!("/p/{}", beat.token),
        Some(vec![0xff, 0x00, 0xfe, 0x01]),
    );
    let recorded = pings(&account, &beat.id, "");
    let (binary, long, short) = (&recorded[0], &recorded[1], &recorded[2]);
    assert_eq!(
        (short["body"].clone(), short["body_truncated"].clone()),
        (json!("backup: 42 files"), json!(false))
    );
    assert_eq!(
        (long["body"].as_str().unwrap().len(), long["body_truncated"].clone()),
        (10 * 1024, json!(true))
    );
    assert_eq!(
        (binary["body"].clone(), binary["body_binary"].clone()),
        (Value::Null, json!(true))
    );
}

#[test]
fn no_ping_is_lost_under_concurrency() {
    let account = Account::register("concurrent");
    let beat = heartbeat(&account, json!({}));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let token = beat.token.clone();
            std::thread::spawn(move || {
                (0..10)
                    .filter(|_| ping(Method::GET, &format!("/p/{token}"), None).0 == 200)
                    .count()
            })
        })
        .collect();
    let accepted: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(accepted, 80);
    assert_eq!(pings(&account, &beat.id, "limit=200").len(), 80);
}

#[test]
fn the_ping_history_pages_newest_first_and_filters_by_kind() {
    let account = Account::register("history");
    let beat = heartbeat(&account, json!({}));
    for suffix in ["/start", "", "/start", "/fail", ""] {
        ping(Method::GET, &format!("/p/{}{suffix}", beat.token), None);
    }
    let page = account
        .client()
        .get(&format!("/api/v1/monitors/{}/pings?limit=2", beat.id));
    let kinds: Vec<&str> = page
        .data(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["success", "fail"]);
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let rest = pings(&account, &beat.id, &format!("cursor={cursor}"));
    assert_eq!(
        rest.iter().map(|p| p["kind"].as_str().unwrap()).collect::<Vec<_>>(),
        ["start", "success", "start"]
    );
    assert_eq!(pings(&account, &beat.id, "kind=start").len(), 2);
    account
        .client()
        .get(&format!("/api/v1/monitors/{}/pings?kind=maybe", beat.id))
        .error(400, "invalid_query");
}

#[test]
fn another_organization_cannot_read_pings_or_rotate_the_token() {
    let (alice, mallory) = (Account::register("alice"), Account::register("mallory"));
    let beat = heartbeat(&alice, json!({}));
    mallory
        .client()
        .get(&format!("/api/v1/monitors/{}/pings", beat.id))
        .error(404, "not_found");
    mallory
        .client()
        .post(&format!("/api/v1/monitors/{}/rotate-token", beat.id), json!({}))
        .error(404, "not_found");
    Client::bearer(&alice.api_key(&["read"]))
        .post(&format!("/api/v1/monitors/{}/rotate-token", beat.id), json!({}))
        .error(403, "insufficient_scope");
}

#[test]
fn an_interval_heartbeat_can_be_patched_alone() {
    let account = Account::register("patchbeat");
    let beat = heartbeat(&account, json!({}));
    let patched = account.client().patch(
        &format!("/api/v1/monitors/{}", beat.id),
        json!({ "grace_seconds": 120 }),
    );
    assert_eq!(patched.data(200)["grace_seconds"], 120);
}

#[test]
fn a_resumed_heartbeat_waits_for_its_next_ping_instead_of_replaying_missed_periods() {
    let account = Account::register("resume");
    let beat = heartbeat(&account, json!({ "interval_seconds": 1, "grace_seconds": 1 }));
    ping(Method::GET, &format!("/p/{}", beat.token), None);
    account
        .client()
        .post(&format!("/api/v1/monitors/{}/pause", beat.id), json!({}))
        .data(200);
    sleep(Duration::from_secs(5));
    account
        .client()
        .post(&format!("/api/v1/monitors/{}/resume", beat.id), json!({}))
        .data(200);
    sleep(Duration::from_secs(2));
    assert_eq!(account.monitor_status(&beat.id), "pending");
    assert!(
        pings(&account, &beat.id, "kind=missed").is_empty(),
        "no missed entries for the paused time"
    );
}

#[test]
fn a_long_silence_is_recorded_as_one_missed_entry_at_a_time() {
    let account = Account::register("silence");
    let beat = heartbeat(&account, json!({ "interval_seconds": 1, "grace_seconds": 1 }));
    ping(Method::GET, &format!("/p/{}", beat.token), None);
    account.wait_until_status(&beat.id, "down");
    sleep(Duration::from_secs(3));
    let missed = pings(&account, &beat.id, "kind=missed&limit=200");
    assert!(
        missed.len() <= 6,
        "about one entry per period, not a burst: {}",
        missed.len()
    );
}

#[test]
fn uptime_counts_from_the_first_ping_not_from_creation() {
    let account = Account::register("firstping");
    let beat = heartbeat(&account, json!({ "interval_seconds": 2, "grace_seconds": 1 }));
    let uptime = |window: &str| {
        account
            .client()
            .get(&format!("/api/v1/monitors/{}/uptime", beat.id))
            .data(200)["windows"][window]["uptime_pct"]
            .clone()
    };
    // Pending for 3 s: neither up nor down, so no uptime yet.
    sleep(Duration::from_secs(3));
    assert_eq!((uptime("24h"), uptime("90d")), (Value::Null, Value::Null));
    ping(Method::GET, &format!("/p/{}", beat.token), None);
    // Up for ~3 s (period + grace), then down for 3 s.
    account.wait_until_status(&beat.id, "down");
    sleep(Duration::from_secs(3));
    for window in ["24h", "90d"] {
        // About 50 %; counting the pending time as up would give about 67 %.
        let pct = uptime(window)
            .as_f64()
            .unwrap_or_else(|| panic!("{window} has an uptime"));
        assert!(pct < 60.0, "{window}: {pct} % counts the pending time");
    }
}
