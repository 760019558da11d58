//! A monitor's status as a pure function of its regions' recent results:
//! a region counts as failing after `failure_threshold` consecutive
//! failures; the monitor is `down` when a majority of its regions fail, and
//! `up` again as soon as they no longer do (one success suffices).

use super::monitor::MonitorStatus;

/// One region's run of failures, counted back from its latest result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionTally {
    pub consecutive_failures: u32,
}

pub fn next_status(current: MonitorStatus, regions: &[RegionTally], failure_threshold: u32) -> MonitorStatus {
    if regions.is_empty() {
        return current;
    }
    let failing = regions
        .iter()
        .filter(|r| r.consecutive_failures >= failure_threshold.max(1))
        .count();
    if failing * 2 > regions.len() {
        MonitorStatus::Down
    } else if current == MonitorStatus::Pending && !regions.iter().any(|r| r.consecutive_failures == 0) {
        // Failures not yet confirmed and no success yet: nothing is known.
        MonitorStatus::Pending
    } else {
        MonitorStatus::Up
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MonitorStatus::*;

    fn tally(failures: u32) -> RegionTally {
        RegionTally {
            consecutive_failures: failures,
        }
    }

    #[test]
    fn one_region_goes_down_after_the_threshold_and_up_after_one_success() {
        let cases = [
            (Pending, 0, Up),
            (Pending, 1, Pending),
            (Pending, 2, Down),
            (Up, 1, Up),
            (Up, 2, Down),
            (Down, 3, Down),
            (Down, 0, Up),
        ];
        for (current, failures, expected) in cases {
            assert_eq!(
                next_status(current, &[tally(failures)], 2),
                expected,
                "{current:?} with {failures} failures"
            );
        }
    }

    #[test]
    fn a_threshold_of_one_goes_down_at_the_first_failure() {
        assert_eq!(next_status(Up, &[tally(1)], 1), Down);
    }

    #[test]
    fn the_monitor_is_down_only_when_a_majority_of_regions_fail() {
        let cases = [
            (vec![2, 0, 0], Up),
            (vec![2, 2, 0], Down),
            (vec![2, 1, 0], Up),
            (vec![2, 0], Up),
            (vec![2, 2], Down),
            (vec![3, 3, 3], Down),
        ];
        for (failures, expected) in cases {
            let regions: Vec<_> = failures.iter().map(|f| tally(*f)).collect();
            assert_eq!(next_status(Up, &regions, 2), expected, "{failures:?}");
        }
    }
}
