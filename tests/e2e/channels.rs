//! Notification channels end to end: CRUD with masked secrets, another
//! organization's channel is 404, validation names the field; a monitor
//! going down and up reaches a loopback receiver as signed
//! `incident.detected` / `incident.resolved` (signatures checked with the
//! independent `standardwebhooks` Python package); retries after 500, give
//! up after the last attempt, survive a restart; filters; test-send; rotation.

use super::support::{wait_for, Account, Client, Server, TempDir};
use super::targets::HttpTarget;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread;

/// One request a receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// `POST /hook`: the method and the path with its query.
    request_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// A webhook receiver on loopback: records every request, and answers with
/// the queued status codes first, then with `otherwise`.
#[derive(Clone)]
pub(crate) struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
    queued: Arc<Mutex<VecDeque<u16>>>,
    otherwise: Arc<Mutex<u16>>,
}

impl Receiver {
    pub(crate) fn start(otherwise: u16, queued: &[u16]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let receiver = Receiver {
            port: listener.local_addr().unwrap().port(),
            got: Arc::default(),
            queued: Arc::new(Mutex::new(queued.iter().copied().collect())),
            otherwise: Arc::new(Mutex::new(otherwise)),
        };
        let shared = receiver.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let receiver = shared.clone();
                thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    let _ = reader.read_line(&mut line);
                    let request_line = line.rsplit_once(' ').map_or("", |(start, _)| start).to_string();
                    let (mut headers, mut length) = (Vec::new(), 0);
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).map_or(true, |n| n <= 2) {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':') {
                            let value = value.trim().to_string();
                            if name.eq_ignore_ascii_case("content-length") {
                                length = value.parse().unwrap_or(0);
                            }
                            headers.push((name.trim().to_string(), value));
                        }
                    }
                    let mut body = vec![0; length];
                    let _ = reader.read_exact(&mut body);
                    let code = receiver
                        .queued
                        .lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or(*receiver.otherwise.lock().unwrap());
                    receiver.got.lock().unwrap().push(Received {
                        request_line,
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let mut stream = stream;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {code} Status\r\nContent-Length: 8\r\nConnection: close\r\n\r\nreceived"
                    );
                });
            }
        });
        receiver
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    pub(crate) fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn answer(&self, code: u16) {
        *self.otherwise.lock().unwrap() = code;
    }

    /// Waits for the `n`th request (1-based).
    #[track_caller]
    pub(crate) fn wait_for(&self, n: usize, seconds: u64) -> Received {
        wait_for(seconds, &format!("request {n} at the receiver"), || {
            self.got().get(n - 1).cloned()
        })
    }
}

/// Whether the `standardwebhooks` package accepts the request as signed with `secret`.
fn verifies(secret: &str, received: &Received) -> bool {
    let script = "import sys, json\nfrom standardwebhooks.webhooks import Webhook\n\
        secret, body, headers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])\n\
        try:\n    Webhook(secret).verify(body, headers)\nexcept Exception as e:\n    print(e); sys.exit(1)\n";
    let headers = json!({
        "webhook-id": received.header("webhook-id"),
        "webhook-timestamp": received.header("webhook-timestamp"),
        "webhook-signature": received.header("webhook-signature"),
    });
    Command::new("python3")
        .args(["-c", script, secret, &received.body, &headers.to_string()])
        .status()
        .expect("python3 runs")
        .success()
}

/// A Worker of the test's own with 1-second checks and short retries.
fn server(label: &str, backoff: &str) -> (TempDir, Server, Client) {
    server_with(label, backoff, &[])
}

/// `server`, with more settings.
fn server_with(label: &str, backoff: &str, more: &[(&str, &str)]) -> (TempDir, Server, Client) {
    let state = TempDir::new(label);
    let mut settings = vec![
        ("PW_DELIVERY_BACKOFF_SECONDS", backoff),
        ("PW_MIN_INTERVAL_SECONDS", "1"),
        ("PW_MIN_GRACE_SECONDS", "1"),
        ("CRON_EVERY_SECONDS", "0"),
    ];
    settings.extend_from_slice(more);
    let server = Server::start(&state.0, &settings);
    let client = Account::register_on(&server.url, label).client().on(&server.url);
    (state, server, client)
}

