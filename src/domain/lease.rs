//! A monitor's lease: the time by which its Durable Object promises D1 it
//! will have written again. An object whose alarms keep firing renews its
//! lease at one of them once an hour (or with a change of status it writes
//! anyway), so the cron reconciler visits only monitors whose lease ran out:
//! an alarm was lost, D1 refused a write, or the object has no alarm in the
//! next hour (a heartbeat whose pings keep arriving, a long interval), whose
//! visit then refreshes its rollups.

/// How long a lease lasts from the moment it is granted.
pub const LEASE_MS: i64 = 75 * 60_000;
/// A lease with less than this left is renewed at the object's next alarm,
/// so that an object with alarms renews once an hour, before it runs out.
pub const RENEW_WITHIN_MS: i64 = 15 * 60_000;

/// The lease granted at `now_ms`.
pub fn lease_until(now_ms: i64) -> i64 {
    now_ms + LEASE_MS
}

/// Whether an alarm at `now_ms` must renew the lease D1 holds until `held_until`
/// (unknown: never granted, or lost with the object's storage).
pub fn needs_renewal(held_until: Option<i64>, now_ms: i64) -> bool {
    held_until.is_none_or(|until| until - now_ms <= RENEW_WITHIN_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    #[test]
    fn an_alarm_renews_only_a_lease_about_to_run_out() {
        let granted = 1_000 * MINUTE;
        let held = Some(lease_until(granted));
        let cases = [
            (None, granted, true),
            (held, granted, false),
            (held, granted + 59 * MINUTE, false),
            (held, granted + 60 * MINUTE, true),
            (held, granted + 2 * LEASE_MS, true),
        ];
        for (held_until, now, renew) in cases {
            assert_eq!(needs_renewal(held_until, now), renew, "held {held_until:?} at {now}");
        }
    }

    #[test]
    fn alarms_every_minute_renew_once_an_hour() {
        let mut held = None;
        let mut renewals = 0;
        for minute in 0..24 * 60 {
            let now = minute * MINUTE;
            if needs_renewal(held, now) {
                held = Some(lease_until(now));
                renewals += 1;
            }
            assert!(held.is_some_and(|until| until > now + RENEW_WITHIN_MS - MINUTE));
        }
        assert_eq!(renewals, 24);
    }
}
