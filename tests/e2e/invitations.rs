//! Membership by consent: who may invite, what the invitation answer reveals,
//! and how its single-use token is accepted, refused, replaced and revoked.

use crate::support::{base_url, unique_email, Account, Client, Server, TempDir};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

pub fn invitations_path(org_id: &str) -> String {
    format!("/api/v1/organizations/{org_id}/invitations")
}

fn accept_path(token: &str) -> String {
    format!("/api/v1/invitations/{token}/accept")
}

/// `inviter` invites `email` into `org_id` with `role`: the 201 answer's data.
pub fn invite(inviter: &Account, org_id: &str, email: &str, role: &str) -> Value {
    inviter
        .client()
        .post(&invitations_path(org_id), json!({ "email": email, "role": role }))
        .data(201)
        .clone()
}

/// How tests add a member: `inviter` invites `member` and `member` accepts.
pub fn add_member(inviter: &Account, org_id: &str, member: &Account, role: &str) -> Value {
    let token = invite(inviter, org_id, &member.email, role)["token"]
        .as_str()
        .unwrap()
        .to_string();
    member.client().post(&accept_path(&token), json!({})).data(201).clone()
}

fn token_of(invitation: &Value) -> String {
    invitation["token"].as_str().unwrap().to_string()
}

fn keys(object: &Value) -> BTreeSet<String> {
    object.as_object().unwrap().keys().cloned().collect()
}

fn pending_ids(owner: &Account) -> Vec<Value> {
    let reply = owner.client().get(&invitations_path(&owner.org_id));
    reply
        .data(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect()
}

#[test]
fn an_invited_user_who_accepts_becomes_a_member_with_the_invited_role() {
    let (owner, bob) = (Account::register("owner"), Account::register("bob"));
    let invitation = invite(&owner, &owner.org_id, &bob.email.to_uppercase(), "admin");
    let token = token_of(&invitation);
    assert!(invitation["id"].as_str().unwrap().starts_with("inv_"));
    assert_eq!(invitation["email"], bob.email.as_str(), "the address is normalized");
    assert_eq!(invitation["role"], "admin");
    assert_eq!(invitation["invited_by"], owner.user_id.as_str());
    assert!(token.len() == 32 && token.bytes().all(|c| c.is_ascii_alphanumeric()));
    let accept_url = invitation["accept_url"].as_str().unwrap();
    assert_eq!(accept_url, format!("{}{}", base_url(), accept_path(&token)));
    let (created, expires) = (&invitation["created_at"], &invitation["expires_at"]);
    assert_eq!(iso_ms(expires) - iso_ms(created), 7 * 86_400_000, "open for 7 days");

    // The pending list shows it, but never its token.
    let pending = owner.client().get(&invitations_path(&owner.org_id));
    assert_eq!(pending.body["count"], 1);
    let listed = &pending.body["data"][0];
    assert_eq!(listed["id"], invitation["id"]);
    assert!(!pending.body.to_string().contains(&token));
    assert_eq!(
        keys(listed),
        BTreeSet::from(["id", "email", "role", "invited_by", "created_at", "expires_at"].map(String::from))
    );

    // The accept link, followed as given, makes Bob an admin of the organization.
    let joined = bob.client().on(accept_url).post("", json!({}));
    let member = joined.data(201);
    assert_eq!(
        (&member["org_id"], &member["user_id"], &member["role"]),
        (&json!(owner.org_id), &json!(bob.user_id), &json!("admin"))
    );
    let members = owner
        .client()
        .get(&format!("/api/v1/organizations/{}/members", owner.org_id));
    assert!(members
        .data(200)
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["user_id"] == bob.user_id.as_str() && m["role"] == "admin"));
    let orgs = bob.client().get("/api/v1/me").data(200)["organizations"].clone();
    assert!(orgs
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["id"] == owner.org_id.as_str() && o["role"] == "admin"));
    assert!(
        pending_ids(&owner).is_empty(),
        "an accepted invitation is no longer pending"
    );
}

