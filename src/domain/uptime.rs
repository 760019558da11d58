//! Uptime arithmetic: downtime from status flips over a window, uptime
//! percentages, response-time averages and Apdex.

use super::maintenance::{uncovered, Span};
use super::monitor::MonitorStatus;
use super::time::DAY_MS;
use super::time::HOUR_MS;

/// A change of status at a moment (ms since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flip {
    pub at_ms: i64,
    pub to: MonitorStatus,
}

/// Milliseconds spent `down` within `[from, to)`, given the flips in time
/// order (earlier flips set the status at `from`).
pub fn downtime_ms(flips: &[Flip], from_ms: i64, to_ms: i64) -> i64 {
    time_in(flips, from_ms, to_ms, |status| status == MonitorStatus::Down)
}

/// Milliseconds watched (`up` or `down`) within `[from, to)`: time before the
/// first verdict, or paused, is not observed, so it counts neither way.
pub fn observed_ms(flips: &[Flip], from_ms: i64, to_ms: i64) -> i64 {
    time_in(flips, from_ms, to_ms, |status| {
        matches!(status, MonitorStatus::Up | MonitorStatus::Down)
    })
}

/// `downtime_ms` and `observed_ms` of `[from, to)` leaving out maintenance
/// (`spans`, merged): time in a window counts neither way.
pub fn outside_maintenance(flips: &[Flip], from_ms: i64, to_ms: i64, spans: &[Span]) -> (i64, i64) {
    uncovered(from_ms, to_ms, spans)
        .iter()
        .fold((0, 0), |(down, observed), gap| {
            (
                down + downtime_ms(flips, gap.start_ms, gap.end_ms),
                observed + observed_ms(flips, gap.start_ms, gap.end_ms),
            )
        })
}

/// Milliseconds within `[from, to)` spent in a status that `counts`.
fn time_in(flips: &[Flip], from_ms: i64, to_ms: i64, counts: impl Fn(MonitorStatus) -> bool) -> i64 {
    let mut total = 0;
    let mut since: Option<i64> = None;
    for flip in flips {
        if flip.at_ms >= to_ms {
            break;
        }
        match (since, counts(flip.to)) {
            (None, true) => since = Some(flip.at_ms),
            (Some(start), false) => {
                total += overlap(start, flip.at_ms, from_ms, to_ms);
                since = None;
            }
            _ => {}
        }
    }
    if let Some(start) = since {
        total += overlap(start, to_ms, from_ms, to_ms);
    }
    total
}

fn overlap(start: i64, end: i64, from: i64, to: i64) -> i64 {
    (end.min(to) - start.max(from)).max(0)
}

/// Uptime as a percentage of the observed time, rounded to 3 decimals, but
/// never up to 100 % when there was downtime; `None` when nothing was observed.
pub fn uptime_pct(downtime_ms: i64, observed_ms: i64) -> Option<f64> {
    (observed_ms > 0).then(|| {
        let down = downtime_ms.clamp(0, observed_ms);
        let pct = round3(100.0 * (1.0 - down as f64 / observed_ms as f64));
        if down > 0 {
            pct.min(99.999)
        } else {
            pct
        }
    })
}

pub fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// Apdex for a threshold T: satisfied (up within T), tolerating (up within
/// 4T), frustrated (slower, or failed). The counts come from the results'
/// SQL (`store::history::History::window`). `None` without samples.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Apdex {
    pub satisfied: u64,
    pub tolerating: u64,
    pub total: u64,
}

impl Apdex {
    pub fn score(&self) -> Option<f64> {
        (self.total > 0).then(|| round3((self.satisfied as f64 + self.tolerating as f64 / 2.0) / self.total as f64))
    }
}

/// The most days a late rollup catches up: older raw results are pruned.
pub const MAX_CATCH_UP_DAYS: i64 = 31;