pub(crate) fn webhook(client: &Client, url: &str, extra: Value) -> Value {
    let mut body = json!({ "name": "On call", "kind": "webhook", "url": url });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    client.post("/api/v1/channels", body).data(201).clone()
}

fn deliveries(client: &Client, channel_id: &str) -> Vec<Value> {
    client
        .get(&format!("/api/v1/channels/{channel_id}/deliveries"))
        .data(200)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn channels_are_created_masked_scoped_and_validated() {
    let owner = Account::register("channels-owner");
    let client = owner.client();
    let created = webhook(
        &client,
        "http://127.0.0.1:9/hook?token=s3cret",
        json!({ "events": ["incident.detected"] }),
    );
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("ch_"));
    let secret = created["signing_secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{created}");
    assert!(!created["url"].as_str().unwrap().contains("s3cret"));

    let shown = client.get(&format!("/api/v1/channels/{id}")).data(200).clone();
    assert_eq!(shown["signing_secret"], "********");
    assert_eq!(shown["events"], json!(["incident.detected"]));
    assert_eq!(shown["monitor_ids"], Value::Null);
    assert!(!shown.to_string().contains("s3cret") && !shown.to_string().contains(secret));
    let listed = client.get("/api/v1/channels").data(200).clone();
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // The masked URL sent back keeps the stored token.
    let patched = client
        .patch(
            &format!("/api/v1/channels/{id}"),
            json!({ "name": "Pager", "url": shown["url"] }),
        )
        .data(200)
        .clone();
    assert_eq!(patched["name"], "Pager");
    assert_eq!(patched["url"], shown["url"]);

    // Viewers read; another organization sees nothing.
    let read_only = Client::bearer(&owner.api_key(&["read"]));
    read_only.get(&format!("/api/v1/channels/{id}")).data(200);
    read_only
        .post(
            "/api/v1/channels",
            json!({ "name": "x", "kind": "webhook", "url": "http://127.0.0.1:9/" }),
        )
        .error(403, "insufficient_scope");
    let stranger = Account::register("channels-stranger").client();
    stranger.get(&format!("/api/v1/channels/{id}")).error(404, "not_found");
    stranger
        .patch(&format!("/api/v1/channels/{id}"), json!({ "name": "mine" }))
        .error(404, "not_found");
    stranger
        .post(&format!("/api/v1/channels/{id}/test"), json!({}))
        .error(404, "not_found");
    stranger
        .get(&format!("/api/v1/channels/{id}/deliveries"))
        .error(404, "not_found");
    stranger
        .delete(&format!("/api/v1/channels/{id}"))
        .error(404, "not_found");

    let bad = |body: Value, field: &str| client.post("/api/v1/channels", body).invalid(field);
    bad(
        json!({ "name": "x", "kind": "fax", "url": "http://127.0.0.1/" }),
        "kind",
    );
    bad(json!({ "name": "x", "kind": "webhook" }), "url");
    bad(json!({ "name": "x", "kind": "webhook", "url": "not a url" }), "url");
    bad(
        json!({ "name": "x", "kind": "webhook", "url": "http://127.0.0.1/", "events": ["nope"] }),
        "events",
    );
    bad(
        json!({ "name": "x", "kind": "webhook", "url": "http://127.0.0.1/", "monitor_ids": ["mon_nope"] }),
        "monitor_ids",
    );
    bad(
        json!({ "name": "x", "kind": "webhook", "url": "http://127.0.0.1/", "remind_every_minutes": 1 }),
        "remind_every_minutes",
    );

    // The free plan's limit, in the shape of every plan limit.
    webhook(&client, "http://127.0.0.1:9/2", json!({}));
    webhook(&client, "http://127.0.0.1:9/3", json!({}));
    client
        .post(
            "/api/v1/channels",
            json!({ "name": "x", "kind": "webhook", "url": "http://127.0.0.1:9/4" }),
        )
        .error(403, "plan_limit");

    assert_eq!(client.delete(&format!("/api/v1/channels/{id}")).status, 204);
    client.get(&format!("/api/v1/channels/{id}")).error(404, "not_found");
}

