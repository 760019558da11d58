//! Timestamps on the wire: ISO 8601 UTC with milliseconds. They are stored in
//! the same form, which sorts in time order as text.

use chrono::{DateTime, SecondsFormat};

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

/// The UTC day (`YYYY-MM-DD`) of a moment, as daily rollups are keyed.
pub fn day_of(ms: i64) -> String {
    iso_from_millis(ms)[..10].to_string()
}

pub fn iso_from_millis(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Milliseconds since the epoch of an RFC 3339 timestamp (any offset).
pub fn millis_from_iso(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

/// A duration in words: `3 h 12 min`, `4 min 5 s`, `12 s`.
pub fn duration_words(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) => format!("{m} min {s} s"),
        _ => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_back() {
        assert_eq!(millis_from_iso("2026-05-14T16:24:09.123Z"), Some(1_778_775_849_123));
        assert_eq!(
            millis_from_iso("2026-05-14T18:24:09.123+02:00"),
            Some(1_778_775_849_123)
        );
        assert_eq!(millis_from_iso("yesterday"), None);
    }

    #[test]
    fn durations_read_in_the_largest_units() {
        assert_eq!(duration_words(12), "12 s");
        assert_eq!(duration_words(245), "4 min 5 s");
        assert_eq!(duration_words(11_520), "3 h 12 min");
    }

    #[test]
    fn formats_with_milliseconds_and_z() {
        assert_eq!(iso_from_millis(1_778_775_849_123), "2026-05-14T16:24:09.123Z");
        assert_eq!(iso_from_millis(0), "1970-01-01T00:00:00.000Z");
    }
}