#[test]
fn inviting_answers_the_same_for_an_unknown_address_a_registered_one_and_a_member() {
    let (owner, bob) = (Account::register("owner"), Account::register("bob"));
    let path = invitations_path(&owner.org_id);
    let answers: Vec<_> = [unique_email("nobody"), bob.email.clone(), owner.email.clone()]
        .iter()
        .map(|email| owner.client().post(&path, json!({ "email": email, "role": "member" })))
        .collect();
    let (unknown, registered, member) = (&answers[0], &answers[1], &answers[2]);
    for reply in &answers {
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(keys(&reply.body), keys(&unknown.body));
        assert_eq!(keys(&reply.body["data"]), keys(&unknown.body["data"]));
        for same in ["role", "invited_by"] {
            assert_eq!(reply.body["data"][same], unknown.body["data"][same], "{same}");
        }
    }
    assert_eq!(registered.body["data"]["email"], bob.email.as_str());
    // A member can be invited like anyone else; accepting then says they already are one.
    owner
        .client()
        .post(&accept_path(&token_of(&member.body["data"])), json!({}))
        .error(409, "already_member");
}

#[test]
fn an_invitation_token_is_single_use_even_when_accepted_concurrently() {
    let (owner, bob) = (Account::register("owner"), Account::register("bob"));
    let token = token_of(&invite(&owner, &owner.org_id, &bob.email, "member"));
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let attempts: Vec<_> = (0..6)
            .map(|_| scope.spawn(|| bob.client().post(&accept_path(&token), json!({}))))
            .collect();
        attempts.into_iter().map(|a| a.join().unwrap().status).collect()
    });
    assert_eq!(statuses.iter().filter(|&&s| s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|&s| s == 201 || s == 410), "{statuses:?}");

    // Used once, it stays used, even after Bob leaves.
    bob.client()
        .post(&accept_path(&token), json!({}))
        .error(410, "invitation_accepted");
    let me = format!("/api/v1/organizations/{}/members/{}", owner.org_id, bob.user_id);
    assert_eq!(bob.client().delete(&me).status, 204);
    bob.client()
        .post(&accept_path(&token), json!({}))
        .error(410, "invitation_accepted");
    bob.client()
        .in_organization(&owner.org_id)
        .get("/api/v1/monitors")
        .error(404, "not_found");
}

#[test]
fn only_the_invited_user_with_their_own_token_can_accept() {
    let (owner, bob, carol) = (
        Account::register("owner"),
        Account::register("bob"),
        Account::register("carol"),
    );
    let token = token_of(&invite(&owner, &owner.org_id, &bob.email, "member"));
    let path = accept_path(&token);
    carol.client().post(&path, json!({})).error(403, "wrong_invitee");
    Client::bearer(&bob.api_key(&["read", "write"]))
        .post(&path, json!({}))
        .error(403, "user_token_required");
    Client::anonymous().post(&path, json!({})).error(401, "unauthorized");
    bob.client()
        .post(&accept_path("0123456789abcdefghijABCDEFGHIJ01"), json!({}))
        .error(404, "not_found");
    carol
        .client()
        .in_organization(&owner.org_id)
        .get("/api/v1/monitors")
        .error(404, "not_found");

    // None of the refusals used it up.
    bob.client().post(&path, json!({})).data(201);
}

#[test]
fn a_revoked_invitation_cannot_be_accepted() {
    let (owner, bob, mallory) = (
        Account::register("owner"),
        Account::register("bob"),
        Account::register("mallory"),
    );
    let invitation = invite(&owner, &owner.org_id, &bob.email, "member");
    let id = invitation["id"].as_str().unwrap();
    // Another organization's invitation is not found, through either organization's path.
    for org in [&mallory.org_id, &owner.org_id] {
        mallory
            .client()
            .delete(&format!("{}/{id}", invitations_path(org)))
            .error(404, "not_found");
    }
    let revoke = format!("{}/{id}", invitations_path(&owner.org_id));
    assert_eq!(owner.client().delete(&revoke).status, 204);
    assert!(pending_ids(&owner).is_empty());
    owner.client().delete(&revoke).error(404, "not_found");
    bob.client()
        .post(&accept_path(&token_of(&invitation)), json!({}))
        .error(410, "invitation_revoked");
}

#[test]
fn inviting_an_address_again_replaces_its_pending_invitation() {
    let (owner, bob) = (Account::register("owner"), Account::register("bob"));
    let first = invite(&owner, &owner.org_id, &bob.email, "viewer");
    let second = invite(&owner, &owner.org_id, &bob.email, "member");
    assert_eq!(pending_ids(&owner), vec![second["id"].clone()]);
    bob.client()
        .post(&accept_path(&token_of(&first)), json!({}))
        .error(410, "invitation_revoked");
    let joined = bob.client().post(&accept_path(&token_of(&second)), json!({}));
    assert_eq!(joined.data(201)["role"], "member");
}

