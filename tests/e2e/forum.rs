//! The community forums: a thread's lifecycle, read without a credential;
//! discussions linked to a catalogue service, an incident and a host;
//! markdown XSS payloads neutralised in `body_html`; votes, accepted
//! answers and Knowledge Points (with PingFlow's `/api/v1/account/me`);
//! moderators (scripts/e2e.sh names `moderator@forum.test`) pinning,
//! locking, removing and reading reports; others refused with 403 (posts
//! are public, so a 404 would hide nothing); the hourly posting limit.

use crate::support::{Account, Client, Reply, Server, TempDir};
use pingwarden::domain::ids::random_base62;
use serde_json::{json, Value};
use std::sync::OnceLock;

const THREADS: &str = "/api/v1/forum/threads";
const MODERATOR_EMAIL: &str = "moderator@forum.test";

/// The moderator, registered once for the whole run (its address is fixed).
fn moderator() -> &'static Account {
    static MODERATOR: OnceLock<Account> = OnceLock::new();
    MODERATOR.get_or_init(|| {
        let password = "correct horse battery";
        let reply = Client::anonymous().post(
            "/api/v1/auth/register",
            json!({ "email": MODERATOR_EMAIL, "password": password, "name": "Mod" }),
        );
        let data = reply.data(201);
        Account {
            email: MODERATOR_EMAIL.into(),
            password: password.into(),
            user_id: data["user"]["id"].as_str().unwrap().into(),
            org_id: data["organization"]["id"].as_str().unwrap().into(),
            token: data["token"].as_str().unwrap().into(),
        }
    })
}

/// A word no other test's titles contain, to find one's own threads with `q`.
fn token() -> String {
    format!("tok{}", random_base62(10).to_lowercase())
}

fn open_thread(client: &Client, title: &str, body: &str) -> Value {
    let reply = client.post(THREADS, json!({ "title": title, "body": body, "category": "outages" }));
    reply.data(201).clone()
}

fn reply_to(client: &Client, thread_id: &str, body: &str) -> Reply {
    client.post(&format!("{THREADS}/{thread_id}/posts"), json!({ "body": body }))
}

fn id_of(data: &Value) -> String {
    data["id"].as_str().expect("an id").to_string()
}

