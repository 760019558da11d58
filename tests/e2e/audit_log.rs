//! The audit log: each kind of change recorded with its actor, address,
//! agent and masked before/after values; read by owners and admins only,
//! each organization its own; filters and cursor pages; retention by plan.

use crate::invitations::{add_member, invitations_path};
use crate::support::{http_monitor, wait_for, Account, Client, Reply, Server, TempDir};
use pingwarden::domain::ids::random_base62;
use pingwarden::domain::secrets::MASK;
use pingwarden::domain::time::{iso_from_millis, DAY_MS};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const LOG: &str = "/api/v1/audit-log";
const ADDRESS: &str = "203.0.113.7";
const AGENT: &str = "audit-e2e/1.0 (+https://example.com/bot)";

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn id_of(data: &Value) -> String {
    data["id"].as_str().expect("an id").to_string()
}

fn text_of(data: &Value, field: &str) -> String {
    data[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {data}"))
        .to_string()
}

/// One page of the log, as answered.
fn page(client: &Client, query: &str) -> Reply {
    client.get(&format!("{LOG}?{query}"))
}

/// Every entry the query finds, following `next_cursor` page by page.
fn every_page(client: &Client, query: &str, limit: usize) -> Vec<Value> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let after = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let reply = page(client, &format!("{query}&limit={limit}{after}"));
        let entries = reply.data(200).as_array().unwrap().clone();
        assert_eq!(reply.body["count"], json!(entries.len()), "{}", reply.body);
        assert!(entries.len() <= limit, "{}", reply.body);
        found.extend(entries);
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return found,
        }
    }
}

fn entries(client: &Client, query: &str) -> Vec<Value> {
    page(client, &format!("{query}&limit=200"))
        .data(200)
        .as_array()
        .unwrap()
        .clone()
}

/// The one entry of `action` on `target_id`.
#[track_caller]
fn entry<'a>(log: &'a [Value], action: &str, target_id: &str) -> &'a Value {
    let found: Vec<&Value> = log
        .iter()
        .filter(|e| e["action"] == action && e["target_id"] == target_id)
        .collect();
    assert_eq!(found.len(), 1, "one {action} of {target_id} in {log:#?}");
    found[0]
}

