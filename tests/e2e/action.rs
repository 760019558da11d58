//! The GitHub Action (`action.yml`): its step's script run as the runner
//! would, with `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, against this
//! Worker: all up, one down, pending, one monitor, and fail-on-down off.

use crate::support::{base_url, Account, TempDir};
use crate::targets::HttpTarget;
use serde_json::json;
use std::process::Command;

struct Outcome {
    success: bool,
    outputs: String,
    summary: String,
}

fn run_action(key: &str, monitor_id: &str, fail_on_down: &str) -> Outcome {
    let dir = TempDir::new("action");
    let (outputs, summary) = (dir.0.join("output"), dir.0.join("summary"));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/action/check_monitors.py");
    let status = Command::new("python3")
        .arg(script)
        .env("PINGWARDEN_API_URL", base_url())
        .env("PINGWARDEN_API_KEY", key)
        .env("MONITOR_ID", monitor_id)
        .env("FAIL_ON_DOWN", fail_on_down)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .status()
        .expect("python3 runs the action's script");
    Outcome {
        success: status.success(),
        outputs: std::fs::read_to_string(outputs).unwrap_or_default(),
        summary: std::fs::read_to_string(summary).unwrap_or_default(),
    }
}

#[test]
fn the_action_reports_up_down_and_pending_and_fails_on_down() {
    let (account, target) = (Account::register("action"), HttpTarget::start());
    let key = account.api_key(&["read"]);
    let check = |name: &str, path: &str| {
        account.create_monitor(json!({ "type": "http", "name": name, "url": target.url(path), "interval_seconds": 1, "failure_threshold": 1 }))["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let up = check("shop", "/ok");
    account.wait_until_status(&up, "up");
    let all_up = run_action(&key, "", "true");
    assert!(all_up.success);
    assert_eq!(all_up.outputs, "status=up\nmonitors-down=0\nmonitors-up=1\n");
    assert!(all_up.summary.contains("| shop | up |"), "{}", all_up.summary);

    let down = check("api", "/status/503");
    account.wait_until_status(&down, "down");
    let one_down = run_action(&key, "", "true");
    assert!(!one_down.success, "fail-on-down fails the step");
    assert_eq!(one_down.outputs, "status=down\nmonitors-down=1\nmonitors-up=1\n");
    assert!(run_action(&key, "", "false").success, "unless fail-on-down is false");
    let only_up = run_action(&key, &up, "true");
    assert!(only_up.success);
    assert_eq!(only_up.outputs, "status=up\nmonitors-down=0\nmonitors-up=1\n");

    // A heartbeat that never pinged is pending; paused monitors do not count.
    account
        .client()
        .post(&format!("/api/v1/monitors/{down}/pause"), json!({}))
        .data(200);
    account
        .create_monitor(json!({ "type": "heartbeat", "name": "backup", "interval_seconds": 60, "grace_seconds": 60 }));
    let pending = run_action(&key, "", "true");
    assert!(pending.success);
    assert_eq!(pending.outputs, "status=pending\nmonitors-down=0\nmonitors-up=1\n");

    let wrong_key = run_action("pw_live_00000000000000000000000000000000", "", "true");
    assert!(!wrong_key.success && wrong_key.outputs.is_empty());
}
