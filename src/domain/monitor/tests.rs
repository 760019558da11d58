use super::*;
use serde_json::json;

const PUBLIC_ONLY: Rules = Rules {
    allow_private_targets: false,
    min_grace_seconds: 60,
};
const LOCAL: Rules = Rules {
    allow_private_targets: true,
    min_grace_seconds: 60,
};

fn validate(body: Value, rules: &Rules) -> Result<MonitorSpec, FieldError> {
    MonitorSpec::from_input(body.as_object().unwrap(), rules)
}

#[test]
fn an_http_monitor_gets_sensible_defaults() {
    let spec = validate(
        json!({"type": "http", "name": " Site ", "url": "https://example.com"}),
        &PUBLIC_ONLY,
    )
    .unwrap();
    assert_eq!(spec.name, "Site");
    assert_eq!(spec.interval_seconds, 300);
    let Settings::Http(http) = spec.settings else {
        panic!("not http")
    };
    assert_eq!(http.url, "https://example.com/");
    assert_eq!(http.method, "GET");
    assert_eq!(
        http.probe,
        ProbeOptions {
            timeout_ms: 10_000,
            failure_threshold: 2,
            regions: vec![],
            apdex_threshold_ms: 500
        }
    );
    assert!(http.follow_redirects);
    assert_eq!(http.timing, Timing::Sockets);
    assert!(http.expected_status_codes.iter().any(|r| r.matches(204)));
    assert!(http.expected_status_codes.iter().any(|r| r.matches(301)));
    assert!(!http.expected_status_codes.iter().any(|r| r.matches(404)));
}

