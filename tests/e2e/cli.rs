//! The `pingwarden` command, run as a user would (its binary, built by
//! scripts/e2e.sh as `PW_CLI`) against this Worker: PingBase's commands and
//! ours, `--json`, the exit status and message of an API error, `login`
//! with its config file, the `PINGBASE_*` names, and MCP over stdio driven
//! by the official MCP SDK.

use crate::support::{base_url, Account, Client, TempDir};
use crate::targets::HttpTarget;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn binary() -> String {
    std::env::var("PW_CLI").expect("PW_CLI is set by scripts/e2e.sh")
}

/// Runs the command with these environment variables (and a config file of
/// its own), feeding `stdin`.
fn cli(env: &[(&str, &str)], config: &TempDir, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .env_remove("PINGWARDEN_API_KEY")
        .env_remove("PINGWARDEN_API_URL")
        .env("PINGWARDEN_CONFIG", config.0.join("config.json"))
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the pingwarden binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("--json prints JSON")
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn pingbase_commands_manage_monitors_heartbeats_and_incidents() {
    let (account, target) = (Account::register("cli"), HttpTarget::start());
    let key = account.api_key(&["read", "write"]);
    let config = TempDir::new("cli");
    let url = base_url();
    let env = [
        ("PINGWARDEN_API_URL", url.as_str()),
        ("PINGWARDEN_API_KEY", key.as_str()),
    ];
    let run = |args: &[&str]| cli(&env, &config, args, "");

    let created = json_of(&run(&["add", "shop", &target.url("/ok"), "--json"]));
    let id = created["data"]["id"].as_str().unwrap().to_string();
    let listed = run(&["monitors"]);
    assert!(
        text(&listed).contains("shop") && text(&listed).starts_with("ID"),
        "{}",
        text(&listed)
    );
    let status = run(&["status", &id]);
    assert!(text(&status).contains(&format!("shop ({id}) is")), "{}", text(&status));
    assert_eq!(
        json_of(&run(&["monitors", "pause", &id, "--json"]))["data"]["status"],
        "paused"
    );
    assert_ne!(
        json_of(&run(&["monitors", "resume", &id, "--json"]))["data"]["status"],
        "paused"
    );

    let beat = json_of(&run(&[
        "add",
        "backup",
        "--type",
        "heartbeat",
        "--interval",
        "60",
        "--grace",
        "60",
        "--json",
    ]));
    let beat_id = beat["data"]["id"].as_str().unwrap();
    let token = beat["data"]["token"].as_str().unwrap();
    assert_eq!(Client::anonymous().get(&format!("/p/{token}")).status, 200);
    let pings = json_of(&run(&["pings", beat_id, "--json"]));
    assert_eq!(pings["data"].as_array().unwrap().len(), 1, "{pings}");

    let incident = json_of(&run(&[
        "incidents",
        "create",
        "Slow checkout",
        "--monitor",
        &id,
        "--json",
    ]));
    let incident_id = incident["data"]["id"].as_str().unwrap();
    assert!(run(&["incidents", "resolve", incident_id]).status.success());
    let incidents = json_of(&run(&["incidents", "--json"]));
    assert_eq!(incidents["data"][0]["status"], "resolved", "{incidents}");

    assert!(run(&["delete", &id]).status.success());
    // An API error: exit status 1 and the API's own message.
    let missing = run(&["delete", &id]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("404 not_found: monitor not found"));
    assert_eq!(
        json_of(&run(&["pages", "list", "--json"]))["data"],
        serde_json::json!([])
    );
}

#[test]
fn login_keeps_a_token_that_manages_keys_and_pingbase_names_work() {
    let account = Account::register("cli-login");
    let config = TempDir::new("cli-login");
    let url = base_url();
    let login = cli(
        &[],
        &config,
        &["login", "--email", &account.email, "--url", &url],
        &format!("{}\n", account.password),
    );
    assert!(login.status.success(), "{}", String::from_utf8_lossy(&login.stderr));
    // From the config file alone.
    let created = json_of(&cli(&[], &config, &["keys", "create", "ci", "--json"], ""));
    let key = created["data"]["key"].as_str().unwrap().to_string();
    let key_id = created["data"]["id"].as_str().unwrap().to_string();
    assert!(text(&cli(&[], &config, &["keys", "list"], "")).contains(&key_id));
    // PingBase's variable names.
    let pingbase = [("PINGBASE_API_URL", url.as_str()), ("PINGBASE_API_KEY", key.as_str())];
    let other_config = TempDir::new("cli-pingbase");
    assert!(cli(&pingbase, &other_config, &["monitors"], "").status.success());
    assert!(cli(&[], &config, &["keys", "revoke", &key_id], "").status.success());
    let revoked = cli(&pingbase, &other_config, &["monitors"], "");
    assert_eq!(revoked.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&revoked.stderr).contains("401"));
    let wrong = cli(
        &[],
        &config,
        &["login", "--email", &account.email, "--url", &url],
        "wrong password\n",
    );
    assert_eq!(wrong.status.code(), Some(1));
}