#[test]
fn every_kind_of_change_is_recorded_with_its_actor_address_agent_and_no_secret() {
    let (owner, bob, carol) = (
        Account::register("audit-owner"),
        Account::register("audit-bob"),
        Account::register("audit-carol"),
    );
    let me = owner.client().calling_from(ADDRESS).with_header("User-Agent", AGENT);
    let secret = |label: &str| format!("{label}-{}", random_base62(16));
    let (header_secret, header_secret_2, url_secret, body_secret) =
        (secret("hdr"), secret("hdr2"), secret("url"), secret("body"));
    let mut never_shown = vec![
        header_secret.clone(),
        header_secret_2.clone(),
        url_secret.clone(),
        body_secret.clone(),
    ];

    // Monitors, with secrets in a header, the URL's query and the body.
    let monitor = me
        .post(
            "/api/v1/monitors",
            json!({ "type": "http", "name": "API", "method": "POST", "interval_seconds": 60,
                    "url": format!("http://127.0.0.1:9/health?token={url_secret}&page=1"),
                    "headers": { "X-Api-Key": header_secret }, "body": body_secret }),
        )
        .data(201)
        .clone();
    let m = id_of(&monitor);
    let monitor_path = format!("/api/v1/monitors/{m}");
    me.patch(
        &monitor_path,
        json!({ "name": "API v2", "headers": { "X-Api-Key": header_secret_2, "X-Trace": "on" } }),
    )
    .data(200);
    me.post(&format!("{monitor_path}/pause"), json!({})).data(200);
    me.post(&format!("{monitor_path}/resume"), json!({})).data(200);
    let beat = me
        .post("/api/v1/monitors", json!({ "type": "heartbeat", "name": "nightly" }))
        .data(201)
        .clone();
    let b = id_of(&beat);
    never_shown.push(text_of(&beat, "token"));
    let rotated = me
        .post(&format!("/api/v1/monitors/{b}/rotate-token"), json!({}))
        .data(201)
        .clone();
    never_shown.push(text_of(&rotated, "token"));

    // A key, made by the owner, that makes and deletes a monitor itself.
    let key = me
        .post(
            "/api/v1/api-keys",
            json!({ "name": "deploy", "scopes": ["read", "write"] }),
        )
        .data(201)
        .clone();
    let (key_id, key_secret) = (id_of(&key), text_of(&key, "key"));
    never_shown.push(key_secret.clone());
    let as_key = Client::bearer(&key_secret)
        .calling_from("198.51.100.9")
        .with_header("User-Agent", "deploy-bot/2");
    let by_key = id_of(as_key.post("/api/v1/monitors", http_monitor("made by a key")).data(201));
    assert_eq!(as_key.delete(&format!("/api/v1/monitors/{by_key}")).status, 204);
    assert_eq!(me.delete(&format!("/api/v1/api-keys/{key_id}")).status, 204);

    // Members: an invitation revoked, one accepted, a role changed, a member removed.
    let invited = me
        .post(
            &invitations_path(&owner.org_id),
            json!({ "email": carol.email, "role": "viewer" }),
        )
        .data(201)
        .clone();
    never_shown.push(text_of(&invited, "token"));
    let revoked = me.delete(&format!("{}/{}", invitations_path(&owner.org_id), id_of(&invited)));
    assert_eq!(revoked.status, 204);
    add_member(&owner, &owner.org_id, &bob, "member");
    let member_path = format!("/api/v1/organizations/{}/members/{}", owner.org_id, bob.user_id);
    me.patch(&member_path, json!({ "role": "admin" })).data(200);
    assert_eq!(me.delete(&member_path).status, 204);

    // A status page.
    let slug = format!("audit-{}", random_base62(8).to_lowercase());
    let page_id = id_of(
        me.post(
            "/api/v1/status-pages",
            json!({ "slug": slug, "title": "Status", "monitor_ids": [m] }),
        )
        .data(201),
    );
    let page_path = format!("/api/v1/status-pages/{page_id}");
    me.patch(&page_path, json!({ "title": "Our status" })).data(200);
    assert_eq!(me.delete(&page_path).status, 204);

    // A channel, with a secret in its URL and a signing secret, rotated.
    let channel_url_secret = secret("hook");
    let channel = me
        .post(
            "/api/v1/channels",
            json!({ "name": "On call", "kind": "webhook",
                    "url": format!("http://127.0.0.1:9/hook?token={channel_url_secret}") }),
        )
        .data(201)
        .clone();
    let c = id_of(&channel);
    never_shown.extend([channel_url_secret, text_of(&channel, "signing_secret")]);
    let channel_path = format!("/api/v1/channels/{c}");
    me.patch(&channel_path, json!({ "name": "Pager" })).data(200);
    let rotated = me
        .post(&format!("{channel_path}/rotate-secret"), json!({}))
        .data(200)
        .clone();
    never_shown.push(text_of(&rotated, "signing_secret"));
    assert_eq!(me.delete(&channel_path).status, 204);

    // An incident, changed and given an update.
    let i = id_of(
        me.post(
            "/api/v1/incidents",
            json!({ "title": "Elevated errors", "monitor_ids": [m] }),
        )
        .data(201),
    );
    me.patch(&format!("/api/v1/incidents/{i}"), json!({ "impact": "major" }))
        .data(200);
    me.post(
        &format!("/api/v1/incidents/{i}/updates"),
        json!({ "status": "resolved", "message": "Fixed." }),
    )
    .data(201);

    // A maintenance window (tomorrow, so that nothing is checked inside it).
    let tomorrow = now_ms() + DAY_MS;
    let window = id_of(
        me.post(
            "/api/v1/maintenances",
            json!({ "title": "Upgrade", "starts_at": iso_from_millis(tomorrow),
                    "ends_at": iso_from_millis(tomorrow + 3_600_000), "monitor_ids": [m] }),
        )
        .data(201),
    );
    let window_path = format!("/api/v1/maintenances/{window}");
    me.patch(&window_path, json!({ "title": "Database upgrade" })).data(200);
    assert_eq!(me.delete(&window_path).status, 204);
    assert_eq!(me.delete(&monitor_path).status, 204);

    let answer = page(&owner.client(), "limit=200");
    let log = answer.data(200).as_array().unwrap().clone();
    let by_owner = [
        ("monitor.created", &m),
        ("monitor.updated", &m),
        ("monitor.paused", &m),
        ("monitor.resumed", &m),
        ("monitor.created", &b),
        ("monitor.token_rotated", &b),
        ("monitor.deleted", &m),
        ("api_key.created", &key_id),
        ("api_key.revoked", &key_id),
        ("invitation.created", &id_of(&invited)),
        ("invitation.revoked", &id_of(&invited)),
        ("member.role_changed", &bob.user_id),
        ("member.removed", &bob.user_id),
        ("status_page.created", &page_id),
        ("status_page.updated", &page_id),
        ("status_page.deleted", &page_id),
        ("channel.created", &c),
        ("channel.updated", &c),
        ("channel.secret_rotated", &c),
        ("channel.deleted", &c),
        ("incident.created", &i),
        ("incident.updated", &i),
        ("incident.update_posted", &i),
        ("maintenance.created", &window),
        ("maintenance.updated", &window),
        ("maintenance.deleted", &window),
    ];
    for (action, target) in by_owner {
        let found = entry(&log, action, target);
        assert!(found["id"].as_str().unwrap().starts_with("aud_"), "{found}");
        assert_eq!(found["target_type"], action.split('.').next().unwrap(), "{found}");
        assert_eq!(
            found["actor"],
            json!({ "type": "user", "id": owner.user_id, "email": owner.email }),
            "{found}"
        );
        assert_eq!(
            (found["ip"].as_str(), found["user_agent"].as_str()),
            (Some(ADDRESS), Some(AGENT)),
            "{found}"
        );
        let at = found["at"].as_str().unwrap();
        assert!(at.len() == 24 && at.ends_with('Z'), "ISO 8601 with ms: {at}");
    }
    for action in ["monitor.created", "monitor.deleted"] {
        let found = entry(&log, action, &by_key);
        assert_eq!(
            found["actor"],
            json!({ "type": "api_key", "id": key_id, "name": "deploy" }),
            "{found}"
        );
        assert_eq!(found["ip"], "198.51.100.9");
        assert_eq!(found["user_agent"], "deploy-bot/2");
    }
    // Bob accepted the invitation himself, into this organization.
    let accepted: Vec<&Value> = log.iter().filter(|e| e["action"] == "invitation.accepted").collect();
    assert_eq!(accepted.len(), 1, "{log:#?}");
    assert_eq!(accepted[0]["actor"]["id"], bob.user_id.as_str());
    assert_eq!(accepted[0]["changes"]["role"], json!({ "after": "member" }));

    // The diffs: a creation has only after values, a deletion only before
    // ones, an update each changed field's both, secrets masked.
    let changes = |action: &str, target: &str| entry(&log, action, target)["changes"].clone();
    let created = changes("monitor.created", &m);
    assert_eq!(created["name"], json!({ "after": "API" }));
    assert_eq!(created["headers"], json!({ "after": { "X-Api-Key": MASK } }));
    assert_eq!(created["body"], json!({ "after": MASK }));
    assert!(created["url"]["after"]
        .as_str()
        .unwrap()
        .contains(&format!("token={MASK}")));
    assert!(created.as_object().unwrap().values().all(|c| c.get("before").is_none()));
    let updated = changes("monitor.updated", &m);
    assert_eq!(updated["name"], json!({ "before": "API", "after": "API v2" }));
    assert_eq!(
        updated["headers"],
        json!({ "before": { "X-Api-Key": MASK }, "after": { "X-Api-Key": MASK, "X-Trace": MASK } })
    );
    assert!(
        updated.get("updated_at").is_none() && updated.get("url").is_none(),
        "{updated}"
    );
    assert_eq!(changes("monitor.paused", &m)["status"]["after"], "paused");
    assert_eq!(changes("monitor.resumed", &m)["status"]["before"], "paused");
    let deleted = changes("monitor.deleted", &m);
    assert_eq!(deleted["name"], json!({ "before": "API v2" }));
    assert!(deleted.as_object().unwrap().values().all(|c| c.get("after").is_none()));
    assert_eq!(changes("monitor.token_rotated", &b), json!({}));
    let key_created = changes("api_key.created", &key_id);
    assert_eq!(key_created["name"], json!({ "after": "deploy" }));
    assert!(key_created.get("key").is_none(), "{key_created}");
    assert_eq!(
        changes("api_key.revoked", &key_id)["name"],
        json!({ "before": "deploy" })
    );
    assert_eq!(
        changes("member.role_changed", &bob.user_id)["role"],
        json!({ "before": "member", "after": "admin" })
    );
    assert_eq!(
        changes("member.removed", &bob.user_id)["role"],
        json!({ "before": "admin" })
    );
    assert_eq!(
        changes("status_page.updated", &page_id)["title"],
        json!({ "before": "Status", "after": "Our status" })
    );
    assert_eq!(
        changes("channel.created", &c)["signing_secret"],
        json!({ "after": MASK })
    );
    assert_eq!(
        changes("channel.updated", &c)["name"],
        json!({ "before": "On call", "after": "Pager" })
    );
    assert_eq!(changes("incident.updated", &i)["impact"]["after"], "major");
    assert_eq!(
        changes("incident.update_posted", &i)["status"],
        json!({ "before": "investigating", "after": "resolved" })
    );
    assert_eq!(
        changes("maintenance.updated", &window)["title"],
        json!({ "before": "Upgrade", "after": "Database upgrade" })
    );

    // No secret anywhere in the answer.
    let text = answer.body.to_string();
    for secret in &never_shown {
        assert!(!text.contains(secret.as_str()), "{secret} is in the audit log: {text}");
    }
}