#[test]
fn a_monitor_going_down_and_up_is_delivered_signed_and_filtered() {
    let (_state, _server, client) = server("channels-flow", "1,1,1");
    let target = HttpTarget::start();
    target.set_switch(200);
    let receiver = Receiver::start(200, &[]);
    let filtered = Receiver::start(200, &[]);
    let monitor = client
        .post(
            "/api/v1/monitors",
            json!({ "type": "http", "name": "Shop", "url": target.url("/switch"), "interval_seconds": 1, "failure_threshold": 1 }),
        )
        .data(201)
        .clone();
    let monitor_id = monitor["id"].as_str().unwrap();
    let channel = webhook(&client, &receiver.url(), json!({ "monitor_ids": [monitor_id] }));
    let secret = channel["signing_secret"].as_str().unwrap().to_string();
    // Hears only resolutions, and of another monitor only: never called.
    let other = client
        .post(
            "/api/v1/monitors",
            json!({ "type": "http", "name": "Other", "url": target.url("/ok"), "interval_seconds": 60 }),
        )
        .data(201)
        .clone();
    webhook(&client, &filtered.url(), json!({ "monitor_ids": [other["id"]] }));
    let resolved_only = Receiver::start(200, &[]);
    webhook(
        &client,
        &resolved_only.url(),
        json!({ "events": ["incident.resolved"] }),
    );

    target.set_switch(500);
    let detected = receiver.wait_for(1, 30);
    let body = detected.json();
    assert_eq!(body["event"], "incident.detected");
    assert_eq!(body["reason"], "failed");
    assert_eq!(body["service_id"], monitor_id);
    assert_eq!(body["service_name"], "Shop");
    assert!(body["details"].as_str().unwrap().contains("500"), "{body}");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(body["incident"]["id"].as_str().unwrap().starts_with("inc_"));
    assert!(body["organization_id"].as_str().unwrap().starts_with("org_"));
    assert!(verifies(&secret, &detected), "the detected event's signature");
    assert!(!verifies("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &detected));

    target.set_switch(200);
    let resolved = receiver.wait_for(2, 30);
    let body2 = resolved.json();
    assert_eq!(body2["event"], "incident.resolved");
    assert_eq!(body2["incident"]["id"], body["incident"]["id"]);
    assert_eq!(body2["incident"]["status"], "resolved");
    assert!(verifies(&secret, &resolved));

    let got = resolved_only.wait_for(1, 10);
    assert_eq!(got.json()["event"], "incident.resolved");
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(resolved_only.got().len(), 1);
    assert!(filtered.got().is_empty());
    assert_eq!(receiver.got().len(), 2);

    let log = deliveries(&client, channel["id"].as_str().unwrap());
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["event"], "incident.resolved");
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["attempts"][0]["status_code"], 200);
    assert_eq!(log[0]["attempts"][0]["answer"], "received");
}

#[test]
fn a_missed_heartbeat_is_detected_with_reason_missed_and_deleting_the_monitor_resolves_it() {
    let (_state, server, client) = server("channels-missed", "1,1,1");
    let receiver = Receiver::start(200, &[]);
    let channel = webhook(&client, &receiver.url(), json!({}));
    let monitor = client
        .post(
            "/api/v1/monitors",
            json!({ "type": "heartbeat", "name": "Nightly backup", "interval_seconds": 1, "grace_seconds": 1 }),
        )
        .data(201)
        .clone();
    let pinged = Client::anonymous()
        .on(&server.url)
        .get(&format!("/p/{}", monitor["token"].as_str().unwrap()));
    assert_eq!(pinged.status, 200);
    let got = receiver.wait_for(1, 20);
    let body = got.json();
    assert_eq!(body["event"], "incident.detected");
    assert_eq!(body["reason"], "missed");
    assert_eq!(body["service_id"], monitor["id"]);
    assert_eq!(body["monitor"]["kind"], "heartbeat");
    assert!(verifies(channel["signing_secret"].as_str().unwrap(), &got));

    // Deleting the monitor while it is down resolves its incident, and says so.
    let deleted = client.delete(&format!("/api/v1/monitors/{}", monitor["id"].as_str().unwrap()));
    assert_eq!(deleted.status, 204);
    let resolved = receiver.wait_for(2, 20).json();
    assert_eq!(resolved["event"], "incident.resolved");
    assert_eq!(resolved["incident"]["id"], body["incident"]["id"]);
    assert_eq!(resolved["details"], "The monitor was deleted.");
    let incident = client.get(&format!(
        "/api/v1/incidents/{}",
        body["incident"]["id"].as_str().unwrap()
    ));
    assert_eq!(incident.data(200)["status"], "resolved");
}

