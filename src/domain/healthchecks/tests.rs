use super::*;
use serde_json::json;

fn fixture() -> Value {
    serde_json::from_str(include_str!("../../../tests/fixtures/healthchecks/checks.json")).unwrap()
}

fn monitor(mapped: Mapped) -> (String, Map<String, Value>) {
    match mapped {
        Mapped::Monitor { key, fields } => (key, fields),
        other => panic!("not a monitor: {other:?}"),
    }
}

#[test]
fn a_simple_check_becomes_a_heartbeat_with_its_period_grace_and_identity() {
    let checks = fixture();
    let (key, fields) = monitor(from_check(0, &checks["checks"][0]).unwrap());
    assert_eq!(key, "hc-31365bce-8da9-4729-8ff3-aaa71d56b712");
    assert_eq!(
        Value::Object(fields),
        json!({
            "type": "heartbeat", "name": "Filesystem Backup", "grace_seconds": 600, "interval_seconds": 3600,
            "tags": ["backup", "fs"], "description": "Runs incremental backup every hour",
            "hc_uuid": "31365bce-8da9-4729-8ff3-aaa71d56b712", "slug": "filesystem-backup",
        })
    );
}

#[test]
fn a_cron_check_keeps_its_schedule_and_zone_and_a_one_line_description() {
    let (_, fields) = monitor(from_check(1, &fixture()["checks"][1]).unwrap());
    assert_eq!(fields["schedule"], "15 5 * * *");
    assert_eq!(fields["timezone"], "Europe/Riga");
    assert_eq!(fields["description"], "Runs ~/db-backup.sh then uploads it");
    assert!(!fields.contains_key("interval_seconds"));
}

#[test]
fn an_oncalendar_check_and_a_read_only_export_are_skipped_with_the_reason() {
    let Mapped::Skipped { name, reason } = from_check(2, &fixture()["checks"][2]).unwrap() else {
        panic!("an OnCalendar schedule maps")
    };
    assert_eq!(name, "Weekly Report");
    assert!(reason.contains("OnCalendar"), "{reason}");
    let read_only = json!({ "name": "x", "grace": 60, "timeout": 60, "unique_key": "a0b1" });
    assert!(matches!(from_check(0, &read_only), Ok(Mapped::Skipped { .. })));
}

#[test]
fn a_malformed_check_is_an_error_naming_its_entry() {
    let cases = [
        (json!("not an object"), "checks[4]"),
        (json!({ "uuid": "nope", "grace": 60, "timeout": 60 }), "checks[4].uuid"),
        (
            json!({ "uuid": "31365bce-8da9-4729-8ff3-aaa71d56b712", "grace": "1h", "timeout": 60 }),
            "checks[4].grace",
        ),
        (
            json!({ "uuid": "31365bce-8da9-4729-8ff3-aaa71d56b712", "grace": 60 }),
            "checks[4].timeout",
        ),
    ];
    for (check, field) in cases {
        assert_eq!(from_check(4, &check).unwrap_err().field, field, "{check}");
    }
}

type Parsed<'a> = Option<(PingTarget<'a>, Option<&'a str>)>;

#[test]
fn ping_paths_read_as_healthchecks_reads_them() {
    let uuid = "31365bce-8da9-4729-8ff3-aaa71d56b712";
    let check = PingTarget::Check { uuid };
    let slug = PingTarget::Slug {
        ping_key: "key_1",
        slug: "backup",
    };
    let cases: [(&[&str], Parsed); 6] = [
        (&[uuid], Some((check.clone(), None))),
        (&[uuid, "log"], Some((check.clone(), Some("log")))),
        (&["key_1", "backup"], Some((slug.clone(), None))),
        (&["key_1", "backup", "7"], Some((slug, Some("7")))),
        (&["key_1"], None),
        (&[uuid, "x", "start"], None),
    ];
    for (segments, expected) in cases {
        assert_eq!(parse_ping_path(segments), expected, "{segments:?}");
    }
}

#[test]
fn suffixes_add_log_to_the_heartbeat_ones() {
    let cases = [
        (None, Ok((PingKind::Success, None))),
        (Some("log"), Ok((PingKind::Log, None))),
        (Some("start"), Ok((PingKind::Start, None))),
        (Some("0"), Ok((PingKind::Success, Some(0)))),
        (Some("255"), Ok((PingKind::Fail, Some(255)))),
    ];
    for (suffix, expected) in cases {
        assert_eq!(parse_suffix(suffix), expected, "{suffix:?}");
    }
    assert!(parse_suffix(Some("256")).is_err());
}

