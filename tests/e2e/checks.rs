//! The check engine against real loopback targets: HTTP, TCP and DNS probes,
//! confirmation, incidents, pause and delete, regions, history and uptime.

use crate::support::{wait_for, Account};
use crate::targets::{closed_tcp_port, open_tcp_port, HttpTarget, BIG_BODY_BYTES};
use serde_json::{json, Value};
use std::thread::sleep;
use std::time::Duration;

/// An HTTP monitor of `url` checked every second, down at its first failure.
pub fn http_check(account: &Account, url: &str, extra: Value) -> String {
    let mut body =
        json!({ "type": "http", "name": "target", "url": url, "interval_seconds": 1, "failure_threshold": 1 });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    account.create_monitor(body)["id"].as_str().unwrap().to_string()
}

#[test]
fn a_healthy_http_target_is_up_with_status_code_and_timings() {
    let (account, target) = (Account::register("up"), HttpTarget::start());
    let id = http_check(&account, &target.url("/ok"), json!({ "failure_threshold": 2 }));
    let check = account.wait_for_status(&id, "up");
    assert_eq!(check["status"], "up");
    assert_eq!(check["status_code"], 200);
    assert!(check["error"].is_null());
    assert!(check["region"].is_null());
    assert!(check["id"].as_str().unwrap().starts_with("chk_"));
    assert_eq!(check["monitor_id"], id.as_str());
    let timings = &check["timings"];
    assert!(
        timings["total_ms"].as_u64().is_some() && timings["ttfb_ms"].as_u64().is_some(),
        "{timings}"
    );
    // An address needs no lookup, and http no TLS; the socket is timed.
    assert!(timings["dns_ms"].is_null() && timings["tls_ms"].is_null(), "{timings}");
    assert!(timings["connect_ms"].as_u64().is_some(), "{timings}");
    assert!(check["checked_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn an_unexpected_status_code_takes_the_monitor_down_with_an_incident() {
    let (account, target) = (Account::register("503"), HttpTarget::start());
    let id = http_check(&account, &target.url("/status/503"), json!({}));
    let check = account.wait_for_status(&id, "down");
    assert_eq!(
        (check["status_code"].clone(), check["error"].clone()),
        (json!(503), json!("HTTP 503 Service Unavailable"))
    );
    let incidents = account.client().get(&format!("/api/v1/incidents?monitor_id={id}"));
    let incident = &incidents.data(200)[0];
    assert_eq!(incident["status"], "investigating");
    assert_eq!(incident["kind"], "automatic");
    assert_eq!(incident["cause"], "HTTP 503 Service Unavailable");
    assert_eq!(incident["title"], "target is down");
    assert_eq!(incident["monitor_ids"], json!([id]));
}

#[test]
fn expected_status_codes_can_accept_what_would_otherwise_fail() {
    let (account, target) = (Account::register("418"), HttpTarget::start());
    let id = http_check(
        &account,
        &target.url("/status/418"),
        json!({ "expected_status_codes": [418] }),
    );
    assert_eq!(account.wait_for_status(&id, "up")["status_code"], 418);
}

#[test]
fn a_monitor_is_confirmed_down_only_after_its_failure_threshold() {
    let (account, target) = (Account::register("confirm"), HttpTarget::start());
    let id = http_check(&account, &target.url("/status/500"), json!({ "failure_threshold": 3 }));
    let mut pending_after_a_failure = false;
    wait_for(20, "the monitor to go down", || {
        // The status first: checks only grow, so the count read after it is at least what it was.
        let status = account.monitor_status(&id);
        let failures = account.checks(&id, "limit=200").len();
        if status == "down" {
            assert!(failures >= 3, "down after only {failures} failures");
            return Some(());
        }
        pending_after_a_failure |= status == "pending" && failures >= 1;
        None
    });
    assert!(pending_after_a_failure, "still pending after the first failures");
}

#[test]
fn the_keyword_rule_checks_presence_or_absence() {
    let (account, target) = (Account::register("keyword"), HttpTarget::start());
    let present = http_check(&account, &target.url("/ok"), json!({ "keyword": "healthy" }));
    let missing = http_check(&account, &target.url("/ok"), json!({ "keyword": "unicorn" }));
    let forbidden = http_check(
        &account,
        &target.url("/ok"),
        json!({ "keyword": "healthy", "keyword_mode": "absent" }),
    );
    account.wait_for_status(&present, "up");
    assert_eq!(
        account.wait_for_status(&missing, "down")["error"],
        "keyword \"unicorn\" not found"
    );
    let check = account.wait_for_status(&forbidden, "down");
    assert_eq!(
        (check["error"].clone(), check["status_code"].clone()),
        (json!("keyword \"healthy\" found"), json!(200))
    );
}

#[test]
fn a_slow_target_fails_at_the_timeout() {
    let (account, target) = (Account::register("slow"), HttpTarget::start());
    let id = http_check(
        &account,
        &target.url("/slow/3000"),
        json!({ "timeout_ms": 500, "interval_seconds": 2 }),
    );
    let check = account.wait_for_status(&id, "down");
    assert_eq!(check["error"], "timed out after 500 ms");
    let total = check["timings"]["total_ms"].as_u64().unwrap();
    assert!(
        (500..2000).contains(&total),
        "gave up near the timeout, took {total} ms"
    );
}

#[test]
fn only_the_first_mebibyte_of_a_huge_body_is_read() {
    let (account, target) = (Account::register("big"), HttpTarget::start());
    // The needle sits after 50 MB: a probe that reads 1 MiB never sees it.
    let id = http_check(
        &account,
        &target.url("/big"),
        json!({ "keyword": "needle", "interval_seconds": 30 }),
    );
    let check = account.wait_for_status(&id, "down");
    assert_eq!(check["error"], "keyword \"needle\" not found");
    assert!(check["timings"]["total_ms"].as_u64().unwrap() < 5000);
    sleep(Duration::from_secs(2));
    let sent = target.big_bytes_sent();
    assert!(
        sent < BIG_BODY_BYTES / 2,
        "the probe stopped the download early, but {sent} bytes were sent"
    );
}

#[test]
fn redirects_are_followed_or_reported() {
    let (account, target) = (Account::register("redirect"), HttpTarget::start());
    let followed = http_check(&account, &target.url("/redirect"), json!({}));
    let not_followed = http_check(
        &account,
        &target.url("/redirect"),
        json!({ "follow_redirects": false, "expected_status_codes": ["2xx"] }),
    );
    assert_eq!(account.wait_for_status(&followed, "up")["status_code"], 200);
    let check = account.wait_for_status(&not_followed, "down");
    assert_eq!(
        (check["status_code"].clone(), check["error"].clone()),
        (json!(302), json!("HTTP 302 Found"))
    );
}

#[test]
fn tcp_monitors_see_open_and_closed_ports() {
    let account = Account::register("tcp");
    let tcp = |port: u16| {
        let body = json!({ "type": "tcp", "name": "port", "host": "127.0.0.1", "port": port, "interval_seconds": 1, "failure_threshold": 1 });
        account.create_monitor(body)["id"].as_str().unwrap().to_string()
    };
    let (open, closed) = (tcp(open_tcp_port()), tcp(closed_tcp_port()));
    let up = account.wait_for_status(&open, "up");
    assert!(up["error"].is_null());
    let timings = &up["timings"];
    assert!(
        timings["connect_ms"]
            .as_u64()
            .is_some_and(|ms| ms <= timings["total_ms"].as_u64().unwrap()),
        "an open socket's connect time is measured: {timings}"
    );
    let refused = account.wait_for_status(&closed, "down");
    assert_eq!(refused["error"], "connection refused");
    assert!(
        refused["timings"]["connect_ms"].is_null(),
        "no connection, no connect time"
    );
}

#[test]
fn dns_monitors_query_a_real_dns_server() {
    let account = Account::register("dns");
    let dns = |host: &str, record_type: &str, expected: Value| {
        let body = json!({ "type": "dns", "name": host, "host": host, "record_type": record_type, "expected_values": expected, "interval_seconds": 1, "failure_threshold": 1 });
        account.create_monitor(body)["id"].as_str().unwrap().to_string()
    };
    let a = dns("up.test", "A", json!(["10.0.0.7"]));
    let aaaa = dns("up.test", "AAAA", json!(["fd00::7"]));
    let mx = dns("up.test", "MX", json!(["10 mail.up.test"]));
    let txt = dns("up.test", "TXT", json!(["v=spf1 -all"]));
    let cname = dns("alias.test", "CNAME", json!(["up.test"]));
    let wrong = dns("up.test", "A", json!(["10.9.9.9"]));
    let nxdomain = dns("nothing-here.test", "A", json!([]));
    for id in [&a, &aaaa, &mx, &txt, &cname] {
        let check = account.wait_for_status(id, "up");
        assert!(check["timings"]["dns_ms"].as_u64().is_some(), "{check}");
    }
    assert_eq!(
        account.wait_for_status(&wrong, "down")["error"],
        "DNS answer 10.0.0.7 does not include 10.9.9.9"
    );
    assert_eq!(account.wait_for_status(&nxdomain, "down")["error"], "DNS NXDOMAIN");
}

#[test]
fn an_outage_opens_an_incident_and_recovery_resolves_it() {
    let (account, target) = (Account::register("outage"), HttpTarget::start());
    target.set_switch(503);
    let id = http_check(&account, &target.url("/switch"), json!({}));
    account.wait_for_status(&id, "down");
    target.set_switch(200);
    account.wait_for_status(&id, "up");
    let incidents = account.client().get(&format!("/api/v1/incidents?monitor_id={id}"));
    let incident = &incidents.data(200)[0];
    assert_eq!(incidents.body["count"], 1, "one incident per outage");
    let of_monitor = account.client().get(&format!("/api/v1/monitors/{id}/incidents"));
    assert_eq!(of_monitor.data(200), incidents.data(200), "the monitor's own list");
    assert_eq!(incident["status"], "resolved");
    assert!(incident["resolved_at"].as_str().is_some());
    assert!(incident["duration_seconds"].as_i64().unwrap() >= 0);
    let timeline: Vec<&str> = incident["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(timeline, ["investigating", "resolved"]);
    assert!(incident["updates"][1]["message"]
        .as_str()
        .unwrap()
        .starts_with("target is back up after"));
    let (down, up) = (account.checks(&id, "status=down"), account.checks(&id, "status=up"));
    assert!(!down.is_empty() && down.iter().all(|c| c["status"] == "down"));
    assert!(!up.is_empty() && up.iter().all(|c| c["status"] == "up"));
}

#[test]
fn pausing_stops_checks_and_resuming_starts_them_again() {
    let (account, target) = (Account::register("pause"), HttpTarget::start());
    let id = http_check(&account, &target.url("/ok"), json!({}));
    account.wait_for_status(&id, "up");
    account
        .client()
        .post(&format!("/api/v1/monitors/{id}/pause"), json!({}))
        .data(200);
    let after_pause = target.requests();
    sleep(Duration::from_secs(3));
    assert!(
        target.requests() <= after_pause + 1,
        "at most a check already under way"
    );
    assert_eq!(account.monitor_status(&id), "paused");
    account
        .client()
        .post(&format!("/api/v1/monitors/{id}/resume"), json!({}))
        .data(200);
    let resumed = target.requests();
    wait_for(10, "checks after resuming", || {
        (target.requests() > resumed + 1).then_some(())
    });
    account.wait_for_status(&id, "up");
}

#[test]
fn deleting_stops_checks() {
    let (account, target) = (Account::register("delete"), HttpTarget::start());
    let id = http_check(&account, &target.url("/ok"), json!({}));
    account.wait_for_status(&id, "up");
    assert_eq!(account.client().delete(&format!("/api/v1/monitors/{id}")).status, 204);
    let after_delete = target.requests();
    sleep(Duration::from_secs(3));
    assert!(
        target.requests() <= after_delete + 1,
        "at most a check already under way"
    );
    account
        .client()
        .get(&format!("/api/v1/monitors/{id}/checks"))
        .error(404, "not_found");
}

#[test]
fn an_edit_takes_effect_at_once() {
    let (account, target) = (Account::register("edit"), HttpTarget::start());
    let id = http_check(&account, &target.url("/status/500"), json!({}));
    account.wait_for_status(&id, "down");
    account
        .client()
        .patch(&format!("/api/v1/monitors/{id}"), json!({ "url": target.url("/ok") }))
        .data(200);
    account.wait_for_status(&id, "up");
}

#[test]
fn each_region_probes_and_the_majority_decides() {
    let (account, target) = (Account::register("regions"), HttpTarget::start());
    let id = http_check(
        &account,
        &target.url("/status/502"),
        json!({ "regions": ["weur", "enam", "apac"] }),
    );
    account.wait_for_status(&id, "down");
    let checks = account.checks(&id, "limit=3");
    let mut regions: Vec<&str> = checks.iter().map(|c| c["region"].as_str().unwrap()).collect();
    regions.sort();
    assert_eq!(regions, ["apac", "enam", "weur"], "one result per region and round");
    let incident = &account.client().get(&format!("/api/v1/incidents?monitor_id={id}")).body["data"][0];
    assert!(
        incident["cause"]
            .as_str()
            .unwrap()
            .contains("weur: HTTP 502 Bad Gateway"),
        "{incident}"
    );
}

#[test]
fn check_history_pages_newest_first_and_filters_by_time() {
    let (account, target) = (Account::register("history"), HttpTarget::start());
    let id = http_check(&account, &target.url("/ok"), json!({}));
    wait_for(15, "5 checks", || (account.checks(&id, "").len() >= 5).then_some(()));
    // Paused, so that no new check shifts the pages while they are read.
    account
        .client()
        .post(&format!("/api/v1/monitors/{id}/pause"), json!({}))
        .data(200);
    let all = account.checks(&id, "limit=200");
    let times: Vec<&str> = all.iter().map(|c| c["checked_at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");

    let first_page = account.client().get(&format!("/api/v1/monitors/{id}/checks?limit=2"));
    let cursor = first_page.body["next_cursor"].as_str().expect("more pages").to_string();
    let second = account.checks(&id, &format!("limit=2&cursor={cursor}"));
    assert_eq!(second[0]["id"], all[2]["id"]);

    let pivot = times[2];
    let since = account.checks(&id, &format!("limit=200&since={pivot}"));
    assert!(since.iter().all(|c| c["checked_at"].as_str().unwrap() >= pivot) && since.len() >= 3);
    let until = account.checks(&id, &format!("limit=200&until={pivot}"));
    assert!(until.iter().all(|c| c["checked_at"].as_str().unwrap() < pivot) && !until.is_empty());
    account
        .client()
        .get(&format!("/api/v1/monitors/{id}/checks?since=yesterday"))
        .error(400, "invalid_query");
    account
        .client()
        .get(&format!("/api/v1/monitors/{id}/checks?status=sideways"))
        .error(400, "invalid_query");
}

#[test]
fn uptime_reports_each_window_with_response_time_and_apdex() {
    let (account, target) = (Account::register("uptime"), HttpTarget::start());
    // Answers in 300 ms or a little more: tolerated (250 < t <= 1000 ms, wide
    // enough for a loaded machine), so Apdex is 0.5.
    let id = http_check(&account, &target.url("/slow/300"), json!({ "apdex_threshold_ms": 250 }));
    wait_for(15, "3 checks", || (account.checks(&id, "").len() >= 3).then_some(()));
    let data = account
        .client()
        .get(&format!("/api/v1/monitors/{id}/uptime"))
        .data(200)
        .clone();
    assert_eq!(data["apdex_threshold_ms"], 250, "the monitor's own threshold");
    for window in ["24h", "7d", "30d", "90d"] {
        let figures = &data["windows"][window];
        assert_eq!(figures["uptime_pct"], 100.0, "{window}: {figures}");
        assert!(figures["checks"].as_u64().unwrap() >= 3, "{window}: {figures}");
        assert!(
            figures["avg_response_ms"].as_f64().unwrap() >= 300.0,
            "{window}: {figures}"
        );
        assert_eq!(figures["apdex"], 0.5, "{window}: {figures}");
    }

    let other = account
        .client()
        .get(&format!("/api/v1/monitors/{id}/uptime?apdex_threshold_ms=2000"))
        .data(200)
        .clone();
    assert_eq!(other["apdex_threshold_ms"], 2000);
    assert_eq!(other["windows"]["24h"]["apdex"], 1.0);
    assert_eq!(
        other["windows"]["90d"]["apdex"],
        Value::Null,
        "rollups count against the monitor's own threshold only"
    );
    account
        .client()
        .get(&format!("/api/v1/monitors/{id}/uptime?apdex_threshold_ms=0"))
        .error(400, "invalid_query");
}

#[test]
fn another_organizations_history_is_not_found() {
    let (alice, mallory, target) = (
        Account::register("alice"),
        Account::register("mallory"),
        HttpTarget::start(),
    );
    let id = http_check(&alice, &target.url("/ok"), json!({}));
    for path in ["checks", "uptime"] {
        mallory
            .client()
            .get(&format!("/api/v1/monitors/{id}/{path}"))
            .error(404, "not_found");
    }
}