#[test]
fn only_owners_and_admins_read_the_log_and_with_their_own_token() {
    let owner = Account::register("audit-access");
    let (admin, member, viewer) = (
        Account::register("audit-admin"),
        Account::register("audit-member"),
        Account::register("audit-viewer"),
    );
    for (account, role) in [(&admin, "admin"), (&member, "member"), (&viewer, "viewer")] {
        add_member(&owner, &owner.org_id, account, role);
    }
    let own = owner.client().get(LOG);
    assert_eq!(
        own.data(200).as_array().unwrap().len(),
        6,
        "three invitations made and accepted"
    );
    let as_admin = admin.client().in_organization(&owner.org_id).get(LOG);
    assert_eq!(as_admin.data(200), own.data(200));
    for refused in [&member, &viewer] {
        let reply = refused.client().in_organization(&owner.org_id).get(LOG);
        reply.error(403, "insufficient_role");
        assert!(reply.body["error"].as_str().unwrap().contains("owners and admins"));
    }
    for scopes in [&["read"][..], &["read", "write"][..]] {
        Client::bearer(&owner.api_key(scopes))
            .get(LOG)
            .error(403, "user_token_required");
    }
    assert_eq!(Client::anonymous().get(LOG).status, 401);
    let limits = &owner.client().get("/api/v1/me").data(200)["organization"]["limits"].clone();
    assert_eq!(limits["audit_retention_days"], 30);
}

