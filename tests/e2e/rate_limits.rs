//! Rate limits on a Worker of its own with the real limits (the suite's
//! shared Worker sets them out of the way): the `X-RateLimit-*` headers on
//! every API route, exact counts under 50 concurrent requests, 429 with
//! `Retry-After`, callers told apart by address, sign-in limits, and the
//! per-heartbeat ping limit.

use crate::support::{Account, Client, Server, TempDir};
use serde_json::json;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn limited_server(label: &str, settings: &[(&str, &str)]) -> (TempDir, Server) {
    let state = TempDir::new(label);
    let mut all = vec![
        ("PW_ANONYMOUS_REQUESTS_PER_MINUTE", ""),
        ("PW_REQUESTS_PER_MINUTE", ""),
        ("PW_PINGS_PER_MINUTE", ""),
        ("CRON_EVERY_SECONDS", "0"),
    ];
    all.extend_from_slice(settings);
    let server = Server::start(&state.0, &all);
    (state, server)
}

/// Waits out the end of a minute, so that a burst falls in one window.
fn not_near_a_minute_end() {
    let second = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() % 60;
    if second > 45 {
        std::thread::sleep(Duration::from_secs(61 - second));
    }
}

#[test]
fn every_api_answer_carries_the_headers_and_counts_are_exact_under_concurrency() {
    let (_state, server) = limited_server("limits", &[("PW_REQUESTS_PER_MINUTE", "20")]);
    let account = Account::register_on(&server.url, "limits");
    let anonymous = Client::anonymous().on(&server.url).calling_from("203.0.113.50");
    for (client, path) in [
        (&anonymous, "/api/health"),
        (&anonymous, "/api/v1/services"),
        (&anonymous, "/api/v1/nothing-here"),
        (&anonymous, "/api/v1/monitors"),
        (&anonymous, "/api/v1/status/example.com"),
    ] {
        let reply = client.get(path);
        for header in ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"] {
            assert!(
                reply.header(header).is_some(),
                "{path} ({}) has no {header}",
                reply.status
            );
        }
        assert_eq!(
            reply.header("X-RateLimit-Limit"),
            Some("30"),
            "{path}: the anonymous limit"
        );
    }
    // A key's requests count against the key, at the plan's rate (here 20).
    let key = account
        .client()
        .on(&server.url)
        .post("/api/v1/api-keys", json!({ "name": "burst", "scopes": ["read"] }))
        .data(201)["key"]
        .as_str()
        .unwrap()
        .to_string();
    let client = Client::bearer(&key).on(&server.url);
    not_near_a_minute_end();
    let replies: Vec<(u16, Option<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                let client = client.clone();
                scope.spawn(move || {
                    let reply = client.get("/api/v1/monitors");
                    (reply.status, reply.header("Retry-After").map(str::to_string))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let allowed = replies.iter().filter(|(status, _)| *status == 200).count();
    let refused: Vec<_> = replies.iter().filter(|(status, _)| *status == 429).collect();
    assert_eq!((allowed, refused.len()), (20, 30), "{replies:?}");
    for (_, retry_after) in refused {
        let seconds: u64 = retry_after.as_deref().unwrap().parse().unwrap();
        assert!((1..=60).contains(&seconds), "Retry-After {seconds}");
    }
    let over = client.get("/api/v1/monitors");
    over.error(429, "rate_limited");
    assert_eq!(over.header("X-RateLimit-Remaining"), Some("0"));
    // Another caller is not held up: by address, anonymous callers are apart.
    let other = Client::anonymous().on(&server.url).calling_from("203.0.113.51");
    assert_eq!(other.get("/api/health").status, 200);
}

#[test]
fn sign_ins_are_limited_per_account_and_pings_per_heartbeat() {
    let (_state, server) = limited_server("sign-ins", &[("PW_PINGS_PER_MINUTE", "5")]);
    let account = Account::register_on(&server.url, "sign-ins");
    let login = |address: &str, password: &str| {
        Client::anonymous().on(&server.url).calling_from(address).post(
            "/api/v1/auth/login",
            json!({ "email": account.email, "password": password }),
        )
    };
    // Ten attempts an account in 15 minutes, from anywhere: the eleventh,
    // even with the right password, waits.
    for i in 0..10 {
        assert_eq!(login(&format!("203.0.113.{}", 60 + i), "wrong password").status, 401);
    }
    let refused = login("203.0.113.99", &account.password);
    refused.error(429, "rate_limited");
    assert!(refused.header("Retry-After").unwrap().parse::<u64>().unwrap() <= 900);

    not_near_a_minute_end();
    let created = account
        .client()
        .on(&server.url)
        .post(
            "/api/v1/monitors",
            json!({ "type": "heartbeat", "name": "job", "interval_seconds": 60, "grace_seconds": 60 }),
        )
        .data(201)
        .clone();
    let ping_url = format!("/p/{}", created["token"].as_str().unwrap());
    let pinger = Client::anonymous().on(&server.url);
    for _ in 0..5 {
        assert_eq!(pinger.get(&ping_url).status, 200);
    }
    let sixth = pinger.get(&ping_url);
    sixth.error(429, "rate_limited");
    assert!(sixth.header("Retry-After").is_some());
    // A ping costs no rate-limit request: its answer has no such headers.
    assert!(sixth.header("X-RateLimit-Limit").is_none());
}