/// The days (their UTC start) whose rollup is due at `now_ms`, given when
/// rollups were last written: today's once per clock hour, and, first, every
/// day since the last write that has ended (their final figures), so days
/// the reconciler did not run on are caught up, at most `MAX_CATCH_UP_DAYS`.
pub fn rollup_days_due(last_write_ms: Option<i64>, now_ms: i64) -> Vec<i64> {
    let today = now_ms.div_euclid(DAY_MS) * DAY_MS;
    match last_write_ms {
        Some(last) if last.div_euclid(HOUR_MS) == now_ms.div_euclid(HOUR_MS) => vec![],
        Some(last) if last < today => {
            let first = (last.div_euclid(DAY_MS) * DAY_MS).max(today - (MAX_CATCH_UP_DAYS - 1) * DAY_MS);
            (0..)
                .map(|n| first + n * DAY_MS)
                .take_while(|day| *day <= today)
                .collect()
        }
        _ => vec![today],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MonitorStatus::*;

    fn flip(at_ms: i64, to: MonitorStatus) -> Flip {
        Flip { at_ms, to }
    }

    #[test]
    fn downtime_counts_only_down_spans_inside_the_window() {
        let flips = [flip(0, Up), flip(100, Down), flip(300, Up), flip(500, Down)];
        assert_eq!(downtime_ms(&flips, 0, 1000), 200 + 500);
        assert_eq!(downtime_ms(&flips, 200, 400), 100);
        assert_eq!(downtime_ms(&flips, 600, 700), 100, "down since before the window");
        assert_eq!(downtime_ms(&flips, 350, 450), 0);
        assert_eq!(downtime_ms(&[], 0, 1000), 0);
        assert_eq!(
            downtime_ms(&[flip(100, Down), flip(200, Down), flip(300, Up)], 0, 1000),
            200,
            "repeated downs count once"
        );
    }

    #[test]
    fn maintenance_counts_neither_as_downtime_nor_as_observed() {
        let flips = [flip(0, Up), flip(100, Down), flip(300, Up)];
        let spans = [
            Span {
                start_ms: 150,
                end_ms: 250,
            },
            Span {
                start_ms: 900,
                end_ms: 2000,
            },
        ];
        assert_eq!(outside_maintenance(&flips, 0, 1000, &spans), (100, 800));
        assert_eq!(outside_maintenance(&flips, 0, 1000, &[]), (200, 1000));
    }

    #[test]
    fn uptime_is_a_share_of_observed_time() {
        assert_eq!(uptime_pct(0, 1000), Some(100.0));
        assert_eq!(uptime_pct(1, 3000), Some(99.967));
        assert_eq!(uptime_pct(5000, 1000), Some(0.0));
        assert_eq!(uptime_pct(0, 0), None);
    }

    #[test]
    fn apdex_weighs_satisfied_tolerating_and_frustrated() {
        assert_eq!(Apdex::default().score(), None);
        // 2 satisfied, 1 tolerating and 2 frustrated of 5.
        let apdex = Apdex {
            satisfied: 2,
            tolerating: 1,
            total: 5,
        };
        assert_eq!(apdex.score(), Some(0.5));
    }

    #[test]
    fn rollups_are_due_hourly_and_every_ended_day_is_caught_up() {
        let day = |d: i64| d * DAY_MS;
        let at = |d: i64, hour: i64, minute: i64| day(d) + hour * HOUR_MS + minute * 60_000;
        let cases = [
            (None, at(10, 0, 5), vec![day(10)]),
            (Some(at(10, 14, 1)), at(10, 14, 59), vec![]),
            (Some(at(10, 14, 59)), at(10, 15, 0), vec![day(10)]),
            (Some(at(9, 23, 30)), at(10, 0, 1), vec![day(9), day(10)]),
            (Some(at(7, 12, 0)), at(10, 9, 0), vec![day(7), day(8), day(9), day(10)]),
            (Some(at(12, 1, 0)), at(10, 9, 0), vec![day(10)]),
            (Some(at(0, 0, 0)), at(100, 9, 0), (70..=100).map(day).collect()),
        ];
        for (last, now, due) in cases {
            assert_eq!(rollup_days_due(last, now), due, "last {last:?}, now {now}");
        }
    }

    #[test]
    fn observed_time_leaves_out_pending_and_paused_time() {
        let flip = |at_ms, to| Flip { at_ms, to };
        let flips = [
            flip(100, MonitorStatus::Up),
            flip(200, MonitorStatus::Down),
            flip(250, MonitorStatus::Paused),
            flip(400, MonitorStatus::Pending),
            flip(450, MonitorStatus::Up),
        ];
        // Watched 100–250 and 450–500; down 200–250 only (the pause stops it).
        assert_eq!(observed_ms(&flips, 0, 500), 200);
        assert_eq!(downtime_ms(&flips, 0, 500), 50);
        assert_eq!(observed_ms(&flips, 220, 460), 40);
        assert_eq!(observed_ms(&[], 0, 500), 0, "never a verdict: nothing observed");
    }

    #[test]
    fn a_short_outage_never_reads_as_100_percent() {
        assert_eq!(uptime_pct(30_000, 90 * 86_400_000), Some(99.999));
        assert_eq!(uptime_pct(0, 1000), Some(100.0));
        assert_eq!(uptime_pct(500, 1000), Some(50.0));
        assert_eq!(uptime_pct(0, 0), None);
    }
}
