//! Maintenance windows: a monitor failing inside one opens no incident,
//! sends nothing and keeps its uptime; a heartbeat's deadline inside one is
//! not missed; status pages announce them; and the API validates and scopes
//! them like every other resource.

use crate::channels::{webhook, Receiver};
use crate::support::{wait_for, Account};
use crate::targets::HttpTarget;
use pingwarden::domain::time::iso_from_millis;
use reqwest::blocking::Client as Http;
use serde_json::{json, Value};
use std::thread::sleep;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A one-off window from a minute ago to an hour from now.
fn window_covering_now(extra: Value) -> Value {
    let mut body = json!({
        "title": "Database upgrade",
        "starts_at": iso_from_millis(now_ms() - 60_000),
        "ends_at": iso_from_millis(now_ms() + 3_600_000),
    });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

fn incidents_of(account: &Account, monitor_id: &str) -> Vec<Value> {
    account
        .client()
        .get(&format!("/api/v1/incidents?monitor_id={monitor_id}"))
        .data(200)
        .as_array()
        .cloned()
        .unwrap()
}

fn uptime_24h(account: &Account, monitor_id: &str) -> Value {
    account
        .client()
        .get(&format!("/api/v1/monitors/{monitor_id}/uptime"))
        .data(200)["windows"]["24h"]
        .clone()
}

#[test]
fn a_monitor_failing_in_a_window_opens_no_incident_sends_nothing_and_keeps_its_uptime() {
    let account = Account::register("maintenance");
    let client = account.client();
    let target = HttpTarget::start();
    let monitor = account.create_monitor(json!({
        "type": "http", "name": "db", "url": target.url("/switch"), "interval_seconds": 1,
    }));
    let id = monitor["id"].as_str().unwrap().to_string();
    account.wait_until_status(&id, "up");
    let receiver = Receiver::start(200, &[]);
    webhook(&client, &receiver.url(), json!({ "monitor_ids": [id] }));
    let page = client
        .post(
            "/api/v1/status-pages",
            json!({ "slug": format!("mnt-{}", &id[4..12].to_lowercase()), "title": "Shop", "monitor_ids": [id] }),
        )
        .data(201)
        .clone();

    let window = client
        .post(
            "/api/v1/maintenances",
            window_covering_now(json!({ "monitor_ids": [id] })),
        )
        .data(201)
        .clone();
    assert!(window["id"].as_str().unwrap().starts_with("mnt_"));
    assert_eq!(window["status"], "active");
    let window_path = format!("/api/v1/maintenances/{}", window["id"].as_str().unwrap());

    target.set_switch(503);
    wait_for(20, "three failed checks inside the window", || {
        (account.checks(&id, "status=down").len() >= 3).then_some(())
    });
    assert_eq!(account.monitor_status(&id), "up", "held while the window is on");
    assert!(incidents_of(&account, &id).is_empty(), "no incident inside the window");
    assert!(receiver.got().is_empty(), "nothing sent inside the window");
    let uptime = uptime_24h(&account, &id);
    assert_eq!(uptime["uptime_pct"], 100.0, "{uptime}");
    // From when the window was written: a window does not rewrite the past.
    assert!(uptime["maintenance_seconds"].as_i64().unwrap() >= 2, "{uptime}");

    // The page announces the window as going on.
    let slug = page["slug"].as_str().unwrap();
    let public = client.get(&format!("/status/{slug}.json")).body.clone();
    assert_eq!(public["maintenances"][0]["title"], "Database upgrade", "{public}");
    assert_eq!(public["maintenances"][0]["status"], "active");
    assert_eq!(public["maintenances"][0]["monitor_ids"], json!([id]));
    let html = Http::new()
        .get(format!("{}/status/{slug}", crate::support::base_url()))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(html.contains("Database upgrade") && html.contains("in progress"));

    // The window ends early: the monitor, still failing, goes down and it is heard.
    let ended = client
        .patch(&window_path, json!({ "ends_at": iso_from_millis(now_ms()) }))
        .data(200)
        .clone();
    assert_eq!(ended["status"], "ended");
    account.wait_until_status(&id, "down");
    assert_eq!(incidents_of(&account, &id).len(), 1);
    let sent = receiver.wait_for(1, 30).json();
    assert_eq!(sent["event"], "incident.detected", "{sent}");
    // Downtime after the window counts, the window itself still does not.
    wait_for(10, "downtime to count", || {
        let uptime = uptime_24h(&account, &id);
        (uptime["uptime_pct"].as_f64().unwrap() < 100.0).then_some(())
    });
    assert!(uptime_24h(&account, &id)["maintenance_seconds"].as_i64().unwrap() >= 2);
}

#[test]
fn a_heartbeat_deadline_in_a_window_is_not_missed() {
    let account = Account::register("maintenance-beat");
    let client = account.client();
    let beat = account.create_monitor(json!({
        "type": "heartbeat", "name": "backup", "interval_seconds": 1, "grace_seconds": 1,
    }));
    let id = beat["id"].as_str().unwrap().to_string();
    let page = client
        .post(
            "/api/v1/status-pages",
            json!({ "slug": format!("beat-{}", &id[4..12].to_lowercase()), "title": "Jobs", "monitor_ids": [id] }),
        )
        .data(201)
        .clone();
    // Every minute for two minutes: always on. It names the page, which covers its monitors.
    let window = client
        .post(
            "/api/v1/maintenances",
            json!({ "title": "Host reboot", "schedule": "* * * * *", "duration_minutes": 2,
                    "timezone": "Europe/Paris", "status_page_ids": [page["id"]] }),
        )
        .data(201)
        .clone();
    assert_eq!(window["status"], "active", "{window}");
    let ping_url = format!("{}/p/{}", crate::support::base_url(), beat["token"].as_str().unwrap());
    assert_eq!(Http::new().get(ping_url).send().unwrap().status(), 200);
    account.wait_until_status(&id, "up");
    sleep(Duration::from_secs(5));
    let missed = client
        .get(&format!("/api/v1/monitors/{id}/pings?kind=missed"))
        .data(200)
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        (account.monitor_status(&id).as_str(), missed),
        ("up", 0),
        "no deadline missed in the window"
    );

    // Without the window, the silence is missed at once.
    let deleted = client.delete(&format!("/api/v1/maintenances/{}", window["id"].as_str().unwrap()));
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    account.wait_until_status(&id, "down");
}

