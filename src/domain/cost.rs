//! What a check and a ping cost on Cloudflare, from what each uses of the
//! billed resources: the published limits of the Workers Free plan and
//! prices of the Workers Paid plan (as of 2026-12), and the two formulas
//! `make bench` prints and `docs/COST.md` explains: how many monitors fit the
//! free plan, and what a fleet costs a month on the paid one.

/// What one unit of work (one check, one ping) uses, on average.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub worker_requests: f64,
    pub object_requests: f64,
    /// Wall time a Durable Object is active, in seconds (billed at 128 MB).
    pub object_seconds: f64,
    pub object_rows_read: f64,
    /// Rows written to Durable Objects' SQLite, index entries and alarms
    /// included (each `setAlarm` is billed as one row written).
    pub object_rows_written: f64,
    pub d1_rows_read: f64,
    pub d1_rows_written: f64,
    pub subrequests: f64,
}

/// One billed resource: what the free plan allows a day, what the paid plan
/// includes a month, and its price per unit beyond that.
struct Meter {
    name: &'static str,
    free_per_day: f64,
    paid_included_per_month: f64,
    paid_price_per_unit: f64,
    used: fn(&Usage) -> f64,
}

const MILLION: f64 = 1_000_000.0;
/// A Durable Object is billed for 128 MB while active.
const OBJECT_GB: f64 = 0.128;
pub const PAID_BASE_PER_MONTH: f64 = 5.0;
pub const DAYS_PER_MONTH: f64 = 30.0;

const METERS: [Meter; 7] = [
    Meter {
        name: "Worker requests",
        free_per_day: 100_000.0,
        paid_included_per_month: 10.0 * MILLION,
        paid_price_per_unit: 0.30 / MILLION,
        used: |u| u.worker_requests,
    },
    Meter {
        name: "Durable Object requests",
        free_per_day: 100_000.0,
        paid_included_per_month: MILLION,
        paid_price_per_unit: 0.15 / MILLION,
        used: |u| u.object_requests,
    },
    Meter {
        name: "Durable Object duration (GB-s)",
        free_per_day: 13_000.0,
        paid_included_per_month: 400_000.0,
        paid_price_per_unit: 12.50 / MILLION,
        used: |u| u.object_seconds * OBJECT_GB,
    },
    Meter {
        name: "Durable Object rows read",
        free_per_day: 5.0 * MILLION,
        paid_included_per_month: 25_000.0 * MILLION,
        paid_price_per_unit: 0.001 / MILLION,
        used: |u| u.object_rows_read,
    },
    Meter {
        name: "Durable Object rows written",
        free_per_day: 100_000.0,
        paid_included_per_month: 50.0 * MILLION,
        paid_price_per_unit: 1.00 / MILLION,
        used: |u| u.object_rows_written,
    },
    Meter {
        name: "D1 rows read",
        free_per_day: 5.0 * MILLION,
        paid_included_per_month: 25_000.0 * MILLION,
        paid_price_per_unit: 0.001 / MILLION,
        used: |u| u.d1_rows_read,
    },
    Meter {
        name: "D1 rows written",
        free_per_day: 100_000.0,
        paid_included_per_month: 50.0 * MILLION,
        paid_price_per_unit: 1.00 / MILLION,
        used: |u| u.d1_rows_written,
    },
];

/// How many units (checks, pings) a day the free plan holds, and the
/// resource that runs out first.
pub fn free_units_per_day(per_unit: &Usage) -> (f64, &'static str) {
    METERS
        .iter()
        .filter(|meter| (meter.used)(per_unit) > 0.0)
        .map(|meter| (meter.free_per_day / (meter.used)(per_unit), meter.name))
        .fold(
            (f64::INFINITY, "nothing"),
            |least, next| if next.0 < least.0 { next } else { least },
        )
}

/// Monitors checked every `interval_seconds` that fit the free plan.
pub fn free_monitors(per_check: &Usage, interval_seconds: f64) -> (u64, &'static str) {
    let (checks, binding) = free_units_per_day(per_check);
    ((checks / (86_400.0 / interval_seconds)).floor() as u64, binding)
}

