//! The private-target guard on a Worker of its own with
//! `PW_ALLOW_PRIVATE_TARGETS=false`: every spelling of a private host is
//! refused when a monitor is saved, and every redirect hop is checked before
//! it is followed. The suite runs in a network namespace with only loopback,
//! where `PW_TEST_PUBLIC_IP` stands in for a public host, so nothing here can
//! leave the machine even if the guard fails.

use crate::support::{wait_for, Account, Client, Server, TempDir};
use crate::targets::HttpTarget;
use serde_json::{json, Value};

fn public_ip() -> String {
    std::env::var("PW_TEST_PUBLIC_IP").expect("PW_TEST_PUBLIC_IP is set by scripts/e2e.sh")
}

fn guarded_server(label: &str) -> (TempDir, Server) {
    let state = TempDir::new(label);
    let server = Server::start(&state.0, &[("PW_ALLOW_PRIVATE_TARGETS", "false")]);
    (state, server)
}

#[test]
fn every_spelling_of_a_private_host_is_refused_when_a_monitor_is_saved() {
    let (_state, server) = guarded_server("spellings");
    let client = Account::register_on(&server.url, "spellings").client().on(&server.url);
    let http = |url: &str| client.post("/api/v1/monitors", json!({ "type": "http", "name": "x", "url": url }));
    let tcp = |host: &str| {
        client.post(
            "/api/v1/monitors",
            json!({ "type": "tcp", "name": "x", "host": host, "port": 22 }),
        )
    };
    for url in [
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0x7f.0.0.1/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://10.1/",
        "http://127.0.0.1./",
        "http://[::ffff:7f00:1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[::127.0.0.1]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[2002:7f00:1::]/",
        "http://LOCALHOST./",
        "http://api.localhost:8080/",
        "http://metadata.google.internal/",
        "http://198.18.0.1/",
        "http://240.0.0.1/",
        "http://192.0.0.9/",
        "http://203.0.113.5/",
        "http://[fec0::1]/",
        "http://[2001:db8::1]/",
    ] {
        let reply = http(url);
        assert_eq!(reply.status, 422, "{url}: {}", reply.body);
        reply.invalid("url");
    }
    for host in [
        "2130706433",
        "0x7f000001",
        "0x7f.0.0.1",
        "0177.0.0.1",
        "127.1",
        "10.1",
        "127.0.0.1.",
        "::ffff:7f00:1",
        "[::ffff:7f00:1]",
        "LOCALHOST.",
        "198.18.0.1",
        "fec0::1",
    ] {
        let reply = tcp(host);
        assert_eq!(reply.status, 422, "{host}: {}", reply.body);
        reply.invalid("host");
    }
    let reply = tcp("0x7f.1");
    assert!(
        reply.body["error"]
            .as_str()
            .is_some_and(|e| e.contains("127.0.0.0/8 (loopback)")),
        "the error names the network: {}",
        reply.body
    );
    // Public hosts, in any spelling, stay allowed.
    let public = public_ip();
    http(&format!("http://{public}:9/")).data(201);
    tcp(&public).data(201);
    tcp("example.com").data(201);
}

/// The latest check of a monitor on `client`'s Worker, once there is one.
fn first_check(client: &Client, id: &str) -> Value {
    wait_for(20, &format!("a check of {id}"), || {
        let checks = client.get(&format!("/api/v1/monitors/{id}/checks?limit=1"));
        checks.data(200).as_array().and_then(|list| list.first().cloned())
    })
}

