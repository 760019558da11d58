use crate::support::{http_monitor, Account};
use serde_json::{json, Value};
use std::collections::BTreeSet;

#[test]
fn each_kind_is_created_pending_with_its_defaults() {
    let account = Account::register("kinds");
    let http = account.create_monitor(json!({ "type": "http", "name": "Site", "url": "http://127.0.0.1:8080/health" }));
    assert!(http["id"].as_str().unwrap().starts_with("mon_"));
    assert_eq!(http["status"], "pending");
    assert_eq!(http["method"], "GET");
    assert_eq!(http["expected_status_codes"], json!(["2xx", "3xx"]));
    assert_eq!(http["timeout_ms"], 10_000);
    assert_eq!(http["follow_redirects"], true);
    assert_eq!(http["failure_threshold"], 2);
    assert_eq!(http["interval_seconds"], 300);
    assert!(http["created_at"].as_str().unwrap().ends_with('Z'));

    let tcp = account.create_monitor(
        json!({ "type": "tcp", "name": "DB", "host": "127.0.0.1", "port": 5432, "interval_seconds": 30 }),
    );
    assert_eq!(
        (tcp["port"].clone(), tcp["timeout_ms"].clone()),
        (json!(5432), json!(5000))
    );

    let dns = account.create_monitor(json!({ "type": "dns", "name": "MX", "host": "example.com", "record_type": "mx", "expected_values": ["mail.example.com"] }));
    assert_eq!(dns["record_type"], "MX");
    assert_eq!(dns["expected_values"], json!(["mail.example.com"]));

    let beat = account.create_monitor(json!({ "type": "heartbeat", "name": "Backup", "interval_seconds": 3600, "grace_seconds": 300, "tags": ["ops"] }));
    assert_eq!(
        (beat["grace_seconds"].clone(), beat["tags"].clone()),
        (json!(300), json!(["ops"]))
    );
    assert!(beat.get("url").is_none());
}

#[test]
fn a_full_http_monitor_round_trips() {
    let account = Account::register("full");
    let body = json!({
        "type": "http", "name": "API", "url": "https://api.example.com/v1/health?deep=1", "method": "POST",
        "headers": { "Authorization": "Bearer x", "X-Probe": "pingwarden" }, "body": "{\"ping\":true}",
        "expected_status_codes": [200, "3xx"], "keyword": "healthy", "keyword_mode": "absent", "timeout_ms": 2500,
        "follow_redirects": false, "regions": ["weur", "enam"], "interval_seconds": 60, "failure_threshold": 3, "tags": ["prod", "api"],
    });
    let created = account.create_monitor(body.clone());
    let fetched = account
        .client()
        .get(&format!("/api/v1/monitors/{}", created["id"].as_str().unwrap()))
        .data(200)
        .clone();
    assert_eq!(created, fetched);
    // Header values and the body are write-only: shown masked (see secrets.rs).
    let mut shown = body;
    shown["headers"] = json!({ "Authorization": "********", "X-Probe": "********" });
    shown["body"] = json!("********");
    for (field, value) in shown.as_object().unwrap() {
        assert_eq!(&fetched[field], value, "{field}");
    }
}