/// The titles a list query finds, in order.
fn titles(query: &str) -> Vec<String> {
    let reply = Client::anonymous().get(&format!("{THREADS}?{query}"));
    reply
        .data(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

fn points_of(account: &Account) -> i64 {
    account.client().get("/api/v1/account/me").body["points"]
        .as_i64()
        .expect("points")
}

#[test]
fn a_thread_is_opened_replied_to_listed_publicly_edited_and_deleted() {
    let (author, replier) = (Account::register("forum-author"), Account::register("forum-replier"));
    let word = token();
    let first = open_thread(&author.client(), &format!("{word} first"), "Is **it** down?");
    let second = open_thread(&author.client(), &format!("{word} second"), "Another one");
    let (first_id, second_id) = (id_of(&first), id_of(&second));
    assert!(first_id.starts_with("thr_"), "{first}");
    let opening = &first["posts"][0];
    assert!(opening["id"].as_str().unwrap().starts_with("pst_"));
    assert_eq!(opening["body"], "Is **it** down?");
    assert_eq!(opening["body_html"], "<p>Is <strong>it</strong> down?</p>\n");
    assert_eq!(first["author"]["id"], json!(author.user_id));
    assert!(first["author"].get("email").is_none(), "no address shown: {first}");

    let answer = reply_to(&replier.client(), &first_id, "Yes, `503` here")
        .data(201)
        .clone();
    assert_eq!(answer["opening"], false);

    // Read without a credential: the thread with its posts, and the lists.
    let shown = Client::anonymous()
        .get(&format!("{THREADS}/{first_id}"))
        .data(200)
        .clone();
    assert_eq!(shown["reply_count"], 1);
    assert_eq!(shown["posts"].as_array().unwrap().len(), 2);
    assert_eq!(
        titles(&format!("q={word}")),
        vec![format!("{word} second"), format!("{word} first")]
    );
    assert_eq!(
        titles(&format!("q={word}&sort=active")),
        vec![format!("{word} first"), format!("{word} second")]
    );
    assert_eq!(
        titles(&format!("q={word}&sort=unanswered")),
        vec![format!("{word} second")]
    );
    assert_eq!(titles(&format!("q={word}&category=general")), Vec::<String>::new());
    let page = Client::anonymous().get(&format!("{THREADS}?q={word}&limit=1"));
    let cursor = page.body["next_cursor"].as_str().expect("a next page").to_string();
    let rest = Client::anonymous().get(&format!("{THREADS}?q={word}&limit=1&cursor={cursor}"));
    assert_eq!(rest.data(200)[0]["id"], json!(first_id));
    assert!(rest.body.get("next_cursor").is_none(), "{}", rest.body);
    Client::anonymous()
        .get(&format!("{THREADS}?sort=best"))
        .error(400, "invalid_query");

    // Edited within the window: a new body, rendered again.
    let post_path = format!("/api/v1/forum/posts/{}", answer["id"].as_str().unwrap());
    let edited = replier
        .client()
        .patch(&post_path, json!({ "body": "Yes, *503*" }))
        .data(200)
        .clone();
    assert_eq!(edited["body_html"], "<p>Yes, <em>503</em></p>\n");
    assert!(edited["edited_at"].is_string());

    // While it has a reply, its author cannot take the thread (and the
    // reply's points) away; deleted, the reply leaves the count, and then
    // the opening post takes its thread.
    let opening_path = format!("/api/v1/forum/posts/{}", opening["id"].as_str().unwrap());
    author.client().delete(&opening_path).error(409, "thread_has_replies");
    assert_eq!(replier.client().delete(&post_path).status, 204);
    let after = Client::anonymous()
        .get(&format!("{THREADS}/{first_id}"))
        .data(200)
        .clone();
    assert_eq!(
        (after["reply_count"].clone(), after["posts"].as_array().unwrap().len()),
        (json!(0), 1)
    );
    assert_eq!(author.client().delete(&opening_path).status, 204);
    Client::anonymous()
        .get(&format!("{THREADS}/{first_id}"))
        .error(404, "not_found");
    assert_eq!(titles(&format!("q={word}")), vec![format!("{word} second")]);
    Client::anonymous().get(&format!("{THREADS}/{second_id}")).data(200);
}

#[test]
fn discussions_linked_to_a_service_an_incident_and_a_host_are_listed_there() {
    let catalogue = json!([{ "id": "statuspal", "name": "StatusPal", "category": "cloud",
        "targets": [{ "type": "tcp", "host": "127.0.0.1", "port": 9, "interval_seconds": 60 }] }]);
    let state = TempDir::new("forum-links");
    let server = Server::start(
        &state.0,
        &[
            ("PW_CATALOGUE_JSON", &catalogue.to_string()),
            ("CRON_EVERY_SECONDS", "0"),
        ],
    );
    server.fire_cron(None);
    let account = Account::register_on(&server.url, "forum-links");
    let client = account.client().on(&server.url);
    let incident = client
        .post("/api/v1/incidents", json!({ "title": "Elevated errors" }))
        .data(201)
        .clone();
    let incident_id = id_of(&incident);
    let thread = client
        .post(
            THREADS,
            json!({ "title": "StatusPal down for you too?", "body": "Since 9:00", "category": "outages",
                    "service_id": "statuspal", "incident_id": incident_id, "host": "API.StatusPal.example" }),
        )
        .data(201)
        .clone();
    assert_eq!(thread["host"], "api.statuspal.example");
    let anonymous = Client::anonymous().on(&server.url);
    for path in [
        "/api/v1/services/statuspal/threads".to_string(),
        format!("{THREADS}?incident_id={incident_id}"),
        format!("{THREADS}?host=api.statuspal.example"),
    ] {
        let listed = anonymous.get(&path).data(200).clone();
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{path}: {listed}");
        assert_eq!(listed[0]["id"], thread["id"], "{path}");
    }
    anonymous.get("/api/v1/services/nope/threads").error(404, "not_found");
    for (field, value) in [
        ("service_id", "nope"),
        ("incident_id", "inc_nope"),
        ("host", "not a host"),
    ] {
        let mut body = json!({ "title": "Linked wrong", "body": "x", "category": "outages" });
        body[field] = json!(value);
        client.post(THREADS, body).invalid(field);
    }

    // Another account links to an incident only once a public status page shows it.
    let stranger = Account::register_on(&server.url, "forum-links-stranger")
        .client()
        .on(&server.url);
    let link = |incident_id: &str| {
        stranger.post(
            THREADS,
            json!({ "title": "Down?", "body": "x", "category": "outages", "incident_id": incident_id }),
        )
    };
    link(&incident_id).invalid("incident_id");
    let monitor = client.post("/api/v1/monitors", crate::support::http_monitor("shop"));
    let monitor_id = id_of(monitor.data(201));
    let shown = client
        .post(
            "/api/v1/incidents",
            json!({ "title": "Checkout failing", "monitor_ids": [monitor_id] }),
        )
        .data(201)
        .clone();
    link(&id_of(&shown)).invalid("incident_id");
    client
        .post(
            "/api/v1/status-pages",
            json!({ "title": "Shop", "slug": format!("shop-{}", token()), "monitor_ids": [monitor_id] }),
        )
        .data(201);
    assert_eq!(link(&id_of(&shown)).status, 201);
}

/// Classic XSS payloads; none may come back as markup or a live URL.
const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "[ref][evil]\n\n[evil]: javascript:alert(1)",
    "inline <b onmouseover=alert(1)>html</b>",
    "![x](javascript:alert(1))",
];

#[test]
fn markdown_xss_payloads_are_neutralised_in_body_html() {
    let author = Account::register("forum-xss");
    let thread = open_thread(&author.client(), "XSS gallery", PAYLOADS[0]);
    let mut posts = vec![thread["posts"][0].clone()];
    for payload in &PAYLOADS[1..] {
        posts.push(reply_to(&author.client(), &id_of(&thread), payload).data(201).clone());
    }
    for (post, payload) in posts.iter().zip(PAYLOADS) {
        assert_eq!(post["body"], json!(payload), "the body is kept as written");
        let html = post["body_html"].as_str().unwrap().to_ascii_lowercase();
        // Text is escaped (`&lt;script`), so a `<` opens a tag that markdown made.
        for tag in html
            .split('<')
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or_default())
        {
            let name = tag.trim_start_matches('/').split(' ').next().unwrap_or_default();
            assert!(
                ["p", "a", "img", "code", "pre", "strong", "em"].contains(&name) || name.is_empty(),
                "{payload:?} gave <{tag}>: {html}"
            );
            assert!(!tag.contains(" on"), "{payload:?} gave an event handler: {html}");
            for scheme in ["javascript:", "data:"] {
                assert!(!tag.contains(scheme), "{payload:?} kept {scheme}: {html}");
            }
        }
        assert!(!html.contains("<b "), "{payload:?} kept raw html: {html}");
    }
    // The thread as read back is the same.
    let shown = Client::anonymous()
        .get(&format!("{THREADS}/{}", id_of(&thread)))
        .data(200)
        .clone();
    assert_eq!(shown["posts"][0]["body_html"], posts[0]["body_html"]);
}

