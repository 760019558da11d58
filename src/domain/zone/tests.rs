use super::*;
use chrono::{Datelike, Timelike};

fn paris() -> Zone {
    Zone::named("Europe/Paris").unwrap()
}

fn wall(iso: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(iso, "%Y-%m-%dT%H:%M").unwrap()
}

fn utc_hour_minute(offset: ZoneOffset, local: &str) -> (u32, u32) {
    let utc = wall(local) - chrono::Duration::seconds(i64::from(offset.fix().local_minus_utc()));
    (utc.hour(), utc.minute())
}

#[test]
fn names_the_runtime_knows_are_zones_and_offsets_are_not() {
    assert!(Zone::named("Europe/Paris").is_some());
    assert!(Zone::named("UTC").is_some());
    assert_eq!(
        Zone::named("America/New_York").map(Zone::name).as_deref(),
        Some("America/New_York")
    );
    for not_a_zone in ["", "Mars/Olympus", "+01:00", "Europe/Paris\n", "../etc"] {
        assert!(Zone::named(not_a_zone).is_none(), "{not_a_zone:?}");
    }
}

#[test]
fn the_same_name_is_the_same_zone() {
    assert_eq!(paris(), paris());
    assert_ne!(paris(), Zone::named("Asia/Tokyo").unwrap());
}

#[test]
fn every_letter_case_of_a_name_is_one_zone_under_its_own_spelling() {
    for spelling in ["europe/paris", "EUROPE/PARIS", "eUrOpE/pArIs"] {
        assert_eq!(Zone::named(spelling), Some(paris()), "{spelling}");
    }
    assert_eq!(Zone::named("asia/TOKYO").map(Zone::name).as_deref(), Some("Asia/Tokyo"));
    // A zone with several names keeps the one asked for (the Worker's ICU
    // answers `Asia/Katmandu` for it: tests/e2e/heartbeats.rs checks there).
    assert_eq!(
        Zone::named("Asia/Kathmandu").map(Zone::name).as_deref(),
        Some("Asia/Kathmandu")
    );
}

#[test]
fn an_ordinary_wall_clock_time_is_one_instant() {
    let MappedLocalTime::Single(offset) = paris().offset_from_local_datetime(&wall("2026-01-15T09:30")) else {
        panic!("one instant");
    };
    assert_eq!(offset.fix().local_minus_utc(), 3600);
    assert_eq!(utc_hour_minute(offset, "2026-01-15T09:30"), (8, 30));
}

#[test]
fn a_time_the_clock_jumps_over_is_no_instant() {
    // 2026-03-29: Paris goes from 02:00 straight to 03:00.
    assert!(matches!(
        paris().offset_from_local_datetime(&wall("2026-03-29T02:30")),
        MappedLocalTime::None
    ));
    assert!(matches!(
        paris().offset_from_local_datetime(&wall("2026-03-29T03:00")),
        MappedLocalTime::Single(_)
    ));
}

#[test]
fn a_time_the_clock_goes_back_over_is_two_instants_earlier_first() {
    // 2026-10-25: Paris goes from 03:00 back to 02:00, so 02:30 happens twice.
    let MappedLocalTime::Ambiguous(earlier, later) = paris().offset_from_local_datetime(&wall("2026-10-25T02:30"))
    else {
        panic!("two instants");
    };
    assert_eq!(utc_hour_minute(earlier, "2026-10-25T02:30"), (0, 30));
    assert_eq!(utc_hour_minute(later, "2026-10-25T02:30"), (1, 30));
}

#[test]
fn instants_read_back_as_the_zones_wall_clock() {
    let summer = paris().timestamp_opt(1_782_900_000, 0).unwrap(); // 2026-07-01 10:00 UTC
    assert_eq!((summer.month(), summer.hour()), (7, 12));
    let tokyo = Zone::named("Asia/Tokyo")
        .unwrap()
        .timestamp_opt(1_782_900_000, 0)
        .unwrap();
    assert_eq!(tokyo.hour(), 19);
}