#[test]
fn the_mcp_tools_are_served_over_stdio_for_mcp_json() {
    let account = Account::register("cli-mcp");
    let key = account.api_key(&["read", "write"]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/mcp_client.py");
    let output = Command::new("python3")
        .args([script, "stdio", &key, "stdio", &binary(), &base_url()])
        .output()
        .expect("python3 runs mcp_client.py");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let steps: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(steps[0]["server"], "pingwarden", "{steps:?}");
    assert!(steps[1]["names"].as_array().unwrap().len() >= 11);
    let created = steps.iter().find(|s| s["step"] == "create").unwrap();
    assert_eq!(created["is_error"], false, "{created}");
}

#[test]
fn tail_follows_the_live_stream() {
    let account = Account::register("cli-tail");
    let key = account.api_key(&["read"]);
    let created = account.create_monitor(
        serde_json::json!({ "type": "heartbeat", "name": "tailed", "interval_seconds": 60, "grace_seconds": 60 }),
    );
    let (id, token) = (
        created["id"].as_str().unwrap(),
        created["token"].as_str().unwrap().to_string(),
    );
    let config = TempDir::new("cli-tail");
    let url = base_url();
    let child = Command::new(binary())
        .args(["tail", "--monitor", id, "--count", "1", "--json"])
        .env("PINGWARDEN_CONFIG", config.0.join("config.json"))
        .env("PINGWARDEN_API_URL", &url)
        .env("PINGWARDEN_API_KEY", &key)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the pingwarden binary runs");
    // Ping until the stream (which wakes the monitor first) carries one.
    let pinger = std::thread::spawn(move || {
        for _ in 0..20 {
            std::thread::sleep(std::time::Duration::from_millis(500));
            Client::anonymous().get(&format!("/p/{token}"));
        }
    });
    let output = child.wait_with_output().unwrap();
    pinger.join().unwrap();
    let event = json_of(&output);
    assert_eq!(
        (event["type"].as_str(), event["monitor_id"].as_str()),
        (Some("telemetry_tick"), Some(id)),
        "{event}"
    );
}

#[test]
fn apply_and_export_keep_monitors_as_code() {
    let account = Account::register("cli-apply");
    let key = account.api_key(&["read", "write"]);
    let config = TempDir::new("cli-apply");
    let url = base_url();
    let env = [
        ("PINGWARDEN_API_URL", url.as_str()),
        ("PINGWARDEN_API_KEY", key.as_str()),
    ];
    let run = |args: &[&str], stdin: &str| cli(&env, &config, args, stdin);
    let file = config.0.join("monitors.yaml");
    std::fs::write(
        &file,
        "monitors:\n  - key: api\n    type: tcp\n    name: db\n    host: 127.0.0.1\n    port: 5432\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();

    let planned = run(&["apply", "-f", file, "--dry-run"], "");
    assert!(text(&planned).contains("would: 1 create"), "{}", text(&planned));
    assert_eq!(Client::bearer(&key).get("/api/v1/monitors").body["count"], 0);
    let applied = json_of(&run(&["apply", "-f", file, "--json"], ""));
    assert_eq!(applied["data"]["summary"]["create"], 1);
    // What export writes, applied from stdin, changes nothing.
    let exported = text(&run(&["export"], ""));
    assert!(exported.contains("key: api"), "{exported}");
    let again = run(&["apply", "-f", "-"], &exported);
    assert!(
        text(&again).contains("did: 0 create, 0 update, 0 delete, 1 unchanged"),
        "{}",
        text(&again)
    );
    // A bad document fails with its path.
    std::fs::write(config.0.join("bad.yaml"), "monitors:\n  - key: api\n    port: 0\n").unwrap();
    let failed = run(&["apply", "-f", config.0.join("bad.yaml").to_str().unwrap()], "");
    assert!(!failed.status.success());
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("monitors[0].port"),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );
}

#[test]
fn forum_commands_open_list_show_and_reply_to_a_thread() {
    let account = Account::register("cli-forum");
    let key = account.api_key(&["read", "write"]);
    let config = TempDir::new("cli-forum");
    let url = base_url();
    let env = [
        ("PINGWARDEN_API_URL", url.as_str()),
        ("PINGWARDEN_API_KEY", key.as_str()),
    ];
    let run = |args: &[&str]| cli(&env, &config, args, "");
    let title = format!("CLI outage report {}", std::process::id());
    let opened = json_of(&run(&[
        "forum",
        "open",
        &title,
        "--body",
        "Seeing **503** from the API",
        "--category",
        "outages",
        "--json",
    ]));
    let id = opened["data"]["id"].as_str().expect("the thread's id").to_string();
    json_of(&run(&[
        "forum",
        "reply",
        &id,
        "--body",
        "Same here since 10:02",
        "--json",
    ]));

    // Reading needs no credential: the list finds it by title, and the thread shows both posts.
    let public = [("PINGWARDEN_API_URL", url.as_str())];
    let listed = cli(&public, &config, &["forum", "--search", &title, "--sort", "active"], "");
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    assert!(text(&listed).contains(&id), "{}", text(&listed));
    let shown = text(&cli(&public, &config, &["forum", "show", &id], ""));
    assert!(
        shown.contains("Seeing **503** from the API") && shown.contains("Same here since 10:02"),
        "{shown}"
    );
    assert!(shown.contains("[outages]"), "{shown}");
}