#[test]
fn another_organizations_entries_never_show() {
    let (alice, mallory) = (Account::register("audit-alice"), Account::register("audit-mallory"));
    let theirs = id_of(&alice.create_monitor(http_monitor("private")));
    assert_eq!(entries(&alice.client(), "").len(), 1);
    let as_mallory = mallory.client();
    assert_eq!(page(&as_mallory, "").data(200), &json!([]));
    assert_eq!(page(&as_mallory, &format!("target_id={theirs}")).data(200), &json!([]));
    assert_eq!(
        page(&as_mallory, &format!("actor_id={}", alice.user_id)).data(200),
        &json!([])
    );
    as_mallory
        .in_organization(&alice.org_id)
        .get(LOG)
        .error(404, "not_found");
    let mine = id_of(&mallory.create_monitor(http_monitor("mine")));
    let log = entries(&as_mallory, "");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["target_id"], mine.as_str());
}

#[test]
fn filters_narrow_the_log_and_cursor_pages_walk_it_newest_first() {
    let owner = Account::register("audit-filters");
    let client = owner.client();
    let key = client
        .post("/api/v1/api-keys", json!({ "name": "ci", "scopes": ["read", "write"] }))
        .data(201)
        .clone();
    let (key_id, as_key) = (id_of(&key), Client::bearer(&text_of(&key, "key")));
    let monitors: Vec<String> = (0..5)
        .map(|n| id_of(&owner.create_monitor(http_monitor(&format!("m{n}")))))
        .collect();
    for id in &monitors {
        client
            .patch(
                &format!("/api/v1/monitors/{id}"),
                json!({ "name": format!("{id} renamed") }),
            )
            .data(200);
    }
    for n in 0..2 {
        as_key
            .post("/api/v1/monitors", http_monitor(&format!("k{n}")))
            .data(201);
    }

    // Pages of 3 walk the whole log once, newest first.
    let all = entries(&client, "");
    assert_eq!(all.len(), 13);
    let walked = every_page(&client, "", 3);
    assert_eq!(walked, all, "pages of 3 give what one page gives");
    let ids: BTreeSet<&str> = walked.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 13);
    let times: Vec<&str> = all.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    assert_eq!(all.last().unwrap()["action"], "api_key.created");

    let count = |query: &str| every_page(&client, query, 4).len();
    assert_eq!(count("action=monitor.created"), 7);
    assert_eq!(count("action=monitor.updated"), 5);
    assert_eq!(count("action=monitor."), 12);
    assert_eq!(count("action=api_key."), 1);
    assert_eq!(count("action=channel."), 0);
    assert_eq!(count(&format!("actor_id={key_id}")), 2);
    assert_eq!(count(&format!("actor_id={}", owner.user_id)), 11);
    assert_eq!(count(&format!("actor_id={key_id}&action=monitor.updated")), 0);
    let one = entries(&client, &format!("target_id={}", monitors[0]));
    let actions: Vec<&str> = one.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["monitor.updated", "monitor.created"]);

    // `since` is inclusive, `until` exclusive.
    let middle = all[6]["at"].as_str().unwrap();
    let at_or_after = all.iter().filter(|e| e["at"].as_str().unwrap() >= middle).count();
    assert_eq!(count(&format!("since={middle}")), at_or_after);
    assert_eq!(count(&format!("until={middle}")), 13 - at_or_after);
    let first = all.last().unwrap()["at"].as_str().unwrap().to_string();
    assert_eq!(count(&format!("since={first}&until={middle}")), 13 - at_or_after);
    assert_eq!(count("since=2999-01-01T00:00:00Z"), 0);

    let bad = |query: &str, field: &str| {
        let reply = page(&client, query);
        reply.error(400, "invalid_query");
        assert_eq!(reply.body["field"], field, "{query}: {}", reply.body);
    };
    bad("action=monitor.exploded", "action");
    bad("action=monitor", "action");
    bad("actor_id=usr%20x", "actor_id");
    bad(&format!("target_id={}", "x".repeat(65)), "target_id");
    bad("since=yesterday", "since");
    bad("until=2026-13-01T00:00:00Z", "until");
    bad("since=2026-05-02T00:00:00Z&until=2026-05-01T00:00:00Z", "until");
    bad("limit=0", "limit");
    bad("limit=201", "limit");
    bad("cursor=not-ours", "cursor");
}

