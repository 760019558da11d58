use super::*;

const HOUR_MS: i64 = 3_600_000;

fn ms(iso: &str) -> i64 {
    crate::domain::time::millis_from_iso(iso).unwrap()
}

fn schedule(expression: &str, zone: &str) -> Period {
    Period::Schedule {
        cron: Box::new(parse_schedule(expression).unwrap()),
        zone: parse_timezone(zone).unwrap(),
    }
}

#[test]
fn a_fixed_period_expects_the_next_ping_one_period_later() {
    assert_eq!(Period::Every { seconds: 60 }.next_expected(1_000), Some(61_000));
    assert_eq!(Period::Every { seconds: 60 }.typical_seconds(), Some(60));
}

#[test]
fn a_schedule_expects_its_next_occurrence_in_its_zone() {
    let daily_nine_paris = schedule("0 9 * * *", "Europe/Paris");
    // 09:00 in Paris is 08:00 UTC in winter.
    assert_eq!(
        daily_nine_paris.next_expected(ms("2026-01-10T07:00:00Z")),
        Some(ms("2026-01-10T08:00:00Z"))
    );
    assert_eq!(
        daily_nine_paris.next_expected(ms("2026-01-10T08:00:00Z")),
        Some(ms("2026-01-11T08:00:00Z"))
    );
    assert_eq!(daily_nine_paris.typical_seconds(), Some(86_400));
    assert_eq!(
        schedule("@hourly", "UTC").next_expected(ms("2026-01-10T07:30:00Z")),
        Some(ms("2026-01-10T08:00:00Z"))
    );
    assert_eq!(schedule("*/5 * * * *", "UTC").typical_seconds(), Some(300));
}

#[test]
fn schedules_follow_daylight_saving_changes() {
    let daily_nine_paris = schedule("0 9 * * *", "Europe/Paris");
    // Clocks go forward on 2026-03-29: 09:00 in Paris becomes 07:00 UTC.
    assert_eq!(
        daily_nine_paris.next_expected(ms("2026-03-28T08:00:00Z")),
        Some(ms("2026-03-29T07:00:00Z"))
    );
    // And back on 2026-10-25: 08:00 UTC again.
    assert_eq!(
        daily_nine_paris.next_expected(ms("2026-10-24T07:00:00Z")),
        Some(ms("2026-10-25T08:00:00Z"))
    );
    // 02:30 does not exist in Paris on 2026-03-29; the job runs the next day.
    let skipped = schedule("30 2 * * *", "Europe/Paris")
        .next_expected(ms("2026-03-28T02:00:00Z"))
        .unwrap();
    assert!(
        skipped >= ms("2026-03-29T00:00:00Z") && skipped <= ms("2026-03-30T01:30:00Z") + HOUR_MS,
        "{skipped}"
    );
}

#[test]
fn invalid_schedules_and_zones_name_their_field() {
    for bad in ["", "* * *", "61 * * * *", "* * * * * *", "@sometimes"] {
        assert_eq!(parse_schedule(bad).unwrap_err().field, "schedule", "{bad:?}");
    }
    assert_eq!(parse_timezone("Mars/Olympus").unwrap_err().field, "timezone");
    assert!(parse_timezone("America/New_York").is_ok());
}

#[test]
fn ping_suffixes_mean_success_start_fail_or_an_exit_code() {
    let cases = [
        (None, Ok((PingKind::Success, None))),
        (Some("start"), Ok((PingKind::Start, None))),
        (Some("fail"), Ok((PingKind::Fail, None))),
        (Some("0"), Ok((PingKind::Success, Some(0)))),
        (Some("1"), Ok((PingKind::Fail, Some(1)))),
        (Some("255"), Ok((PingKind::Fail, Some(255)))),
    ];
    for (suffix, expected) in cases {
        assert_eq!(parse_ping_suffix(suffix), expected, "{suffix:?}");
    }
    for bad in ["256", "-1", "abc", "1.5"] {
        assert!(parse_ping_suffix(Some(bad)).is_err(), "{bad}");
    }
}

#[test]
fn bodies_are_kept_as_text_up_to_10_kb() {
    assert_eq!(capture_body(b""), CapturedBody::default());
    assert_eq!(
        capture_body(b"backup done"),
        CapturedBody {
            text: Some("backup done".into()),
            truncated: false,
            binary: false
        }
    );
    let long = "é".repeat(6000); // 12,000 bytes
    let kept = capture_body(long.as_bytes());
    assert!(
        kept.truncated
            && kept.text.as_ref().unwrap().len() <= PING_BODY_KEPT_BYTES
            && kept.text.unwrap().chars().all(|c| c == 'é')
    );
    assert_eq!(
        capture_body(&[0xff, 0xfe, 0x00, 0x01]),
        CapturedBody {
            text: None,
            truncated: false,
            binary: true
        }
    );
    assert!(capture_body(b"a\0b").binary);
}

#[test]
fn hints_say_what_was_expected() {
    assert_eq!(
        missed_hint(Some(0), 60_000),
        "no ping since 1970-01-01T00:00:00.000Z, expected by 1970-01-01T00:01:00.000Z"
    );
    assert_eq!(
        missed_hint(None, 0),
        "no ping yet, expected by 1970-01-01T00:00:00.000Z"
    );
    assert_eq!(
        unfinished_hint(0),
        "started at 1970-01-01T00:00:00.000Z and never finished"
    );
    assert_eq!(exit_code_hint(Some(3)), "the job reported failure (exit code 3)");
}

#[test]
fn a_long_silence_is_one_missed_slot_the_latest() {
    let every_minute = Period::Every { seconds: 60 };
    assert_eq!(every_minute.latest_missed(60_000, 10_000, 75_000), 60_000);
    assert_eq!(every_minute.latest_missed(60_000, 10_000, 3_600_000), 3_540_000);
    let hourly = schedule("0 * * * *", "UTC");
    let expected = ms("2026-01-10T08:00:00Z");
    assert_eq!(
        hourly.latest_missed(expected, 60_000, ms("2026-01-10T08:01:30Z")),
        expected
    );
    assert_eq!(
        hourly.latest_missed(expected, 60_000, ms("2026-01-12T17:30:00Z")),
        ms("2026-01-12T17:00:00Z")
    );
}