#[test]
fn an_event_the_hub_could_not_take_is_handed_over_later_exactly_once() {
    let (_state, server, client) = server("channels-handoff", "1,1,1");
    let target = HttpTarget::start();
    target.set_switch(200);
    let receiver = Receiver::start(200, &[]);
    webhook(&client, &receiver.url(), json!({ "events": ["incident.detected"] }));
    let monitor = client
        .post(
            "/api/v1/monitors",
            json!({ "type": "http", "name": "Shop", "url": target.url("/switch"), "interval_seconds": 1, "failure_threshold": 1 }),
        )
        .data(201)
        .clone();
    let id = monitor["id"].as_str().unwrap();
    wait_for(20, "the monitor to be up", || {
        (client.get(&format!("/api/v1/monitors/{id}")).data(200)["status"] == "up").then_some(())
    });
    // The hub cannot read the channels: it refuses the event, and the
    // monitor's object keeps it.
    server.d1("ALTER TABLE channels RENAME TO channels_away");
    target.set_switch(500);
    wait_for(20, "the monitor to be down", || {
        (client.get(&format!("/api/v1/monitors/{id}")).data(200)["status"] == "down").then_some(())
    });
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(receiver.got().is_empty());
    server.d1("ALTER TABLE channels_away RENAME TO channels");
    let got = receiver.wait_for(1, 20);
    assert_eq!(got.json()["event"], "incident.detected");
    assert_eq!(got.json()["service_id"], id);
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(receiver.got().len(), 1, "handed over once");
}

#[test]
fn test_sends_answer_at_once_and_rotation_replaces_the_secret() {
    let (_state, _server, client) = server("channels-test-send", "1,1,1");
    let receiver = Receiver::start(200, &[]);
    let channel = webhook(&client, &receiver.url(), json!({}));
    let id = channel["id"].as_str().unwrap();
    let old = channel["signing_secret"].as_str().unwrap().to_string();

    let sent = client
        .post(&format!("/api/v1/channels/{id}/test"), json!({}))
        .data(200)
        .clone();
    assert_eq!(sent["status"], "delivered", "{sent}");
    assert_eq!(sent["attempts"][0]["status_code"], 200);
    assert!(sent["attempts"][0]["latency_ms"].is_number());
    let first = receiver.wait_for(1, 5);
    assert_eq!(first.json()["event"], "test");
    assert!(verifies(&old, &first));

    let rotated = client
        .post(&format!("/api/v1/channels/{id}/rotate-secret"), json!({}))
        .data(200)
        .clone();
    let new = rotated["signing_secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(
        client.get(&format!("/api/v1/channels/{id}")).data(200)["signing_secret"],
        "********"
    );
    client.post(&format!("/api/v1/channels/{id}/test"), json!({})).data(200);
    let second = receiver.wait_for(2, 5);
    assert!(verifies(&new, &second));
    assert!(!verifies(&old, &second), "the old secret no longer verifies");

    // A receiver that refuses (4xx) fails at once, without retries.
    let refusing = Receiver::start(404, &[]);
    let refused = webhook(&client, &refusing.url(), json!({}));
    let answer = client
        .post(
            &format!("/api/v1/channels/{}/test", refused["id"].as_str().unwrap()),
            json!({}),
        )
        .data(200)
        .clone();
    assert_eq!(answer["status"], "failed");
    assert_eq!(answer["attempts"][0]["status_code"], 404);
}