#[test]
fn windows_are_validated_and_scoped_to_their_organization() {
    let account = Account::register("maintenance-rules");
    let other = Account::register("maintenance-other");
    let client = account.client();
    let mine = account.create_monitor(crate::support::http_monitor("api"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let theirs = other.create_monitor(crate::support::http_monitor("api"))["id"]
        .as_str()
        .unwrap()
        .to_string();

    client
        .post("/api/v1/maintenances", json!({ "title": "x", "monitor_ids": [mine] }))
        .invalid("starts_at");
    client
        .post(
            "/api/v1/maintenances",
            window_covering_now(json!({ "monitor_ids": [theirs] })),
        )
        .invalid("monitor_ids");
    client
        .post("/api/v1/maintenances", window_covering_now(json!({})))
        .invalid("monitor_ids");
    client
        .post(
            "/api/v1/maintenances",
            json!({ "title": "x", "schedule": "0 2 * * *", "monitor_ids": [mine] }),
        )
        .invalid("duration_minutes");
    client
        .post(
            "/api/v1/maintenances",
            json!({ "title": "x", "schedule": "0 2 * * *", "duration_minutes": 30, "timezone": "Nowhere/City", "monitor_ids": [mine] }),
        )
        .invalid("timezone");

    let created = client
        .post(
            "/api/v1/maintenances",
            json!({ "title": "Nightly", "schedule": "0 2 * * *", "duration_minutes": 30, "timezone": "UTC", "monitor_ids": [mine] }),
        )
        .data(201)
        .clone();
    let path = format!("/api/v1/maintenances/{}", created["id"].as_str().unwrap());
    assert_eq!(created["next"]["starts_at"].as_str().unwrap()[11..], *"02:00:00.000Z");
    assert_eq!(client.get("/api/v1/maintenances").body["count"], 1);
    client
        .patch(&path, json!({ "duration_minutes": 0 }))
        .invalid("duration_minutes");
    // A monitor deleted since stays named and does not block an edit; a
    // monitor added must still be the organization's own.
    let gone = account.create_monitor(crate::support::http_monitor("gone"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    client.patch(&path, json!({ "monitor_ids": [mine, gone] })).data(200);
    assert_eq!(client.delete(&format!("/api/v1/monitors/{gone}")).status, 204);
    let renamed = client.patch(&path, json!({ "title": "Nightly backup" }));
    assert_eq!(renamed.data(200)["title"], "Nightly backup");
    client
        .patch(&path, json!({ "monitor_ids": [mine, gone, theirs] }))
        .invalid("monitor_ids");

    // Another organization's window is not found; a read key reads but cannot write.
    other.client().get(&path).error(404, "not_found");
    other.client().delete(&path).error(404, "not_found");
    let reader = crate::support::Client::bearer(&account.api_key(&["read"]));
    assert_eq!(reader.get(&path).data(200)["title"], "Nightly backup");
    reader
        .post(
            "/api/v1/maintenances",
            window_covering_now(json!({ "monitor_ids": [mine] })),
        )
        .error(403, "insufficient_scope");
}