#[test]
fn entries_are_kept_for_their_plans_retention_then_pruned_by_the_reconciler() {
    let state = TempDir::new("audit-retention");
    let server = Server::start(&state.0, &[("CRON_EVERY_SECONDS", "0")]);
    let (free, pro) = (
        Account::register_on(&server.url, "audit-free"),
        Account::register_on(&server.url, "audit-pro"),
    );
    server.d1(&format!(
        "UPDATE organizations SET plan = 'pro' WHERE id = '{}'",
        pro.org_id
    ));
    for account in [&free, &pro] {
        let client = account.client().on(&server.url);
        client
            .post("/api/v1/api-keys", json!({ "name": "x", "scopes": ["read"] }))
            .data(201);
    }
    let count = |account: &Account| {
        account
            .client()
            .on(&server.url)
            .get(LOG)
            .data(200)
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!((count(&free), count(&pro)), (1, 1));

    let now = now_ms();
    server.fire_cron(Some(now + 29 * DAY_MS));
    assert_eq!((count(&free), count(&pro)), (1, 1), "both within 30 days");
    server.fire_cron(Some(now + 31 * DAY_MS));
    wait_for(20, "the free plan's entry to go after 30 days", || {
        (count(&free) == 0).then_some(())
    });
    assert_eq!(count(&pro), 1, "the pro plan keeps its entry for a year");
    server.fire_cron(Some(now + 366 * DAY_MS));
    wait_for(20, "the pro plan's entry to go after a year", || {
        (count(&pro) == 0).then_some(())
    });
}
