//! Manual incidents: creation, changes and the timeline of updates.

use crate::support::{http_monitor, Account};
use serde_json::json;

#[test]
fn a_manual_incident_goes_through_its_lifecycle() {
    let account = Account::register("manual");
    let monitor = account.create_monitor(http_monitor("api"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let created = account.client().post(
        "/api/v1/incidents",
        json!({ "title": "Elevated API errors", "impact": "major", "message": "We are looking into it.", "monitor_ids": [monitor] }),
    );
    let incident = created.data(201).clone();
    let id = incident["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("inc_"));
    assert_eq!(
        (
            incident["status"].clone(),
            incident["kind"].clone(),
            incident["impact"].clone()
        ),
        (json!("investigating"), json!("manual"), json!("major"))
    );
    assert_eq!(incident["monitor_ids"], json!([monitor]));
    assert_eq!(incident["updates"][0]["message"], "We are looking into it.");

    let path = format!("/api/v1/incidents/{id}");
    let patched = account
        .client()
        .patch(&path, json!({ "title": "API errors in EU", "impact": "minor" }));
    assert_eq!(
        (patched.data(200)["title"].clone(), patched.data(200)["impact"].clone()),
        (json!("API errors in EU"), json!("minor"))
    );

    for (status, message) in [
        ("identified", "A bad deploy."),
        ("monitoring", "Rolled back."),
        ("resolved", "All good."),
    ] {
        let updated = account.client().post(
            &format!("{path}/updates"),
            json!({ "status": status, "message": message }),
        );
        assert_eq!(updated.data(201)["status"], status);
    }
    let resolved = account.client().get(&path).data(200).clone();
    assert!(resolved["resolved_at"].as_str().is_some());
    assert!(resolved["duration_seconds"].as_i64().is_some());
    let timeline: Vec<&str> = resolved["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(timeline, ["investigating", "identified", "monitoring", "resolved"]);

    // Reopening clears the resolution; a status change through PATCH is on the timeline too.
    let reopened = account
        .client()
        .patch(&path, json!({ "status": "investigating" }))
        .data(200)
        .clone();
    assert!(reopened["resolved_at"].is_null());
    assert_eq!(
        reopened["updates"].as_array().unwrap().last().unwrap()["message"],
        "Status changed to investigating."
    );
}

#[test]
fn incidents_are_listed_newest_first_with_filters() {
    let account = Account::register("list");
    let monitor = account.create_monitor(http_monitor("api"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let titles = ["first", "second", "third"];
    for (i, title) in titles.iter().enumerate() {
        let monitor_ids = if i == 1 { json!([monitor]) } else { json!([]) };
        account
            .client()
            .post(
                "/api/v1/incidents",
                json!({ "title": title, "monitor_ids": monitor_ids }),
            )
            .data(201);
    }
    let list = account.client().get("/api/v1/incidents");
    let listed: Vec<&str> = list
        .data(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["third", "second", "first"]);
    let by_monitor = account.client().get(&format!("/api/v1/incidents?monitor_id={monitor}"));
    assert_eq!(by_monitor.body["count"], 1);
    assert_eq!(by_monitor.body["data"][0]["title"], "second");
    assert_eq!(
        account.client().get("/api/v1/incidents?status=resolved").body["count"],
        0
    );
    let page = account.client().get("/api/v1/incidents?limit=2");
    let next = page.body["next_cursor"].as_str().unwrap().to_string();
    assert_eq!(
        account
            .client()
            .get(&format!("/api/v1/incidents?limit=2&cursor={next}"))
            .body["data"][0]["title"],
        "first"
    );
    account
        .client()
        .get("/api/v1/incidents?status=sleeping")
        .error(400, "invalid_query");
}

#[test]
fn incident_input_is_validated() {
    let (account, other) = (Account::register("validate"), Account::register("other"));
    let foreign = other.create_monitor(http_monitor("theirs"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cases = [
        (json!({}), "title"),
        (json!({ "title": "" }), "title"),
        (json!({ "title": "x", "status": "panicking" }), "status"),
        (json!({ "title": "x", "impact": "apocalyptic" }), "impact"),
        (json!({ "title": "x", "monitor_ids": "mon_1" }), "monitor_ids"),
        (json!({ "title": "x", "monitor_ids": [foreign] }), "monitor_ids"),
        (json!({ "title": "x", "severity": 3 }), "severity"),
    ];
    for (body, field) in cases {
        account.client().post("/api/v1/incidents", body).invalid(field);
    }
    let id = account
        .client()
        .post("/api/v1/incidents", json!({ "title": "x" }))
        .data(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    account
        .client()
        .post(
            &format!("/api/v1/incidents/{id}/updates"),
            json!({ "message": "no status" }),
        )
        .invalid("status");
    account
        .client()
        .post(
            &format!("/api/v1/incidents/{id}/updates"),
            json!({ "status": "monitoring" }),
        )
        .invalid("message");
    account
        .client()
        .patch(&format!("/api/v1/incidents/{id}"), json!({ "impact": "huge" }))
        .invalid("impact");
    other
        .client()
        .get(&format!("/api/v1/incidents/{id}"))
        .error(404, "not_found");
    other
        .client()
        .patch(&format!("/api/v1/incidents/{id}"), json!({ "title": "mine" }))
        .error(404, "not_found");
    other
        .client()
        .post(
            &format!("/api/v1/incidents/{id}/updates"),
            json!({ "status": "resolved", "message": "mine" }),
        )
        .error(404, "not_found");
}

#[test]
fn deleting_a_monitor_that_is_down_resolves_its_incident() {
    let account = Account::register("deleted-down");
    let monitor = account.create_monitor(json!({
        "type": "http", "name": "Closed port", "url": "http://127.0.0.1:9/",
        "interval_seconds": 60, "failure_threshold": 1
    }));
    let id = monitor["id"].as_str().unwrap();
    account.wait_until_status(id, "down");
    let incidents = format!("/api/v1/incidents?monitor_id={id}");
    let open = account.client().get(&incidents).data(200)[0].clone();
    assert_eq!(open["status"], "investigating");

    assert_eq!(account.client().delete(&format!("/api/v1/monitors/{id}")).status, 204);
    let path = format!("/api/v1/incidents/{}", open["id"].as_str().unwrap());
    let closed = account.client().get(&path).data(200).clone();
    assert_eq!(closed["status"], "resolved", "{closed}");
    assert_eq!(
        closed["updates"].as_array().unwrap().last().unwrap()["message"],
        "The monitor was deleted."
    );
}
