//! Public internet status and tools: the catalogue's services and their
//! 40-tick history in PingFlow's shape, a host's last-known status and live
//! checks on a budget in pingy's, DNS lookups against the test zone
//! (dnsmasq), port scans of loopback listeners, and the guard refusing
//! every private target on a Worker with `PW_ALLOW_PRIVATE_TARGETS` unset.

use crate::support::{wait_for, Account, Client, Server, TempDir};
use crate::targets::{closed_tcp_port, dropping_tcp_port, open_tcp_port, HttpTarget};
use serde_json::{json, Value};

fn public_ip() -> String {
    std::env::var("PW_TEST_PUBLIC_IP").expect("PW_TEST_PUBLIC_IP is set by scripts/e2e.sh")
}

#[test]
fn the_catalogue_loads_lists_and_shows_forty_ticks_and_its_status_follows_its_targets() {
    let (primary, second) = (HttpTarget::start(), HttpTarget::start());
    let entry = |id: &str, targets: Vec<Value>| json!({ "id": id, "name": id.to_uppercase(), "category": "cloud", "targets": targets });
    let check = |url: String| json!({ "type": "http", "url": url, "interval_seconds": 1, "failure_threshold": 1 });
    let catalogue = json!([
        entry("pair", vec![check(primary.url("/switch")), check(second.url("/ok"))]),
        entry("single", vec![check(primary.url("/switch"))]),
        entry(
            "search-me",
            vec![json!({ "type": "tcp", "host": "127.0.0.2", "port": closed_tcp_port(), "interval_seconds": 1 })]
        ),
    ]);
    let state = TempDir::new("catalogue");
    let server = Server::start(
        &state.0,
        &[
            ("PW_CATALOGUE_JSON", &catalogue.to_string()),
            ("CRON_EVERY_SECONDS", "0"),
        ],
    );
    server.fire_cron(None);
    let client = Client::anonymous().on(&server.url);
    let listed = client.get("/api/v1/services").data(200).clone();
    assert_eq!(listed.as_array().unwrap().len(), 3, "{listed}");
    let found = client.get("/api/v1/services?search=search").data(200).clone();
    assert_eq!(found[0]["id"], "search-me");
    assert_eq!(client.get("/api/v1/services?category=dns").data(200), &json!([]));

    let history = wait_for(60, "40 ticks", || {
        let reply = client.get("/api/history/pair");
        (reply.body["history"].as_array()?.len() >= 40).then_some(reply.body)
    });
    assert_eq!(history["service"], "pair");
    assert_eq!(history["currentStatus"], "operational");
    let ticks = history["history"].as_array().unwrap();
    assert_eq!(ticks.len(), 40);
    assert!(ticks.iter().all(|t| t["online"] == true && t["latency"].is_u64()));
    assert!(ticks.first().unwrap()["timestamp"].as_str() < ticks.last().unwrap()["timestamp"].as_str());
    assert_eq!(
        client.get("/api/v1/services/pair/history").body,
        client.get("/api/history/pair").body
    );

    // The primary fails: one of two targets down is degraded, the only one down an outage.
    primary.set_switch(500);
    let status = |id: &str| client.get(&format!("/api/history/{id}")).body["currentStatus"].clone();
    wait_for(20, "degraded", || (status("pair") == "degraded").then_some(()));
    wait_for(20, "an outage", || (status("single") == "outage").then_some(()));
    assert_eq!(status("search-me"), "outage");
    primary.set_switch(200);
    wait_for(20, "operational again", || {
        (status("pair") == "operational").then_some(())
    });
    client.get("/api/history/nope").error(404, "not_found");

    // A catalogue host has a public status; the list has the targets' statuses.
    let host = client.get("/api/v1/status/127.0.0.1").body;
    assert_eq!(
        (host["known"].as_bool(), host["is_up"].as_bool()),
        (Some(true), Some(true)),
        "{host}"
    );
    assert!(host["total_checks"].as_i64().unwrap() >= 40 && host["uptime_percent"].is_f64());
}

