//! `GET /api/v1/metrics`, read by a Prometheus text-format parser that is
//! not ours (prometheus_client's, driven by `metrics_parser.py`): the
//! figures agree with the API's own, any reading credential works, no
//! credential gets 401, one organization never sees another's monitors,
//! no secret of a monitor shows, and an answer is kept 15 seconds.

use crate::support::{wait_for, Account, Client, Credential, Reply};
use crate::targets::HttpTarget;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The samples prometheus_client's parser read from a metrics answer.
struct Scrape {
    text: String,
    samples: Vec<Value>,
}

impl Scrape {
    /// Asserts a 200 in the text format and parses it.
    #[track_caller]
    fn of(reply: &Reply) -> Scrape {
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.header("Content-Type"), Some(CONTENT_TYPE));
        let text = reply.body.as_str().expect("a text answer").to_string();
        let families = parse(&text);
        let samples = families
            .iter()
            .flat_map(|family| family["samples"].as_array().cloned().unwrap_or_default())
            .collect();
        Scrape { text, samples }
    }

    /// The value of the one sample of `name` whose labels include `labels`.
    #[track_caller]
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let found: Vec<f64> = self
            .samples
            .iter()
            .filter(|s| s["name"] == name && labels.iter().all(|(k, v)| s["labels"][k] == *v))
            .map(|s| s["value"].as_f64().expect("a number"))
            .collect();
        assert!(found.len() <= 1, "{name} {labels:?} has {} samples", found.len());
        found.first().copied()
    }

    /// The labels of the first sample of `name` for monitor `id`.
    fn labels(&self, name: &str, id: &str) -> Value {
        self.samples
            .iter()
            .find(|s| s["name"] == name && s["labels"]["monitor_id"] == id)
            .map(|s| s["labels"].clone())
            .unwrap_or(Value::Null)
    }
}

/// prometheus_client's reading of `text`: fails the test if it cannot parse it.
#[track_caller]
fn parse(text: &str) -> Vec<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/metrics_parser.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs metrics_parser.py");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .expect("the parser reads the text");
    let output = child.wait_with_output().expect("the parser ends");
    assert!(
        output.status.success(),
        "prometheus_client could not parse the answer: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let families: Value = serde_json::from_slice(&output.stdout).expect("the parser's JSON");
    families.as_array().cloned().unwrap_or_default()
}

fn scrape(client: &Client) -> Scrape {
    Scrape::of(&client.get("/api/v1/metrics"))
}

fn read_key_client(account: &Account) -> Client {
    Client {
        credential: Credential::ApiKeyHeader(account.api_key(&["read"])),
        ..Client::anonymous()
    }
}

fn id_of(monitor: &Value) -> String {
    monitor["id"].as_str().unwrap().to_string()
}

