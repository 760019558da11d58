//! Every route against every kind of credential that must be refused.

use crate::invitations::{add_member, invitations_path, invite};
use crate::support::{http_monitor, jwt_secret, Account, Client, Credential};
use pingwarden::domain::jwt;
use reqwest::Method;
use serde_json::{json, Value};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Needs {
    /// Any credential of the organization.
    Read,
    /// A member's token or a write key.
    Write,
    /// An owner's or admin's token.
    Admin,
}

struct Route {
    method: Method,
    path: String,
    body: Option<Value>,
    needs: Needs,
    /// Names one of the organization's objects, so another organization gets 404.
    names_an_object: bool,
}

fn route(method: Method, path: String, body: Option<Value>, needs: Needs, names_an_object: bool) -> Route {
    Route {
        method,
        path,
        body,
        needs,
        names_an_object,
    }
}

fn routes(owner: &Account, colleague: &Account) -> Vec<Route> {
    let monitor = owner.create_monitor(http_monitor("guarded"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let key_id = owner
        .client()
        .post("/api/v1/api-keys", json!({ "name": "guarded", "scopes": ["read"] }))
        .data(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let incident = owner
        .client()
        .post("/api/v1/incidents", json!({ "title": "guarded" }))
        .data(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let i = format!("/api/v1/incidents/{incident}");
    let beat = owner.create_monitor(json!({ "type": "heartbeat", "name": "guarded beat" }))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = format!("/api/v1/monitors/{beat}");
    let slug = format!("guarded-{}", pingwarden::domain::ids::random_base62(8).to_lowercase());
    let page = owner
        .client()
        .post(
            "/api/v1/status-pages",
            json!({ "slug": slug, "title": "guarded", "monitor_ids": [monitor] }),
        )
        .data(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let p = format!("/api/v1/status-pages/{page}");
    let (m, org) = (format!("/api/v1/monitors/{monitor}"), &owner.org_id);
    let members = format!("/api/v1/organizations/{org}/members");
    let member = format!("{members}/{}", colleague.user_id);
    let invitations = invitations_path(org);
    let invitation = invite(owner, org, "guarded@example.com", "member")["id"]
        .as_str()
        .unwrap()
        .to_string();
    use Needs::*;
    vec![
        route(Method::GET, "/api/v1/me".into(), None, Read, false),
        route(Method::GET, "/api/v1/monitors".into(), None, Read, false),
        route(
            Method::POST,
            "/api/v1/monitors".into(),
            Some(http_monitor("x")),
            Write,
            false,
        ),
        route(Method::GET, m.clone(), None, Read, true),
        route(
            Method::PATCH,
            m.clone(),
            Some(json!({ "name": "hijacked" })),
            Write,
            true,
        ),
        route(Method::DELETE, m.clone(), None, Write, true),
        route(Method::POST, format!("{m}/pause"), Some(json!({})), Write, true),
        route(Method::POST, format!("{m}/resume"), Some(json!({})), Write, true),
        route(Method::GET, format!("{m}/checks"), None, Read, true),
        route(Method::GET, format!("{m}/uptime"), None, Read, true),
        route(Method::GET, format!("{m}/incidents"), None, Read, true),
        route(Method::GET, format!("{b}/pings"), None, Read, true),
        route(Method::POST, format!("{b}/rotate-token"), Some(json!({})), Write, true),
        route(Method::GET, "/api/v1/status-pages".into(), None, Read, false),
        route(
            Method::POST,
            "/api/v1/status-pages".into(),
            Some(json!({ "slug": "guarded-new", "title": "x" })),
            Write,
            false,
        ),
        route(Method::GET, p.clone(), None, Read, true),
        route(
            Method::PATCH,
            p.clone(),
            Some(json!({ "title": "hijacked" })),
            Write,
            true,
        ),
        route(Method::DELETE, p.clone(), None, Write, true),
        route(Method::GET, "/api/v1/incidents".into(), None, Read, false),
        route(
            Method::POST,
            "/api/v1/incidents".into(),
            Some(json!({ "title": "x" })),
            Write,
            false,
        ),
        route(Method::GET, i.clone(), None, Read, true),
        route(
            Method::PATCH,
            i.clone(),
            Some(json!({ "title": "hijacked" })),
            Write,
            true,
        ),
        route(
            Method::POST,
            format!("{i}/updates"),
            Some(json!({ "status": "resolved", "message": "x" })),
            Write,
            true,
        ),
        route(Method::GET, "/api/v1/api-keys".into(), None, Admin, false),
        route(
            Method::POST,
            "/api/v1/api-keys".into(),
            Some(json!({ "name": "x", "scopes": ["read"] })),
            Admin,
            false,
        ),
        route(Method::DELETE, format!("/api/v1/api-keys/{key_id}"), None, Admin, true),
        route(Method::GET, members, None, Read, true),
        route(
            Method::PATCH,
            member.clone(),
            Some(json!({ "role": "admin" })),
            Admin,
            true,
        ),
        route(Method::DELETE, member, None, Admin, true),
        route(Method::GET, invitations.clone(), None, Admin, true),
        route(
            Method::POST,
            invitations.clone(),
            Some(json!({ "email": "someone@example.com", "role": "member" })),
            Admin,
            true,
        ),
        route(Method::DELETE, format!("{invitations}/{invitation}"), None, Admin, true),
        route(Method::GET, "/api/v1/audit-log".into(), None, Admin, false),
    ]
}

#[test]
fn every_route_refuses_every_bad_credential() {
    let (owner, viewer, colleague, stranger) = (
        Account::register("owner"),
        Account::register("viewer"),
        Account::register("colleague"),
        Account::register("stranger"),
    );
    for (member, role) in [(&viewer, "viewer"), (&colleague, "member")] {
        add_member(&owner, &owner.org_id, member, role);
    }
    let read_key = owner.api_key(&["read"]);
    let revoked = owner.client().post(
        "/api/v1/api-keys",
        json!({ "name": "revoked", "scopes": ["read", "write"] }),
    );
    let (revoked_id, revoked_key) = (
        revoked.data(201)["id"].as_str().unwrap().to_string(),
        revoked.body["data"]["key"].as_str().unwrap().to_string(),
    );
    owner.client().delete(&format!("/api/v1/api-keys/{revoked_id}"));

    let now_ms = chrono_now_ms();
    let forged = jwt::issue("not-the-secret", &owner.user_id, now_ms).unwrap().0;
    let expired = jwt::issue(&jwt_secret(), &owner.user_id, now_ms - 8 * 86_400_000)
        .unwrap()
        .0;
    let unauthenticated = [
        ("no credential", Client::anonymous()),
        ("forged JWT", Client::bearer(&forged)),
        ("expired JWT", Client::bearer(&expired)),
        ("garbage token", Client::bearer("garbage")),
        ("revoked key", Client::bearer(&revoked_key)),
        (
            "revoked key in X-Api-Key",
            Client {
                credential: Credential::ApiKeyHeader(revoked_key.clone()),
                ..Client::anonymous()
            },
        ),
    ];
    let viewer_in_org = viewer.client().in_organization(&owner.org_id);

    for route in routes(&owner, &colleague) {
        let label = format!("{} {}", route.method, route.path);
        for (who, client) in &unauthenticated {
            let reply = client.send(route.method.clone(), &route.path, route.body.as_ref());
            assert_eq!(reply.status, 401, "{label} with {who}: {}", reply.body);
        }
        let with_read_key = Client::bearer(&read_key).send(route.method.clone(), &route.path, route.body.as_ref());
        let as_viewer = viewer_in_org.send(route.method.clone(), &route.path, route.body.as_ref());
        match route.needs {
            Needs::Read => {
                assert!(
                    with_read_key.status < 300,
                    "{label} with a read key: {}",
                    with_read_key.body
                );
                assert!(as_viewer.status < 300, "{label} as a viewer: {}", as_viewer.body);
            }
            Needs::Write => {
                with_read_key.error(403, "insufficient_scope");
                as_viewer.error(403, "insufficient_role");
            }
            Needs::Admin => {
                with_read_key.error(403, "user_token_required");
                as_viewer.error(403, "insufficient_role");
            }
        }
        if route.names_an_object {
            let reply = stranger
                .client()
                .send(route.method.clone(), &route.path, route.body.as_ref());
            assert_eq!(reply.status, 404, "{label} from another organization: {}", reply.body);
        }
    }
    // Nothing of the owner's was changed by any refused request.
    let monitors = owner.client().get("/api/v1/monitors?type=http");
    assert_eq!(monitors.body["count"], 1);
    assert_eq!(monitors.body["data"][0]["name"], "guarded");
    let pages = owner.client().get("/api/v1/status-pages");
    assert_eq!(
        (pages.body["count"].clone(), pages.body["data"][0]["title"].clone()),
        (json!(1), json!("guarded"))
    );
    let invitations = owner.client().get(&invitations_path(&owner.org_id));
    assert_eq!(
        (
            invitations.body["count"].clone(),
            invitations.body["data"][0]["email"].clone()
        ),
        (json!(1), json!("guarded@example.com"))
    );
}

#[test]
fn another_organizations_objects_are_not_listed() {
    let (alice, mallory) = (Account::register("alice"), Account::register("mallory"));
    alice.create_monitor(http_monitor("private"));
    assert_eq!(mallory.client().get("/api/v1/monitors").body["count"], 0);
    mallory
        .client()
        .in_organization(&alice.org_id)
        .get("/api/v1/monitors")
        .error(404, "not_found");
    let key = mallory.api_key(&["read"]);
    Client::bearer(&key)
        .in_organization(&alice.org_id)
        .get("/api/v1/monitors")
        .error(404, "not_found");
}

fn chrono_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
