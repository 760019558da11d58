use crate::support::{unique_email, Account, Client};
use serde_json::json;

#[test]
fn register_creates_a_user_an_owned_organization_and_a_working_token() {
    let email = unique_email("Mixed.Case");
    let reply = Client::anonymous().post(
        "/api/v1/auth/register",
        json!({ "email": email.to_uppercase(), "password": "correct horse", "name": "Ada" }),
    );
    let data = reply.data(201);
    assert_eq!(data["user"]["email"], email.to_lowercase());
    assert_eq!(data["user"]["name"], "Ada");
    assert!(data["user"]["id"].as_str().unwrap().starts_with("usr_"));
    assert!(data["organization"]["id"].as_str().unwrap().starts_with("org_"));
    assert_eq!(data["organization"]["role"], "owner");
    assert_eq!(data["organization"]["plan"], "free");
    assert!(data["user"].get("password_hash").is_none() && !reply.body.to_string().contains("correct horse"));
    let me = Client::bearer(data["token"].as_str().unwrap()).get("/api/v1/me");
    assert_eq!(me.data(200)["user"]["id"], data["user"]["id"]);
}

#[test]
fn register_refuses_a_taken_email_whatever_its_case() {
    let account = Account::register("taken");
    Client::anonymous()
        .post(
            "/api/v1/auth/register",
            json!({ "email": account.email.to_uppercase(), "password": "another password" }),
        )
        .error(409, "email_taken");
}

#[test]
fn register_validates_each_field() {
    let cases = [
        (json!({ "password": "long enough" }), "email"),
        (json!({ "email": "not-an-email", "password": "long enough" }), "email"),
        (json!({ "email": unique_email("v") }), "password"),
        (json!({ "email": unique_email("v"), "password": "short" }), "password"),
        (
            json!({ "email": unique_email("v"), "password": "x".repeat(257) }),
            "password",
        ),
        (json!({ "email": unique_email("v"), "password": 12345678 }), "password"),
        (
            json!({ "email": unique_email("v"), "password": "long enough", "name": "" }),
            "name",
        ),
        (
            json!({ "email": unique_email("v"), "password": "long enough", "name": 7 }),
            "name",
        ),
    ];
    for (body, field) in cases {
        Client::anonymous().post("/api/v1/auth/register", body).invalid(field);
    }
}

#[test]
fn login_returns_a_token_for_the_right_password() {
    let account = Account::register("login");
    let reply = Client::anonymous().post(
        "/api/v1/auth/login",
        json!({ "email": account.email.to_uppercase(), "password": account.password }),
    );
    let token = reply.data(200)["token"].as_str().unwrap().to_string();
    assert!(reply.body["data"]["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        Client::bearer(&token).get("/api/v1/me").data(200)["user"]["email"],
        account.email
    );
}

#[test]
fn login_gives_the_same_401_for_an_unknown_email_and_a_wrong_password() {
    let account = Account::register("wrongpw");
    let wrong = Client::anonymous().post(
        "/api/v1/auth/login",
        json!({ "email": account.email, "password": "not the password" }),
    );
    let unknown = Client::anonymous().post(
        "/api/v1/auth/login",
        json!({ "email": unique_email("nobody"), "password": "not the password" }),
    );
    wrong.error(401, "unauthorized");
    unknown.error(401, "unauthorized");
    assert_eq!(wrong.body, unknown.body);
}