#[test]
fn votes_and_accepted_answers_earn_points_once_and_removal_revokes_them() {
    let (asker, helper, voter) = (
        Account::register("forum-asker"),
        Account::register("forum-helper"),
        Account::register("forum-voter"),
    );
    let thread = open_thread(&asker.client(), "Which TLS settings?", "Please help");
    let thread_id = id_of(&thread);
    let opening_id = thread["posts"][0]["id"].as_str().unwrap().to_string();
    let answer = reply_to(&helper.client(), &thread_id, "Use TLS 1.3").data(201).clone();
    let answer_vote = format!("/api/v1/forum/posts/{}/vote", id_of(&answer));

    let vote = voter.client().post(&answer_vote, json!({})).data(201).clone();
    assert_eq!(
        (vote["score"].clone(), vote["points_awarded"].clone()),
        (json!(1), json!(10))
    );
    voter.client().post(&answer_vote, json!({})).error(409, "already_voted");
    helper.client().post(&answer_vote, json!({})).error(403, "own_post");
    // A vote on a thread's opening post counts in its score, but earns nothing.
    let on_question = helper
        .client()
        .post(&format!("/api/v1/forum/posts/{opening_id}/vote"), json!({}));
    assert_eq!(on_question.data(201)["unearned"], "opening_post");
    assert_eq!(points_of(&asker), 0);
    assert_eq!(points_of(&helper), 10);

    // Accepted by the asker: 15 more; only the asker may accept.
    let accept = format!("{THREADS}/{thread_id}/accept");
    voter
        .client()
        .post(&accept, json!({ "post_id": id_of(&answer) }))
        .error(403, "not_author");
    asker
        .client()
        .post(&accept, json!({ "post_id": opening_id }))
        .invalid("post_id");
    let accepted = asker
        .client()
        .post(&accept, json!({ "post_id": id_of(&answer) }))
        .data(200)
        .clone();
    assert_eq!(accepted["accepted_post_id"], answer["id"]);
    assert_eq!(points_of(&helper), 25);

    // PingFlow's profile, with a token and with a key the helper made.
    let me = helper.client().get("/api/v1/account/me");
    assert_eq!(me.status, 200);
    assert_eq!(
        me.body,
        json!({ "id": helper.user_id, "email": helper.email, "name": me.body["name"], "isPro": false,
                "points": 25, "activeIcon": "badge_newcomer" })
    );
    let key = helper.api_key(&["read"]);
    assert_eq!(Client::bearer(&key).get("/api/v1/account/me").body, me.body);
    let shown = Client::anonymous()
        .get(&format!("{THREADS}/{thread_id}"))
        .data(200)
        .clone();
    assert_eq!(shown["posts"][1]["author"]["points"], 25);
    assert_eq!(shown["posts"][1]["author"]["verified"], false);
    assert_eq!(shown["posts"][1]["accepted"], true);

    // The vote taken back, then the answer removed: every point goes.
    assert_eq!(voter.client().delete(&answer_vote).status, 204);
    voter.client().delete(&answer_vote).error(404, "not_found");
    assert_eq!(points_of(&helper), 15);
    let removed = moderator()
        .client()
        .delete(&format!("/api/v1/forum/posts/{}", id_of(&answer)));
    assert_eq!(removed.status, 204);
    assert_eq!(points_of(&helper), 0);
    let after = Client::anonymous()
        .get(&format!("{THREADS}/{thread_id}"))
        .data(200)
        .clone();
    assert_eq!(
        (after["accepted_post_id"].clone(), after["reply_count"].clone()),
        (Value::Null, json!(0))
    );
}

