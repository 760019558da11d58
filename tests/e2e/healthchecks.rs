//! Healthchecks compatibility: `/ping/{uuid}` in every form, slug pings
//! under an organization's ping key (with and without `?create=1`), the
//! `/api/v3` subset in Healthchecks' shapes, and the importers from
//! Healthchecks (its API, through a loopback fixture server, or its answer)
//! and Uptime Kuma (a backup file), with malformed files.

use crate::support::{base_url, http_monitor, Account, Client};
use reqwest::blocking::Client as Http;
use reqwest::Method;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread;

fn uuid() -> String {
    let hex: String = pingwarden::domain::ids::random_base62(64)
        .bytes()
        .map(|b| char::from_digit(u32::from(b) % 16, 16).unwrap())
        .take(32)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn ping(method: Method, path: &str) -> (u16, String) {
    let response = Http::new()
        .request(method, format!("{}{path}", base_url()))
        .body("job output")
        .send()
        .unwrap();
    (response.status().as_u16(), response.text().unwrap())
}

fn beat(account: &Account, extra: Value) -> String {
    let mut body = json!({ "type": "heartbeat", "name": "backup", "interval_seconds": 60, "grace_seconds": 60 });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    account.create_monitor(body)["id"].as_str().unwrap().to_string()
}

fn kinds(account: &Account, id: &str) -> Vec<String> {
    let pings = account.client().get(&format!("/api/v1/monitors/{id}/pings?limit=50"));
    pings
        .data(200)
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_healthchecks_ping_form_is_answered_and_recorded_as_healthchecks_does() {
    let account = Account::register("hc-pings");
    let uuid = uuid();
    let id = beat(&account, json!({ "hc_uuid": uuid.to_uppercase() }));
    let cases = [
        (Method::GET, format!("/ping/{uuid}/start"), "start"),
        (Method::POST, format!("/ping/{uuid}"), "success"),
        (Method::HEAD, format!("/ping/{uuid}/0"), "success"),
        (Method::POST, format!("/ping/{uuid}/fail"), "fail"),
        (Method::GET, format!("/ping/{uuid}/3?rid=run-1"), "fail"),
        (Method::POST, format!("/ping/{uuid}/log"), "log"),
    ];
    for (method, path, _) in &cases {
        let head = *method == Method::HEAD;
        assert_eq!(
            ping(method.clone(), path),
            (200, if head { "" } else { "OK" }.to_string()),
            "{path}"
        );
    }
    let expected: Vec<&str> = cases.iter().map(|(_, _, kind)| *kind).collect();
    assert_eq!(kinds(&account, &id), expected);
    // A log ping changes nothing: the failure stands.
    assert_eq!(
        account.client().get(&format!("/api/v1/monitors/{id}")).data(200)["status"],
        "down"
    );
    assert_eq!(
        ping(Method::GET, &format!("/ping/{}", self::uuid())),
        (404, "not found".into())
    );
    assert_eq!(ping(Method::GET, &format!("/ping/{uuid}/256")).0, 400);
}

#[test]
fn an_hc_uuid_is_one_monitors_only() {
    let (first, second) = (Account::register("hc-owner"), Account::register("hc-other"));
    let uuid = uuid();
    beat(&first, json!({ "hc_uuid": uuid }));
    let body = json!({ "type": "heartbeat", "name": "copy", "hc_uuid": uuid });
    second
        .client()
        .post("/api/v1/monitors", body)
        .error(409, "hc_uuid_taken");
    let body = json!({ "type": "heartbeat", "name": "bad", "hc_uuid": "not-a-uuid" });
    second.client().post("/api/v1/monitors", body).invalid("hc_uuid");
}

#[test]
fn slug_pings_use_the_organizations_ping_key_and_create_on_first_ping_when_asked() {
    let account = Account::register("hc-slugs");
    let id = beat(&account, json!({ "slug": "db-backup" }));
    assert_eq!(
        account.client().get("/api/v1/me").data(200)["organization"]["ping_key"],
        Value::Null
    );
    let path = format!("/api/v1/organizations/{}/ping-key", account.org_id);
    let key = account.client().post(&path, json!({})).data(201)["ping_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        account.client().get("/api/v1/me").data(200)["organization"]["ping_key"],
        key.as_str()
    );
    assert_eq!(ping(Method::GET, &format!("/ping/{key}/db-backup")), (200, "OK".into()));
    assert_eq!(
        ping(Method::POST, &format!("/ping/{key}/db-backup/fail")),
        (200, "OK".into())
    );
    assert_eq!(kinds(&account, &id), ["success", "fail"]);
    // Unknown without create=1; created with it, then pinged as usual.
    assert_eq!(
        ping(Method::GET, &format!("/ping/{key}/new-job")),
        (404, "not found".into())
    );
    assert_eq!(
        ping(Method::GET, &format!("/ping/{key}/new-job?create=1")),
        (201, "Created".into())
    );
    assert_eq!(
        ping(Method::GET, &format!("/ping/{key}/new-job?create=1")),
        (200, "OK".into())
    );
    let monitors = account.client().get("/api/v1/monitors?type=heartbeat");
    let created = monitors
        .data(200)
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["slug"] == "new-job")
        .cloned()
        .unwrap();
    assert_eq!(
        (created["name"].as_str(), created["interval_seconds"].as_u64()),
        (Some("new-job"), Some(86_400))
    );
    // The audit log says the ping key made it, and holds no key.
    let log = account
        .client()
        .get(&format!(
            "/api/v1/audit-log?target_id={}",
            created["id"].as_str().unwrap()
        ))
        .data(200)
        .clone();
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(
        (&entries[0]["action"], &entries[0]["actor"]),
        (
            &json!("monitor.created"),
            &json!({ "type": "ping_key", "id": "ping_key" })
        ),
        "{log}"
    );
    assert!(!log.to_string().contains(&key), "the ping key is never logged");
    // Two monitors with one slug: ambiguous.
    beat(&account, json!({ "slug": "twin" }));
    beat(&account, json!({ "slug": "twin" }));
    assert_eq!(
        ping(Method::GET, &format!("/ping/{key}/twin")),
        (409, "ambiguous slug".into())
    );
    // A monitor that lost its slug before the rotation (so its object was
    // not told the new key) and got it back after.
    let nightly = beat(&account, json!({ "slug": "nightly" }));
    assert_eq!(ping(Method::GET, &format!("/ping/{key}/nightly")), (200, "OK".into()));
    let nightly_path = format!("/api/v1/monitors/{nightly}");
    account.client().patch(&nightly_path, json!({ "slug": null })).data(200);
    // A rotation: the old key fails at once, the new one works.
    let new_key = account.client().post(&path, json!({})).data(201)["ping_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(ping(Method::GET, &format!("/ping/{key}/db-backup")).0, 404);
    assert_eq!(
        ping(Method::GET, &format!("/ping/{new_key}/db-backup")),
        (200, "OK".into())
    );
    account
        .client()
        .patch(&nightly_path, json!({ "slug": "nightly" }))
        .data(200);
    assert_eq!(
        ping(Method::GET, &format!("/ping/{new_key}/nightly")),
        (200, "OK".into())
    );
    assert_eq!(ping(Method::GET, &format!("/ping/{key}/nightly")).0, 404);
    let log = account
        .client()
        .get("/api/v1/audit-log?action=organization.ping_key_rotated");
    assert_eq!(log.data(200).as_array().unwrap().len(), 2);
}

#[test]
fn a_create_ping_refuses_an_impossible_slug_and_a_full_plan_in_text() {
    let account = Account::register("hc-create-refused");
    let path = format!("/api/v1/organizations/{}/ping-key", account.org_id);
    let key = account.client().post(&path, json!({})).data(201)["ping_key"]
        .as_str()
        .unwrap()
        .to_string();
    let text_of = |path: &str| {
        let reply = Client::anonymous().get(path);
        assert!(
            reply
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/plain")),
            "{path}: {:?}",
            reply.headers
        );
        (reply.status, reply.body.as_str().unwrap_or_default().to_string())
    };
    // Too long, and a number (it would read as an exit status).
    for slug in ["a".repeat(101), "42".to_string()] {
        assert_eq!(
            text_of(&format!("/ping/{key}/{slug}?create=1")),
            (400, "invalid url format".into()),
            "{slug}"
        );
    }
    // The free plan's 20: two monitors probed from all nine regions, two heartbeats.
    let everywhere = json!(["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"]);
    for i in 0..2 {
        let mut probed = http_monitor(&format!("m{i}"));
        probed["regions"] = everywhere.clone();
        account.create_monitor(probed);
        beat(&account, json!({ "name": format!("beat {i}") }));
    }
    let (status, message) = text_of(&format!("/ping/{key}/one-more?create=1"));
    assert_eq!(status, 403, "{message}");
    assert!(message.contains("plan allows 20 monitors"), "{message}");
    assert_eq!(account.client().get("/api/v1/monitors").body["count"], 4);
}

#[test]
fn the_v3_subset_answers_in_healthchecks_shapes() {
    let account = Account::register("hc-v3");
    let uuid = uuid();
    beat(
        &account,
        json!({ "hc_uuid": uuid, "tags": ["db", "prod"], "slug": "nightly", "description": "pg_dump" }),
    );
    beat(&account, json!({ "name": "no uuid" }));
    let key = account.api_key(&["read", "write"]);
    let hc = Client::anonymous().with_header("X-Api-Key", &key);
    let list = hc.get("/api/v3/checks/");
    assert_eq!(list.status, 200, "{}", list.body);
    let checks = list.body["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 1);
    let check = &checks[0];
    assert_eq!(
        (check["uuid"].as_str(), check["tags"].as_str(), check["status"].as_str()),
        (Some(uuid.as_str()), Some("db prod"), Some("new"))
    );
    assert_eq!(
        (
            check["timeout"].as_u64(),
            check["grace"].as_u64(),
            check["desc"].as_str()
        ),
        (Some(60), Some(60), Some("pg_dump"))
    );
    assert!(check["ping_url"].as_str().unwrap().ends_with(&format!("/ping/{uuid}")));
    assert!(check.get("unique_key").is_none(), "{check}");
    assert_eq!(
        hc.get("/api/v3/checks/?tag=db&tag=prod").body["checks"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        hc.get("/api/v3/checks/?tag=other").body["checks"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    ping(Method::GET, &format!("/ping/{uuid}/start?rid=r1"));
    ping(Method::GET, &format!("/ping/{uuid}?rid=r1"));
    let single = hc.get(&format!("/api/v3/checks/{uuid}"));
    assert_eq!((single.status, single.body["status"].as_str()), (200, Some("up")));
    assert!(single.body["last_ping"].as_str().unwrap().ends_with("+00:00"));
    let pings = hc.get(&format!("/api/v3/checks/{uuid}/pings/"));
    let pings = pings.body["pings"].as_array().unwrap();
    assert_eq!(
        pings.iter().map(|p| p["type"].as_str().unwrap()).collect::<Vec<_>>(),
        ["success", "start"]
    );
    assert_eq!(
        (pings[0]["rid"].as_str(), pings[0]["n"].as_i64().is_some()),
        (Some("r1"), true)
    );
    assert!(pings[0]["duration"].is_number());
    assert_eq!(hc.post(&format!("/api/v3/checks/{uuid}/resume"), json!({})).status, 409);
    assert_eq!(
        hc.post(&format!("/api/v3/checks/{uuid}/pause"), json!({})).body["status"],
        "paused"
    );
    assert_eq!(
        hc.post(&format!("/api/v3/checks/{uuid}/resume"), json!({})).body["status"],
        "new"
    );
    let missing = Client::anonymous().get("/api/v3/checks/");
    assert_eq!(
        (missing.status, missing.body["error"].as_str()),
        (401, Some("missing api key"))
    );
    let reader = Client::anonymous().with_header("X-Api-Key", &account.api_key(&["read"]));
    // A read-only key is not shown the UUID (it pings the check), as in
    // Healthchecks: a stable unique_key stands for it.
    let listed = reader.get("/api/v3/checks/");
    let check = &listed.body["checks"][0];
    assert!(check["unique_key"].as_str().is_some_and(|k| k.len() == 40), "{check}");
    for field in ["uuid", "ping_url", "update_url", "pause_url", "resume_url"] {
        assert!(check.get(field).is_none(), "{field} in {check}");
    }
    assert!(!listed.body.to_string().contains(&uuid), "{}", listed.body);
    let single = reader.get(&format!("/api/v3/checks/{uuid}"));
    assert_eq!((single.status, &single.body["unique_key"]), (200, &check["unique_key"]));
    assert!(single.body.get("uuid").is_none(), "{}", single.body);
    // Nor does the audit log show it.
    let log = account.client().get("/api/v1/audit-log?action=monitor.created");
    assert_eq!(log.status, 200);
    assert!(!log.body.to_string().contains(&uuid), "{}", log.body);
    let refused = reader.post(&format!("/api/v3/checks/{uuid}/pause"), json!({}));
    assert_eq!(
        (refused.status, refused.body["error"].as_str()),
        (401, Some("wrong api key"))
    );
    let other = Client::anonymous().with_header("X-Api-Key", &Account::register("hc-v3-other").api_key(&["read"]));
    assert_eq!(other.get(&format!("/api/v3/checks/{uuid}")).status, 404);
}

/// The Healthchecks fixture with fresh UUIDs (they are unique in the whole deployment).
fn checks_fixture(name: &str) -> (String, Vec<String>) {
    let mut text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/healthchecks/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut fresh = Vec::new();
    for old in [
        "31365bce-8da9-4729-8ff3-aaa71d56b712",
        "803f680d-e89b-492b-82ef-2be7b774a92d",
        "4cd5f8f4-b0b6-4a3c-9c84-ad2c1d76b7a6",
    ] {
        let new = uuid();
        text = text.replace(old, &new);
        fresh.push(new);
    }
    (text, fresh)
}

/// A Healthchecks instance on loopback answering `GET /api/v3/checks/`
/// with `answer` for the key `key`, 401 for any other.
fn healthchecks_server(answer: String, key: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut line, mut authorized, mut first) = (String::new(), false, String::new());
            // The request line and headers; a GET has no body.
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                if first.is_empty() {
                    first = line.clone();
                }
                authorized |= line.to_ascii_lowercase() == format!("x-api-key: {key}\r\n");
                line.clear();
            }
            let (status, body) = match (first.starts_with("GET /api/v3/checks/ "), authorized) {
                (true, true) => ("200 OK", answer.clone()),
                (true, false) => ("401 Unauthorized", r#"{"error": "wrong api key"}"#.to_string()),
                _ => ("404 Not Found", "{}".to_string()),
            };
            let _ = write!(stream, "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    format!("http://127.0.0.1:{port}")
}

#[test]
fn a_healthchecks_import_fetches_the_checks_maps_them_and_is_idempotent() {
    let account = Account::register("hc-import");
    let (answer, uuids) = checks_fixture("checks.json");
    let server = healthchecks_server(answer, "hc-key");
    let body = json!({ "api_url": format!("{server}/"), "api_key": "hc-key" });
    let dry = account
        .client()
        .post("/api/v1/import/healthchecks?dry_run=true", body.clone());
    assert_eq!(
        dry.data(200)["summary"],
        json!({ "create": 2, "update": 0, "delete": 0, "unchanged": 0, "skip": 1 })
    );
    assert_eq!(account.client().get("/api/v1/monitors").body["count"], 0);
    let report = account.client().post("/api/v1/import/healthchecks", body.clone());
    let report = report.data(200);
    assert_eq!(report["summary"]["create"], 2);
    assert!(report["skipped"][0]["reason"].as_str().unwrap().contains("OnCalendar"));
    let monitors = account.client().get("/api/v1/monitors");
    let cron = monitors
        .data(200)
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["hc_uuid"] == uuids[1].as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        (
            cron["schedule"].as_str(),
            cron["timezone"].as_str(),
            cron["slug"].as_str()
        ),
        (Some("15 5 * * *"), Some("Europe/Riga"), Some("database-backup"))
    );
    assert_eq!(ping(Method::GET, &format!("/ping/{}", uuids[0])), (200, "OK".into()));
    let again = account.client().post("/api/v1/import/healthchecks", body);
    assert_eq!(again.data(200)["summary"]["unchanged"], 2);
    assert_eq!(account.client().get("/api/v1/monitors").body["count"], 2);
    let wrong = json!({ "api_url": server, "api_key": "nope" });
    account
        .client()
        .post("/api/v1/import/healthchecks", wrong)
        .invalid("api_key");
}

#[test]
fn a_malformed_healthchecks_answer_names_the_entry_and_imports_nothing() {
    let account = Account::register("hc-malformed");
    let (text, _) = checks_fixture("malformed-grace.json");
    let reply = account
        .client()
        .post("/api/v1/import/healthchecks", serde_json::from_str(&text).unwrap());
    reply.invalid("checks[1].grace");
    let (text, _) = checks_fixture("not-a-list.json");
    account
        .client()
        .post("/api/v1/import/healthchecks", serde_json::from_str(&text).unwrap())
        .invalid("checks");
    // One UUID twice: refused before anything is imported.
    let check = |name: &str, uuid: &str| json!({ "name": name, "uuid": uuid, "grace": 60, "timeout": 60 });
    let (twice, other) = (uuid(), uuid());
    let answer = json!({ "checks": [check("a", &twice), check("b", &other), check("c", &twice)] });
    account
        .client()
        .post("/api/v1/import/healthchecks", answer)
        .invalid("checks[2].uuid");
    assert_eq!(account.client().get("/api/v1/monitors").body["count"], 0);
}

/// The dashboard's client: the session cookies, the CSRF header and our origin.
fn dashboard(account: &Account) -> Client {
    let credentials = json!({ "email": account.email, "password": account.password });
    let opened = Client::anonymous()
        .with_header("Origin", &base_url())
        .post("/api/v1/auth/session", credentials);
    assert_eq!(opened.status, 201, "{}", opened.body);
    let pairs: Vec<&str> = opened
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .collect();
    let csrf = pairs.iter().find_map(|p| p.strip_prefix("pw_csrf=")).unwrap();
    Client::anonymous()
        .with_header("Cookie", &pairs.join("; "))
        .with_header("X-CSRF-Token", csrf)
        .with_header("Origin", &base_url())
}

#[test]
fn a_dashboard_session_imports_as_its_user() {
    // An import's changes are API calls made with the caller's credential:
    // the dashboard's is its cookie and CSRF header.
    let account = Account::register("hc-import-session");
    let (text, _) = checks_fixture("checks.json");
    let answer: Value = serde_json::from_str(&text).unwrap();
    let report = dashboard(&account).post("/api/v1/import/healthchecks", answer);
    assert_eq!(report.data(200)["summary"]["create"], 2, "{}", report.body);
    assert_eq!(account.client().get("/api/v1/monitors").body["count"], 2);
}

fn kuma_fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/uptime-kuma/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn an_uptime_kuma_backup_imports_its_monitors_and_reports_the_rest() {
    let account = Account::register("kuma-import");
    let report = account
        .client()
        .post("/api/v1/import/uptime-kuma", kuma_fixture("backup.json"));
    let report = report.data(200);
    // Five monitors and two channels (Discord, Slack); skipped: a ping and
    // a group monitor, an SMTP notification and one no monitor uses.
    assert_eq!(report["summary"]["create"], 7, "{report}");
    assert_eq!(report["summary"]["skip"], 4, "{report}");
    let monitors = account.client().get("/api/v1/monitors");
    let types: Vec<&str> = monitors
        .data(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    for kind in ["http", "tcp", "dns", "heartbeat"] {
        assert!(types.contains(&kind), "{types:?}");
    }
    let website = monitors
        .data(200)
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Website")
        .unwrap()["id"]
        .clone();
    let channels = account.client().get("/api/v1/channels");
    let channels = channels.data(200).as_array().unwrap().clone();
    let discord = channels
        .iter()
        .find(|c| c["kind"] == "discord")
        .expect("the Discord channel");
    assert_eq!(
        (&discord["name"], &discord["monitor_ids"]),
        (&json!("Ops Discord"), &json!([website]))
    );
    let slack = channels
        .iter()
        .find(|c| c["kind"] == "slack")
        .expect("the Slack channel");
    assert_eq!(
        (slack["monitor_ids"].as_array().map(Vec::len), &slack["enabled"]),
        (Some(2), &json!(false))
    );
    assert!(
        !slack.to_string().contains("hooks.slack.com/services/T0/B0/x"),
        "the webhook URL is a secret: {slack}"
    );
    let again = account
        .client()
        .post("/api/v1/import/uptime-kuma", kuma_fixture("backup.json"));
    assert_eq!(again.data(200)["summary"]["create"], 0);
    let malformed = account.client().post(
        "/api/v1/import/uptime-kuma?dry_run=true",
        kuma_fixture("malformed-port.json"),
    );
    malformed.invalid("monitorList[2].port");
    assert_eq!(account.client().get("/api/v1/monitors").body["count"], 5);
    assert_eq!(account.client().get("/api/v1/channels").body["count"], 2);
}
