//! Timestamps on the wire: ISO 8601 UTC with milliseconds. They are stored in
//! the same form, which sorts in time order as text.

use chrono::{DateTime, SecondsFormat};

pub fn iso_from_millis(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_and_z() {
        assert_eq!(
            iso_from_millis(1_778_775_849_123),
            "2026-05-14T16:24:09.123Z"
        );
        assert_eq!(iso_from_millis(0), "1970-01-01T00:00:00.000Z");
    }
}