#[test]
fn moderators_pin_lock_remove_and_read_reports() {
    let (author, reader) = (Account::register("forum-mod-author"), Account::register("forum-reader"));
    let moderator = moderator().client();
    let word = token();
    let older = open_thread(&author.client(), &format!("{word} older"), "first");
    let newer = open_thread(&author.client(), &format!("{word} newer"), "second");
    let older_path = format!("{THREADS}/{}", id_of(&older));

    author
        .client()
        .patch(&older_path, json!({ "pinned": true }))
        .error(403, "not_moderator");
    assert_eq!(
        moderator.patch(&older_path, json!({ "pinned": true })).data(200)["pinned"],
        true
    );
    assert_eq!(
        titles(&format!("q={word}")),
        vec![format!("{word} older"), format!("{word} newer")]
    );

    // Locked: no replies, edits or votes; moderators still remove.
    assert_eq!(
        moderator.patch(&older_path, json!({ "locked": true })).data(200)["locked"],
        true
    );
    reply_to(&reader.client(), &id_of(&older), "late").error(409, "thread_locked");
    let opening = format!("/api/v1/forum/posts/{}", older["posts"][0]["id"].as_str().unwrap());
    author
        .client()
        .patch(&opening, json!({ "body": "changed" }))
        .error(409, "thread_locked");
    reader
        .client()
        .post(&format!("{opening}/vote"), json!({}))
        .error(409, "thread_locked");

    // Reports: once per reader, seen by moderators only, resolved by removal.
    let newer_opening = format!("/api/v1/forum/posts/{}", newer["posts"][0]["id"].as_str().unwrap());
    let report = reader
        .client()
        .post(&format!("{newer_opening}/report"), json!({ "reason": "spam" }));
    let report_id = id_of(report.data(201));
    reader
        .client()
        .post(&format!("{newer_opening}/report"), json!({ "reason": "spam" }))
        .error(409, "already_reported");
    reader.client().get("/api/v1/forum/reports").error(403, "not_moderator");
    let open_reports = || {
        moderator
            .get("/api/v1/forum/reports?limit=200")
            .data(200)
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect::<Vec<_>>()
    };
    assert!(open_reports().contains(&report_id));
    assert_eq!(moderator.delete(&newer_opening).status, 204);
    assert!(!open_reports().contains(&report_id));
    Client::anonymous()
        .get(&format!("{THREADS}/{}", id_of(&newer)))
        .error(404, "not_found");

    let other = reader
        .client()
        .post(&format!("{opening}/report"), json!({ "reason": "off topic" }));
    let other_id = id_of(other.data(201));
    assert_eq!(
        moderator.delete(&format!("/api/v1/forum/reports/{other_id}")).status,
        204
    );
    moderator
        .delete(&format!("/api/v1/forum/reports/{other_id}"))
        .error(404, "not_found");
}

