use super::*;
use serde_json::json;

fn fixture() -> Value {
    serde_json::from_str(include_str!("../../../tests/fixtures/uptime-kuma/backup.json")).unwrap()
}

fn mapped(index: usize) -> Mapped {
    from_monitor(index, &fixture()["monitorList"][index], 30).unwrap()
}

fn fields(index: usize) -> Value {
    match mapped(index) {
        Mapped::Monitor { fields, .. } => Value::Object(fields),
        other => panic!("not a monitor: {other:?}"),
    }
}

#[test]
fn an_http_monitor_keeps_interval_retries_timeout_codes_and_tags() {
    let Mapped::Monitor { key, .. } = mapped(0) else {
        panic!()
    };
    assert_eq!(key, "kuma-1");
    assert_eq!(
        fields(0),
        json!({
            "type": "http", "name": "Website", "url": "https://www.example.com/", "method": "GET",
            "tags": ["env:prod"], "expected_status_codes": ["2xx", 301], "headers": {},
            "interval_seconds": 60, "timeout_ms": 24000, "failure_threshold": 3,
        })
    );
}

#[test]
fn a_keyword_monitor_keeps_method_body_headers_and_basic_auth() {
    let fields = fields(1);
    assert_eq!(fields["keyword"], "\"ok\"");
    assert_eq!(fields["keyword_mode"], "contains");
    assert_eq!(fields["method"], "POST");
    assert_eq!(fields["body"], "{\"probe\": true}");
    assert_eq!(fields["headers"]["X-Token"], "s3cret");
    assert_eq!(fields["headers"]["Authorization"], "Basic a3VtYTpodW50ZXIy");
}

#[test]
fn port_dns_and_push_monitors_map_to_tcp_dns_and_heartbeat() {
    let (tcp, dns, push) = (fields(2), fields(3), fields(4));
    assert_eq!(
        (tcp["type"].as_str(), tcp["host"].as_str(), tcp["port"].as_u64()),
        (Some("tcp"), Some("127.0.0.1"), Some(5432))
    );
    assert_eq!(
        (dns["type"].as_str(), dns["record_type"].as_str()),
        (Some("dns"), Some("MX"))
    );
    assert_eq!(push["type"], "heartbeat");
    assert_eq!(
        (push["interval_seconds"].as_u64(), push["grace_seconds"].as_u64()),
        (Some(86_400), Some(600))
    );
    assert_eq!(push["description"], "pg_dump to S3");
}

#[test]
fn other_types_are_skipped_with_the_reason() {
    for index in [5, 6] {
        let Mapped::Skipped { reason, .. } = mapped(index) else {
            panic!("{index} maps")
        };
        assert!(reason.contains("is not supported"), "{reason}");
    }
}

#[test]
fn an_interval_below_the_plan_floor_is_raised_to_it() {
    let monitor = &fixture()["monitorList"][1];
    let Mapped::Monitor { fields, .. } = from_monitor(1, monitor, 60).unwrap() else {
        panic!()
    };
    assert_eq!(fields["interval_seconds"], 60);
}

#[test]
fn a_malformed_monitor_is_an_error_naming_its_entry() {
    let cases = [
        (json!([]), "monitorList[2]"),
        (
            json!({ "id": 3, "type": "port", "hostname": "db", "port": "5432" }),
            "monitorList[2].port",
        ),
        (
            json!({ "id": 3, "type": "http", "url": "https://x", "headers": "{not json" }),
            "monitorList[2].headers",
        ),
        (json!({ "type": "http" }), "monitorList[2].id"),
    ];
    for (monitor, field) in cases {
        assert_eq!(from_monitor(2, &monitor, 30).unwrap_err().field, field, "{monitor}");
    }
}

#[test]
fn accepted_codes_become_classes_or_codes() {
    let cases = [
        (json!(["200-299"]), Some(vec![json!("2xx")])),
        (
            json!(["200-399", "418"]),
            Some(vec![json!("2xx"), json!("3xx"), json!(418)]),
        ),
        (json!([]), Some(vec![json!("2xx")])),
        (json!(["100-450"]), None),
    ];
    for (accepted, expected) in cases {
        assert_eq!(status_codes(Some(&accepted)), expected, "{accepted}");
    }
}

fn channels() -> Vec<Mapped> {
    let backup = fixture();
    let monitors: Vec<Mapped> = (0..backup["monitorList"].as_array().unwrap().len())
        .map(mapped)
        .collect();
    channels_of(&backup, &monitors).unwrap()
}

#[test]
fn notifications_become_channels_of_the_monitors_that_used_them() {
    let channels = channels();
    assert_eq!(
        channels[0],
        Mapped::Channel {
            key: "kuma-notification-1".into(),
            fields: json!({ "name": "Ops Discord", "kind": "discord", "monitor_ids": ["kuma-1"],
                            "url": "http://127.0.0.1:9/api/webhooks/1/abc" })
            .as_object()
            .unwrap()
            .clone(),
        }
    );
    let Mapped::Channel { fields, .. } = &channels[1] else {
        panic!("{:?}", channels[1])
    };
    assert_eq!(
        (
            &fields["kind"],
            &fields["monitor_ids"],
            &fields["url"],
            &fields["enabled"]
        ),
        (
            &json!("slack"),
            &json!(["kuma-1", "kuma-2"]),
            &json!("https://hooks.slack.com/services/T0/B0/x"),
            // Turned off in Kuma (`"active": 0`).
            &json!(false)
        )
    );
}

#[test]
fn notifications_without_a_channel_kind_or_a_monitor_are_skipped_with_the_reason() {
    let channels = channels();
    assert_eq!(
        channels[2],
        Mapped::Skipped {
            name: "Mail".into(),
            reason: "notification type smtp has no Pingwarden channel kind".into()
        }
    );
    assert_eq!(
        channels[3],
        Mapped::Skipped {
            name: "Pager".into(),
            reason: "no imported monitor uses it".into()
        }
    );
}

#[test]
fn a_notification_whose_config_is_not_json_is_refused_naming_it() {
    let mut backup = fixture();
    backup["notificationList"][1]["config"] = json!("{not json");
    let monitors: Vec<Mapped> = (0..7).map(mapped).collect();
    let error = channels_of(&backup, &monitors).unwrap_err();
    assert_eq!(error.field, "notificationList[1].config");
}

#[test]
fn providers_fields_are_renamed_to_the_channels() {
    let backup = json!({ "monitorList": [{ "id": 9, "notificationIDList": { "5": true } }],
        "notificationList": [
            { "id": 5, "name": "Chat", "config": { "type": "telegram", "telegramBotToken": "1:abc", "telegramChatID": "-100" } },
        ] });
    let monitors = [Mapped::Monitor {
        key: "kuma-9".into(),
        fields: Map::new(),
    }];
    let Mapped::Channel { fields, .. } = &channels_of(&backup, &monitors).unwrap()[0] else {
        panic!()
    };
    assert_eq!(
        (&fields["bot_token"], &fields["chat_id"]),
        (&json!("1:abc"), &json!("-100"))
    );
    let mut ntfy = backup.clone();
    ntfy["notificationList"][0]["config"] = json!({ "type": "ntfy", "ntfyserverurl": "https://ntfy.sh", "ntfytopic": "ops",
        "ntfyAuthenticationMethod": "usernamePassword" });
    assert!(matches!(
        &channels_of(&ntfy, &monitors).unwrap()[0],
        Mapped::Skipped { reason, .. } if reason.contains("access token")
    ));
}