#[test]
fn the_metrics_agree_with_the_api_and_show_no_secret() {
    let (account, target) = (Account::register("metrics"), HttpTarget::start());
    // One check each now, the next in an hour: the figures stay still.
    let up = id_of(&account.create_monitor(json!({
        "type": "http", "name": "Checkout \"EU\" \\ api", "tags": ["prod", "api"],
        "url": target.url("/ok").replace("http://", "http://user:s3cret-pass@"),
        "headers": { "Authorization": "Bearer s3cret-token" },
        "interval_seconds": 3600, "failure_threshold": 1,
    })));
    let down = id_of(&account.create_monitor(json!({
        "type": "http", "name": "Failing", "url": target.url("/status/503"),
        "interval_seconds": 3600, "failure_threshold": 1,
    })));
    let paused = id_of(&account.create_monitor(json!({
        "type": "http", "name": "Paused", "url": target.url("/ok"), "interval_seconds": 3600,
    })));
    account
        .client()
        .post(&format!("/api/v1/monitors/{paused}/pause"), json!({}))
        .data(200);
    let beat = account.create_monitor(json!({
        "type": "heartbeat", "name": "Nightly backup", "interval_seconds": 3600, "grace_seconds": 60,
    }));
    let beat_id = id_of(&beat);
    let pinged = Client::anonymous().get(&format!("/p/{}", beat["token"].as_str().unwrap()));
    assert_eq!(pinged.status, 200, "{}", pinged.body);
    account.wait_until_status(&up, "up");
    account.wait_until_status(&down, "down");
    account.wait_until_status(&beat_id, "up");
    account.wait_until_status(&paused, "paused");

    let uptime = |id: &str| account.client().get(&format!("/api/v1/monitors/{id}/uptime")).data(200)["windows"].clone();
    let before: Vec<Value> = [&up, &down].iter().map(|id| uptime(id)).collect();
    let metrics = scrape(&read_key_client(&account));
    let after: Vec<Value> = [&up, &down].iter().map(|id| uptime(id)).collect();
    assert_eq!(
        before.iter().map(|w| &w["24h"]["checks"]).collect::<Vec<_>>(),
        after.iter().map(|w| &w["24h"]["checks"]).collect::<Vec<_>>(),
        "no check ran while scraping"
    );

    // Status, as GET /api/v1/monitors/{id} says it; `up` only with a verdict.
    for id in [&up, &down, &paused, &beat_id] {
        let status = account.monitor_status(id);
        for each in ["pending", "up", "down", "paused"] {
            let expected = if each == status { 1.0 } else { 0.0 };
            assert_eq!(
                metrics.value("pingwarden_monitor_status", &[("monitor_id", id), ("status", each)]),
                Some(expected),
                "{id} {each}"
            );
        }
        let verdict = match status.as_str() {
            "up" => Some(1.0),
            "down" => Some(0.0),
            _ => None,
        };
        assert_eq!(
            metrics.value("pingwarden_monitor_up", &[("monitor_id", id)]),
            verdict,
            "{id}"
        );
    }

    // Checks, latency and uptime, as /uptime counts them.
    for (id, windows) in [&up, &down].into_iter().zip(&after) {
        let day = &windows["24h"];
        let (checks, failures) = (day["checks"].as_f64().unwrap(), day["failures"].as_f64().unwrap());
        assert!(checks >= 1.0, "{id}: {day}");
        let count = |result| {
            metrics.value(
                "pingwarden_monitor_checks_total",
                &[("monitor_id", id), ("result", result)],
            )
        };
        assert_eq!(
            (count("up"), count("down")),
            (Some(checks - failures), Some(failures)),
            "{id}: {day}"
        );
        let latency = metrics.value("pingwarden_monitor_latency_seconds", &[("monitor_id", id)]);
        assert_eq!(
            latency,
            day["avg_response_ms"].as_f64().map(|ms| ms / 1000.0),
            "{id}: {day}"
        );
        for window in ["24h", "30d"] {
            let ratio = metrics
                .value(
                    "pingwarden_monitor_uptime_ratio",
                    &[("monitor_id", id), ("window", window)],
                )
                .unwrap_or_else(|| panic!("{id} has a {window} uptime"));
            let pct = windows[window]["uptime_pct"].as_f64().unwrap();
            assert!((ratio * 100.0 - pct).abs() < 0.5, "{id} {window}: {ratio} vs {pct}%");
        }
    }
    assert_eq!(
        metrics.value(
            "pingwarden_monitor_uptime_ratio",
            &[("monitor_id", &up), ("window", "24h")]
        ),
        Some(1.0)
    );
    assert_eq!(
        metrics.value(
            "pingwarden_monitor_uptime_ratio",
            &[("monitor_id", &down), ("window", "24h")]
        ),
        Some(0.0)
    );

    // Labels: escaped, and read back as given by a real parser.
    let labels = metrics.labels("pingwarden_monitor_up", &up);
    assert_eq!(
        labels,
        json!({ "monitor_id": up, "name": "Checkout \"EU\" \\ api", "type": "http", "tags": "prod,api" })
    );
    assert!(
        metrics.text.contains(r#"name="Checkout \"EU\" \\ api""#),
        "{}",
        metrics.text
    );

    // The heartbeat: its period and grace, no checks.
    let beat_labels = [("monitor_id", beat_id.as_str())];
    assert_eq!(
        metrics.value("pingwarden_monitor_interval_seconds", &beat_labels),
        Some(3600.0)
    );
    assert_eq!(
        metrics.value("pingwarden_heartbeat_grace_seconds", &beat_labels),
        Some(60.0)
    );
    assert_eq!(
        metrics.value(
            "pingwarden_monitor_checks_total",
            &[("monitor_id", &beat_id), ("result", "up")]
        ),
        None
    );
    // Its one ping (which made it up, so D1 has it) was a moment ago; a
    // monitor that is not a heartbeat has no ping age.
    let age = metrics
        .value("pingwarden_heartbeat_last_ping_age_seconds", &beat_labels)
        .expect("the heartbeat's last ping age");
    assert!((0.0..120.0).contains(&age), "the ping was seconds ago: {age}");
    assert_eq!(
        metrics.value("pingwarden_heartbeat_last_ping_age_seconds", &[("monitor_id", &up)]),
        None
    );

    // Open incidents by impact, as the incident list has them.
    let incidents = account.client().get("/api/v1/incidents").data(200).clone();
    for impact in ["none", "minor", "major", "critical"] {
        let open = incidents
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["impact"] == impact && i["status"] != "resolved")
            .count();
        assert_eq!(
            metrics.value("pingwarden_incidents_open", &[("impact", impact)]),
            Some(open as f64),
            "{impact}"
        );
    }
    assert_eq!(
        metrics.value("pingwarden_incidents_open", &[("impact", "major")]),
        Some(1.0)
    );

    // No secret, and no target at all: a URL may hold credentials.
    for secret in ["s3cret", &format!(":{}", target.port), "/status/503"] {
        assert!(!metrics.text.contains(secret), "{secret} is shown:\n{}", metrics.text);
    }
}