#[test]
fn slugs_that_read_as_suffixes_are_refused() {
    for slug in ["start", "fail", "log", "42", "Backup", "a b", ""] {
        assert!(parse_slug(slug).is_err(), "{slug}");
    }
    assert_eq!(parse_slug("db-backup_2").unwrap(), "db-backup_2");
    assert_eq!(
        parse_uuid(" 31365BCE-8DA9-4729-8FF3-AAA71D56B712").unwrap(),
        "31365bce-8da9-4729-8ff3-aaa71d56b712"
    );
}

#[test]
fn a_heartbeat_shows_as_a_check_with_healthchecks_fields() {
    let monitor = json!({ "name": "Nightly", "tags": ["db", "prod"], "grace_seconds": 300, "schedule": "0 3 * * *", "timezone": "UTC", "slug": "nightly" });
    let dict = check_dict(&CheckView {
        monitor: monitor.as_object().unwrap(),
        status: "pending",
        uuid: "31365bce-8da9-4729-8ff3-aaa71d56b712",
        base: "https://pw.example.com",
        last_ping: None,
        read_only: false,
    });
    assert_eq!(dict["status"], "new");
    assert_eq!(dict["tags"], "db prod");
    assert_eq!(dict["grace"], 300);
    assert_eq!(
        (dict["schedule"].as_str(), dict["tz"].as_str()),
        (Some("0 3 * * *"), Some("UTC"))
    );
    assert!(dict.get("timeout").is_none());
    assert_eq!(
        dict["ping_url"],
        "https://pw.example.com/ping/31365bce-8da9-4729-8ff3-aaa71d56b712"
    );
    assert_eq!(
        dict["pause_url"],
        "https://pw.example.com/api/v3/checks/31365bce-8da9-4729-8ff3-aaa71d56b712/pause"
    );
}

#[test]
fn a_read_only_caller_sees_a_unique_key_and_nothing_that_holds_the_uuid() {
    let uuid = "31365bce-8da9-4729-8ff3-aaa71d56b712";
    let monitor = json!({ "name": "Nightly", "tags": [], "grace_seconds": 300, "interval_seconds": 3600 });
    let view = |read_only| {
        check_dict(&CheckView {
            monitor: monitor.as_object().unwrap(),
            status: "up",
            uuid,
            base: "https://pw.example.com",
            last_ping: None,
            read_only,
        })
    };
    let dict = view(true);
    for field in ["uuid", "ping_url", "update_url", "pause_url", "resume_url", "channels"] {
        assert!(dict.get(field).is_none(), "{field} in {dict}");
    }
    assert!(!dict.to_string().contains(uuid), "{dict}");
    let key = dict["unique_key"].as_str().unwrap();
    assert_eq!(key.len(), 40);
    assert!(key.bytes().all(|c| c.is_ascii_hexdigit()), "{key}");
    assert_eq!(key, view(true)["unique_key"], "stable");
    assert_eq!(
        (dict["name"].as_str(), dict["timeout"].as_u64()),
        (Some("Nightly"), Some(3600))
    );
    assert!(view(false).get("unique_key").is_none());
}

#[test]
fn an_import_with_one_uuid_twice_is_refused_naming_the_second_entry() {
    let check = |name: &str| json!({ "name": name, "uuid": "31365bce-8da9-4729-8ff3-aaa71d56b712", "grace": 60, "timeout": 60 });
    let other = json!({ "name": "other", "uuid": "803f680d-e89b-492b-82ef-2be7b774a92d", "grace": 60, "timeout": 60 });
    let answer = json!({ "checks": [check("a"), other, check("b")] });
    let error = map_checks(&answer).unwrap_err();
    assert_eq!(error.field, "checks[2].uuid");
    assert!(error.message.contains("checks[0]"), "{}", error.message);
    assert_eq!(map_checks(&fixture()).unwrap().len(), 3);
    assert_eq!(map_checks(&json!({ "check": [] })).unwrap_err().field, "checks");
}

#[test]
fn pings_show_in_healthchecks_shape_and_missed_entries_not_at_all() {
    let ping = json!({ "kind": "success", "created_at": "2026-05-14T16:24:09.123Z", "n": 4, "source_ip": "192.0.2.0", "method": "GET", "user_agent": "curl/8", "rid": null, "duration_ms": 2896 });
    let dict = ping_dict(&ping).unwrap();
    assert_eq!(dict["type"], "success");
    assert_eq!(dict["date"], "2026-05-14T16:24:09.123+00:00");
    assert_eq!(dict["duration"], 2.9);
    assert_eq!(ping_dict(&json!({ "kind": "missed" })), None);
}
