//! Monitors as code: a YAML or JSON document applied with a dry run, then
//! for real, exported and applied again as a no-op; updates and prune;
//! invalid documents refused at their path with nothing changed.

use crate::support::{base_url, Account};
use serde_json::{json, Value};

const DOCUMENT: &str = "
monitors:
  - key: shop
    type: http
    name: Shop
    url: http://127.0.0.1:9/health
    interval_seconds: 60
    headers:
      Authorization: Bearer shop-secret-123
  - key: backup
    type: heartbeat
    name: Nightly backup
    schedule: '0 3 * * *'
    timezone: Europe/Paris
status_pages:
  - key: public
    slug: SLUG
    title: Shop status
    monitor_ids: [shop, backup]
channels:
  - key: oncall
    kind: webhook
    name: On call
    url: http://127.0.0.1:9/hook
    monitor_ids: [shop]
";

/// Sends a document; the status and the JSON answer.
fn send(account: &Account, path: &str, content_type: &str, body: &str) -> (u16, Value) {
    let response = reqwest::blocking::Client::new()
        .post(format!("{}{path}", base_url()))
        .bearer_auth(&account.token)
        .header("Content-Type", content_type)
        .body(body.to_string())
        .send()
        .unwrap();
    (response.status().as_u16(), response.json().unwrap_or(Value::Null))
}

fn export(account: &Account, format: &str) -> String {
    reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/export?format={format}", base_url()))
        .bearer_auth(&account.token)
        .send()
        .unwrap()
        .text()
        .unwrap()
}

fn count(account: &Account, path: &str) -> u64 {
    account.client().get(path).body["count"].as_u64().unwrap()
}

fn document(account: &Account) -> String {
    DOCUMENT.replace("SLUG", &format!("shop-{}", &account.org_id[4..12].to_lowercase()))
}

#[test]
fn a_document_is_planned_applied_exported_and_applied_again_as_a_no_op() {
    let account = Account::register("apply");
    let yaml = document(&account);

    let (status, plan) = send(&account, "/api/v1/apply?dry_run=true", "application/yaml", &yaml);
    assert_eq!(status, 200, "{plan}");
    assert_eq!(
        plan["data"]["summary"],
        json!({ "create": 4, "update": 0, "delete": 0, "unchanged": 0 })
    );
    assert_eq!(count(&account, "/api/v1/monitors"), 0, "a dry run changes nothing");

    let (status, applied) = send(&account, "/api/v1/apply", "application/yaml", &yaml);
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["data"]["summary"]["create"], 4);
    let changes = applied["data"]["changes"].as_array().unwrap();
    assert!(
        changes[1]["ping_url"].as_str().is_some(),
        "a heartbeat's ping URL, once: {}",
        changes[1]
    );
    let shop = changes[0]["id"].as_str().unwrap();
    let page = account.client().get("/api/v1/status-pages").body["data"][0].clone();
    assert_eq!(page["monitor_ids"][0], shop, "the page names the monitor by its key");

    // Export, then apply what was exported: nothing changes, in either format.
    let exported = export(&account, "yaml");
    assert!(!exported.contains("shop-secret-123"), "secrets are masked:\n{exported}");
    assert!(exported.contains("key: shop"), "{exported}");
    for (format, content_type) in [("yaml", "application/yaml"), ("json", "application/json")] {
        let (status, again) = send(&account, "/api/v1/apply", content_type, &export(&account, format));
        assert_eq!(status, 200, "{again}");
        assert_eq!(
            again["data"]["summary"],
            json!({ "create": 0, "update": 0, "delete": 0, "unchanged": 4 }),
            "{format}: {again}"
        );
    }
    let (_, again) = send(&account, "/api/v1/apply", "application/yaml", &yaml);
    assert_eq!(again["data"]["summary"]["unchanged"], 4, "the original document too");

    // A change is an update; a document without the heartbeat and --prune deletes it.
    let changed = yaml.replace("interval_seconds: 60", "interval_seconds: 120");
    let (_, updated) = send(&account, "/api/v1/apply", "application/yaml", &changed);
    assert_eq!(updated["data"]["summary"]["update"], 1, "{updated}");
    assert_eq!(
        account.client().get(&format!("/api/v1/monitors/{shop}")).data(200)["interval_seconds"],
        120
    );
    let without_backup = changed
        .replace("  - key: backup\n    type: heartbeat\n    name: Nightly backup\n    schedule: '0 3 * * *'\n    timezone: Europe/Paris\n", "")
        .replace("[shop, backup]", "[shop]");
    let (_, planned) = send(
        &account,
        "/api/v1/apply?prune=true&dry_run=true",
        "application/yaml",
        &without_backup,
    );
    assert_eq!(
        planned["data"]["summary"],
        json!({ "create": 0, "update": 1, "delete": 1, "unchanged": 2 }),
        "{planned}"
    );
    assert_eq!(count(&account, "/api/v1/monitors"), 2);
    let (_, pruned) = send(
        &account,
        "/api/v1/apply?prune=true",
        "application/yaml",
        &without_backup,
    );
    assert_eq!(pruned["data"]["summary"]["delete"], 1, "{pruned}");
    assert_eq!(count(&account, "/api/v1/monitors"), 1);
}

