//! Status pages: management, and the public JSON, HTML and badges.

use crate::support::{base_url, http_monitor, wait_for, Account, Client};
use crate::targets::HttpTarget;
use reqwest::blocking::Client as Http;
use serde_json::{json, Value};

fn unique_slug(label: &str) -> String {
    format!("{label}-{}", pingwarden::domain::ids::random_base62(8).to_lowercase())
}

fn public(path: &str) -> reqwest::blocking::Response {
    Http::new().get(format!("{}{path}", base_url())).send().unwrap()
}

fn public_json(slug: &str) -> Value {
    let response = public(&format!("/status/{slug}.json"));
    assert_eq!(response.status(), 200);
    response.json().unwrap()
}

#[test]
fn a_page_is_created_listed_changed_and_deleted() {
    let account = Account::register("pages");
    let monitor = account.create_monitor(http_monitor("API"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let slug = unique_slug("acme");
    let created = account.client().post(
        "/api/v1/status-pages",
        json!({ "slug": slug, "title": "Acme", "description": "Our services", "monitor_ids": [monitor] }),
    );
    let page = created.data(201).clone();
    let id = page["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("sp_"));
    assert_eq!(
        (page["slug"].as_str(), page["monitor_ids"].clone()),
        (Some(slug.as_str()), json!([monitor]))
    );
    assert_eq!(page["url"], format!("{}/status/{slug}", base_url()));
    assert_eq!(account.client().get("/api/v1/status-pages").body["count"], 1);

    let sections = json!([{ "name": "Core", "monitors": [{ "id": monitor, "display_name": "Public API" }] }]);
    let changed = account.client().patch(
        &format!("/api/v1/status-pages/{id}"),
        json!({ "title": "Acme Inc", "sections": sections }),
    );
    assert_eq!(changed.data(200)["title"], "Acme Inc");
    assert_eq!(
        changed.data(200)["sections"][0]["monitors"][0]["display_name"],
        "Public API"
    );
    assert_eq!(public_json(&slug)["monitors"][0]["name"], "Public API");

    assert_eq!(
        account.client().delete(&format!("/api/v1/status-pages/{id}")).status,
        204
    );
    account
        .client()
        .get(&format!("/api/v1/status-pages/{id}"))
        .error(404, "not_found");
    assert_eq!(public(&format!("/status/{slug}.json")).status(), 404);
}

#[test]
fn pages_are_validated_and_slugs_are_unique() {
    let (account, other) = (Account::register("pagesval"), Account::register("pagesother"));
    let foreign = other.create_monitor(http_monitor("theirs"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cases = [
        (json!({ "title": "x" }), "slug"),
        (json!({ "slug": "UPPER", "title": "x" }), "slug"),
        (json!({ "slug": "ab", "title": "x" }), "slug"),
        (json!({ "slug": unique_slug("v"), "title": "" }), "title"),
        (
            json!({ "slug": unique_slug("v"), "title": "x", "monitor_ids": [foreign] }),
            "monitor_ids",
        ),
        (
            json!({ "slug": unique_slug("v"), "title": "x", "monitor_ids": "mon_x" }),
            "monitor_ids",
        ),
        (
            json!({ "slug": unique_slug("v"), "title": "x", "sections": [{ "name": "no monitors" }] }),
            "sections",
        ),
    ];
    for (body, field) in cases {
        account.client().post("/api/v1/status-pages", body).invalid(field);
    }
    let slug = unique_slug("taken");
    other
        .client()
        .post("/api/v1/status-pages", json!({ "slug": slug, "title": "Theirs" }))
        .data(201);
    account
        .client()
        .post("/api/v1/status-pages", json!({ "slug": slug, "title": "Mine" }))
        .error(409, "slug_taken");
}

#[test]
fn the_plan_limits_the_number_of_pages_and_other_organizations_get_404() {
    let (account, other) = (Account::register("pagelimit"), Account::register("pageother"));
    let id = account
        .client()
        .post(
            "/api/v1/status-pages",
            json!({ "slug": unique_slug("one"), "title": "One" }),
        )
        .data(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    account
        .client()
        .post(
            "/api/v1/status-pages",
            json!({ "slug": unique_slug("two"), "title": "Two" }),
        )
        .error(403, "plan_limit");
    other
        .client()
        .get(&format!("/api/v1/status-pages/{id}"))
        .error(404, "not_found");
    other
        .client()
        .patch(&format!("/api/v1/status-pages/{id}"), json!({ "title": "mine" }))
        .error(404, "not_found");
    other
        .client()
        .delete(&format!("/api/v1/status-pages/{id}"))
        .error(404, "not_found");
    Client::bearer(&account.api_key(&["read"]))
        .delete(&format!("/api/v1/status-pages/{id}"))
        .error(403, "insufficient_scope");
}

#[test]
fn the_public_json_has_90_days_and_never_shows_a_target() {
    let account = Account::register("publicjson");
    let monitor = account.create_monitor(json!({ "type": "http", "name": "Website", "url": "http://127.0.0.1:9/secret-path", "headers": { "X-Secret": "hunter2" } }));
    let beat = account.create_monitor(json!({ "type": "heartbeat", "name": "Backups" }));
    let tcp =
        account.create_monitor(json!({ "type": "tcp", "name": "DB", "host": "db.internal.example", "port": 5432 }));
    let ids: Vec<&str> = [&monitor, &beat, &tcp]
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    let slug = unique_slug("public");
    account
        .client()
        .post(
            "/api/v1/status-pages",
            json!({ "slug": slug, "title": "Public", "monitor_ids": ids }),
        )
        .data(201);
    let page = public_json(&slug);
    assert_eq!(page["title"], "Public");
    // Every monitor is still pending (one failure of two needed, no ping yet).
    assert_eq!(page["overall_status"], "unknown");
    assert_eq!(page["incidents"], json!([]));
    assert!(page["updated_at"].as_str().unwrap().ends_with('Z'));
    let shown = page["monitors"].as_array().unwrap();
    assert_eq!(shown.len(), 3);
    for m in shown {
        let days = m["days"].as_array().unwrap();
        assert_eq!(days.len(), 90);
        assert!(
            days.windows(2).all(|w| w[0]["date"].as_str() < w[1]["date"].as_str()),
            "oldest first"
        );
        assert_eq!(
            (m["status"].clone(), m["uptime_pct"].clone()),
            (json!("pending"), Value::Null)
        );
        assert!(
            days.iter().all(|d| d["uptime_pct"].is_null() && d["status"].is_null()),
            "no data on any day yet: {m}"
        );
    }
    let text = page.to_string();
    for secret in [
        "127.0.0.1",
        "secret-path",
        "hunter2",
        "X-Secret",
        "db.internal.example",
        "5432",
        beat["token"].as_str().unwrap(),
    ] {
        assert!(!text.contains(secret), "the page shows {secret}");
    }
}

#[test]
fn html_and_badges_have_their_content_types_and_unknown_slugs_are_404() {
    let account = Account::register("html");
    let monitor = account.create_monitor(http_monitor("Checkout"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let slug = unique_slug("html");
    account
        .client()
        .post(
            "/api/v1/status-pages",
            json!({ "slug": slug, "title": "Shop <status>", "monitor_ids": [monitor] }),
        )
        .data(201);
    let html = public(&format!("/status/{slug}"));
    assert_eq!(html.status(), 200);
    assert!(html.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let etag = html.headers()["etag"].to_str().unwrap().to_string();
    assert!(html.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    let body = html.text().unwrap();
    assert!(body.contains("Shop &lt;status&gt;") && body.contains("Checkout") && body.contains("90 days ago"));
    // Readable without JavaScript: the one script only adds live updates,
    // inline (no third-party code), and without it the page reloads itself.
    assert_eq!(body.matches("<script").count(), 1, "one inline script");
    assert!(!body.contains("<script src") && body.contains("/live'"));
    assert!(body.contains(r#"<noscript><meta http-equiv="refresh" content="60"></noscript>"#));
    let again = Http::new()
        .get(format!("{}/status/{slug}", base_url()))
        .header("If-None-Match", &etag)
        .send()
        .unwrap();
    assert_eq!(again.status(), 304);

    for path in [
        format!("/status/{slug}/badge.svg"),
        format!("/status/{slug}/badge.svg?metric=uptime"),
        format!("/status/{slug}/monitors/{monitor}/badge.svg"),
    ] {
        let badge = public(&path);
        assert_eq!(badge.status(), 200, "{path}");
        assert_eq!(badge.headers()["content-type"], "image/svg+xml");
        assert!(badge.text().unwrap().starts_with("<svg"));
    }
    assert_eq!(public(&format!("/status/{slug}/badge.svg?metric=speed")).status(), 400);
    assert_eq!(
        public(&format!("/status/{slug}/monitors/mon_nope/badge.svg")).status(),
        404
    );
    let missing = public("/status/no-such-page-here");
    assert_eq!(missing.status(), 404);
    assert!(missing.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let missing_json = public("/status/no-such-page-here.json");
    assert_eq!(
        (
            missing_json.status().as_u16(),
            missing_json.json::<Value>().unwrap()["code"].clone()
        ),
        (404, json!("not_found"))
    );
}

#[test]
fn an_outage_shows_on_the_page_with_its_incident_and_recovery_follows() {
    let (account, target) = (Account::register("outagepage"), HttpTarget::start());
    let body = json!({ "type": "http", "name": "Payments", "url": target.url("/switch"), "interval_seconds": 1, "failure_threshold": 1 });
    let monitor = account.create_monitor(body)["id"].as_str().unwrap().to_string();
    let slug = unique_slug("outage");
    account
        .client()
        .post(
            "/api/v1/status-pages",
            json!({ "slug": slug, "title": "Pay", "monitor_ids": [monitor] }),
        )
        .data(201);
    account.wait_until_status(&monitor, "up");
    wait_for(10, "the page to say operational", || {
        (public_json(&slug)["overall_status"] == "operational").then_some(())
    });

    target.set_switch(503);
    let page = wait_for(20, "the outage on the page", || {
        Some(public_json(&slug)).filter(|p| p["overall_status"] == "major_outage")
    });
    assert_eq!(page["monitors"][0]["status"], "down");
    let incident = &page["incidents"][0];
    assert_eq!(
        (incident["title"].clone(), incident["status"].clone()),
        (json!("Payments is down"), json!("investigating"))
    );
    assert!(public(&format!("/status/{slug}"))
        .text()
        .unwrap()
        .contains("Payments is down"));

    target.set_switch(200);
    let page = wait_for(20, "the recovery on the page", || {
        Some(public_json(&slug)).filter(|p| p["overall_status"] == "operational")
    });
    assert_eq!(page["incidents"][0]["status"], "resolved");
    let today = page["monitors"][0]["days"].as_array().unwrap().last().unwrap().clone();
    assert!(
        today["uptime_pct"].as_f64().is_some_and(|pct| pct < 100.0),
        "today's bar counts the outage: {today}"
    );
}

/// `X-Cache`: `hit` when the answer came from the cache with no D1 read,
/// `miss` when the page was read from D1.
fn cache_of(response: &reqwest::blocking::Response) -> String {
    response.headers()["x-cache"].to_str().unwrap().to_string()
}

fn a_page_of(account: &Account, label: &str, monitor_ids: &[&str]) -> String {
    let slug = unique_slug(label);
    account
        .client()
        .post(
            "/api/v1/status-pages",
            json!({ "slug": slug, "title": "Cached", "monitor_ids": monitor_ids }),
        )
        .data(201);
    slug
}

#[test]
fn a_cached_page_and_its_badges_answer_without_reading_d1_until_the_page_changes() {
    let account = Account::register("cachedpage");
    let monitor = account.create_monitor(http_monitor("Search"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let slug = a_page_of(&account, "cached", &[&monitor]);
    let first = public(&format!("/status/{slug}.json"));
    assert_eq!((first.status().as_u16(), cache_of(&first)), (200, "miss".into()));
    for path in [
        format!("/status/{slug}.json"),
        format!("/status/{slug}"),
        format!("/status/{slug}/badge.svg"),
        format!("/status/{slug}/badge.svg?metric=uptime"),
        format!("/status/{slug}/monitors/{monitor}/badge.svg"),
    ] {
        for _ in 0..2 {
            let again = public(&path);
            assert_eq!(
                (again.status().as_u16(), cache_of(&again)),
                (200, "hit".into()),
                "{path}"
            );
        }
    }

    let id = account.client().get("/api/v1/status-pages").body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    account
        .client()
        .patch(&format!("/api/v1/status-pages/{id}"), json!({ "title": "Renamed" }))
        .data(200);
    let changed = public(&format!("/status/{slug}.json"));
    assert_eq!(cache_of(&changed), "miss", "an edit drops the page");
    assert_eq!(changed.json::<Value>().unwrap()["title"], "Renamed");
    let badge = public(&format!("/status/{slug}/badge.svg"));
    assert_eq!(cache_of(&badge), "hit", "read once for every view");
}

#[test]
fn badges_of_monitors_not_on_a_page_are_404_from_the_cached_page() {
    let account = Account::register("badgeflood");
    let monitor = account.create_monitor(http_monitor("Mail"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let slug = a_page_of(&account, "flood", &[&monitor]);
    assert_eq!(public(&format!("/status/{slug}.json")).status(), 200);
    for _ in 0..30 {
        let random = format!("mon_{}", pingwarden::domain::ids::random_base62(16));
        let badge = public(&format!("/status/{slug}/monitors/{random}/badge.svg"));
        assert_eq!(
            (badge.status().as_u16(), cache_of(&badge)),
            (404, "hit".into()),
            "{random}"
        );
        assert_eq!(badge.json::<Value>().unwrap()["code"], "not_found");
    }
}

#[test]
fn an_unknown_slug_is_cached_as_not_found_until_a_page_takes_it() {
    let account = Account::register("unknownslug");
    let slug = unique_slug("later");
    let path = format!("/status/{slug}.json");
    let first = public(&path);
    assert_eq!((first.status().as_u16(), cache_of(&first)), (404, "miss".into()));
    let again = public(&path);
    assert_eq!((again.status().as_u16(), cache_of(&again)), (404, "hit".into()));
    assert_eq!(public(&format!("/status/{slug}")).status(), 404);

    let created = account
        .client()
        .post("/api/v1/status-pages", json!({ "slug": slug, "title": "Now here" }))
        .data(201)
        .clone();
    assert_eq!(public_json(&slug)["title"], "Now here");
    let moved = unique_slug("moved");
    account
        .client()
        .patch(
            &format!("/api/v1/status-pages/{}", created["id"].as_str().unwrap()),
            json!({ "slug": moved }),
        )
        .data(200);
    assert_eq!(public(&path).status(), 404, "the old slug is dropped");
    assert_eq!(public_json(&moved)["title"], "Now here");
}

#[test]
fn a_status_change_drops_the_cached_page() {
    let (account, target) = (Account::register("statuscache"), HttpTarget::start());
    let body = json!({ "type": "http", "name": "Login", "url": target.url("/switch"), "interval_seconds": 1, "failure_threshold": 1 });
    let monitor = account.create_monitor(body)["id"].as_str().unwrap().to_string();
    let slug = a_page_of(&account, "status", &[&monitor]);
    account.wait_until_status(&monitor, "up");
    wait_for(10, "the page to say operational", || {
        (public_json(&slug)["overall_status"] == "operational").then_some(())
    });
    let cached = public(&format!("/status/{slug}/monitors/{monitor}/badge.svg"));
    assert_eq!(cache_of(&cached), "hit");
    let cached_at = std::time::Instant::now();

    target.set_switch(503);
    account.wait_until_status(&monitor, "down");
    // The object drops the page just after D1 took the status and the hub the event.
    let badge = wait_for(2, "the badge to say down", || {
        let badge = public(&format!("/status/{slug}/monitors/{monitor}/badge.svg"));
        let cache = cache_of(&badge);
        badge.text().unwrap().contains(">down<").then_some(cache)
    });
    // Sooner than an entry expires (10 s in memory, 60 s at the edge): a
    // stale badge would still be served had the change not dropped it.
    assert!(
        cached_at.elapsed().as_secs() < 8,
        "the monitor took too long to go down"
    );
    assert_eq!(badge, "miss");
}
