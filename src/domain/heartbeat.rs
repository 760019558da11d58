//! Heartbeats: when the next ping is expected (every N seconds, or on a cron
//! schedule in a time zone), what a ping URL means, and what a ping's body
//! is kept as.

use super::validation::FieldError;
use super::zone::Zone;
use chrono::{TimeZone, Utc};
use croner::parser::{CronParser, Seconds};
use croner::Cron;

/// A heartbeat's period: a fixed interval, or a cron schedule in a zone.
#[derive(Debug, Clone)]
pub enum Period {
    Every { seconds: u32 },
    Schedule { cron: Box<Cron>, zone: Zone },
}

pub fn parse_schedule(expression: &str) -> Result<Cron, FieldError> {
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .build()
        .parse(expression.trim())
        .map_err(|e| {
            FieldError::new(
                "schedule",
                format!("schedule is not a valid 5-field cron expression or @macro: {e}"),
            )
        })
}

pub fn parse_timezone(name: &str) -> Result<Zone, FieldError> {
    Zone::named(name.trim()).ok_or_else(|| {
        FieldError::new(
            "timezone",
            format!("timezone {name:?} is not an IANA time zone such as Europe/Paris"),
        )
    })
}

impl Period {
    /// When the next ping is expected after one at `after_ms`.
    pub fn next_expected(&self, after_ms: i64) -> Option<i64> {
        match self {
            Period::Every { seconds } => Some(after_ms + i64::from(*seconds) * 1000),
            Period::Schedule { cron, zone } => {
                let after = zone.timestamp_millis_opt(after_ms).single()?;
                cron.find_next_occurrence(&after, false)
                    .ok()
                    .map(|t| t.with_timezone(&Utc).timestamp_millis())
            }
        }
    }

    /// The latest expected time, from `expected_ms` on, whose deadline
    /// (`+ grace_ms`) has passed at `now_ms`: after a long silence (the
    /// object was away, or the job stopped) one missed entry stands for the
    /// latest slot instead of one per slot.
    pub fn latest_missed(&self, expected_ms: i64, grace_ms: i64, now_ms: i64) -> i64 {
        let latest = now_ms - grace_ms;
        let found = match self {
            Period::Every { seconds } => {
                let period = i64::from(*seconds).max(1) * 1000;
                Some(expected_ms + (latest - expected_ms).max(0) / period * period)
            }
            Period::Schedule { cron, zone } => zone
                .timestamp_millis_opt(latest)
                .single()
                .and_then(|at| cron.find_previous_occurrence(&at, true).ok())
                .map(|t| t.with_timezone(&Utc).timestamp_millis()),
        };
        found.map_or(expected_ms, |slot| slot.max(expected_ms))
    }

    /// The gap between two consecutive occurrences, as a schedule's
    /// `interval_seconds` (for display and the plan's minimum).
    pub fn typical_seconds(&self) -> Option<u32> {
        // A fixed reference (a Monday, 2026-01-05 00:00 UTC) keeps the answer stable.
        let first = self.next_expected(1_767_571_200_000)?;
        let second = self.next_expected(first)?;
        u32::try_from((second - first) / 1000).ok()
    }
}

/// What a ping says about the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingKind {
    Success,
    Start,
    Fail,
    /// A message from the job (Healthchecks' `/log`): recorded, changing
    /// neither status nor deadline.
    Log,
    /// Recorded by the monitor when an expected ping did not come.
    Missed,
}

impl PingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PingKind::Success => "success",
            PingKind::Start => "start",
            PingKind::Fail => "fail",
            PingKind::Log => "log",
            PingKind::Missed => "missed",
        }
    }

    pub fn parse(value: &str) -> Option<PingKind> {
        [
            PingKind::Success,
            PingKind::Start,
            PingKind::Fail,
            PingKind::Log,
            PingKind::Missed,
        ]
        .into_iter()
        .find(|k| k.as_str() == value)
    }
}

/// The part of a ping URL after the token: nothing (success), `start`,
/// `fail`, or an exit code (0 success, 1–255 failure).
pub fn parse_ping_suffix(suffix: Option<&str>) -> Result<(PingKind, Option<u8>), String> {
    match suffix {
        None | Some("") => Ok((PingKind::Success, None)),
        Some("start") => Ok((PingKind::Start, None)),
        Some("fail") => Ok((PingKind::Fail, None)),
        Some(code) => match code.parse::<u8>() {
            Ok(0) => Ok((PingKind::Success, Some(0))),
            Ok(code) => Ok((PingKind::Fail, Some(code))),
            Err(_) => Err(format!("{code:?} is not start, fail or an exit code from 0 to 255")),
        },
    }
}

/// The most of a ping's body kept, as UTF-8 text.
pub const PING_BODY_KEPT_BYTES: usize = 10 * 1024;

/// A ping body as stored: its text (up to 10 KB, cut at a character
/// boundary), whether it was cut, and whether it was binary (then not kept).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CapturedBody {
    pub text: Option<String>,
    pub truncated: bool,
    pub binary: bool,
}

pub fn capture_body(bytes: &[u8]) -> CapturedBody {
    if bytes.is_empty() {
        return CapturedBody::default();
    }
    let head = &bytes[..bytes.len().min(PING_BODY_KEPT_BYTES)];
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // Cut inside a character at the 10 KB mark: keep what is whole.
        Err(error) if error.error_len().is_none() => {
            std::str::from_utf8(&head[..error.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => {
            return CapturedBody {
                text: None,
                truncated: false,
                binary: true,
            }
        }
    };
    if text.contains('\0') {
        return CapturedBody {
            text: None,
            truncated: false,
            binary: true,
        };
    }
    CapturedBody {
        text: Some(text.to_string()),
        truncated: bytes.len() > text.len(),
        binary: false,
    }
}

/// The hint of a missed deadline, e.g. `no ping since …, expected by …`.
pub fn missed_hint(last_ping_ms: Option<i64>, expected_by_ms: i64) -> String {
    let iso = |ms: i64| super::time::iso_from_millis(ms);
    match last_ping_ms {
        Some(last) => format!("no ping since {}, expected by {}", iso(last), iso(expected_by_ms)),
        None => format!("no ping yet, expected by {}", iso(expected_by_ms)),
    }
}

pub fn unfinished_hint(started_ms: i64) -> String {
    format!(
        "started at {} and never finished",
        super::time::iso_from_millis(started_ms)
    )
}

/// The hint of a failure reported by the job itself.
pub fn exit_code_hint(exit_code: Option<u8>) -> String {
    match exit_code {
        Some(code) => format!("the job reported failure (exit code {code})"),
        None => "the job reported failure".into(),
    }
}

#[cfg(test)]
mod tests;
