//! What a delivery attempt's outcome means, and when the next attempt is
//! due: pure, so the hub's retry policy is tested without sending anything.

/// The default wait before each retry, in seconds: about 30 s, 2 min,
/// 10 min, 1 h and 6 h, so a receiver gets about 7 hours to come back.
/// `PW_DELIVERY_BACKOFF_SECONDS` replaces it.
pub const DEFAULT_BACKOFF_SECONDS: [u64; 5] = [30, 120, 600, 3_600, 21_600];

/// How long one attempt may take before it counts as a timeout.
pub const ATTEMPT_TIMEOUT_MS: i64 = 10_000;

/// How much of a receiver's answer is kept in the delivery log.
pub const KEPT_ANSWER_BYTES: usize = 1024;

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
    fn a_kept_answer_is_at_most_a_kilobyte_of_whole_characters() {
        assert_eq!(kept_answer(b"ok"), "ok");
        let long = "é".repeat(2000);
        let kept = kept_answer(long.as_bytes());
        assert!(kept.len() <= KEPT_ANSWER_BYTES);
        assert!(kept.chars().all(|c| c == 'é'));
    }
}
