//! What a delivery attempt's outcome means, and when the next attempt is
//! due, and when an open incident is told again: pure, so the hub's retry
//! and reminder policy is tested without sending anything.

use super::Event;

/// The default wait before each retry, in seconds: about 30 s, 2 min,
/// 10 min, 1 h and 6 h, so a receiver gets about 7 hours to come back.
/// `PW_DELIVERY_BACKOFF_SECONDS` replaces it.
pub const DEFAULT_BACKOFF_SECONDS: [u64; 5] = [30, 120, 600, 3_600, 21_600];

/// How long one attempt may take before it counts as a timeout.
pub const ATTEMPT_TIMEOUT_MS: i64 = 10_000;

/// How much of a receiver's answer is kept in the delivery log.
pub const KEPT_ANSWER_BYTES: usize = 1024;

/// The `n`th reminder (1-based) of an event that opened an incident still
/// open: the same event, told again now, under an id of its own.
pub fn reminder(event: &Event, n: i64, now_ms: i64) -> Event {
    Event {
        id: format!("{}_r{n}", event.id),
        timestamp_ms: now_ms,
        ..event.clone()
    }
}

/// When the reminder after one due at `due_ms` is: a whole number of
/// intervals later, and after `now_ms`, so that reminders a stopped hub
/// missed are not all sent at once.
pub fn next_reminder_at(due_ms: i64, every_ms: i64, now_ms: i64) -> i64 {
    let every = every_ms.max(1);
    let behind = (now_ms - due_ms).max(0) / every;
    due_ms + (behind + 1) * every
}

/// What an attempt's outcome calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// 429, 5xx, a timeout or a network error: the receiver may recover.
    Retry,
    /// Any other answer (4xx, a redirect, which is not followed): sending the
    /// same request again would get the same answer.
    Fail,
}

/// `status`: the HTTP status, or `None` when no answer came.
pub fn verdict(status: Option<u16>) -> Verdict {
    match status {
        Some(200..=299) => Verdict::Delivered,
        Some(429) | Some(500..=599) | None => Verdict::Retry,
        Some(_) => Verdict::Fail,
    }
}

/// The wait in milliseconds after `attempts_made` attempts (1 after the
/// first), or `None` when the schedule is spent and the delivery has failed.
/// `jitter` in [0, 1) spreads retries by up to ±20 % so that receivers
/// coming back are not hit by every hub at the same second.
pub fn retry_delay_ms(schedule: &[u64], attempts_made: u32, jitter: f64) -> Option<i64> {
    let base = *schedule.get(attempts_made.checked_sub(1)? as usize)? as f64 * 1000.0;
    let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    Some((base * spread).round() as i64)
}

/// `PW_DELIVERY_BACKOFF_SECONDS`: a comma-separated list of whole seconds.
pub fn parse_schedule(text: &str) -> Result<Vec<u64>, String> {
    text.split(',')
        .map(|part| {
            part.trim().parse::<u64>().map_err(|_| {
                format!("PW_DELIVERY_BACKOFF_SECONDS must be whole seconds separated by commas, not {text:?}")
            })
        })
        .collect()
}

/// The first `KEPT_ANSWER_BYTES` of an answer, as text, cut on a character boundary.
pub fn kept_answer(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(KEPT_ANSWER_BYTES)]).into_owned();
    let mut end = text.len().min(KEPT_ANSWER_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_delivered_retried_or_failed() {
        assert_eq!(verdict(Some(200)), Verdict::Delivered);
        assert_eq!(verdict(Some(204)), Verdict::Delivered);
        assert_eq!(verdict(Some(429)), Verdict::Retry);
        assert_eq!(verdict(Some(500)), Verdict::Retry);
        assert_eq!(verdict(Some(503)), Verdict::Retry);
        assert_eq!(verdict(None), Verdict::Retry);
        assert_eq!(verdict(Some(400)), Verdict::Fail);
        assert_eq!(verdict(Some(404)), Verdict::Fail);
        assert_eq!(verdict(Some(301)), Verdict::Fail);
    }

    #[test]
    fn the_default_schedule_backs_off_then_gives_up() {
        let middle = |n| retry_delay_ms(&DEFAULT_BACKOFF_SECONDS, n, 0.5);
        assert_eq!(middle(1), Some(30_000));
        assert_eq!(middle(2), Some(120_000));
        assert_eq!(middle(3), Some(600_000));
        assert_eq!(middle(4), Some(3_600_000));
        assert_eq!(middle(5), Some(21_600_000));
        assert_eq!(middle(6), None);
        assert_eq!(middle(0), None);
    }

    #[test]
    fn jitter_spreads_a_retry_by_a_fifth_either_way() {
        assert_eq!(retry_delay_ms(&[100], 1, 0.0), Some(80_000));
        assert_eq!(retry_delay_ms(&[100], 1, 0.999_999), Some(120_000));
        assert_eq!(retry_delay_ms(&[100], 1, 7.0), Some(120_000));
    }

    #[test]
    fn the_schedule_is_read_from_a_comma_list() {
        assert_eq!(parse_schedule("1, 1,2").unwrap(), vec![1, 1, 2]);
        assert!(parse_schedule("1,,2").is_err());
        assert!(parse_schedule("soon").is_err());
    }

    #[test]
    fn reminders_repeat_the_event_under_ids_of_their_own_and_never_burst() {
        use crate::domain::notify::{EventKind, MonitorFacts};
        let event = Event {
            id: "evt_1".into(),
            kind: EventKind::Detected,
            reason: None,
            timestamp_ms: 1_000,
            organization_id: "org_1".into(),
            monitor: Some(MonitorFacts {
                id: "mon_1".into(),
                name: "Shop".into(),
                kind: "http".into(),
                target: None,
            }),
            incident: None,
            link: None,
        };
        let first = reminder(&event, 1, 9_000);
        assert_eq!(first.id, format!("{}_r1", event.id));
        assert_eq!(first.timestamp_ms, 9_000);
        assert_eq!((first.kind, first.monitor), (event.kind, event.monitor));
        assert_eq!(next_reminder_at(1_000, 300_000, 1_000), 301_000);
        // A hub stopped for an hour sends one reminder, then keeps the rhythm.
        assert_eq!(next_reminder_at(1_000, 300_000, 3_601_000), 3_901_000);
    }

    #[test]
    fn a_kept_answer_is_at_most_a_kilobyte_of_whole_characters() {
        assert_eq!(kept_answer(b"ok"), "ok");
        let long = "é".repeat(2000);
        let kept = kept_answer(long.as_bytes());
        assert!(kept.len() <= KEPT_ANSWER_BYTES);
        assert!(kept.chars().all(|c| c == 'é'));
    }
}