/// Dollars a month on Workers Paid for `units_per_month` units of work:
/// the base fee plus, for each resource, what goes beyond what is included.
pub fn paid_per_month(per_unit: &Usage, units_per_month: f64) -> f64 {
    PAID_BASE_PER_MONTH
        + overage_per_month(per_unit, units_per_month)
            .iter()
            .map(|(_, usd)| usd)
            .sum::<f64>()
}

/// Each resource's charge beyond what the paid plan includes.
pub fn overage_per_month(per_unit: &Usage, units_per_month: f64) -> Vec<(&'static str, f64)> {
    METERS
        .iter()
        .map(|meter| {
            let used = (meter.used)(per_unit) * units_per_month;
            (
                meter.name,
                (used - meter.paid_included_per_month).max(0.0) * meter.paid_price_per_unit,
            )
        })
        .collect()
}

/// Checks a month of `monitors` monitors every `interval_seconds`.
pub fn checks_per_month(monitors: f64, interval_seconds: f64) -> f64 {
    monitors * DAYS_PER_MONTH * 86_400.0 / interval_seconds
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One alarm, one result row, one probe: the least a stored check can cost.
    fn bare_check() -> Usage {
        Usage {
            object_requests: 1.0,
            object_rows_written: 2.0,
            object_seconds: 0.05,
            subrequests: 1.0,
            ..Usage::default()
        }
    }

    #[test]
    fn the_free_plan_runs_out_of_its_scarcest_resource_first() {
        // 100,000 rows written a day ÷ 2 per check beat 100,000 requests ÷ 1.
        assert_eq!(
            free_units_per_day(&bare_check()),
            (50_000.0, "Durable Object rows written")
        );
        assert_eq!(free_monitors(&bare_check(), 60.0), (34, "Durable Object rows written"));
        assert_eq!(free_monitors(&bare_check(), 300.0).0, 173);
    }

    #[test]
    fn nothing_used_costs_the_base_fee_only() {
        assert_eq!(paid_per_month(&Usage::default(), 1e9), PAID_BASE_PER_MONTH);
        assert_eq!(free_units_per_day(&Usage::default()).0, f64::INFINITY);
    }

    #[test]
    fn the_paid_plan_charges_only_beyond_what_it_includes() {
        let checks = checks_per_month(1_000.0, 60.0);
        assert_eq!(checks, 43_200_000.0);
        // Requests: 42.2 M beyond the first million at $0.15/M; rows: 36.4 M
        // beyond 50 M at $1/M; duration: 276,480 GB-s, within the 400,000 included.
        let usd = paid_per_month(&bare_check(), checks);
        let expected = 5.0 + 42.2 * 0.15 + 36.4;
        assert!((usd - expected).abs() < 1e-6, "{usd} != {expected}");
    }
}

/// What one invocation (a Worker request, an object's request or alarm)
/// used, as `PW_COST_LOG=true` logs it, one `cost:` line each, and as the
/// cost benchmark reads it back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Invocation {
    /// `worker`, `monitor` or `hub`.
    pub object: String,
    /// The route or `alarm`.
    pub event: String,
    pub rows_read: u64,
    /// SQLite rows written, with index entries; storage puts and alarms set count one each.
    pub rows_written: u64,
    pub d1_queries: u64,
    pub d1_rows_read: u64,
    pub d1_rows_written: u64,
    pub subrequests: u64,
    pub wall_ms: u64,
}

const LOG_PREFIX: &str = "cost:";