#[test]
fn each_invalid_field_is_named() {
    let http = |extra: Value| {
        let mut body = json!({"type": "http", "name": "x", "url": "https://example.com"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let cases = [
        (json!({"name": "x"}), "type"),
        (json!({"type": "smtp", "name": "x"}), "type"),
        (json!({"type": "http", "url": "https://example.com"}), "name"),
        (http(json!({"name": ""})), "name"),
        (http(json!({"name": "x".repeat(101)})), "name"),
        (json!({"type": "http", "name": "x"}), "url"),
        (http(json!({"url": "ftp://example.com"})), "url"),
        (http(json!({"url": "not a url"})), "url"),
        (http(json!({"url": "http://127.0.0.1:8080/"})), "url"),
        (http(json!({"url": "http://localhost/"})), "url"),
        (http(json!({"url": "http://[::1]/"})), "url"),
        (http(json!({"url": "http://169.254.169.254/"})), "url"),
        (http(json!({"url": "http://0x7f.1/"})), "url"),
        (http(json!({"url": "http://[::ffff:a9fe:a9fe]/"})), "url"),
        (http(json!({"method": "BREW"})), "method"),
        (http(json!({"headers": ["x"]})), "headers"),
        (http(json!({"headers": {"bad name": "x"}})), "headers.bad name"),
        (http(json!({"headers": {"X-A": "a\r\nb"}})), "headers.X-A"),
        (
            http(json!({"headers": (0..21).map(|i| (format!("h{i}"), json!("v"))).collect::<Map<_, _>>()})),
            "headers",
        ),
        (
            http(json!({"method": "POST", "body": "x".repeat(10 * 1024 + 1)})),
            "body",
        ),
        (http(json!({"body": "x"})), "body"),
        (http(json!({"expected_status_codes": []})), "expected_status_codes"),
        (http(json!({"expected_status_codes": [99]})), "expected_status_codes"),
        (http(json!({"expected_status_codes": ["6xx"]})), "expected_status_codes"),
        (http(json!({"keyword_mode": "maybe"})), "keyword_mode"),
        (http(json!({"keyword": ""})), "keyword"),
        (http(json!({"timeout_ms": 30_001})), "timeout_ms"),
        (http(json!({"timeout_ms": "fast"})), "timeout_ms"),
        (http(json!({"follow_redirects": "yes"})), "follow_redirects"),
        (http(json!({"timing": "curl"})), "timing"),
        (http(json!({"regions": ["mars"]})), "regions"),
        (http(json!({"regions": ["weur", "weur"]})), "regions"),
        (http(json!({"failure_threshold": 0})), "failure_threshold"),
        (http(json!({"apdex_threshold_ms": 0})), "apdex_threshold_ms"),
        (http(json!({"apdex_threshold_ms": 60_001})), "apdex_threshold_ms"),
        (http(json!({"interval_seconds": 0})), "interval_seconds"),
        (http(json!({"interval_seconds": 86_401})), "interval_seconds"),
        (http(json!({"interval_seconds": 1.5})), "interval_seconds"),
        (
            http(json!({"tags": (0..21).map(|i| i.to_string()).collect::<Vec<_>>()})),
            "tags",
        ),
        (http(json!({"tags": [""]})), "tags"),
        (http(json!({"tags": "prod"})), "tags"),
        (http(json!({"status": "up"})), "status"),
        (http(json!({"intervall": 60})), "intervall"),
        (http(json!({"port": 80})), "port"),
        (json!({"type": "tcp", "name": "x", "host": "example.com"}), "port"),
        (
            json!({"type": "tcp", "name": "x", "host": "example.com", "port": 0}),
            "port",
        ),
        (
            json!({"type": "tcp", "name": "x", "host": "example.com", "port": 65_536}),
            "port",
        ),
        (
            json!({"type": "tcp", "name": "x", "host": "bad host", "port": 22}),
            "host",
        ),
        (
            json!({"type": "tcp", "name": "x", "host": "10.0.0.1", "port": 22}),
            "host",
        ),
        (
            json!({"type": "tcp", "name": "x", "host": "2130706433", "port": 22}),
            "host",
        ),
        (json!({"type": "dns", "name": "x"}), "host"),
        (
            json!({"type": "dns", "name": "x", "host": "example.com", "record_type": "SRV"}),
            "record_type",
        ),
        (
            json!({"type": "dns", "name": "x", "host": "example.com", "expected_values": [1]}),
            "expected_values",
        ),
        (
            json!({"type": "heartbeat", "name": "x", "grace_seconds": 59}),
            "grace_seconds",
        ),
        (
            json!({"type": "heartbeat", "name": "x", "url": "https://example.com"}),
            "url",
        ),
        (
            json!({"type": "heartbeat", "name": "x", "interval_seconds": 31_536_001}),
            "interval_seconds",
        ),
        (
            json!({ "type": "heartbeat", "name": "x", "schedule": "every day" }),
            "schedule",
        ),
        (
            json!({ "type": "heartbeat", "name": "x", "schedule": "0 0 30 2 *" }),
            "schedule",
        ),
        (
            json!({ "type": "heartbeat", "name": "x", "schedule": "0 9 * * *", "timezone": "Mars/Base" }),
            "timezone",
        ),
        (
            json!({ "type": "heartbeat", "name": "x", "timezone": "UTC" }),
            "timezone",
        ),
        (
            json!({ "type": "heartbeat", "name": "x", "schedule": "@daily", "interval_seconds": 60 }),
            "interval_seconds",
        ),
    ];
    for (body, field) in cases {
        let error = validate(body.clone(), &PUBLIC_ONLY).expect_err(&body.to_string());
        assert_eq!(error.field, field, "{body}: {}", error.message);
    }
}

#[test]
fn private_targets_are_accepted_when_the_deployment_allows_them() {
    assert!(validate(
        json!({"type": "http", "name": "x", "url": "http://127.0.0.1:9/"}),
        &LOCAL
    )
    .is_ok());
    assert!(validate(
        json!({"type": "tcp", "name": "x", "host": "localhost", "port": 22}),
        &LOCAL
    )
    .is_ok());
}

#[test]
fn the_other_kinds_validate_and_normalise() {
    let tcp = validate(
        json!({"type": "tcp", "name": "db", "host": "DB.example.com", "port": 5432}),
        &PUBLIC_ONLY,
    )
    .unwrap();
    assert_eq!(
        tcp.settings,
        Settings::Tcp(TcpSettings {
            host: "db.example.com".into(),
            port: 5432,
            probe: ProbeOptions {
                timeout_ms: 5000,
                failure_threshold: 2,
                regions: vec![],
                apdex_threshold_ms: 500
            }
        })
    );
    let dns = validate(json!({"type": "dns", "name": "mx", "host": "example.com", "record_type": "mx", "expected_values": ["mail.example.com"]}), &PUBLIC_ONLY).unwrap();
    let Settings::Dns(dns) = dns.settings else {
        panic!("not dns")
    };
    assert_eq!(dns.record_type, "MX");
    let beat = validate(json!({"type": "heartbeat", "name": "backup", "interval_seconds": 3600, "grace_seconds": 600, "tags": ["ops", "ops", " nightly "]}), &PUBLIC_ONLY).unwrap();
    assert_eq!(
        beat.settings,
        Settings::Heartbeat(HeartbeatSettings {
            grace_seconds: 600,
            schedule: None,
            timezone: "UTC".into(),
            description: None,
            hc_uuid: None,
            slug: None,
        })
    );
    assert_eq!(beat.tags, vec!["ops", "nightly"]);
}

#[test]
fn status_code_rules_match_codes_and_classes() {
    let rules = status_rules(&json!([200, "301", "4XX"])).unwrap();
    assert!(rules.iter().any(|r| r.matches(200)));
    assert!(rules.iter().any(|r| r.matches(301)));
    assert!(rules.iter().any(|r| r.matches(418)));
    assert!(!rules.iter().any(|r| r.matches(201)));
}

#[test]
fn a_spec_round_trips_through_its_input_form_and_a_patch_applies_onto_it() {
    let spec = validate(
        json!({"type": "http", "name": "api", "url": "https://example.com/health", "method": "post", "body": "{}", "keyword": "ok", "headers": {"X-Token": "t"}, "expected_status_codes": [200, "3xx"], "regions": ["weur", "enam"], "tags": ["prod"]}),
        &PUBLIC_ONLY,
    )
    .unwrap();
    let mut input = spec.to_input();
    assert_eq!(validate(Value::Object(input.clone()), &PUBLIC_ONLY).unwrap(), spec);
    input.insert("keyword".into(), Value::Null);
    input.insert("interval_seconds".into(), json!(60));
    let patched = validate(Value::Object(input), &PUBLIC_ONLY).unwrap();
    let Settings::Http(http) = &patched.settings else {
        panic!("not http")
    };
    assert_eq!(http.keyword, None);
    assert_eq!(patched.interval_seconds, 60);
    let stored = serde_json::to_string(&patched.settings).unwrap();
    assert_eq!(serde_json::from_str::<Settings>(&stored).unwrap(), patched.settings);
}

#[test]
fn a_scheduled_heartbeat_derives_its_interval_and_patches_cleanly() {
    let body = json!({"type": "heartbeat", "name": "nightly", "schedule": "*/15 * * * *", "timezone": "Europe/Paris"});
    let spec = validate(body, &PUBLIC_ONLY).unwrap();
    assert_eq!(spec.interval_seconds, 900);
    let mut input = spec.to_input();
    assert!(!input.contains_key("interval_seconds"));
    input.insert("grace_seconds".into(), json!(120));
    assert!(validate(Value::Object(input.clone()), &PUBLIC_ONLY).is_ok());
    input.insert("schedule".into(), Value::Null);
    input.insert("timezone".into(), Value::Null);
    input.insert("interval_seconds".into(), json!(3600));
    assert_eq!(
        validate(Value::Object(input), &PUBLIC_ONLY).unwrap().interval_seconds,
        3600
    );
}

#[test]
fn an_interval_heartbeat_patches_without_restating_its_zone() {
    let spec = validate(
        json!({"type": "heartbeat", "name": "nightly", "interval_seconds": 3600}),
        &PUBLIC_ONLY,
    )
    .unwrap();
    let mut input = spec.to_input();
    input.insert("grace_seconds".into(), json!(120));
    let patched = validate(Value::Object(input), &PUBLIC_ONLY).unwrap();
    assert_eq!(
        patched.settings,
        Settings::Heartbeat(HeartbeatSettings {
            grace_seconds: 120,
            schedule: None,
            timezone: "UTC".into(),
            description: None,
            hc_uuid: None,
            slug: None,
        })
    );
}

#[test]
fn a_spec_stored_before_apdex_thresholds_reads_with_the_default() {
    let stored = json!({"type": "tcp", "host": "db.example.com", "port": 5432, "timeout_ms": 5000, "failure_threshold": 2, "regions": []});
    let settings: Settings = serde_json::from_value(stored).unwrap();
    assert_eq!(settings.apdex_threshold_ms(), 500);
}

#[test]
fn a_heartbeat_stored_before_schedules_reads_in_utc() {
    let stored = json!({"type": "heartbeat", "grace_seconds": 60, "schedule": null});
    let settings: Settings = serde_json::from_value(stored).unwrap();
    assert!(matches!(settings, Settings::Heartbeat(beat) if beat.timezone == "UTC"));
}

#[test]
fn an_http_monitor_stored_before_timing_options_is_timed_over_sockets() {
    let stored = json!({"type": "http", "url": "https://example.com/", "method": "GET", "headers": {}, "body": null,
        "expected_status_codes": ["2xx"], "keyword": null, "keyword_mode": "contains", "follow_redirects": true,
        "timeout_ms": 10000, "failure_threshold": 2, "regions": []});
    let settings: Settings = serde_json::from_value(stored).unwrap();
    assert!(matches!(settings, Settings::Http(http) if http.timing == Timing::Sockets));
}

/// An HTTP monitor with a secret in every place one can hide.
fn with_secrets() -> MonitorSpec {
    validate(
        json!({"type": "http", "name": "api", "method": "POST", "keyword": "ok",
            "url": "https://ada:s3cret-pass@example.com/health?api_key=s3cret-key&deep=1",
            "headers": {"Authorization": "Bearer s3cret-token", "Cookie": "sid=s3cret-cookie", "X-Empty": ""},
            "body": "{\"password\":\"s3cret-body\"}"}),
        &PUBLIC_ONLY,
    )
    .unwrap()
}

fn http_of(spec: &MonitorSpec) -> &HttpSettings {
    match &spec.settings {
        Settings::Http(http) => http,
        other => panic!("not http: {other:?}"),
    }
}

#[test]
fn every_secret_of_an_http_monitor_is_masked_when_shown() {
    let shown = with_secrets().shown();
    let expected = [
        (
            "url",
            json!("https://********:********@example.com/health?api_key=********&deep=1"),
        ),
        (
            "headers",
            json!({"Authorization": "********", "Cookie": "********", "X-Empty": ""}),
        ),
        ("body", json!("********")),
        ("method", json!("POST")),
        ("keyword", json!("ok")),
        ("name", json!("api")),
    ];
    for (field, value) in expected {
        assert_eq!(shown[field], value, "{field}");
    }
    assert!(!Value::Object(shown).to_string().contains("s3cret"));
}

#[test]
fn kinds_without_secrets_are_shown_as_they_are() {
    for body in [
        json!({"type": "tcp", "name": "db", "host": "db.example.com", "port": 5432}),
        json!({"type": "dns", "name": "mx", "host": "example.com", "expected_values": ["mail.example.com"]}),
        json!({"type": "heartbeat", "name": "backup", "interval_seconds": 3600}),
    ] {
        let spec = validate(body, &PUBLIC_ONLY).unwrap();
        assert_eq!(spec.shown(), spec.to_input());
    }
}

#[test]
fn a_patch_keeps_the_secrets_it_leaves_out_or_sends_as_the_mask() {
    let stored = with_secrets();
    let old = http_of(&stored).clone();
    let mut shown_back = stored.shown();
    shown_back.insert("name".into(), json!("renamed"));
    // Each patch, and the headers, URL and body it leaves stored.
    let cases = [
        (
            json!({"name": "renamed"}),
            old.headers.clone(),
            old.url.clone(),
            old.body.clone(),
        ),
        (
            Value::Object(shown_back),
            old.headers.clone(),
            old.url.clone(),
            old.body.clone(),
        ),
        (
            json!({"headers": {"Authorization": "Bearer new", "Cookie": "********"}}),
            [("Authorization", "Bearer new"), ("Cookie", "sid=s3cret-cookie")]
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .into(),
            old.url.clone(),
            old.body.clone(),
        ),
        (
            json!({"headers": {"authorization": "********"}}),
            [("authorization".to_string(), "Bearer s3cret-token".to_string())].into(),
            old.url.clone(),
            old.body.clone(),
        ),
        (
            json!({"url": "https://********:********@example.org/v2?api_key=********", "body": null}),
            old.headers.clone(),
            "https://ada:s3cret-pass@example.org/v2?api_key=s3cret-key".to_string(),
            None,
        ),
        (
            json!({"url": "https://example.com/health", "body": "{}"}),
            old.headers.clone(),
            "https://example.com/health".to_string(),
            Some("{}".to_string()),
        ),
    ];
    for (patch, headers, url, body) in cases {
        let patched = stored
            .patched(patch.as_object().unwrap().clone(), &PUBLIC_ONLY)
            .unwrap();
        let http = http_of(&patched);
        assert_eq!(
            (&http.headers, &http.url, &http.body),
            (&headers, &url, &body),
            "{patch}"
        );
    }
}

#[test]
fn a_mask_with_nothing_stored_behind_it_is_refused_naming_the_field() {
    let create = |extra: Value| {
        let mut body = json!({"type": "http", "name": "x", "url": "https://example.com", "method": "POST"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        validate(body, &PUBLIC_ONLY)
    };
    let stored = validate(
        json!({"type": "http", "name": "x", "url": "https://example.com", "method": "POST"}),
        &PUBLIC_ONLY,
    )
    .unwrap();
    let patch = |patch: Value| stored.patched(patch.as_object().unwrap().clone(), &PUBLIC_ONLY);
    let cases = [
        (
            create(json!({"headers": {"Authorization": "********"}})),
            "headers.Authorization",
        ),
        (create(json!({"body": "********"})), "body"),
        (create(json!({"url": "https://ada:********@example.com"})), "url"),
        (patch(json!({"headers": {"X-New": "********"}})), "headers.X-New"),
        (patch(json!({"body": "********"})), "body"),
        (patch(json!({"url": "https://example.com/?token=********"})), "url"),
        (patch(json!({"type": "tcp"})), "type"),
    ];
    for (result, field) in cases {
        assert_eq!(result.unwrap_err().field, field);
    }
}