/// An HTTP monitor of `url` on `client`'s Worker, checked every second.
fn checked_every_second(client: &Client, url: &str) -> String {
    let body = json!({ "type": "http", "name": "hop", "url": url, "interval_seconds": 1, "failure_threshold": 1 });
    client.post("/api/v1/monitors", body).data(201)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn each_redirect_hop_is_checked_before_it_is_followed() {
    let (_state, server) = guarded_server("redirects");
    let client = Account::register_on(&server.url, "redirects").client().on(&server.url);
    let public = HttpTarget::start_on(&public_ip());
    let private = HttpTarget::start();
    let monitor = |url: String| checked_every_second(&client, &url);

    let to_loopback = monitor(public.url(&format!("/redirect?{}", private.url("/ok"))));
    let to_metadata = monitor(public.url("/redirect?http://169.254.169.254/latest/meta-data/"));
    let same_host = monitor(public.url("/redirect"));
    let endless = monitor(public.url("/loop"));

    let check = first_check(&client, &to_loopback);
    assert_eq!(
        (check["status"].clone(), check["status_code"].clone(), check["error"].clone()),
        (
            json!("down"),
            json!(302),
            json!(format!(
                "redirect to http://127.0.0.1:{} not followed: host 127.0.0.1 is in 127.0.0.0/8 (loopback), a network this deployment does not reach",
                private.port
            ))
        )
    );
    let check = first_check(&client, &to_metadata);
    assert_eq!(
        check["error"],
        "redirect to http://169.254.169.254 not followed: host 169.254.169.254 is in 169.254.0.0/16 (link-local), a network this deployment does not reach"
    );

    let check = first_check(&client, &same_host);
    assert_eq!(
        (
            check["status"].clone(),
            check["status_code"].clone(),
            check["error"].clone()
        ),
        (json!("up"), json!(200), Value::Null)
    );

    let check = first_check(&client, &endless);
    assert_eq!(
        (check["status"].clone(), check["error"].clone()),
        (json!("down"), json!("too many redirects (more than 10)"))
    );

    assert!(public.requests() > 0, "the public host was probed");
    assert_eq!(private.requests(), 0, "the private target was never reached");
}

/// What only a probe that resolves names itself can catch: a name that the
/// guard lets through at save time, pointed at a private address.
#[test]
fn a_name_resolving_to_a_private_address_is_refused_before_anything_connects() {
    let (_state, server) = guarded_server("rebinding");
    let client = Account::register_on(&server.url, "rebinding").client().on(&server.url);
    let public = HttpTarget::start_on(&public_ip());
    let private = HttpTarget::start();
    let monitor = |url: String| checked_every_second(&client, &url);
    let direct = monitor(private.url_by_name("/ok"));
    let redirected = monitor(public.url(&format!("/redirect?{}", private.url_by_name("/ok"))));

    let refusal = "host web.test resolves to 127.0.0.1, which is in 127.0.0.0/8 (loopback), a network this deployment does not reach";
    let check = first_check(&client, &direct);
    assert_eq!(
        (check["status"].clone(), check["error"].clone()),
        (json!("down"), json!(format!("not probed: {refusal}")))
    );
    let check = first_check(&client, &redirected);
    assert_eq!(
        (check["status_code"].clone(), check["error"].clone()),
        (
            json!(302),
            json!(format!(
                "redirect to http://web.test:{} not followed: {refusal}",
                private.port
            ))
        )
    );
    assert!(public.requests() > 0, "the public host was probed");
    assert_eq!(private.requests(), 0, "the private target was never reached");
}

/// A notification channel is guarded like a probe: a webhook whose name
/// resolves to a private address (saved, since only its name is checked
/// then) fails at its first attempt, without a retry and without a byte sent.
#[test]
fn a_webhook_whose_name_resolves_to_a_private_address_is_never_sent() {
    let (_state, server) = guarded_server("webhook-rebinding");
    let client = Account::register_on(&server.url, "webhook-rebinding")
        .client()
        .on(&server.url);
    let receiver = HttpTarget::start();
    let url = receiver.url_by_name("/hook").replace("http://", "https://");
    let channel = client
        .post(
            "/api/v1/channels",
            json!({ "name": "Hook", "kind": "webhook", "url": url }),
        )
        .data(201)
        .clone();
    let sent = client
        .post(
            &format!("/api/v1/channels/{}/test", channel["id"].as_str().unwrap()),
            json!({}),
        )
        .data(200)
        .clone();
    assert_eq!(sent["status"], "failed", "{sent}");
    assert_eq!(
        sent["attempts"].as_array().map(Vec::len),
        Some(1),
        "given up at once: {sent}"
    );
    assert_eq!(
        sent["attempts"][0]["error"],
        "the URL's host web.test resolves to 127.0.0.1, which is in 127.0.0.0/8 (loopback), a network this deployment does not reach",
        "{sent}"
    );
    assert_eq!(receiver.requests(), 0, "the receiver was never reached");
}
