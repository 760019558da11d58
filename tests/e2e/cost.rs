//! The cost budget of docs/COST.md, held: with `PW_COST_LOG=true` every
//! invocation logs what it used (`src/meter.rs`), and a steady check or ping
//! must use no more than the model says. A change that adds a write, a D1
//! query or an object request to these paths fails here.

use crate::support::{wait_for, Account, Server, TempDir};
use crate::targets::HttpTarget;
use pingwarden::domain::cost::Invocation;
use reqwest::blocking::Client as Http;
use serde_json::json;

/// The `cost:` lines logged since `from` (a length of the log).
fn invocations_since(server: &Server, from: usize) -> Vec<Invocation> {
    server.log()[from..].lines().filter_map(Invocation::parse).collect()
}

#[test]
fn a_steady_check_writes_its_result_and_its_alarm_and_a_ping_writes_only_itself() {
    let state = TempDir::new("cost");
    let server = Server::start(&state.0, &[("CRON_EVERY_SECONDS", "0"), ("PW_COST_LOG", "true")]);
    let client = Account::register_on(&server.url, "cost").client().on(&server.url);
    let target = HttpTarget::start();
    let steady = client
        .post(
            "/api/v1/monitors",
            json!({ "type": "http", "name": "steady", "url": target.url("/"), "interval_seconds": 1 }),
        )
        .data(201)
        .clone();
    // The first checks change the status (pending → up) and take the lease.
    wait_for(30, "three checks", || (target.requests() >= 3).then_some(()));
    let from = server.log().len();
    wait_for(30, "three more checks", || (target.requests() >= 6).then_some(()));
    let alarms: Vec<Invocation> = invocations_since(&server, from)
        .into_iter()
        .filter(|i| i.object == "monitor" && i.event == "alarm")
        .collect();
    assert!(alarms.len() >= 2, "steady checks logged: {alarms:?}");
    for alarm in &alarms {
        assert_eq!(
            (alarm.rows_written, alarm.d1_queries, alarm.subrequests),
            (2, 0, 1),
            "a steady check writes its result and its next alarm, reads no D1 and makes one probe: {alarm:?}"
        );
    }

    // The steady monitor stops here so its alarms do not mix with the pings'
    // lines (the ping count below keeps to the ping's own events anyway: an
    // alarm already running when the monitor is deleted still logs).
    let deleted = client.delete(&format!("/api/v1/monitors/{}", steady["id"].as_str().unwrap()));
    assert_eq!(deleted.status, 204, "the steady monitor deleted");

    let beat = client
        .post(
            "/api/v1/monitors",
            json!({ "type": "heartbeat", "name": "beat", "interval_seconds": 3600, "grace_seconds": 3600 }),
        )
        .data(201)
        .clone();
    let url = format!("{}/p/{}", server.url, beat["token"].as_str().unwrap());
    let http = Http::new();
    // The first ping changes the status (pending → up); its lines reach the
    // log a moment after its answer.
    let before = server.log().len();
    assert_eq!(http.get(&url).send().unwrap().status(), 200, "the first ping");
    wait_for(10, "the first ping's lines", || {
        let lines = invocations_since(&server, before);
        (lines.iter().any(|i| i.event == "/ping") && lines.iter().any(|i| i.event == "ping")).then_some(())
    });
    let from = server.log().len();
    for _ in 0..3 {
        assert_eq!(http.get(&url).send().unwrap().status(), 200);
    }
    // Each line is logged as its invocation ends, which can be just after the answer.
    let lines = wait_for(10, "the pings' lines", || {
        let lines: Vec<Invocation> = invocations_since(&server, from)
            .into_iter()
            .filter(|i| i.event == "/ping" || i.event == "ping")
            .collect();
        let count = |event: &str| lines.iter().filter(|i| i.event == event).count();
        (count("/ping") >= 3 && count("ping") >= 3).then_some(lines)
    });
    let (requests, objects): (Vec<&Invocation>, Vec<&Invocation>) = lines.iter().partition(|i| i.object == "worker");
    assert_eq!(requests.len(), 3, "one Worker request per ping: {lines:?}");
    assert_eq!(objects.len(), 3, "one object request per ping: {lines:?}");
    assert!(
        requests.iter().all(|i| i.d1_queries == 0),
        "no D1 on the ping path: {lines:?}"
    );
    let written: u64 = lines.iter().map(|i| i.rows_written).sum();
    assert_eq!(written, 6, "a ping writes its row and its index entry only: {lines:?}");
}
