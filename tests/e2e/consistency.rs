//! What D1 and a monitor's object each hold stays in agreement through
//! faults: a change of status D1 refused is applied once it recovers, a
//! ping is acknowledged once stored, a deleted monitor never probes again,
//! an object whose monitor is gone stops, rollups of days the cron missed
//! are caught up, and the reconciler visits only monitors whose lease ran
//! out, retrying next run what failed. Faults are real: a trigger in the
//! Worker's local D1 makes its writes fail, as an outage of the database
//! would; a restart of workerd loses alarms.

use super::support::{wait_for, Account, Client, Server, TempDir};
use super::targets::HttpTarget;
use pingwarden::domain::lease::LEASE_MS;
use pingwarden::domain::time::day_of;
use serde_json::{json, Value};
use std::thread::sleep;
use std::time::Duration;

/// A Worker of the test's own that fires no cron by itself.
fn quiet_server(label: &str) -> (TempDir, Server) {
    let state = TempDir::new(label);
    let server = Server::start(
        &state.0,
        &[
            ("CRON_EVERY_SECONDS", "0"),
            ("PW_MIN_INTERVAL_SECONDS", "1"),
            ("PW_MIN_GRACE_SECONDS", "1"),
        ],
    );
    (state, server)
}

/// A Worker of the test's own and a signed-in client of a new account on it.
fn quiet_account(label: &str) -> (TempDir, Server, Client) {
    let (state, server) = quiet_server(label);
    let client = Account::register_on(&server.url, label).client().on(&server.url);
    (state, server, client)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Creates a monitor; returns its whole answer.
fn create(client: &Client, body: Value) -> Value {
    client.post("/api/v1/monitors", body).data(201).clone()
}

/// Makes every `operation` (INSERT, UPDATE or DELETE) on `table` fail.
fn break_table(server: &Server, operation: &str, table: &str) {
    server.d1(&format!(
        "CREATE TRIGGER injected_fault_{operation} BEFORE {operation} ON {table} BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
    ));
}

fn mend_table(server: &Server, operation: &str) {
    server.d1(&format!("DROP TRIGGER injected_fault_{operation}"));
}

fn automatic_incidents(client: &Client, monitor_id: &str) -> Vec<Value> {
    let reply = client.get(&format!("/api/v1/incidents?monitor_id={monitor_id}"));
    reply.data(200).as_array().cloned().unwrap_or_default()
}

fn status_of(client: &Client, monitor_id: &str) -> String {
    client.get(&format!("/api/v1/monitors/{monitor_id}")).data(200)["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn an_outage_d1_refused_at_first_still_opens_exactly_one_incident() {
    let (_state, server, client) = quiet_account("outbox");
    break_table(&server, "INSERT", "incidents");
    let monitor = create(
        &client,
        json!({ "type": "http", "name": "Closed port", "url": "http://127.0.0.1:9/", "interval_seconds": 1, "failure_threshold": 1 }),
    );
    let id = monitor["id"].as_str().unwrap();
    // The object has decided `down`, but D1 refuses the change as a whole.
    wait_for(15, "failed checks", || {
        let checks = client.get(&format!("/api/v1/monitors/{id}/checks?limit=3"));
        (checks.data(200).as_array().unwrap().len() >= 3).then_some(())
    });
    assert_eq!(
        status_of(&client, id),
        "pending",
        "the fault is real: D1 did not take the change"
    );
    assert!(automatic_incidents(&client, id).is_empty());

    mend_table(&server, "INSERT");
    // No new change of status happens: only the retry can bring D1 along.
    wait_for(15, "D1 to show the monitor down", || {
        (status_of(&client, id) == "down").then_some(())
    });
    let incidents = wait_for(10, "the automatic incident", || {
        Some(automatic_incidents(&client, id)).filter(|list| !list.is_empty())
    });
    sleep(Duration::from_secs(3));
    let incidents_later = automatic_incidents(&client, id);
    assert_eq!(incidents_later.len(), 1, "exactly one incident: {incidents_later:?}");
    assert_eq!(incidents[0]["id"], incidents_later[0]["id"]);
    assert_eq!(incidents_later[0]["kind"], "automatic");
}

#[test]
fn a_ping_is_acknowledged_once_stored_and_d1_catches_up_at_the_reconciler() {
    let (_state, server, client) = quiet_account("ping-ack");
    let beat = create(
        &client,
        json!({ "type": "heartbeat", "name": "Backup", "interval_seconds": 3600, "grace_seconds": 3600 }),
    );
    let id = beat["id"].as_str().unwrap();
    break_table(&server, "UPDATE", "monitors");

    // The first ping takes the heartbeat up; D1 cannot record that, yet the
    // ping is stored, so it must be answered 200 (a retrying client would
    // otherwise store it twice).
    let ping =
        reqwest::blocking::get(format!("{}/p/{}?rid=once", server.url, beat["token"].as_str().unwrap())).unwrap();
    assert_eq!(ping.status(), 200);
    let pings = client.get(&format!("/api/v1/monitors/{id}/pings"));
    let pings = pings.data(200).as_array().unwrap().clone();
    assert_eq!(pings.len(), 1, "stored once: {pings:?}");
    assert_eq!(status_of(&client, id), "pending", "the fault is real");

    mend_table(&server, "UPDATE");
    server.fire_cron(None);
    assert_eq!(
        status_of(&client, id),
        "up",
        "the reconciler's visit applied the change"
    );
}

#[test]
fn a_deleted_monitor_never_probes_again_even_when_its_d1_delete_failed() {
    let (_state, server, client) = quiet_account("tombstone");
    let target = HttpTarget::start();
    let monitor = create(
        &client,
        json!({ "type": "http", "name": "Soon gone", "url": target.url("/ok"), "interval_seconds": 1 }),
    );
    let id = monitor["id"].as_str().unwrap();
    wait_for(15, "probes", || (target.requests() >= 2).then_some(()));

    break_table(&server, "DELETE", "monitors");
    let deleted = client.delete(&format!("/api/v1/monitors/{id}"));
    assert_eq!(deleted.status, 500, "D1 refused the delete: {}", deleted.body);
    sleep(Duration::from_millis(1500));
    let after_delete = target.requests();
    // The reconciler still finds the monitor in D1: it must not start it again.
    server.fire_cron(None);
    sleep(Duration::from_secs(4));
    assert_eq!(target.requests(), after_delete, "no probe after the delete");

    mend_table(&server, "DELETE");
    // The buried object renews no lease: once it runs out, the visit finishes the delete.
    server.fire_cron(Some(now_ms() + LEASE_MS + 60_000));
    client.get(&format!("/api/v1/monitors/{id}")).error(404, "not_found");
    assert_eq!(target.requests(), after_delete);
}

/// A monitor deleted while its probe waits for an answer: the object's
/// storage is gone when the answer comes, and the result is dropped
/// quietly, with nothing logged as a failure and nothing probed again.
#[test]
fn a_monitor_deleted_during_its_probe_drops_the_result_quietly() {
    let (_state, server, client) = quiet_account("deleted-mid-probe");
    let target = HttpTarget::start();
    let monitor = create(
        &client,
        json!({ "type": "http", "name": "Slow", "url": target.url("/slow/3000"), "interval_seconds": 60 }),
    );
    let id = monitor["id"].as_str().unwrap();
    wait_for(15, "the probe waiting for its answer", || {
        (target.requests() >= 1).then_some(())
    });
    let from = server.log().len();
    assert_eq!(client.delete(&format!("/api/v1/monitors/{id}")).status, 204);
    // The slow answer comes back to a buried object.
    sleep(Duration::from_secs(5));
    let log = &server.log()[from..];
    assert!(!log.contains("monitor check failed"), "{log}");
    assert_eq!(target.requests(), 1, "no probe after the delete");
}

#[test]
fn an_object_whose_monitor_row_is_gone_stops_at_its_next_change() {
    let (_state, server, client) = quiet_account("orphan");
    let target = HttpTarget::start();
    let monitor = create(
        &client,
        json!({ "type": "http", "name": "Orphan", "url": target.url("/switch"), "interval_seconds": 1, "failure_threshold": 1 }),
    );
    let id = monitor["id"].as_str().unwrap();
    wait_for(15, "the monitor up", || (status_of(&client, id) == "up").then_some(()));

    // The row vanishes behind the object's back (as in a lost race with a delete).
    server.d1(&format!("DELETE FROM monitors WHERE id = '{id}'"));
    target.set_switch(500);
    // The failed check changes the status, and D1's answer shows the row gone.
    sleep(Duration::from_secs(3));
    let stopped_at = target.requests();
    sleep(Duration::from_secs(4));
    assert_eq!(target.requests(), stopped_at, "the object stopped probing");
}

#[test]
fn rollups_of_days_the_cron_missed_are_caught_up() {
    let (_state, server, client) = quiet_account("catch-up");
    let beat = create(
        &client,
        json!({ "type": "heartbeat", "name": "Weekly report", "interval_seconds": 604800, "grace_seconds": 86400 }),
    );
    let id = beat["id"].as_str().unwrap();
    let ping = reqwest::blocking::get(format!("{}/p/{}", server.url, beat["token"].as_str().unwrap())).unwrap();
    assert_eq!(ping.status(), 200);
    let now_ms = now_ms();
    server.fire_cron(Some(now_ms));
    // The next run comes three days later.
    let day_ms = 86_400_000;
    server.fire_cron(Some(now_ms + 3 * day_ms));
    let days: Vec<String> = server
        .d1(&format!(
            "SELECT day FROM daily_rollups WHERE monitor_id = '{id}' ORDER BY day"
        ))
        .iter()
        .map(|row| row["day"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (0..=3).map(|n| day_of(now_ms + n * day_ms)).collect();
    assert_eq!(days, expected, "one rollup for each day up to the cron's time");
}

#[test]
fn the_reconciler_repairs_a_d1_status_that_disagrees_with_the_object() {
    let (_state, server, client) = quiet_account("drift");
    let target = HttpTarget::start();
    let monitor = create(
        &client,
        json!({ "type": "http", "name": "Drifting", "url": target.url("/ok"), "interval_seconds": 60 }),
    );
    let id = monitor["id"].as_str().unwrap();
    wait_for(15, "the monitor up", || (status_of(&client, id) == "up").then_some(()));

    // D1 says down (as a lost write could leave it) while every check succeeds.
    server.d1(&format!("UPDATE monitors SET status = 'down' WHERE id = '{id}'"));
    assert_eq!(status_of(&client, id), "down");
    // The object writes nothing while its status holds, until its lease runs out.
    server.fire_cron(Some(now_ms() + LEASE_MS + 60_000));
    assert_eq!(status_of(&client, id), "up", "the object's verdict was written back");
}

/// The reconciler's summary line of one run, field by field.
struct Run {
    visited: u64,
    rearmed: u64,
    failed: u64,
}

/// Fires the cron (at `time_ms`, if given) and reads its run's summary line
/// from the Worker's log.
fn reconcile(server: &Server, time_ms: Option<i64>) -> Run {
    let summaries = |log: &str| {
        log.lines()
            .filter_map(|line| line.split_once("reconciler: ").map(|(_, rest)| rest.to_string()))
            .collect::<Vec<_>>()
    };
    let before = summaries(&server.log()).len();
    server.fire_cron(time_ms);
    let line = wait_for(10, "the reconciler's summary line", || {
        summaries(&server.log()).get(before).cloned()
    });
    let field = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {line:?}"))
    };
    Run {
        visited: field("visited"),
        rearmed: field("rearmed"),
        failed: field("failed"),
    }
}

fn lease_of(server: &Server, monitor_id: &str) -> i64 {
    server.d1(&format!("SELECT lease_until FROM monitors WHERE id = '{monitor_id}'"))[0]["lease_until"]
        .as_i64()
        .unwrap()
}

#[test]
fn a_visit_that_fails_loses_nothing_and_is_retried_at_the_next_run() {
    let (_state, server, client) = quiet_account("requeue");
    let beat = json!({ "type": "heartbeat", "name": "Job", "interval_seconds": 3600, "grace_seconds": 60 });
    let ids: Vec<String> = (0..3)
        .map(|_| create(&client, beat.clone())["id"].as_str().unwrap().to_string())
        .collect();
    // One row the Worker cannot read (as a bad migration could leave it).
    let settings = server.d1(&format!("SELECT settings FROM monitors WHERE id = '{}'", ids[0]))[0]["settings"]
        .as_str()
        .unwrap()
        .replace('\'', "''");
    server.d1(&format!(
        "UPDATE monitors SET settings = 'not json' WHERE id = '{}'",
        ids[0]
    ));

    // New monitors hold no lease yet: all three are visited.
    let run = reconcile(&server, None);
    assert_eq!((run.visited, run.failed), (3, 1));
    let now = now_ms();
    assert!(lease_of(&server, &ids[0]) <= now, "the failed one is still overdue");
    for id in &ids[1..] {
        assert!(lease_of(&server, id) > now, "the others hold a lease");
    }

    server.d1(&format!(
        "UPDATE monitors SET settings = '{settings}' WHERE id = '{}'",
        ids[0]
    ));
    let run = reconcile(&server, None);
    assert_eq!((run.visited, run.failed), (1, 0), "only the one that failed is retried");
    assert!(lease_of(&server, &ids[0]) > now_ms());
}

#[test]
fn a_run_with_every_lease_held_visits_no_object() {
    let (_state, server, client) = quiet_account("leases-held");
    let target = HttpTarget::start();
    let monitor = create(
        &client,
        json!({ "type": "http", "name": "Steady", "url": target.url("/ok"), "interval_seconds": 1 }),
    );
    let beat = create(
        &client,
        json!({ "type": "heartbeat", "name": "Job", "interval_seconds": 60, "grace_seconds": 60 }),
    );
    let id = monitor["id"].as_str().unwrap();
    // Going up is a change of status: its D1 write grants the object's lease.
    wait_for(15, "the monitor up", || (status_of(&client, id) == "up").then_some(()));
    let token = beat["token"].as_str().unwrap();
    for _ in 0..3 {
        let ping = reqwest::blocking::get(format!("{}/p/{token}", server.url)).unwrap();
        assert_eq!(ping.status(), 200);
    }

    let run = reconcile(&server, None);
    assert_eq!((run.visited, run.failed), (0, 0), "pings and checks keep both leases");
    let later = reconcile(&server, None);
    assert_eq!(later.visited, 0);
    // Once the lease runs out (a heartbeat's pings keep its alarm away), one visit renews it.
    let expired = reconcile(&server, Some(now_ms() + LEASE_MS + 60_000));
    assert_eq!((expired.visited, expired.rearmed, expired.failed), (2, 0, 0));
}

#[test]
fn a_monitor_whose_alarm_was_lost_is_rearmed_once_its_lease_runs_out() {
    let (_state, server, client) = quiet_account("lost-alarm");
    let target = HttpTarget::start();
    let monitor = create(
        &client,
        json!({ "type": "http", "name": "Kept", "url": target.url("/ok"), "interval_seconds": 1 }),
    );
    let id = monitor["id"].as_str().unwrap();
    wait_for(15, "the monitor up", || (status_of(&client, id) == "up").then_some(()));

    // A pause that stopped the object but never reached D1: the monitor is
    // still active, and its object has no alarm.
    break_table(&server, "UPDATE", "monitors");
    let paused = client.post(&format!("/api/v1/monitors/{id}/pause"), json!({}));
    assert_eq!(paused.status, 500, "D1 refused the pause: {}", paused.body);
    mend_table(&server, "UPDATE");
    sleep(Duration::from_millis(1500));
    let before = target.requests();
    sleep(Duration::from_secs(3));
    assert_eq!(target.requests(), before, "the alarm is gone for real");

    assert_eq!(reconcile(&server, None).visited, 0, "its lease still holds");
    let run = reconcile(&server, Some(now_ms() + LEASE_MS + 60_000));
    assert_eq!((run.visited, run.rearmed, run.failed), (1, 1, 0));
    wait_for(15, "checks after the visit", || {
        (target.requests() >= before + 2).then_some(())
    });
    assert_eq!(status_of(&client, id), "up");
}
