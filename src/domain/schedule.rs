//! When a check runs: every `interval` after the previous due time, so the
//! schedule never drifts by the time checks take; slots missed while the
//! object was away are skipped, not replayed in a burst.

/// The first due time after `now` on the grid `previous_due + k × interval`.
pub fn next_due(previous_due_ms: i64, interval_ms: i64, now_ms: i64) -> i64 {
    let interval_ms = interval_ms.max(1);
    let next = previous_due_ms + interval_ms;
    if next > now_ms {
        return next;
    }
    let missed = (now_ms - next) / interval_ms + 1;
    next + missed * interval_ms
}

/// The slot a check starting at `now` belongs to: the first one after the
/// schedule started (`start_ms`), or the latest grid slot not after `now`
/// following the previous check's slot.
pub fn current_due(start_ms: i64, previous_due_ms: Option<i64>, interval_ms: i64, now_ms: i64) -> i64 {
    match previous_due_ms.filter(|previous| *previous >= start_ms) {
        None => start_ms,
        Some(previous) => {
            let interval_ms = interval_ms.max(1);
            previous + interval_ms * ((now_ms - previous) / interval_ms).max(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_slot_is_the_start_then_the_latest_grid_slot() {
        assert_eq!(current_due(1_000, None, 5_000, 1_200), 1_000);
        assert_eq!(current_due(1_000, Some(1_000), 5_000, 6_050), 6_000);
        assert_eq!(
            current_due(1_000, Some(1_000), 5_000, 17_000),
            16_000,
            "missed slots are skipped"
        );
        assert_eq!(
            current_due(1_000, Some(1_000), 5_000, 5_990),
            6_000,
            "an alarm a little early still runs its slot"
        );
        assert_eq!(
            current_due(50_000, Some(1_000), 5_000, 50_010),
            50_000,
            "a restarted schedule starts afresh"
        );
    }

    #[test]
    fn the_next_slot_follows_the_grid_not_the_clock() {
        assert_eq!(next_due(1_000, 5_000, 1_250), 6_000);
        assert_eq!(next_due(1_000, 5_000, 5_999), 6_000);
    }

    #[test]
    fn missed_slots_are_skipped_not_replayed() {
        assert_eq!(next_due(1_000, 5_000, 6_000), 11_000);
        assert_eq!(next_due(1_000, 5_000, 23_500), 26_000);
        assert_eq!(next_due(0, 60_000, 3_600_000), 3_660_000);
    }
}
