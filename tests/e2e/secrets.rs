//! Secrets stay secret: a monitor's header values, URL credentials, secret
//! query parameters and body are write-only. Every answer shows the mask, and
//! what the probe sends to a loopback target proves what is stored.

use crate::support::{wait_for, Account, Client, Reply};
use crate::targets::HttpTarget;
use serde_json::{json, Value};

const MASK: &str = "********";
/// Every secret the monitors below are given; no answer may contain one.
const SECRETS: [&str; 5] = [
    "s3cret-token",
    "s3cret-cookie",
    "s3cret-pass",
    "s3cret-key",
    "s3cret-body",
];

/// The answer's data, after asserting its status and that no secret is in it.
#[track_caller]
fn without_secrets(reply: &Reply, status: u16) -> Value {
    let text = reply.body.to_string();
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} is shown: {text}");
    }
    reply.data(status).clone()
}

/// An HTTP monitor probing `url` every second with a secret `Authorization`.
fn probed_monitor(account: &Account, url: &str) -> String {
    let body = json!({ "type": "http", "name": "private api", "url": url, "interval_seconds": 1,
        "headers": { "Authorization": "Bearer s3cret-token", "X-Trace": "t1" } });
    account.create_monitor(body)["id"].as_str().unwrap().to_string()
}

/// The `Authorization` the target receives from the probes after this call:
/// the second request from now, so that one in flight before does not count.
#[track_caller]
fn next_authorization(target: &HttpTarget) -> Option<String> {
    let seen = target.authorizations().len();
    wait_for(20, "two more probes", || {
        let all = target.authorizations();
        (all.len() >= seen + 2).then(|| all.last().cloned().flatten())
    })
}

#[test]
fn secrets_are_masked_in_every_answer_to_owners_and_read_only_keys() {
    let owner = Account::register("secrets");
    let body = json!({ "type": "http", "name": "private api", "method": "POST",
        "url": "http://ada:s3cret-pass@127.0.0.1:9/health?api_key=s3cret-key&deep=1",
        "headers": { "Authorization": "Bearer s3cret-token", "Cookie": "sid=s3cret-cookie", "Accept": "text/plain" },
        "body": "{\"password\":\"s3cret-body\"}" });
    let created = without_secrets(&owner.client().post("/api/v1/monitors", body), 201);
    let path = format!("/api/v1/monitors/{}", created["id"].as_str().unwrap());
    let renamed = without_secrets(&owner.client().patch(&path, json!({ "name": "renamed" })), 200);
    let mut answers = vec![created, renamed];
    for client in [owner.client(), Client::bearer(&owner.api_key(&["read"]))] {
        answers.push(without_secrets(&client.get(&path), 200));
        answers.push(without_secrets(&client.get("/api/v1/monitors"), 200)[0].clone());
    }
    for monitor in answers {
        assert_eq!(
            monitor["url"],
            "http://********:********@127.0.0.1:9/health?api_key=********&deep=1"
        );
        assert_eq!(
            monitor["headers"],
            json!({ "Accept": MASK, "Authorization": MASK, "Cookie": MASK })
        );
        assert_eq!((&monitor["body"], &monitor["method"]), (&json!(MASK), &json!("POST")));
    }
}

#[test]
fn a_rename_keeps_the_secrets_the_probe_sends() {
    let (account, target) = (Account::register("rename"), HttpTarget::start());
    let id = probed_monitor(&account, &target.url("/ok"));
    assert_eq!(next_authorization(&target).as_deref(), Some("Bearer s3cret-token"));
    let path = format!("/api/v1/monitors/{id}");
    let renamed = without_secrets(&account.client().patch(&path, json!({ "name": "renamed" })), 200);
    assert_eq!(renamed["headers"], json!({ "Authorization": MASK, "X-Trace": MASK }));
    assert_eq!(next_authorization(&target).as_deref(), Some("Bearer s3cret-token"));
}

#[test]
fn a_header_sent_back_as_the_mask_keeps_its_value_and_a_new_value_replaces_it() {
    let (account, target) = (Account::register("mask"), HttpTarget::start());
    let id = probed_monitor(&account, &target.url("/ok"));
    let path = format!("/api/v1/monitors/{id}");
    // What a client does: read the monitor, change one thing, send it all back.
    let mut edited = without_secrets(&account.client().get(&path), 200);
    let edited_fields = edited.as_object_mut().unwrap();
    for read_only in ["id", "status", "created_at", "updated_at"] {
        edited_fields.remove(read_only);
    }
    edited_fields.insert("name".into(), json!("edited"));
    without_secrets(&account.client().patch(&path, edited), 200);
    assert_eq!(next_authorization(&target).as_deref(), Some("Bearer s3cret-token"));

    let only_the_mask = json!({ "headers": { "Authorization": MASK } });
    let kept = without_secrets(&account.client().patch(&path, only_the_mask), 200);
    assert_eq!(
        kept["headers"],
        json!({ "Authorization": MASK }),
        "X-Trace, left out, is gone"
    );
    assert_eq!(next_authorization(&target).as_deref(), Some("Bearer s3cret-token"));

    let rotated = json!({ "headers": { "Authorization": "Bearer rotated" } });
    without_secrets(&account.client().patch(&path, rotated), 200);
    assert_eq!(next_authorization(&target).as_deref(), Some("Bearer rotated"));
}

#[test]
fn a_mask_with_no_stored_secret_behind_it_is_refused_naming_the_field() {
    let account = Account::register("nomask");
    let masked_header = json!({ "type": "http", "name": "x", "url": "http://127.0.0.1:9/",
        "headers": { "Authorization": MASK } });
    account
        .client()
        .post("/api/v1/monitors", masked_header)
        .invalid("headers.Authorization");
    let id = probed_monitor(&account, "http://127.0.0.1:9/");
    let path = format!("/api/v1/monitors/{id}");
    let new_header = json!({ "headers": { "Authorization": MASK, "Cookie": MASK } });
    account.client().patch(&path, new_header).invalid("headers.Cookie");
    let new_password = json!({ "url": "http://ada:********@127.0.0.1:9/" });
    account.client().patch(&path, new_password).invalid("url");
    let stored = without_secrets(&account.client().get(&path), 200);
    assert_eq!(stored["headers"], json!({ "Authorization": MASK, "X-Trace": MASK }));
    assert_eq!(stored["url"], "http://127.0.0.1:9/");
}

#[test]
fn url_credentials_reach_the_target_as_basic_auth_and_a_masked_password_keeps_them() {
    let (account, target) = (Account::register("userinfo"), HttpTarget::start());
    let url = |user: &str, path: &str| format!("http://{user}@127.0.0.1:{}{path}", target.port);
    let body = json!({ "type": "http", "name": "basic", "url": url("ada:s3cret-pass", "/ok"), "interval_seconds": 1 });
    let created = without_secrets(&account.client().post("/api/v1/monitors", body), 201);
    assert_eq!(created["url"], url("********:********", "/ok"));
    // base64("ada:s3cret-pass")
    let basic = Some("Basic YWRhOnMzY3JldC1wYXNz".to_string());
    assert_eq!(next_authorization(&target), basic);
    let path = format!("/api/v1/monitors/{}", created["id"].as_str().unwrap());
    let moved = json!({ "url": url("********:********", "/status/204") });
    let patched = without_secrets(&account.client().patch(&path, moved), 200);
    assert_eq!(patched["url"], url("********:********", "/status/204"));
    assert_eq!(next_authorization(&target), basic);
}