#[test]
fn another_user_cannot_edit_or_delete_and_writing_needs_a_user_that_may_write() {
    let (author, stranger) = (Account::register("forum-owner"), Account::register("forum-stranger"));
    let thread = open_thread(&author.client(), "Mine", "my words");
    let post = format!("/api/v1/forum/posts/{}", thread["posts"][0]["id"].as_str().unwrap());
    stranger
        .client()
        .patch(&post, json!({ "body": "yours now" }))
        .error(403, "not_author");
    stranger.client().delete(&post).error(403, "not_author");
    stranger
        .client()
        .patch(&format!("{THREADS}/{}", id_of(&thread)), json!({ "title": "Taken" }))
        .error(403, "not_author");
    Client::anonymous()
        .post(
            THREADS,
            json!({ "title": "No one", "body": "x", "category": "general" }),
        )
        .error(401, "unauthorized");
    let read_only = Client::bearer(&author.api_key(&["read"]));
    read_only
        .post(
            THREADS,
            json!({ "title": "Read only", "body": "x", "category": "general" }),
        )
        .error(403, "insufficient_scope");
    // A read-write key writes as the user who made it.
    let read_write = Client::bearer(&author.api_key(&["read", "write"]));
    let by_key = read_write.post(
        THREADS,
        json!({ "title": "By key", "body": "x", "category": "general" }),
    );
    assert_eq!(by_key.data(201)["author"]["id"], json!(author.user_id));
    assert_eq!(Client::anonymous().get(&post).status, 405);
}

