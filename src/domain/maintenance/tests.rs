use super::*;
use crate::domain::time::DAY_MS;
use serde_json::json;

fn ms(iso: &str) -> i64 {
    millis_from_iso(iso).unwrap()
}

fn daily(schedule: &str, duration_minutes: u32, timezone: &str) -> Window {
    Window {
        id: "mnt_1".into(),
        since_ms: 0,
        recurrence: Recurrence::Schedule {
            schedule: schedule.into(),
            duration_minutes,
            timezone: timezone.into(),
        },
    }
}

fn once(starts: &str, ends: &str) -> Window {
    Window {
        id: "mnt_2".into(),
        since_ms: 0,
        recurrence: Recurrence::Once {
            starts_ms: ms(starts),
            ends_ms: ms(ends),
        },
    }
}

fn span(start: &str, end: &str) -> Span {
    Span {
        start_ms: ms(start),
        end_ms: ms(end),
    }
}

fn input(value: serde_json::Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

#[test]
fn a_one_off_window_is_on_from_its_start_until_its_end() {
    let window = once("2026-05-14T02:00:00Z", "2026-05-14T03:00:00Z");
    let windows = [window.clone()];
    assert!(active_at(&windows, ms("2026-05-14T01:59:59.999Z")).is_none());
    assert!(active_at(&windows, ms("2026-05-14T02:00:00Z")).is_some());
    assert!(active_at(&windows, ms("2026-05-14T02:59:59.999Z")).is_some());
    assert!(
        active_at(&windows, ms("2026-05-14T03:00:00Z")).is_none(),
        "the end is not in the window"
    );
    assert_eq!(
        window.spans(ms("2026-05-14T02:30:00Z"), ms("2026-05-15T00:00:00Z")),
        vec![span("2026-05-14T02:30:00Z", "2026-05-14T03:00:00Z")],
        "cut to the range asked for"
    );
}

#[test]
fn a_recurring_window_has_one_occurrence_per_cron_slot() {
    let window = daily("0 2 * * *", 60, "UTC");
    assert_eq!(
        window.spans(ms("2026-05-14T00:00:00Z"), ms("2026-05-17T00:00:00Z")),
        vec![
            span("2026-05-14T02:00:00Z", "2026-05-14T03:00:00Z"),
            span("2026-05-15T02:00:00Z", "2026-05-15T03:00:00Z"),
            span("2026-05-16T02:00:00Z", "2026-05-16T03:00:00Z"),
        ]
    );
    assert_eq!(
        window.spans(ms("2026-05-14T00:00:00Z"), ms("2026-05-14T02:00:00.001Z")),
        vec![span("2026-05-14T02:00:00Z", "2026-05-14T02:00:00.001Z")],
        "one starting in the range's last millisecond"
    );
    assert_eq!(
        window.spans(ms("2026-05-14T00:00:00Z"), ms("2026-05-14T02:00:00Z")),
        vec![],
        "the range's end is not in it"
    );
    assert_eq!(
        window.recurrence.next_after(ms("2026-05-14T02:30:00Z")),
        Some(span("2026-05-14T02:00:00Z", "2026-05-14T03:00:00Z")),
        "an occurrence going on is the next one"
    );
    assert_eq!(
        window.recurrence.next_after(ms("2026-05-14T03:00:00Z")),
        Some(span("2026-05-15T02:00:00Z", "2026-05-15T03:00:00Z"))
    );
}

#[test]
fn a_recurring_window_follows_local_time_across_a_dst_change() {
    // Berlin moves from CET (+1) to CEST (+2) at 02:00 local on 2026-03-29,
    // and back at 03:00 local on 2026-10-25: 01:00 local is 00:00 UTC in
    // winter and 23:00 UTC the day before in summer.
    let window = daily("0 1 * * *", 120, "Europe/Berlin");
    assert_eq!(
        window.spans(ms("2026-03-27T12:00:00Z"), ms("2026-03-30T12:00:00Z")),
        vec![
            span("2026-03-28T00:00:00Z", "2026-03-28T02:00:00Z"),
            // Begins in winter time, ends after the change: two real hours.
            span("2026-03-29T00:00:00Z", "2026-03-29T02:00:00Z"),
            span("2026-03-29T23:00:00Z", "2026-03-30T01:00:00Z"),
        ]
    );
    assert_eq!(
        window.spans(ms("2026-10-24T12:00:00Z"), ms("2026-10-26T12:00:00Z")),
        vec![
            span("2026-10-24T23:00:00Z", "2026-10-25T01:00:00Z"),
            span("2026-10-26T00:00:00Z", "2026-10-26T02:00:00Z"),
        ]
    );
    let windows = [window];
    assert!(active_at(&windows, ms("2026-03-29T23:30:00Z")).is_some(), "01:30 CEST");
    assert!(active_at(&windows, ms("2026-03-30T01:30:00Z")).is_none(), "03:30 CEST");
}

#[test]
fn occurrences_before_a_window_was_written_are_not_its() {
    let mut window = daily("0 2 * * *", 60, "UTC");
    window.since_ms = ms("2026-05-15T02:30:00Z");
    assert_eq!(
        window.spans(ms("2026-05-14T00:00:00Z"), ms("2026-05-16T00:00:00Z")),
        vec![span("2026-05-15T02:30:00Z", "2026-05-15T03:00:00Z")]
    );
    assert!(window.occurrence_at(ms("2026-05-14T02:30:00Z")).is_none());
}

#[test]
fn a_deadline_inside_a_window_moves_past_it() {
    let windows = [
        once("2026-05-14T02:00:00Z", "2026-05-14T03:00:00Z"),
        daily("0 3 * * *", 30, "UTC"),
    ];
    // Expected every 10 minutes, with 5 minutes' grace.
    let after = |end: i64| Some(end + 15 * 60_000);
    assert_eq!(
        postpone(ms("2026-05-14T01:00:00Z"), &windows, after),
        Some(ms("2026-05-14T01:00:00Z")),
        "outside every window"
    );
    assert_eq!(
        postpone(ms("2026-05-14T02:10:00Z"), &windows, after),
        Some(ms("2026-05-14T03:45:00Z")),
        "03:15 falls in the window that starts as the first ends"
    );
    assert_eq!(
        postpone(ms("2026-05-15T03:29:00Z"), &windows, after),
        Some(ms("2026-05-15T03:45:00Z"))
    );
    assert_eq!(
        postpone(ms("2026-05-15T03:29:00Z"), &windows, |_| None),
        None,
        "no next run"
    );
}

#[test]
fn spans_merge_and_leave_gaps() {
    let merged = merge(vec![
        Span {
            start_ms: 50,
            end_ms: 60,
        },
        Span {
            start_ms: 10,
            end_ms: 20,
        },
        Span {
            start_ms: 15,
            end_ms: 30,
        },
        Span {
            start_ms: 30,
            end_ms: 40,
        },
    ]);
    assert_eq!(
        merged,
        vec![
            Span {
                start_ms: 10,
                end_ms: 40
            },
            Span {
                start_ms: 50,
                end_ms: 60
            }
        ]
    );
    assert_eq!(
        uncovered(0, 100, &merged),
        vec![
            Span {
                start_ms: 0,
                end_ms: 10
            },
            Span {
                start_ms: 40,
                end_ms: 50
            },
            Span {
                start_ms: 60,
                end_ms: 100
            }
        ]
    );
    assert_eq!(uncovered(12, 35, &merged), vec![]);
    assert_eq!(covered_ms(0, 100, &merged), 40);
    assert_eq!(covered_ms(35, 55, &merged), 10);
}

#[test]
fn a_window_is_a_range_or_a_schedule() {
    let spec = MaintenanceSpec::from_input(&input(json!({
        "title": " Database upgrade ",
        "starts_at": "2026-05-14T02:00:00Z",
        "ends_at": "2026-05-14T03:00:00.000Z",
        "monitor_ids": ["mon_a", "mon_a", "mon_b"],
    })))
    .unwrap();
    assert_eq!(spec.title, "Database upgrade");
    assert_eq!(spec.monitor_ids, vec!["mon_a", "mon_b"]);
    assert_eq!(
        MaintenanceSpec::from_input(&spec.to_input()).unwrap(),
        spec,
        "round trip"
    );

    let recurring = spec
        .patched(&input(
            json!({"schedule": "0 3 * * 0", "duration_minutes": 90, "timezone": "Europe/Paris"}),
        ))
        .unwrap();
    assert_eq!(
        recurring.recurrence,
        Recurrence::Schedule {
            schedule: "0 3 * * 0".into(),
            duration_minutes: 90,
            timezone: "Europe/Paris".into()
        },
        "a schedule replaces the range"
    );
    let back = recurring
        .patched(&input(
            json!({"starts_at": "2026-06-01T00:00:00Z", "ends_at": "2026-06-01T01:00:00Z"}),
        ))
        .unwrap();
    assert!(matches!(back.recurrence, Recurrence::Once { .. }));
}

#[test]
fn invalid_windows_name_their_field() {
    let field = |value: serde_json::Value| MaintenanceSpec::from_input(&input(value)).unwrap_err().field;
    let base = json!({"title": "t", "monitor_ids": ["mon_a"]});
    let with = |extra: serde_json::Value| {
        let mut map = input(base.clone());
        map.extend(input(extra));
        Value::Object(map)
    };
    assert_eq!(
        field(
            json!({"monitor_ids": ["mon_a"], "starts_at": "2026-05-14T02:00:00Z", "ends_at": "2026-05-14T03:00:00Z"})
        ),
        "title"
    );
    assert_eq!(field(with(json!({"starts_at": "2026-05-14T02:00:00Z"}))), "ends_at");
    assert_eq!(
        field(with(
            json!({"starts_at": "yesterday", "ends_at": "2026-05-14T03:00:00Z"})
        )),
        "starts_at"
    );
    assert_eq!(
        field(with(
            json!({"starts_at": "2026-05-14T03:00:00Z", "ends_at": "2026-05-14T02:00:00Z"})
        )),
        "ends_at"
    );
    assert_eq!(field(with(json!({"schedule": "0 2 * * *"}))), "duration_minutes");
    assert_eq!(
        field(with(json!({"schedule": "every night", "duration_minutes": 60}))),
        "schedule"
    );
    assert_eq!(
        field(with(
            json!({"schedule": "0 2 * * *", "duration_minutes": 60, "timezone": "Mars/Olympus"})
        )),
        "timezone"
    );
    assert_eq!(
        field(with(json!({"schedule": "0 2 * * *", "duration_minutes": 0}))),
        "duration_minutes"
    );
    assert_eq!(
        field(with(
            json!({"schedule": "0 2 * * *", "duration_minutes": 60, "starts_at": "2026-05-14T02:00:00Z"})
        )),
        "schedule"
    );
    assert_eq!(
        field(json!({"title": "t", "schedule": "0 2 * * *", "duration_minutes": 60})),
        "monitor_ids"
    );
    assert_eq!(
        field(with(
            json!({"schedule": "0 2 * * *", "duration_minutes": 60, "colour": "red"})
        )),
        "colour"
    );
}

#[test]
fn a_window_covers_the_monitors_it_names_and_those_on_its_pages() {
    let spec = |monitors: &[&str], pages: &[&str]| MaintenanceSpec {
        title: "t".into(),
        description: None,
        recurrence: Recurrence::Once {
            starts_ms: 0,
            ends_ms: 1,
        },
        monitor_ids: monitors.iter().map(|m| m.to_string()).collect(),
        status_page_ids: pages.iter().map(|p| p.to_string()).collect(),
    };
    let first = once("2026-05-14T02:00:00Z", "2026-05-14T03:00:00Z");
    let second = Window {
        id: "mnt_3".into(),
        ..first.clone()
    };
    let pages = BTreeMap::from([("sp_1".to_string(), vec!["mon_b".to_string(), "mon_c".to_string()])]);
    let covered = coverage(
        &[
            (first.clone(), spec(&["mon_a", "mon_b"], &["sp_1", "sp_gone"])),
            (second.clone(), spec(&["mon_a"], &[])),
        ],
        &pages,
    );
    assert_eq!(covered["mon_a"], vec![first.clone(), second]);
    assert_eq!(covered["mon_b"], vec![first.clone()], "named and on the page: once");
    assert_eq!(covered["mon_c"], vec![first]);
    assert_eq!(covered.len(), 3);
}

#[test]
fn a_window_is_active_scheduled_or_ended() {
    let window = once("2026-05-14T02:00:00Z", "2026-05-14T03:00:00Z");
    assert_eq!(status_at(&window, ms("2026-05-14T01:00:00Z")).0, "scheduled");
    assert_eq!(status_at(&window, ms("2026-05-14T02:00:00Z")).0, "active");
    assert_eq!(status_at(&window, ms("2026-05-14T03:00:00Z")), ("ended", None));
}

#[test]
fn overlapping_occurrences_merge_into_one_span() {
    // Every hour for an hour: always on, 720 occurrences in 30 days.
    let window = daily("0 * * * *", 60, "Europe/Berlin");
    assert_eq!(
        window.spans(ms("2026-03-01T00:00:00Z"), ms("2026-03-31T00:00:00Z")),
        vec![span("2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z")],
        "across the DST change too"
    );
}

#[test]
fn a_frequent_window_over_a_long_range_keeps_its_recent_end() {
    let (from, to) = (ms("2026-04-01T00:00:00Z"), ms("2026-05-01T00:00:30Z"));
    // Every minute for two minutes: 43,200 occurrences, more than are
    // worked out, that merge into one span ending with the range.
    let always = daily("* * * * *", 2, "UTC").spans(from, to);
    assert_eq!(always.len(), 1, "{always:?}");
    assert_eq!(always[0].end_ms, to);
    assert!(
        always[0].start_ms <= to - DAY_MS,
        "the last 24 hours at least: {always:?}"
    );

    // Every ten minutes for five: 4,320 apart; the newest are kept.
    let often = daily("*/10 * * * *", 5, "UTC").spans(from, to);
    assert_eq!(
        often.last(),
        Some(&span("2026-05-01T00:00:00Z", "2026-05-01T00:00:30Z"))
    );
    assert!(often[0].start_ms <= to - 7 * DAY_MS, "the last 7 days at least");
    assert!(often.windows(2).all(|pair| pair[0].end_ms < pair[1].start_ms));
}