#[test]
fn a_hosts_status_is_unknown_until_checked_and_never_from_a_private_monitor() {
    let account = Account::register("host-status");
    // A loopback address of this test's own: no other test checks it.
    let target = HttpTarget::start_on("127.0.0.21");
    // A private monitor of the host tells the public nothing.
    account
        .create_monitor(json!({ "type": "http", "name": "private", "url": target.url("/ok"), "interval_seconds": 1 }));
    let host = "127.0.0.21";
    let anonymous = Client::anonymous().calling_from("198.51.100.21");
    let before = anonymous.get(&format!("/api/v1/status/{host}")).body;
    assert_eq!(before, json!({ "host": host, "known": false }), "{before}");
    let checked = anonymous
        .post("/api/v1/checks", json!({ "url": target.url("/ok") }))
        .data(200)
        .clone();
    assert_eq!(
        (checked["state"].as_str(), checked["status_code"].as_i64()),
        (Some("up"), Some(200))
    );
    assert_eq!(checked["monitored"], false);
    assert_eq!(checked["ip_address"], host);
    let after = anonymous.get(&format!("/api/v1/status/{host}")).body;
    assert_eq!(
        (after["known"].as_bool(), after["status"].as_str()),
        (Some(true), Some("up"))
    );
    assert_eq!(
        (after["last_status_code"].as_i64(), after["total_checks"].as_i64()),
        (Some(200), Some(1))
    );
    // A ping-mode check opens a TCP connection; a closed port is down.
    let ping = anonymous.post(
        "/api/v1/checks",
        json!({ "url": format!("http://127.0.0.22:{}", closed_tcp_port()), "mode": "ping" }),
    );
    assert_eq!(ping.data(200)["state"], "down");
    anonymous
        .post("/api/v1/checks", json!({ "url": "x.com", "mode": "dance" }))
        .invalid("mode");
    anonymous.post("/api/v1/checks", json!({})).invalid("url");
}

#[test]
fn live_checks_of_foreign_hosts_spend_three_an_hour_and_a_monitored_host_spends_none() {
    // Not across the turn of an hour, when the budget starts afresh.
    let seconds_in_hour = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 3600;
    if seconds_in_hour > 3590 {
        std::thread::sleep(std::time::Duration::from_secs(3601 - seconds_in_hour));
    }
    let account = Account::register("live-budget");
    let (mine, foreign) = (HttpTarget::start(), HttpTarget::start_on(&public_ip()));
    account.create_monitor(json!({ "type": "http", "name": "mine", "url": mine.url("/ok") }));
    let client = account.client();
    for _ in 0..5 {
        let reply = client.post("/api/v1/checks", json!({ "url": mine.url("/ok") }));
        assert_eq!(reply.data(200)["monitored"], true);
    }
    for _ in 0..3 {
        client
            .post("/api/v1/checks", json!({ "url": foreign.url("/ok") }))
            .data(200);
    }
    let refused = client.post("/api/v1/checks", json!({ "url": foreign.url("/ok") }));
    refused.error(429, "rate_limited");
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let to_hour_end = 3600 - now_s % 3600;
    let retry: u64 = refused.header("Retry-After").unwrap().parse().unwrap();
    assert!(
        retry.abs_diff(to_hour_end) <= 2,
        "Retry-After {retry}, the hour ends in {to_hour_end} s"
    );
    // The budget is the organization's: another key of it is refused too; a read is not.
    let key = account.api_key(&["read"]);
    Client::bearer(&key)
        .post("/api/v1/checks", json!({ "url": foreign.url("/ok") }))
        .error(429, "rate_limited");
    Client::bearer(&key)
        .post("/api/v1/checks", json!({ "url": mine.url("/ok") }))
        .data(200);
}

#[test]
fn a_dns_lookup_answers_every_record_type_and_an_unknown_name_clearly() {
    let client = Client::anonymous().calling_from("198.51.100.22");
    let found = client.post("/api/dns-lookup", json!({ "domain": "up.test" }));
    assert_eq!(found.status, 200, "{}", found.body);
    let body = &found.body;
    assert_eq!(
        (body["success"].as_bool(), body["domain"].as_str()),
        (Some(true), Some("up.test"))
    );
    assert_eq!(body["records"]["A"], json!(["10.0.0.7"]));
    assert_eq!(body["records"]["AAAA"], json!(["fd00::7"]));
    assert_eq!(
        body["records"]["MX"],
        json!([{ "exchange": "mail.up.test", "priority": 10 }])
    );
    assert_eq!(body["records"]["TXT"], json!(["v=spf1 -all"]));
    assert!(body["executionTimeMs"].is_u64());
    let same = client.get("/api/v1/dns?domain=up.test");
    assert_eq!(same.body["records"], body["records"]);
    let missing = client.post("/api/dns-lookup", json!({ "domain": "nope.test" }));
    assert_eq!(missing.status, 200);
    assert_eq!(missing.body["success"], false);
    assert!(
        missing.body["error"].as_str().unwrap().contains("NXDOMAIN"),
        "{}",
        missing.body
    );
    client
        .post("/api/dns-lookup", json!({ "domain": "not a domain" }))
        .invalid("domain");
    client.get("/api/v1/dns").error(400, "invalid_query");
}

