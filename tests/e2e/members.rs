use crate::invitations::{add_member, invitations_path};
use crate::support::{http_monitor, Account};
use serde_json::json;

fn members_path(org_id: &str) -> String {
    format!("/api/v1/organizations/{org_id}/members")
}

#[test]
fn an_owner_adds_a_user_who_then_works_in_that_organization_by_header() {
    let (owner, bob) = (Account::register("owner"), Account::register("bob"));
    let added = add_member(&owner, &owner.org_id, &bob, "member");
    assert_eq!(added["user_id"], bob.user_id.as_str());
    assert_eq!(added["role"], "member");

    let list = owner.client().get(&members_path(&owner.org_id));
    assert_eq!(list.body["count"], 2);

    let orgs = bob.client().get("/api/v1/me").data(200)["organizations"].clone();
    assert!(orgs
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["id"] == owner.org_id.as_str() && o["role"] == "member"));

    // With the header, Bob creates in the shared organization; without it, in his own.
    let shared = bob
        .client()
        .in_organization(&owner.org_id)
        .post("/api/v1/monitors", http_monitor("shared"))
        .data(201)["id"]
        .clone();
    assert_eq!(
        owner
            .client()
            .get(&format!("/api/v1/monitors/{}", shared.as_str().unwrap()))
            .status,
        200
    );
    bob.create_monitor(http_monitor("personal"));
    assert_eq!(owner.client().get("/api/v1/monitors").body["count"], 1);
}

#[test]
fn only_owners_grant_or_take_the_owner_role() {
    let (owner, admin, carol) = (
        Account::register("owner"),
        Account::register("admin"),
        Account::register("carol"),
    );
    let path = members_path(&owner.org_id);
    add_member(&owner, &owner.org_id, &admin, "admin");
    let as_admin = admin.client();
    as_admin
        .post(
            &invitations_path(&owner.org_id),
            json!({ "email": carol.email, "role": "owner" }),
        )
        .error(403, "insufficient_role");
    add_member(&admin, &owner.org_id, &carol, "member");
    as_admin
        .patch(&format!("{path}/{}", owner.user_id), json!({ "role": "member" }))
        .error(403, "insufficient_role");
    as_admin
        .delete(&format!("{path}/{}", owner.user_id))
        .error(403, "insufficient_role");
    carol
        .client()
        .patch(&format!("{path}/{}", admin.user_id), json!({ "role": "viewer" }))
        .error(403, "insufficient_role");
    let changed = as_admin.patch(&format!("{path}/{}", carol.user_id), json!({ "role": "viewer" }));
    assert_eq!(changed.data(200)["role"], "viewer");
}

#[test]
fn the_last_owner_can_be_neither_demoted_nor_removed() {
    let (owner, bob) = (Account::register("owner"), Account::register("bob"));
    let path = members_path(&owner.org_id);
    let me = format!("{path}/{}", owner.user_id);
    owner
        .client()
        .patch(&me, json!({ "role": "admin" }))
        .error(409, "last_owner");
    owner.client().delete(&me).error(409, "last_owner");

    add_member(&owner, &owner.org_id, &bob, "owner");
    assert_eq!(
        owner.client().patch(&me, json!({ "role": "admin" })).data(200)["role"],
        "admin"
    );
    bob.client()
        .delete(&format!("{path}/{}", bob.user_id))
        .error(409, "last_owner");
}

#[test]
fn a_member_can_leave_and_then_sees_nothing_of_the_organization() {
    let (owner, bob) = (Account::register("owner"), Account::register("bob"));
    let path = members_path(&owner.org_id);
    add_member(&owner, &owner.org_id, &bob, "member");
    assert_eq!(bob.client().delete(&format!("{path}/{}", bob.user_id)).status, 204);
    bob.client().get(&path).error(404, "not_found");
    bob.client()
        .in_organization(&owner.org_id)
        .get("/api/v1/monitors")
        .error(404, "not_found");
    owner
        .client()
        .patch(&format!("{path}/{}", bob.user_id), json!({ "role": "admin" }))
        .error(404, "not_found");
}