#[test]
fn an_admin_cannot_invite_an_owner_or_revoke_an_owners_invitation() {
    let (owner, admin) = (Account::register("owner"), Account::register("admin"));
    add_member(&owner, &owner.org_id, &admin, "admin");
    let path = invitations_path(&owner.org_id);
    let as_admin = admin.client();
    as_admin
        .post(&path, json!({ "email": unique_email("carol"), "role": "owner" }))
        .error(403, "insufficient_role");
    as_admin
        .post(&path, json!({ "email": unique_email("carol"), "role": "member" }))
        .data(201);
    let for_owner = invite(&owner, &owner.org_id, &unique_email("dave"), "owner");
    let revoke = format!("{path}/{}", for_owner["id"].as_str().unwrap());
    as_admin.delete(&revoke).error(403, "insufficient_role");
    assert_eq!(owner.client().delete(&revoke).status, 204);
}

#[test]
fn invitations_are_validated() {
    let owner = Account::register("owner");
    let path = invitations_path(&owner.org_id);
    let client = owner.client();
    client
        .post(&path, json!({ "email": "not an email", "role": "member" }))
        .invalid("email");
    client.post(&path, json!({ "role": "member" })).invalid("email");
    client
        .post(&path, json!({ "email": unique_email("x"), "role": "root" }))
        .invalid("role");
    client
        .post(&path, json!({ "email": unique_email("x") }))
        .invalid("role");
    client
        .post(&path, json!(["not an object"]))
        .error(400, "malformed_json");
    assert!(pending_ids(&owner).is_empty());
}

#[test]
fn the_old_members_route_answers_410_naming_the_invitations_route() {
    let (owner, bob) = (Account::register("owner"), Account::register("bob"));
    let members = format!("/api/v1/organizations/{}/members", owner.org_id);
    let reply = owner
        .client()
        .post(&members, json!({ "email": bob.email, "role": "member" }));
    reply.error(410, "gone");
    let message = reply.body["error"].as_str().unwrap();
    assert!(
        message.contains(&format!("POST {}", invitations_path(&owner.org_id))),
        "{message}"
    );
    assert_eq!(owner.client().get(&members).body["count"], 1, "nobody was added");
}

#[test]
fn an_expired_invitation_cannot_be_accepted() {
    // A Worker of this test's own, so that the test can reach its local D1.
    let state = TempDir::new("invitations");
    let server = Server::start(&state.0, &[]);
    let (owner, bob) = (
        Account::register_on(&server.url, "owner"),
        Account::register_on(&server.url, "bob"),
    );
    let invitation = owner.client().on(&server.url).post(
        &invitations_path(&owner.org_id),
        json!({ "email": bob.email, "role": "member" }),
    );
    let id = invitation.data(201)["id"].as_str().unwrap().to_string();
    assert!(
        id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'),
        "{id} is safe to quote in SQL"
    );
    // As if the 7 days had passed: the expiry a minute ago.
    let expired = iso_string(iso_ms(&invitation.body["data"]["created_at"]) - 60_000);
    run_sql(
        &state.0,
        &format!("UPDATE invitations SET expires_at = '{expired}' WHERE id = '{id}'"),
    );

    bob.client()
        .on(&server.url)
        .post(&accept_path(&token_of(&invitation.body["data"])), json!({}))
        .error(410, "invitation_expired");
    let owners = owner.client().on(&server.url);
    assert_eq!(owners.get(&invitations_path(&owner.org_id)).body["count"], 0);
    owners
        .delete(&format!("{}/{id}", invitations_path(&owner.org_id)))
        .error(404, "not_found");
}

/// Runs SQL on the local D1 of the Worker serving `state_dir`.
fn run_sql(state_dir: &Path, sql: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(root.join("node_modules/.bin/wrangler"))
        .current_dir(root)
        .args(["d1", "execute", "DB", "--local", "--persist-to"])
        .arg(state_dir)
        .args(["--command", sql])
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true")
        .output()
        .expect("wrangler runs");
    assert!(
        output.status.success(),
        "wrangler d1 execute failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn iso_ms(value: &Value) -> i64 {
    pingwarden::domain::time::millis_from_iso(value.as_str().unwrap()).unwrap()
}

fn iso_string(ms: i64) -> String {
    pingwarden::domain::time::iso_from_millis(ms)
}
