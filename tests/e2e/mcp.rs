//! The MCP server at `POST /mcp`, driven by the official MCP Python SDK
//! (`mcp_client.py`): the handshake, the tool list, a monitor created and
//! read, an incident opened and resolved, and a read-only key refused.

use crate::support::{base_url, Account, Client};
use crate::targets::HttpTarget;
use serde_json::{json, Value};
use std::process::Command;

fn run(key: &str, scenario: &[&str]) -> Vec<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/mcp_client.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(format!("{}/mcp", base_url()))
        .arg(key)
        .args(scenario)
        .output()
        .expect("python3 runs mcp_client.py");
    assert!(
        output.status.success(),
        "the MCP client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn step<'a>(steps: &'a [Value], name: &str) -> &'a Value {
    steps
        .iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("no step {name}: {steps:?}"))
}

#[test]
fn a_client_lists_the_tools_manages_a_monitor_and_resolves_an_incident() {
    let (account, target) = (Account::register("mcp"), HttpTarget::start());
    let key = account.api_key(&["read", "write"]);
    let steps = run(&key, &["manage", &target.url("/ok")]);
    let init = step(&steps, "initialize");
    assert_eq!(init["server"], "pingwarden");
    assert_eq!(init["protocol_version"], "2025-11-25");
    let names = step(&steps, "tools")["names"].as_array().unwrap().clone();
    for tool in [
        "list_monitors",
        "create_monitor",
        "delete_monitor",
        "get_monitor_status",
        "list_incidents",
        "create_incident",
        "update_incident",
        "get_status_page",
        "list_pings",
        "pause_monitor",
        "resume_monitor",
    ] {
        assert!(names.contains(&json!(tool)), "{tool} in {names:?}");
    }
    for name in [
        "create",
        "status",
        "incident",
        "resolve",
        "incidents",
        "pause",
        "delete",
    ] {
        assert_eq!(step(&steps, name)["is_error"], false, "{name}: {}", step(&steps, name));
    }
    let monitor = &step(&steps, "status")["structured"]["data"];
    assert_eq!(
        (monitor["name"].as_str(), monitor["url"].as_str()),
        (Some("mcp shop"), Some(target.url("/ok").as_str()))
    );
    let resolved = &step(&steps, "resolve")["structured"]["data"];
    assert_eq!(resolved["status"], "resolved", "{resolved}");
    assert!(step(&steps, "incidents")["text"]
        .as_str()
        .unwrap()
        .contains("Checkout is slow"));
    // What the tools did is what the API shows.
    let id = monitor["id"].as_str().unwrap();
    account
        .client()
        .get(&format!("/api/v1/monitors/{id}"))
        .error(404, "not_found");
}

#[test]
fn a_read_only_key_reads_but_cannot_create_and_no_key_is_refused() {
    let account = Account::register("mcp-read");
    let key = account.api_key(&["read"]);
    let steps = run(&key, &["read-only"]);
    let refused = step(&steps, "create");
    assert_eq!(refused["is_error"], true);
    assert!(
        refused["text"].as_str().unwrap().contains("insufficient_scope"),
        "{refused}"
    );
    assert_eq!(step(&steps, "list")["is_error"], false);
    // Without a credential, before any JSON-RPC: 401.
    let anonymous = Client::anonymous().post("/mcp", json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/list" }));
    anonymous.error(401, "unauthorized");
    // JSON-RPC errors for what is not a valid call.
    let client = Client::bearer(&key);
    let unknown = client.post("/mcp", json!({ "jsonrpc": "2.0", "id": 2, "method": "dance" }));
    assert_eq!(unknown.body["error"]["code"], -32601);
    let bad_tool = client.post(
        "/mcp",
        json!({ "jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": { "name": "delete_monitor", "arguments": { "monitor_id": "../x" } } }),
    );
    assert_eq!(bad_tool.body["error"]["code"], -32602, "{}", bad_tool.body);
    assert_eq!(client.get("/mcp").status, 405);
}
