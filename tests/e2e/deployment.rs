//! Whole-deployment behaviour, each test on a Worker of its own: state kept
//! across restarts, and settings that change what is allowed.

use crate::support::{wait_for, Account, Client, Server, TempDir};
use crate::targets::HttpTarget;
use serde_json::json;

#[test]
fn accounts_keys_and_monitors_survive_a_restart_on_the_same_state() {
    let state = TempDir::new("restart");
    let (account, key, monitor_id) = {
        let server = Server::start(&state.0, &[]);
        let account = Account::register_on(&server.url, "restart");
        let client = account.client().on(&server.url);
        let key = client
            .post("/api/v1/api-keys", json!({ "name": "kept", "scopes": ["read"] }))
            .data(201)["key"]
            .as_str()
            .unwrap()
            .to_string();
        let monitor = client.post(
            "/api/v1/monitors",
            json!({ "type": "tcp", "name": "kept", "host": "127.0.0.1", "port": 22 }),
        );
        (account, key, monitor.data(201)["id"].as_str().unwrap().to_string())
    };
    let server = Server::start(&state.0, &[]);
    let login = Client::anonymous().on(&server.url).post(
        "/api/v1/auth/login",
        json!({ "email": account.email, "password": account.password }),
    );
    login.data(200);
    let monitor = Client::bearer(&key)
        .on(&server.url)
        .get(&format!("/api/v1/monitors/{monitor_id}"));
    assert_eq!(monitor.data(200)["name"], "kept");
    assert_eq!(
        account.client().on(&server.url).get("/api/v1/me").data(200)["organization"]["usage"]["monitors"]["used"],
        1
    );
}

#[test]
fn the_deployment_settings_decide_plan_interval_floor_and_private_targets() {
    let state = TempDir::new("settings");
    let server = Server::start(
        &state.0,
        &[
            ("PW_DEFAULT_PLAN", "pro"),
            ("PW_MIN_INTERVAL_SECONDS", ""),
            ("PW_ALLOW_PRIVATE_TARGETS", "false"),
        ],
    );
    let account = Account::register_on(&server.url, "settings");
    let client = account.client().on(&server.url);
    assert_eq!(client.get("/api/v1/me").data(200)["organization"]["plan"], "pro");

    let monitor =
        |url: &str, interval: u32| json!({ "type": "http", "name": "x", "url": url, "interval_seconds": interval });
    let too_often = client.post("/api/v1/monitors", monitor("https://example.com", 10));
    too_often.error(403, "plan_limit");
    assert_eq!(too_often.body["field"], "interval_seconds");
    client
        .post("/api/v1/monitors", monitor("https://example.com", 30))
        .data(201);
    for private in [
        "http://127.0.0.1/",
        "http://localhost:8080/",
        "http://10.0.0.8/",
        "http://[::1]/",
        "http://169.254.169.254/latest",
    ] {
        client.post("/api/v1/monitors", monitor(private, 60)).invalid("url");
    }
    client
        .post(
            "/api/v1/monitors",
            json!({ "type": "tcp", "name": "x", "host": "192.168.1.1", "port": 22, "interval_seconds": 60 }),
        )
        .invalid("host");
}

#[test]
fn checks_resume_after_a_restart_once_the_cron_reconciler_runs() {
    let (state, target) = (TempDir::new("rearm"), HttpTarget::start());
    let (account, id) = {
        let server = Server::start(&state.0, &[]);
        let account = Account::register_on(&server.url, "rearm");
        let body = json!({ "type": "http", "name": "kept", "url": target.url("/ok"), "interval_seconds": 1 });
        let id = account
            .client()
            .on(&server.url)
            .post("/api/v1/monitors", body)
            .data(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
        wait_for(15, "checks before the restart", || {
            (target.requests() >= 2).then_some(())
        });
        (account, id)
    };
    // workerd forgets alarms when it stops: nothing runs until the reconciler.
    let server = Server::start(&state.0, &[]);
    let before = target.requests();
    let fired = Client::anonymous().on(&server.url).get("/__scheduled?cron=*+*+*+*+*");
    assert_eq!(fired.status, 200, "{}", fired.body);
    wait_for(15, "checks after the restart", || {
        (target.requests() >= before + 2).then_some(())
    });
    let checks = account
        .client()
        .on(&server.url)
        .get(&format!("/api/v1/monitors/{id}/checks?limit=200"));
    assert!(
        checks.data(200).as_array().unwrap().len() >= 4,
        "history from before the restart is kept"
    );
}

#[test]
fn the_reconciler_keeps_the_days_of_a_monitor_whose_status_never_changes() {
    let state = TempDir::new("rollups");
    // No cron of its own: this test fires the reconciler when it wants it.
    let server = Server::start(&state.0, &[("CRON_EVERY_SECONDS", "0")]);
    let client = Account::register_on(&server.url, "steady").client().on(&server.url);
    let created = client
        .post(
            "/api/v1/monitors",
            json!({ "type": "heartbeat", "name": "Nightly backup", "interval_seconds": 3600, "grace_seconds": 3600 }),
        )
        .data(201)
        .clone();
    // Pinged at once: the change to `up` is written with no time observed yet.
    let ping = reqwest::blocking::get(format!("{}/p/{}", server.url, created["token"].as_str().unwrap())).unwrap();
    assert_eq!(ping.status(), 200);
    let slug = format!("steady-{}", pingwarden::domain::ids::random_base62(8).to_lowercase());
    client
        .post(
            "/api/v1/status-pages",
            json!({ "slug": slug, "title": "Jobs", "monitor_ids": [created["id"]] }),
        )
        .data(201);
    std::thread::sleep(std::time::Duration::from_millis(1500));

    // The pings keep the heartbeat's alarm away, so nothing renews its lease
    // (domain::lease): once it runs out, the reconciler's visit refreshes today.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    server.fire_cron(Some(now_ms + pingwarden::domain::lease::LEASE_MS + 60_000));
    let page = Client::anonymous().on(&server.url).get(&format!("/status/{slug}.json"));
    let monitor = &page.body["monitors"][0];
    assert_eq!(monitor["uptime_pct"], 100.0, "today's rollup was refreshed: {monitor}");
    assert_eq!(monitor["days"][89]["uptime_pct"], 100.0, "{monitor}");
}