impl Invocation {
    fn counts(&self) -> [(&'static str, u64); 7] {
        [
            ("rows_read", self.rows_read),
            ("rows_written", self.rows_written),
            ("d1_queries", self.d1_queries),
            ("d1_rows_read", self.d1_rows_read),
            ("d1_rows_written", self.d1_rows_written),
            ("subrequests", self.subrequests),
            ("wall_ms", self.wall_ms),
        ]
    }

    pub fn log_line(&self) -> String {
        let counts: Vec<String> = self.counts().iter().map(|(name, n)| format!("{name}={n}")).collect();
        format!(
            "{LOG_PREFIX} object={} event={} {}",
            self.object,
            self.event,
            counts.join(" ")
        )
    }

    /// The invocation a log line tells of, wherever the line holds one.
    pub fn parse(line: &str) -> Option<Invocation> {
        let fields = line.split_once(LOG_PREFIX)?.1;
        let mut invocation = Invocation::default();
        for (name, value) in fields.split_whitespace().filter_map(|field| field.split_once('=')) {
            let number = || value.parse::<u64>().ok();
            match name {
                "object" => invocation.object = value.to_string(),
                "event" => invocation.event = value.to_string(),
                "rows_read" => invocation.rows_read = number()?,
                "rows_written" => invocation.rows_written = number()?,
                "d1_queries" => invocation.d1_queries = number()?,
                "d1_rows_read" => invocation.d1_rows_read = number()?,
                "d1_rows_written" => invocation.d1_rows_written = number()?,
                "subrequests" => invocation.subrequests = number()?,
                "wall_ms" => invocation.wall_ms = number()?,
                _ => {}
            }
        }
        Some(invocation)
    }
}

/// The average use per unit of work of `invocations`, which did `units` of it.
pub fn per_unit<'a>(invocations: impl Iterator<Item = &'a Invocation>, units: usize) -> Usage {
    let mut sum = Usage::default();
    for i in invocations {
        let is_object = i.object != "worker";
        sum.worker_requests += f64::from(u8::from(!is_object));
        sum.object_requests += f64::from(u8::from(is_object));
        if is_object {
            sum.object_seconds += i.wall_ms as f64 / 1000.0;
        }
        // Only objects have SQLite. An object's rows may land in an
        // overlapping Worker request's line (one tally per isolate): the sum is exact.
        sum.object_rows_read += i.rows_read as f64;
        sum.object_rows_written += i.rows_written as f64;
        sum.d1_rows_read += i.d1_rows_read as f64;
        sum.d1_rows_written += i.d1_rows_written as f64;
        sum.subrequests += i.subrequests as f64;
    }
    let n = units.max(1) as f64;
    Usage {
        worker_requests: sum.worker_requests / n,
        object_requests: sum.object_requests / n,
        object_seconds: sum.object_seconds / n,
        object_rows_read: sum.object_rows_read / n,
        object_rows_written: sum.object_rows_written / n,
        d1_rows_read: sum.d1_rows_read / n,
        d1_rows_written: sum.d1_rows_written / n,
        subrequests: sum.subrequests / n,
    }
}

#[cfg(test)]
mod log_tests {
    use super::*;

    #[test]
    fn a_logged_invocation_reads_back_from_a_log_line() {
        let invocation = Invocation {
            object: "monitor".into(),
            event: "alarm".into(),
            rows_read: 4,
            rows_written: 2,
            subrequests: 1,
            wall_ms: 12,
            ..Invocation::default()
        };
        let line = format!("[wrangler:info] {}", invocation.log_line());
        assert_eq!(Invocation::parse(&line), Some(invocation));
        assert_eq!(Invocation::parse("GET /api/health 200 OK"), None);
    }

    #[test]
    fn rows_count_wherever_they_were_logged_and_time_only_for_objects() {
        let alarm = Invocation {
            object: "monitor".into(),
            rows_written: 1,
            wall_ms: 1000,
            ..Invocation::default()
        };
        let request = Invocation {
            object: "worker".into(),
            rows_written: 1,
            wall_ms: 50,
            ..Invocation::default()
        };
        let usage = per_unit([alarm, request].iter(), 2);
        assert_eq!(
            (
                usage.worker_requests,
                usage.object_requests,
                usage.object_rows_written,
                usage.object_seconds
            ),
            (0.5, 0.5, 1.0, 0.5)
        );
    }
}
