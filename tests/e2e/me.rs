use crate::support::{http_monitor, Account, Client, Credential};

#[test]
fn me_shows_the_user_organizations_plan_and_usage() {
    let account = Account::register("me");
    account.create_monitor(http_monitor("one"));
    let me = account.client().get("/api/v1/me");
    let data = me.data(200);
    assert_eq!(data["user"]["email"], account.email);
    assert_eq!(data["organization"]["id"], account.org_id.as_str());
    assert_eq!(data["organization"]["role"], "owner");
    assert_eq!(data["organization"]["plan"], "free");
    assert_eq!(data["organization"]["usage"]["monitors"]["used"], 1);
    assert_eq!(data["organization"]["usage"]["monitors"]["allowed"], 20);
    assert_eq!(data["organizations"].as_array().unwrap().len(), 1);
    assert_eq!(data["organizations"][0]["personal"], true);
}

#[test]
fn me_with_an_api_key_shows_the_key_and_its_organization() {
    let account = Account::register("mekey");
    let key = account.api_key(&["read"]);
    let client = Client {
        credential: Credential::ApiKeyHeader(key),
        ..Client::anonymous()
    };
    let data = client.get("/api/v1/me").data(200).clone();
    assert_eq!(data["organization"]["id"], account.org_id.as_str());
    assert_eq!(data["api_key"]["scopes"], serde_json::json!(["read"]));
    assert!(data["user"].is_null());
}