#[test]
fn every_invalid_field_is_refused_with_422_naming_it() {
    let account = Account::register("invalid");
    let with = |extra: Value| {
        let mut body = http_monitor("x");
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let cases = [
        (json!({ "name": "x" }), "type"),
        (json!({ "type": "ftp", "name": "x" }), "type"),
        (json!({ "type": "http", "url": "https://example.com" }), "name"),
        (with(json!({ "name": "" })), "name"),
        (with(json!({ "name": "n".repeat(101) })), "name"),
        (with(json!({ "interval_seconds": 0 })), "interval_seconds"),
        (with(json!({ "interval_seconds": 86_401 })), "interval_seconds"),
        (
            with(json!({ "tags": (0..21).map(|i| format!("t{i}")).collect::<Vec<_>>() })),
            "tags",
        ),
        (with(json!({ "status": "up" })), "status"),
        (with(json!({ "id": "mon_mine" })), "id"),
        (with(json!({ "colour": "red" })), "colour"),
        (json!({ "type": "http", "name": "x" }), "url"),
        (with(json!({ "url": "gopher://example.com" })), "url"),
        (with(json!({ "url": "//example.com" })), "url"),
        (with(json!({ "method": "FETCH" })), "method"),
        (with(json!({ "headers": { "X": 1 } })), "headers.X"),
        (
            with(
                json!({ "headers": (0..21).map(|i| (format!("x-{i}"), json!("v"))).collect::<serde_json::Map<_, _>>() }),
            ),
            "headers",
        ),
        (
            with(json!({ "method": "POST", "body": "b".repeat(10 * 1024 + 1) })),
            "body",
        ),
        (
            with(json!({ "expected_status_codes": ["600"] })),
            "expected_status_codes",
        ),
        (with(json!({ "keyword_mode": "nearby" })), "keyword_mode"),
        (with(json!({ "timeout_ms": 30_001 })), "timeout_ms"),
        (with(json!({ "follow_redirects": "no" })), "follow_redirects"),
        (with(json!({ "regions": ["moon"] })), "regions"),
        (with(json!({ "failure_threshold": 11 })), "failure_threshold"),
        (json!({ "type": "tcp", "name": "x", "host": "db.example.com" }), "port"),
        (
            json!({ "type": "tcp", "name": "x", "host": "db.example.com", "port": 70_000 }),
            "port",
        ),
        (json!({ "type": "tcp", "name": "x", "port": 22 }), "host"),
        (json!({ "type": "dns", "name": "x", "host": "exa mple.com" }), "host"),
        (
            json!({ "type": "dns", "name": "x", "host": "example.com", "record_type": "PTR" }),
            "record_type",
        ),
        (
            json!({ "type": "heartbeat", "name": "x", "grace_seconds": -1 }),
            "grace_seconds",
        ),
        (json!({ "type": "heartbeat", "name": "x", "port": 80 }), "port"),
    ];
    for (body, field) in cases {
        account.client().post("/api/v1/monitors", body).invalid(field);
    }
    assert_eq!(
        account.client().get("/api/v1/monitors").body["count"],
        0,
        "nothing was created"
    );
}

#[test]
fn patch_changes_only_the_given_fields_and_null_resets_one() {
    let account = Account::register("patch");
    let created = account.create_monitor(
        json!({ "type": "http", "name": "Site", "url": "https://example.com", "keyword": "ok", "tags": ["a"] }),
    );
    let path = format!("/api/v1/monitors/{}", created["id"].as_str().unwrap());
    let patched = account
        .client()
        .patch(
            &path,
            json!({ "name": "Renamed", "interval_seconds": 120, "tags": ["b", "c"], "keyword": null }),
        )
        .data(200)
        .clone();
    assert_eq!(patched["name"], "Renamed");
    assert_eq!(patched["interval_seconds"], 120);
    assert_eq!(patched["tags"], json!(["b", "c"]));
    assert!(patched["keyword"].is_null());
    assert_eq!(patched["url"], created["url"]);
    assert_eq!(patched["created_at"], created["created_at"]);
    assert!(patched["updated_at"].as_str() >= created["updated_at"].as_str());

    account.client().patch(&path, json!({ "type": "tcp" })).invalid("type");
    account
        .client()
        .patch(&path, json!({ "timeout_ms": 0 }))
        .invalid("timeout_ms");
    account
        .client()
        .patch(&path, json!({ "status": "down" }))
        .invalid("status");
    assert_eq!(
        account.client().get(&path).data(200)["name"],
        "Renamed",
        "a refused patch changes nothing"
    );
    // The tag filter follows the new tags.
    assert_eq!(account.client().get("/api/v1/monitors?tag=a").body["count"], 0);
    assert_eq!(account.client().get("/api/v1/monitors?tag=c").body["count"], 1);
}

#[test]
fn pause_and_resume_set_the_status() {
    let account = Account::register("pause");
    let id = account.create_monitor(http_monitor("p"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let paused = account
        .client()
        .post(&format!("/api/v1/monitors/{id}/pause"), json!({}));
    assert_eq!(paused.data(200)["status"], "paused");
    assert_eq!(account.client().get("/api/v1/monitors?status=paused").body["count"], 1);
    let resumed = account
        .client()
        .post(&format!("/api/v1/monitors/{id}/resume"), json!({}));
    assert_eq!(resumed.data(200)["status"], "pending");
}

#[test]
fn delete_removes_the_monitor() {
    let account = Account::register("delete");
    let id = account.create_monitor(http_monitor("d"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(account.client().delete(&format!("/api/v1/monitors/{id}")).status, 204);
    account
        .client()
        .get(&format!("/api/v1/monitors/{id}"))
        .error(404, "not_found");
    account
        .client()
        .delete(&format!("/api/v1/monitors/{id}"))
        .error(404, "not_found");
}

#[test]
fn list_filters_by_type_status_tag_and_name() {
    let account = Account::register("filters");
    // Targets on loopback (a port nothing listens on): these monitors probe
    // as soon as they exist, and a name outside would be looked up.
    account.create_monitor(
        json!({ "type": "http", "name": "Public website", "url": "http://127.0.0.1:9/", "tags": ["prod", "web"] }),
    );
    account
        .create_monitor(json!({ "type": "tcp", "name": "Database", "host": "127.0.0.1", "port": 9, "tags": ["prod"] }));
    let beat = account.create_monitor(json!({ "type": "heartbeat", "name": "Nightly 100%_backup", "tags": ["ops"] }));
    account
        .client()
        .post(
            &format!("/api/v1/monitors/{}/pause", beat["id"].as_str().unwrap()),
            json!({}),
        )
        .data(200);

    let names = |query: &str| -> Vec<String> {
        let reply = account.client().get(&format!("/api/v1/monitors?{query}"));
        let data = reply.data(200).as_array().unwrap().clone();
        assert_eq!(reply.body["count"], data.len());
        data.iter().map(|m| m["name"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names("type=tcp"), ["Database"]);
    assert_eq!(names("status=paused"), ["Nightly 100%_backup"]);
    assert_eq!(names("status=pending").len(), 2);
    assert_eq!(names("tag=prod"), ["Public website", "Database"]);
    assert_eq!(names("tag=prod&type=http"), ["Public website"]);
    assert_eq!(names("q=WEB"), ["Public website"]);
    assert_eq!(names("q=100%25_"), ["Nightly 100%_backup"], "% and _ match literally");
    assert!(names("q=%25").len() == 1);
    assert!(names("tag=none").is_empty());

    account
        .client()
        .get("/api/v1/monitors?type=smtp")
        .error(400, "invalid_query");
    account
        .client()
        .get("/api/v1/monitors?status=sideways")
        .error(400, "invalid_query");
    account
        .client()
        .get("/api/v1/monitors?limit=0")
        .error(400, "invalid_query");
    account
        .client()
        .get("/api/v1/monitors?limit=201")
        .error(400, "invalid_query");
    account
        .client()
        .get("/api/v1/monitors?cursor=garbage!")
        .error(400, "invalid_query");
}

#[test]
fn cursor_pagination_returns_every_monitor_exactly_once() {
    let account = Account::register("pages");
    let created: BTreeSet<String> = (0..7)
        .map(|i| {
            account.create_monitor(http_monitor(&format!("m{i}")))["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let (mut seen, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let query = cursor
            .as_ref()
            .map_or("limit=3".to_string(), |c| format!("limit=3&cursor={c}"));
        let reply = account.client().get(&format!("/api/v1/monitors?{query}"));
        seen.extend(
            reply
                .data(200)
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string()),
        );
        pages += 1;
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
        assert!(pages < 10, "pagination ends");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7);
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), created);
}

#[test]
fn the_plan_limits_the_number_of_monitors() {
    let account = Account::register("limit");
    for i in 0..20 {
        account.create_monitor(http_monitor(&format!("m{i}")));
    }
    account
        .client()
        .post("/api/v1/monitors", http_monitor("one too many"))
        .error(403, "plan_limit");
    assert_eq!(account.client().get("/api/v1/monitors?limit=200").body["count"], 20);
}

#[test]
fn a_monitor_counts_once_per_region_toward_the_plan() {
    let account = Account::register("regions");
    let in_regions = |name: &str, regions: Value| {
        let mut body = http_monitor(name);
        body["regions"] = regions;
        body
    };
    let three = json!(["weur", "enam", "apac"]);
    for i in 0..6 {
        account.create_monitor(in_regions(&format!("m{i}"), three.clone()));
    }
    let client = account.client();
    // 18 of the free plan's 20: three more do not fit, one does.
    client
        .post("/api/v1/monitors", in_regions("too many", three.clone()))
        .error(403, "plan_limit");
    let single = account.create_monitor(http_monitor("single"));
    let path = format!("/api/v1/monitors/{}", single["id"].as_str().unwrap());
    client
        .patch(&path, json!({ "regions": three }))
        .error(403, "plan_limit");
    assert_eq!(client.get(&path).data(200)["regions"], json!([]));
    client.patch(&path, json!({ "regions": ["weur", "enam"] })).data(200);
    let usage = client.get("/api/v1/me").data(200)["organization"]["usage"]["monitors"].clone();
    assert_eq!(usage, json!({ "used": 20, "allowed": 20 }));
    client
        .post("/api/v1/monitors", http_monitor("one too many"))
        .error(403, "plan_limit");
}