#[test]
fn an_invalid_document_changes_nothing_and_names_the_path() {
    let account = Account::register("apply-invalid");
    let yaml = document(&account).replace("interval_seconds: 60", "interval_seconds: 999999");
    let (status, refused) = send(&account, "/api/v1/apply", "application/yaml", &yaml);
    assert_eq!(
        (status, refused["code"].as_str()),
        (422, Some("invalid_field")),
        "{refused}"
    );
    assert_eq!(refused["field"], "monitors[0].interval_seconds");
    assert_eq!(count(&account, "/api/v1/monitors"), 0, "nothing half-applied");

    let (status, refused) = send(&account, "/api/v1/apply", "application/yaml", "monitors: [");
    assert_eq!((status, refused["field"].as_str()), (422, Some("$")), "{refused}");
    let (status, refused) = send(
        &account,
        "/api/v1/apply",
        "application/json",
        r#"{"monitors": [{"key": "a", "type": "tcp", "name": "db", "host": "127.0.0.1", "port": 99999}]}"#,
    );
    assert_eq!(
        (status, refused["field"].as_str()),
        (422, Some("monitors[0].port")),
        "{refused}"
    );
    // A page naming a monitor that is nowhere: refused before the monitor
    // ahead of it in the document is made.
    let (status, refused) = send(
        &account,
        "/api/v1/apply",
        "application/json",
        r#"{"monitors": [{"key": "db", "type": "tcp", "name": "db", "host": "127.0.0.1", "port": 5432}],
            "status_pages": [{"key": "p", "title": "P", "slug": "apply-typo", "monitor_ids": ["db", "dbb"]}]}"#,
    );
    assert_eq!(
        (status, refused["field"].as_str()),
        (422, Some("status_pages[0].monitor_ids[1]")),
        "{refused}"
    );
    assert_eq!(count(&account, "/api/v1/monitors"), 0, "nothing half-applied");
    let (status, _) = send(&account, "/api/v1/apply?dry_run=maybe", "application/json", "{}");
    assert_eq!(status, 400);
    let reader = account.api_key(&["read"]);
    let refused = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/apply", base_url()))
        .bearer_auth(reader)
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
}

#[test]
fn a_document_past_the_plans_monitors_changes_nothing() {
    let account = Account::register("apply-plan");
    // One more than the free plan's 20 (heartbeats: nothing to probe).
    let monitors: Vec<Value> = (0..21)
        .map(|n| serde_json::json!({ "key": format!("job{n}"), "type": "heartbeat", "name": format!("job {n}"), "interval_seconds": 86_400 }))
        .collect();
    let body = serde_json::json!({ "monitors": monitors }).to_string();
    for path in ["/api/v1/apply?dry_run=true", "/api/v1/apply"] {
        let (status, refused) = send(&account, path, "application/json", &body);
        assert_eq!(
            (status, refused["code"].as_str()),
            (403, Some("plan_limit")),
            "{path}: {refused}"
        );
    }
    assert_eq!(count(&account, "/api/v1/monitors"), 0, "nothing half-applied");
    // Twenty fit.
    let body = serde_json::json!({ "monitors": monitors[..20] }).to_string();
    let (status, applied) = send(&account, "/api/v1/apply", "application/json", &body);
    assert_eq!(
        (status, applied["data"]["summary"]["create"].as_u64()),
        (200, Some(20)),
        "{applied}"
    );
}