#[test]
fn any_reading_credential_gets_the_metrics_and_none_gets_401() {
    let account = Account::register("metrics-auth");
    account
        .create_monitor(json!({ "type": "heartbeat", "name": "Job", "interval_seconds": 3600, "grace_seconds": 60 }));
    let read_key = account.api_key(&["read"]);
    let clients = [
        Client::bearer(&read_key),
        Client {
            credential: Credential::ApiKeyHeader(read_key.clone()),
            ..Client::anonymous()
        },
        Client::bearer(&account.api_key(&["read", "write"])),
        account.client(),
    ];
    for client in clients {
        let metrics = scrape(&client);
        assert!(
            metrics.text.contains("pingwarden_monitor_status{"),
            "{:?}: {}",
            client.credential,
            metrics.text
        );
    }
    let refused = [
        Client::anonymous(),
        Client::bearer("pw_live_00000000000000000000000000000000"),
    ];
    for client in refused {
        let reply = client.get("/api/v1/metrics");
        reply.error(401, "unauthorized");
        assert!(reply
            .header("Content-Type")
            .unwrap_or_default()
            .starts_with("application/json"));
    }
    let wrong_method = account.client().post("/api/v1/metrics", json!({}));
    wrong_method.error(405, "method_not_allowed");
}

#[test]
fn another_organizations_monitors_never_appear() {
    let (first, second) = (Account::register("metrics-a"), Account::register("metrics-b"));
    let mine =
        id_of(&first.create_monitor(
            json!({ "type": "heartbeat", "name": "Mine", "interval_seconds": 3600, "grace_seconds": 60 }),
        ));
    let theirs = id_of(&second.create_monitor(
        json!({ "type": "heartbeat", "name": "Theirs", "interval_seconds": 3600, "grace_seconds": 60 }),
    ));
    let (mine_seen, theirs_seen) = (scrape(&read_key_client(&first)), scrape(&read_key_client(&second)));
    assert!(mine_seen.text.contains(&mine) && !mine_seen.text.contains(&theirs));
    assert!(!mine_seen.text.contains("Theirs"));
    assert!(theirs_seen.text.contains(&theirs) && !theirs_seen.text.contains(&mine));
    // Naming the other organization is not a way in: it is not found.
    let outsider = first.client().in_organization(&second.org_id).get("/api/v1/metrics");
    outsider.error(404, "not_found");
    assert!(!outsider.body.to_string().contains(&theirs));
}

#[test]
fn an_answer_is_kept_fifteen_seconds() {
    let account = Account::register("metrics-cache");
    let client = read_key_client(&account);
    let first = scrape(&client);
    let started = Instant::now();
    let generated = first.value("pingwarden_metrics_generated_timestamp_seconds", &[]);
    let new = id_of(&account.create_monitor(
        json!({ "type": "heartbeat", "name": "Later", "interval_seconds": 3600, "grace_seconds": 60 }),
    ));
    let again = scrape(&client);
    assert_eq!(again.text, first.text, "kept");
    let fresh = wait_for(40, "the kept answer to expire", || {
        std::thread::sleep(Duration::from_secs(1));
        let next = scrape(&client);
        next.text.contains(&new).then_some(next)
    });
    assert!(started.elapsed() >= Duration::from_secs(14), "{:?}", started.elapsed());
    assert!(fresh.value("pingwarden_metrics_generated_timestamp_seconds", &[]) > generated);
}
