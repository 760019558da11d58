use crate::support::{Account, Client, Credential};
use serde_json::json;

#[test]
fn a_key_is_shown_once_then_listed_by_prefix_and_works_in_both_headers() {
    let account = Account::register("keys");
    let created = account.client().post(
        "/api/v1/api-keys",
        json!({ "name": "CI deploy", "scopes": ["read", "write"] }),
    );
    let data = created.data(201).clone();
    let key = data["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("pw_live_") && key.len() == 40, "{key}");
    assert!(key[8..].chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(data["prefix"], &key[..12]);
    assert_eq!(data["scopes"], json!(["read", "write"]));

    let bearer = Client::bearer(&key);
    let header = Client {
        credential: Credential::ApiKeyHeader(key.clone()),
        ..Client::anonymous()
    };
    assert_eq!(bearer.get("/api/v1/monitors").status, 200);
    assert_eq!(header.get("/api/v1/monitors").status, 200);

    let list = account.client().get("/api/v1/api-keys");
    assert_eq!(list.data(200).as_array().unwrap().len(), 1);
    let listed = &list.body["data"][0];
    assert_eq!(listed["name"], "CI deploy");
    assert_eq!(listed["prefix"], &key[..12]);
    assert!(listed["last_used_at"].as_str().is_some(), "use is recorded: {listed}");
    assert!(!list.body.to_string().contains(&key), "the secret is never listed");
}

#[test]
fn a_revoked_key_fails_on_the_very_next_request() {
    let account = Account::register("revoke");
    let created = account
        .client()
        .post("/api/v1/api-keys", json!({ "name": "temp", "scopes": ["read"] }));
    let (id, key) = (
        created.data(201)["id"].as_str().unwrap().to_string(),
        created.body["data"]["key"].as_str().unwrap().to_string(),
    );
    assert_eq!(Client::bearer(&key).get("/api/v1/monitors").status, 200);
    assert_eq!(account.client().delete(&format!("/api/v1/api-keys/{id}")).status, 204);
    Client::bearer(&key).get("/api/v1/monitors").error(401, "unauthorized");
    account
        .client()
        .delete(&format!("/api/v1/api-keys/{id}"))
        .error(404, "not_found");
    assert_eq!(account.client().get("/api/v1/api-keys").body["count"], 0);
}

#[test]
fn key_fields_are_validated() {
    let account = Account::register("keyval");
    let cases = [
        (json!({ "scopes": ["read"] }), "name"),
        (json!({ "name": "", "scopes": ["read"] }), "name"),
        (json!({ "name": "x" }), "scopes"),
        (json!({ "name": "x", "scopes": ["write"] }), "scopes"),
        (json!({ "name": "x", "scopes": ["read", "admin"] }), "scopes"),
        (json!({ "name": "x", "scopes": "read" }), "scopes"),
    ];
    for (body, field) in cases {
        account.client().post("/api/v1/api-keys", body).invalid(field);
    }
}

#[test]
fn an_organization_holds_at_most_25_active_keys() {
    let account = Account::register("keylimit");
    let ids: Vec<String> = (0..25)
        .map(|_| {
            let reply = account
                .client()
                .post("/api/v1/api-keys", json!({ "name": "k", "scopes": ["read"] }));
            reply.data(201)["id"].as_str().unwrap().to_string()
        })
        .collect();
    account
        .client()
        .post(
            "/api/v1/api-keys",
            json!({ "name": "one too many", "scopes": ["read"] }),
        )
        .error(409, "key_limit");
    assert_eq!(
        account.client().delete(&format!("/api/v1/api-keys/{}", ids[0])).status,
        204
    );
    account
        .client()
        .post("/api/v1/api-keys", json!({ "name": "room again", "scopes": ["read"] }))
        .data(201);
}

#[test]
fn keys_are_managed_only_with_an_owners_or_admins_token() {
    let account = Account::register("keyauth");
    let write_key = account.api_key(&["read", "write"]);
    let as_key = Client::bearer(&write_key);
    as_key.get("/api/v1/api-keys").error(403, "user_token_required");
    as_key
        .post("/api/v1/api-keys", json!({ "name": "x", "scopes": ["read"] }))
        .error(403, "user_token_required");
}
