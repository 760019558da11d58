//! The dashboard (`/app`) in a real browser: node's test runner runs
//! tests/browser/, where playwright-core drives Debian's Chromium, against
//! this suite's Worker. Each browser test is reported by name. And what the
//! dashboard stands on, asked as any client would: the session cookies and
//! their CSRF check, and the monitor list's summary.

use crate::support::{base_url, wait_for, Account, Client, Reply};
use crate::targets::HttpTarget;
use serde_json::json;
use std::process::Command;

/// The browser tests in tests/browser/dashboard.test.mjs.
const BROWSER_TESTS: usize = 6;

#[test]
fn the_dashboard_works_in_chromium() {
    let output = Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/browser/"])
        .env("PW_BASE_URL", base_url())
        .output()
        .expect("node runs the browser tests");
    let report = String::from_utf8_lossy(&output.stdout);
    let count = |label: &str| {
        report
            .lines()
            .find_map(|line| line.strip_prefix(label)?.trim().parse::<usize>().ok())
    };
    assert!(
        output.status.success() && count("# fail ") == Some(0),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(count("# pass "), Some(BROWSER_TESTS), "{report}");
}

/// The `Set-Cookie` values of an answer.
fn set_cookies(reply: &Reply) -> Vec<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect()
}

/// The cookie named `name` among them, and its `name=value` pair.
fn cookie<'a>(cookies: &'a [String], name: &str) -> (&'a str, &'a str) {
    let found = cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("a {name} cookie in {cookies:?}"));
    (found, found.split(';').next().unwrap_or_default())
}

#[test]
fn a_session_cookie_signs_in_needs_its_csrf_header_to_change_anything_and_signs_out() {
    let account = Account::register("session");
    let origin = base_url();
    let credentials = json!({ "email": account.email, "password": account.password });
    // Another site cannot sign a browser in.
    Client::anonymous()
        .with_header("Origin", "https://evil.example")
        .post("/api/v1/auth/session", credentials.clone())
        .error(403, "cross_origin");
    let opened = Client::anonymous()
        .with_header("Origin", &origin)
        .post("/api/v1/auth/session", credentials);
    assert_eq!(opened.data(201)["user_id"], json!(account.user_id));
    assert!(
        opened.body["data"].get("token").is_none(),
        "the token stays in the cookie: {}",
        opened.body
    );
    let cookies = set_cookies(&opened);
    let (session, session_pair) = cookie(&cookies, "pw_session");
    let (csrf, csrf_pair) = cookie(&cookies, "pw_csrf");
    for flag in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(flag), "{session}");
    }
    assert!(!csrf.contains("HttpOnly") && csrf.contains("Secure"), "{csrf}");
    let csrf_value = &csrf_pair["pw_csrf=".len()..];

    let browser = Client::anonymous().with_header("Cookie", &format!("{session_pair}; {csrf_pair}"));
    assert_eq!(
        browser.get("/api/v1/me").data(200)["user"]["id"],
        json!(account.user_id)
    );
    let monitor = json!({ "type": "heartbeat", "name": "Nightly", "interval_seconds": 3600 });
    browser
        .post("/api/v1/monitors", monitor.clone())
        .error(403, "csrf_failed");
    let signed = browser.with_header("X-CSRF-Token", csrf_value);
    browser
        .with_header("X-CSRF-Token", "not-the-cookie")
        .post("/api/v1/monitors", monitor.clone())
        .error(403, "csrf_failed");
    signed
        .with_header("Origin", "https://evil.example")
        .post("/api/v1/monitors", monitor.clone())
        .error(403, "cross_origin");
    signed
        .with_header("Origin", &origin)
        .post("/api/v1/monitors", monitor)
        .data(201);

    let closed = signed.with_header("Origin", &origin).delete("/api/v1/auth/session");
    assert_eq!(closed.status, 204);
    let cleared = set_cookies(&closed);
    for name in ["pw_session", "pw_csrf"] {
        let (value, pair) = cookie(&cleared, name);
        assert!(value.contains("Max-Age=0") && pair == format!("{name}="), "{value}");
    }
}

#[test]
fn the_summary_gives_every_monitors_uptime_and_response_times_in_one_answer() {
    let (account, target) = (Account::register("summary"), HttpTarget::start());
    let up = account
        .create_monitor(json!({ "type": "http", "name": "Up", "url": target.url("/ok"), "interval_seconds": 1 }));
    let beat = account.create_monitor(json!({ "type": "heartbeat", "name": "Beat", "interval_seconds": 3600 }));
    let (up_id, beat_id) = (up["id"].as_str().unwrap(), beat["id"].as_str().unwrap());
    account.wait_until_status(up_id, "up");
    let summary = wait_for(30, "the up monitor's 24 h uptime", || {
        let reply = account.client().get("/api/v1/monitors/summary");
        let rows = reply.data(200).as_array().cloned().unwrap_or_default();
        let up_row = rows.iter().find(|r| r["id"] == json!(up_id))?.clone();
        (up_row["uptime_24h_pct"] == json!(100.0)).then_some((rows, up_row))
    });
    let (rows, up_row) = summary;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(up_row["status"], "up");
    assert_eq!(up_row["uptime_30d_pct"], json!(100.0));
    let beat_row = rows
        .iter()
        .find(|r| r["id"] == json!(beat_id))
        .expect("the heartbeat's row");
    // No verdict yet: no uptime to show, rather than a made-up 100 %.
    assert_eq!(
        (beat_row["status"].as_str(), &beat_row["uptime_24h_pct"]),
        (Some("pending"), &json!(null))
    );
    // Another organization's summary holds none of them.
    let other = Account::register("summary-other");
    assert_eq!(other.client().get("/api/v1/monitors/summary").data(200), &json!([]));
}