#[test]
fn failed_attempts_are_retried_until_delivered_or_given_up() {
    let (_state, _server, client) = server("channels-retry", "1,1,1");
    let flaky = Receiver::start(200, &[500]);
    let channel = webhook(&client, &flaky.url(), json!({}));
    let id = channel["id"].as_str().unwrap();
    let first = client
        .post(&format!("/api/v1/channels/{id}/test"), json!({}))
        .data(200)
        .clone();
    assert_eq!(first["status"], "pending");
    assert!(first["next_retry_at"].is_string());
    let delivered = wait_for(20, "the retry to deliver", || {
        deliveries(&client, id).into_iter().find(|d| d["status"] == "delivered")
    });
    assert_eq!(delivered["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(delivered["attempts"][0]["status_code"], 500);
    assert_eq!(flaky.got().len(), 2);
    // The same event id on every attempt.
    assert_eq!(flaky.got()[0].header("webhook-id"), flaky.got()[1].header("webhook-id"));

    let down = Receiver::start(500, &[]);
    let broken = webhook(&client, &down.url(), json!({}));
    let broken_id = broken["id"].as_str().unwrap();
    client
        .post(&format!("/api/v1/channels/{broken_id}/test"), json!({}))
        .data(200);
    let failed = wait_for(30, "the delivery to be given up", || {
        deliveries(&client, broken_id)
            .into_iter()
            .find(|d| d["status"] == "failed")
    });
    assert_eq!(failed["attempts"].as_array().unwrap().len(), 4, "1 attempt + 3 retries");
    assert_eq!(failed["next_retry_at"], Value::Null);

    // A manual retry sends it again.
    down.answer(200);
    let dlv = failed["id"].as_str().unwrap();
    client
        .post(&format!("/api/v1/deliveries/{dlv}/retry"), json!({}))
        .data(200);
    wait_for(20, "the manual retry to deliver", || {
        deliveries(&client, broken_id)
            .into_iter()
            .find(|d| d["status"] == "delivered")
    });
    Account::register_on(&client.base, "channels-retry-stranger")
        .client()
        .on(&client.base)
        .post(&format!("/api/v1/deliveries/{dlv}/retry"), json!({}))
        .error(404, "not_found");
}

#[test]
fn a_delivery_waiting_for_its_retry_survives_a_restart() {
    let state = TempDir::new("channels-restart");
    let settings = [("PW_DELIVERY_BACKOFF_SECONDS", "5,5,5"), ("CRON_EVERY_SECONDS", "0")];
    let server = Server::start(&state.0, &settings);
    let account = Account::register_on(&server.url, "channels-restart");
    let client = account.client().on(&server.url);
    let receiver = Receiver::start(500, &[]);
    let channel = webhook(&client, &receiver.url(), json!({}));
    let id = channel["id"].as_str().unwrap().to_string();
    let first = client
        .post(&format!("/api/v1/channels/{id}/test"), json!({}))
        .data(200)
        .clone();
    assert_eq!(first["status"], "pending");
    drop(server);

    receiver.answer(200);
    let server = Server::start(&state.0, &settings);
    let client = client.on(&server.url);
    server.fire_cron(None);
    let delivered = wait_for(30, "the delivery after the restart", || {
        deliveries(&client, &id)
            .into_iter()
            .find(|d| d["status"] == "delivered")
    });
    assert_eq!(delivered["id"], first["id"]);
    assert_eq!(receiver.got().len(), 2);
}

#[test]
fn a_hung_or_huge_receiver_blocks_no_other_channel() {
    let (_state, _server, client) = server("channels-hung", "60");
    let target = HttpTarget::start();
    let hung = webhook(&client, &target.url("/slow/30000"), json!({}));
    let huge = webhook(&client, &target.url("/big"), json!({}));
    let receiver = Receiver::start(200, &[]);
    webhook(&client, &receiver.url(), json!({}));

    // A manual incident fans out to all three.
    let started = std::time::Instant::now();
    client
        .post(
            "/api/v1/incidents",
            json!({ "title": "Database maintenance", "message": "Starting now." }),
        )
        .data(201);
    let got = receiver.wait_for(1, 10);
    assert!(
        started.elapsed().as_secs() < 5,
        "the good receiver waited on the others"
    );
    let body = got.json();
    assert_eq!(body["event"], "incident.updated");
    assert_eq!(body["reason"], "manual");
    assert_eq!(body["incident"]["title"], "Database maintenance");
    assert_eq!(body["details"], "Starting now.");

    let big = wait_for(15, "the huge answer's delivery", || {
        deliveries(&client, huge["id"].as_str().unwrap())
            .into_iter()
            .find(|d| d["status"] == "delivered")
    });
    let answer = big["attempts"][0]["answer"].as_str().unwrap();
    assert!(answer.len() <= 1024 && answer.starts_with("xxx"), "{}", answer.len());
    assert!(
        target.big_bytes_sent() < 50 * 1024 * 1024,
        "the rest of the answer was not downloaded"
    );

    // The 10 s timeout, plus the hub's turn under a loaded suite (seen past 20 s in CI).
    let timed_out = wait_for(45, "the hung receiver's timeout", || {
        deliveries(&client, hung["id"].as_str().unwrap())
            .into_iter()
            .find(|d| d["attempts"].as_array().is_some_and(|a| !a.is_empty()))
    });
    assert_eq!(timed_out["status"], "pending", "a timeout is retried");
    assert!(timed_out["attempts"][0]["error"]
        .as_str()
        .unwrap()
        .contains("no answer within 10 s"));
    assert!(timed_out["next_retry_at"].is_string());
}

#[test]
fn private_addresses_are_refused_unless_the_deployment_allows_them() {
    let state = TempDir::new("channels-strict");
    let server = Server::start(
        &state.0,
        &[("PW_ALLOW_PRIVATE_TARGETS", "false"), ("CRON_EVERY_SECONDS", "0")],
    );
    let client = Account::register_on(&server.url, "channels-strict")
        .client()
        .on(&server.url);
    let bad = |url: &str| {
        client
            .post(
                "/api/v1/channels",
                json!({ "name": "x", "kind": "webhook", "url": url }),
            )
            .invalid("url")
    };
    bad("https://127.0.0.1/hook");
    bad("https://10.0.0.7/hook");
    bad("http://hooks.example.com/hook");
    let made = client
        .post(
            "/api/v1/channels",
            json!({ "name": "x", "kind": "webhook", "url": "https://hooks.example.com/hook" }),
        )
        .data(201)
        .clone();
    client
        .patch(
            &format!("/api/v1/channels/{}", made["id"].as_str().unwrap()),
            json!({ "url": "https://localhost/x" }),
        )
        .invalid("url");
}

/// Takes a little over 5 minutes: reminders are at least 5 minutes apart.
#[test]
fn an_incident_still_open_is_reminded_until_it_resolves() {
    let (_state, _server, client) = server("channels-remind", "1,1,1");
    let target = HttpTarget::start();
    target.set_switch(500);
    let receiver = Receiver::start(200, &[]);
    webhook(&client, &receiver.url(), json!({ "remind_every_minutes": 5 }));
    client
        .post(
            "/api/v1/monitors",
            json!({ "type": "http", "name": "Shop", "url": target.url("/switch"), "interval_seconds": 1, "failure_threshold": 1 }),
        )
        .data(201);
    let detected = receiver.wait_for(1, 30).json();
    assert_eq!(detected["event"], "incident.detected");
    let reminded = receiver.wait_for(2, 330).json();
    assert_eq!(reminded["event"], "incident.detected");
    assert_eq!(reminded["incident"]["id"], detected["incident"]["id"]);
    assert_eq!(reminded["id"], format!("{}_r1", detected["id"].as_str().unwrap()));
    target.set_switch(200);
    let resolved = receiver.wait_for(3, 30).json();
    assert_eq!(resolved["event"], "incident.resolved");
    assert_eq!(resolved["incident"]["id"], detected["incident"]["id"]);
}

#[test]
fn credentials_in_a_channel_url_reach_the_receiver_as_basic_auth() {
    let (_state, _server, client) = server("channels-basic-auth", "1,1,1");
    let receiver = Receiver::start(200, &[]);
    let url = receiver.url().replace("http://", "http://alert:s3cret@");
    let channel = webhook(&client, &url, json!({}));
    let id = channel["id"].as_str().unwrap();
    let sent = client.post(&format!("/api/v1/channels/{id}/test"), json!({}));
    assert_eq!(sent.data(200)["status"], "delivered", "{}", sent.body);
    let got = receiver.wait_for(1, 5);
    assert_eq!(got.header("authorization"), "Basic YWxlcnQ6czNjcmV0");
}

/// What each kind's receiver must get: the detected message, then the
/// resolved one, in the provider's documented shape. `incident` is the
/// incident's id, from the generic webhook's body.
fn assert_provider_shape(kind: &str, detected: &Received, resolved: &Received, incident: &str) {
    let (down, up) = (detected.json(), resolved.json());
    let says = |message: &Received, text: &str| {
        assert!(message.body.contains(text), "{kind}: {text:?} not in {}", message.body)
    };
    says(detected, "Shop is down");
    // PagerDuty's resolve event carries no text: only the dedup key.
    if kind != "pagerduty" {
        says(resolved, "Shop is back up");
    }
    let posted = |message: &Received, path: &str| assert_eq!(message.request_line, format!("POST /{kind}{path}"));
    match kind {
        "webhook" => {
            posted(detected, "");
            assert_eq!(
                (down["event"].as_str(), up["event"].as_str()),
                (Some("incident.detected"), Some("incident.resolved"))
            );
        }
        "slack" => {
            posted(detected, "");
            assert_eq!(down["attachments"][0]["color"], "#d92d20");
            assert_eq!(up["attachments"][0]["color"], "#12b76a");
            assert_eq!(down["attachments"][0]["blocks"][0]["type"], "header");
        }
        "discord" => {
            posted(detected, "");
            let embed = &down["embeds"][0];
            assert_eq!(embed["color"], 0xD92D20);
            assert!(embed["title"].as_str().unwrap().chars().count() <= 256);
            assert!(embed["fields"].as_array().unwrap().len() <= 25);
            assert_eq!(up["embeds"][0]["color"], 0x12B76A);
            assert_eq!(down["allowed_mentions"]["parse"], json!([]), "never pings @everyone");
        }
        "teams" => {
            posted(detected, "");
            let card = &down["attachments"][0]["content"];
            assert_eq!(
                down["attachments"][0]["contentType"],
                "application/vnd.microsoft.card.adaptive"
            );
            assert_eq!(
                (card["type"].as_str(), card["body"][0]["color"].as_str()),
                (Some("AdaptiveCard"), Some("Attention"))
            );
            assert_eq!(up["attachments"][0]["content"]["body"][0]["color"], "Good");
        }
        "google_chat" => {
            posted(detected, "?messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
            assert_eq!(down["thread"]["threadKey"], incident, "one thread per incident");
            assert_eq!(up["thread"]["threadKey"], incident);
            assert!(down["cardsV2"][0]["card"]["header"]["title"].is_string());
        }
        "telegram" => {
            posted(detected, "/bot123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11/sendMessage");
            assert_eq!(
                (down["chat_id"].as_str(), down["parse_mode"].as_str()),
                (Some("-1001234"), Some("HTML"))
            );
            assert!(down["text"].as_str().unwrap().starts_with("<b>"));
        }
        "pagerduty" => {
            posted(detected, "/v2/enqueue");
            posted(resolved, "/v2/enqueue");
            assert_eq!(
                (down["event_action"].as_str(), up["event_action"].as_str()),
                (Some("trigger"), Some("resolve"))
            );
            assert_eq!(
                (down["dedup_key"].as_str(), up["dedup_key"].as_str()),
                (Some(incident), Some(incident))
            );
            assert_eq!(down["routing_key"], "0123456789abcdef0123456789abcdef");
            assert_eq!(down["payload"]["severity"], "error");
        }
        "opsgenie" => {
            posted(detected, "/v2/alerts");
            posted(resolved, &format!("/v2/alerts/{incident}/close?identifierType=alias"));
            assert_eq!(down["alias"], incident);
            assert_eq!(
                detected.header("authorization"),
                "GenieKey eb243592-faa2-4ba2-a551-1afdf565c889"
            );
        }
        "ntfy" => {
            posted(detected, "/");
            assert_eq!(
                (
                    down["topic"].as_str(),
                    down["priority"].as_u64(),
                    up["priority"].as_u64()
                ),
                (Some("alerts"), Some(5), Some(3))
            );
        }
        "pushover" => {
            posted(detected, "/1/messages.json");
            assert_eq!(
                (down["token"].as_str(), down["user"].as_str()),
                (
                    Some("azGDORePK8gMaC0QOYAMyEEuzJnyUi"),
                    Some("uQiRzpo4DXghDmr9QzzfQu27cmVRsG")
                )
            );
            assert_eq!((down["priority"].as_u64(), up["priority"].as_u64()), (Some(1), Some(0)));
        }
        "gotify" => {
            posted(detected, "/message");
            assert_eq!(detected.header("x-gotify-key"), "AbCdEf123");
            assert_eq!((down["priority"].as_u64(), up["priority"].as_u64()), (Some(8), Some(5)));
        }
        "matrix" => {
            let room = "/matrix/_matrix/client/v3/rooms/%21abc%3Aexample.org/send/m.room.message/";
            assert!(
                detected.request_line.starts_with(&format!("PUT {room}evt_")),
                "{}",
                detected.request_line
            );
            assert_ne!(
                detected.request_line, resolved.request_line,
                "a transaction id per event"
            );
            assert_eq!(detected.header("authorization"), "Bearer syt_secret");
            assert_eq!(
                (down["msgtype"].as_str(), down["format"].as_str()),
                (Some("m.notice"), Some("org.matrix.custom.html"))
            );
        }
        "email" => {
            posted(detected, "/emails");
            assert_eq!(detected.header("authorization"), "Bearer re_secret");
            assert!(detected.header("idempotency-key").starts_with("evt_"));
            assert_eq!(down["to"], json!(["ops@example.com"]));
            assert!(down["subject"].as_str().unwrap().contains("Shop is down"));
            assert!(down["html"].as_str().unwrap().starts_with("<h2>"));
        }
        other => panic!("no expectations for kind {other}"),
    }
}

#[test]
fn every_kind_hears_a_monitor_go_down_and_up_in_its_providers_shape() {
    let receiver = Receiver::start(200, &[]);
    let base = |kind: &str| format!("http://127.0.0.1:{}/{kind}", receiver.port);
    let (telegram, pagerduty, opsgenie, pushover, email) = (
        base("telegram"),
        base("pagerduty"),
        base("opsgenie"),
        base("pushover"),
        base("email"),
    );
    let (_state, _server, client) = server_with(
        "channels-kinds",
        "1,1,1",
        &[
            ("PW_DEFAULT_PLAN", "pro"),
            ("PW_TELEGRAM_API_URL", &telegram),
            ("PW_PAGERDUTY_API_URL", &pagerduty),
            ("PW_OPSGENIE_API_URL", &opsgenie),
            ("PW_PUSHOVER_API_URL", &pushover),
            ("PW_EMAIL_API_URL", &email),
        ],
    );
    let channels = [
        json!({ "kind": "webhook", "url": base("webhook") }),
        json!({ "kind": "slack", "url": base("slack") }),
        json!({ "kind": "discord", "url": base("discord") }),
        json!({ "kind": "teams", "url": base("teams") }),
        json!({ "kind": "google_chat", "url": base("google_chat") }),
        json!({ "kind": "telegram", "bot_token": "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "chat_id": "-1001234" }),
        json!({ "kind": "pagerduty", "routing_key": "0123456789abcdef0123456789abcdef" }),
        json!({ "kind": "opsgenie", "api_key": "eb243592-faa2-4ba2-a551-1afdf565c889" }),
        json!({ "kind": "ntfy", "server": base("ntfy"), "topic": "alerts" }),
        json!({ "kind": "pushover", "token": "azGDORePK8gMaC0QOYAMyEEuzJnyUi", "user_key": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG" }),
        json!({ "kind": "gotify", "server": base("gotify"), "app_token": "AbCdEf123" }),
        json!({ "kind": "matrix", "homeserver": base("matrix"), "access_token": "syt_secret", "room_id": "!abc:example.org" }),
        json!({ "kind": "email", "api_key": "re_secret", "from": "Pingwarden <alerts@example.com>", "to": ["ops@example.com"] }),
    ];
    for mut channel in channels.clone() {
        channel["name"] = channel["kind"].clone();
        client.post("/api/v1/channels", channel).data(201);
    }
    let target = HttpTarget::start();
    target.set_switch(200);
    client
        .post(
            "/api/v1/monitors",
            json!({ "type": "http", "name": "Shop", "url": target.url("/switch"), "interval_seconds": 1, "failure_threshold": 1 }),
        )
        .data(201);
    target.set_switch(500);
    receiver.wait_for(channels.len(), 30);
    target.set_switch(200);
    receiver.wait_for(2 * channels.len(), 30);

    // Requests by kind: the first segment of the path is the kind's.
    let of_kind = |kind: &str| -> Vec<Received> {
        let prefix = format!("/{kind}");
        receiver
            .got()
            .into_iter()
            .filter(|r| {
                let path = r.request_line.split(' ').nth(1).unwrap_or_default();
                path == prefix || path.starts_with(&format!("{prefix}/")) || path.starts_with(&format!("{prefix}?"))
            })
            .collect()
    };
    let webhook = of_kind("webhook");
    let incident = webhook[0].json()["incident"]["id"].as_str().unwrap().to_string();
    for channel in &channels {
        let kind = channel["kind"].as_str().unwrap();
        let got = of_kind(kind);
        assert_eq!(got.len(), 2, "{kind}: one detected and one resolved message: {got:?}");
        assert_provider_shape(kind, &got[0], &got[1], &incident);
    }
}