#[test]
fn posting_past_the_hourly_limit_answers_429_with_retry_after() {
    let poster = Account::register("forum-poster");
    let oversized = "x".repeat(20_001);
    poster
        .client()
        .post(
            THREADS,
            json!({ "title": "Too long", "body": oversized, "category": "general" }),
        )
        .invalid("body");
    // The default limit: 20 posts an hour, threads and replies alike.
    let thread = open_thread(&poster.client(), "Chatty", "one");
    for n in 2..=20 {
        reply_to(&poster.client(), &id_of(&thread), &format!("post {n}")).data(201);
    }
    let refused = reply_to(&poster.client(), &id_of(&thread), "one too many");
    refused.error(429, "rate_limited");
    let retry_after: i64 = refused.header("Retry-After").expect("Retry-After").parse().unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    // Another account is not held back.
    reply_to(&Account::register("forum-other").client(), &id_of(&thread), "fine").data(201);
}

#[test]
fn an_account_gives_at_most_fifty_points_a_day_even_voting_all_at_once() {
    let (asker, helper, voter) = (
        Account::register("forum-cap-asker"),
        Account::register("forum-cap-helper"),
        Account::register("forum-cap-voter"),
    );
    let thread_id = id_of(&open_thread(&asker.client(), "Cap", "Many answers"));
    let replies: Vec<String> = (0..8)
        .map(|n| id_of(reply_to(&helper.client(), &thread_id, &format!("Answer {n}")).data(201)))
        .collect();
    // Eight upvotes of 10 points sent at once: the cap (50) holds anyway.
    let votes: Vec<Value> = std::thread::scope(|scope| {
        let sent: Vec<_> = replies
            .iter()
            .map(|id| {
                let client = voter.client();
                scope.spawn(move || {
                    let reply = client.post(&format!("/api/v1/forum/posts/{id}/vote"), json!({}));
                    reply.data(201).clone()
                })
            })
            .collect();
        sent.into_iter().map(|vote| vote.join().unwrap()).collect()
    });
    let awarded: i64 = votes.iter().map(|v| v["points_awarded"].as_i64().unwrap()).sum();
    assert_eq!(awarded, 50, "{votes:?}");
    let capped = votes.iter().filter(|v| v["unearned"] == "daily_cap_reached").count();
    assert_eq!(capped, 3, "{votes:?}");
    assert!(votes.iter().all(|v| v["score"] == 1), "every vote counts: {votes:?}");
    assert_eq!(points_of(&helper), 50);
}

#[test]
fn votes_of_accounts_younger_than_the_minimum_age_earn_nothing() {
    let state = TempDir::new("forum-age");
    let server = Server::start(&state.0, &[("PW_FORUM_MIN_ACCOUNT_AGE_HOURS", "1")]);
    let (asker, helper) = (
        Account::register_on(&server.url, "forum-age-asker"),
        Account::register_on(&server.url, "forum-age-helper"),
    );
    let (asker_client, helper_client) = (asker.client().on(&server.url), helper.client().on(&server.url));
    let thread = asker_client
        .post(
            THREADS,
            json!({ "title": "New here", "body": "Hello", "category": "general" }),
        )
        .data(201)
        .clone();
    let answer = helper_client
        .post(
            &format!("{THREADS}/{}/posts", id_of(&thread)),
            json!({ "body": "Welcome" }),
        )
        .data(201)
        .clone();
    let vote = asker_client
        .post(&format!("/api/v1/forum/posts/{}/vote", id_of(&answer)), json!({}))
        .data(201)
        .clone();
    assert_eq!(
        (
            vote["score"].clone(),
            vote["points_awarded"].clone(),
            vote["unearned"].clone()
        ),
        (json!(1), json!(0), json!("account_too_new"))
    );
    let me = helper_client.get("/api/v1/account/me");
    assert_eq!(me.body["points"], 0);
}