#[test]
fn a_port_scan_tells_open_closed_and_filtered_ports_with_their_services() {
    let client = Client::anonymous().calling_from("198.51.100.23");
    let (open, closed) = (open_tcp_port(), closed_tcp_port());
    let scan = client.post(
        "/api/port-scan",
        json!({ "target": "127.0.0.1", "ports": [open, closed, 22] }),
    );
    assert_eq!(scan.status, 200, "{}", scan.body);
    assert_eq!(scan.body["target"], "127.0.0.1");
    assert_eq!(
        scan.body["results"],
        json!([
            { "port": open, "status": "open", "service": "unknown" },
            { "port": closed, "status": "closed", "service": "unknown" },
            { "port": 22, "status": "closed", "service": "ssh" },
        ])
    );
    // A listener whose queue is full drops the handshake: filtered.
    let (dropping, _listener, _filling) = dropping_tcp_port();
    let dropped = client.post("/api/port-scan", json!({ "target": "127.0.0.1", "ports": [dropping] }));
    assert_eq!(
        dropped.body["results"],
        json!([{ "port": dropping, "status": "filtered", "service": "unknown" }]),
        "{}",
        dropped.body
    );
    let too_many: Vec<u16> = (1..=21).collect();
    client
        .post("/api/port-scan", json!({ "target": "127.0.0.1", "ports": too_many }))
        .invalid("ports");
    client
        .post("/api/port-scan", json!({ "target": "a b", "ports": [80] }))
        .invalid("target");
}

#[test]
fn every_private_target_spelling_is_refused_by_the_tools_when_private_targets_are_not_allowed() {
    let state = TempDir::new("tools-guard");
    let server = Server::start(
        &state.0,
        &[("PW_ALLOW_PRIVATE_TARGETS", "false"), ("CRON_EVERY_SECONDS", "0")],
    );
    let client = Client::anonymous().on(&server.url);
    for target in [
        "127.0.0.1",
        "127.0.0.1.",
        "2130706433",
        "0x7f.1",
        "::ffff:127.0.0.1",
        "[::1]",
        "10.0.0.1",
        "100.64.0.1",
        "169.254.169.254",
        "fd00:ec2::254",
        "224.0.0.1",
        "localhost",
        // A name whose address (10.0.0.7, from the test zone) is private.
        "up.test",
    ] {
        let scan = client.post("/api/port-scan", json!({ "target": target, "ports": [80] }));
        assert_eq!(scan.status, 422, "{target}: {}", scan.body);
        scan.invalid("target");
        let live = client.post("/api/v1/checks", json!({ "url": format!("http://{target}/") }));
        assert_eq!(live.status, 422, "{target}: {}", live.body);
        live.invalid("url");
    }
    // A public address is scanned.
    let public = HttpTarget::start_on(&public_ip());
    let scan = client.post(
        "/api/port-scan",
        json!({ "target": public_ip(), "ports": [public.port] }),
    );
    assert_eq!(scan.body["results"][0]["status"], "open", "{}", scan.body);
}

#[test]
fn the_openapi_document_and_the_real_catalogue_are_static_files() {
    let get = |path: &str| reqwest::blocking::get(format!("{}{path}", crate::support::base_url())).unwrap();
    let document = get("/api/openapi.json");
    assert_eq!(document.status().as_u16(), 200);
    assert_eq!(document.headers()["access-control-allow-origin"].to_str().unwrap(), "*");
    let document: Value = document.json().unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/api/v1/monitors"].is_object());
    // What PW_CATALOGUE=real loads, through the ASSETS binding.
    let real: Vec<Value> = get("/catalogue/real.json").json().unwrap();
    assert!(real.len() >= 100, "{} services", real.len());
}
