//! What every route shares: error envelope, 404/405/413, CORS, request ids,
//! and no crash on hostile input.

use crate::support::{base_url, Account, Client};
use reqwest::blocking::Client as Http;
use serde_json::json;

#[test]
fn an_unknown_route_is_a_json_404() {
    let reply = Client::anonymous().get("/api/v1/nothing-here");
    reply.error(404, "not_found");
    assert!(reply.header("content-type").unwrap().starts_with("application/json"));
}

#[test]
fn a_wrong_method_is_a_405_with_allow() {
    let reply = Client::anonymous().delete("/api/v1/auth/login");
    reply.error(405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("POST"));
    assert_eq!(
        Client::anonymous()
            .post("/api/v1/monitors/mon_x", json!({}))
            .header("allow"),
        Some("GET, PATCH, DELETE")
    );
}

#[test]
fn a_body_over_1_mib_is_refused_with_413_before_parsing() {
    let account = Account::register("big");
    let body = format!("{{\"type\":\"http\",\"name\":\"{}\"}}", "x".repeat(1024 * 1024 + 10));
    let reply = Http::new()
        .post(format!("{}/api/v1/monitors", base_url()))
        .bearer_auth(&account.token)
        .body(body)
        .send()
        .unwrap();
    assert_eq!(reply.status(), 413);
    assert_eq!(reply.json::<serde_json::Value>().unwrap()["code"], "payload_too_large");
}

#[test]
fn malformed_json_is_a_400() {
    let account = Account::register("malformed");
    for body in ["{not json", "[1,2]", "\"text\"", ""] {
        let reply = Http::new()
            .post(format!("{}/api/v1/monitors", base_url()))
            .bearer_auth(&account.token)
            .body(body)
            .send()
            .unwrap();
        assert_eq!(reply.status(), 400, "{body:?}");
        assert_eq!(reply.json::<serde_json::Value>().unwrap()["code"], "malformed_json");
    }
}

#[test]
fn cors_preflight_allows_the_api_headers_from_any_origin() {
    let reply = Http::new()
        .request(reqwest::Method::OPTIONS, format!("{}/api/v1/monitors", base_url()))
        .header("Origin", "https://dashboard.example.com")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type, x-api-key",
        )
        .send()
        .unwrap();
    assert_eq!(reply.status(), 204);
    let header = |name: &str| {
        reply
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("access-control-allow-origin"), "*");
    for allowed in ["Authorization", "Content-Type", "X-Api-Key"] {
        assert!(header("access-control-allow-headers").contains(allowed), "{allowed}");
    }
    assert!(header("access-control-allow-methods").contains("PATCH"));
    assert_eq!(
        Client::anonymous()
            .get("/api/health")
            .header("access-control-allow-origin"),
        Some("*")
    );
}

#[test]
fn every_answer_carries_a_request_id_and_a_callers_id_is_kept() {
    assert!(Client::anonymous()
        .get("/api/health")
        .header("x-request-id")
        .unwrap()
        .starts_with("req_"));
    assert!(Client::anonymous().get("/nowhere").header("x-request-id").is_some());
    let reply = Http::new()
        .get(format!("{}/api/health", base_url()))
        .header("X-Request-Id", "trace-42")
        .send()
        .unwrap();
    assert_eq!(reply.headers()["x-request-id"], "trace-42");
}

#[test]
fn hostile_input_never_crashes_the_worker() {
    let account = Account::register("hostile");
    let bodies = [
        json!({ "type": "http", "name": "\u{0}", "url": "http://\u{0}" }),
        json!({ "type": "http", "name": "x", "url": "http://[::1", "headers": { "": "" } }),
        json!({ "type": "tcp", "name": "x", "host": "h", "port": 1e300 }),
        json!({ "type": "dns", "name": "x", "host": ".".repeat(300) }),
        json!({ "type": ["http"], "name": { "a": 1 } }),
        json!({ "type": "http", "name": "x", "url": "http://example.com", "interval_seconds": -5, "tags": [null] }),
        json!({ "type": "heartbeat", "name": "💥".repeat(100), "grace_seconds": 18_446_744_073_709_551_615u64 }),
    ];
    for body in bodies {
        let reply = account.client().post("/api/v1/monitors", body.clone());
        assert!(
            reply.status == 201 || reply.status == 422,
            "{body}: {} {}",
            reply.status,
            reply.body
        );
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let reply = Http::new()
        .post(format!("{}/api/v1/monitors", base_url()))
        .bearer_auth(&account.token)
        .body(deep)
        .send()
        .unwrap();
    assert_eq!(reply.status(), 400);
    assert_eq!(Client::anonymous().get("/api/health").status, 200, "still serving");
}
