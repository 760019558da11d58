//! A running tally of what this isolate uses of what Cloudflare bills, for
//! the cost benchmark (`bench/cost.rs`, `docs/COST.md`). SQLite statements,
//! storage operations, alarms, D1 queries and subrequests add
//! to it where they happen; at the end of each invocation (a Worker request
//! or cron run, an object's request or alarm) `flush` takes what was added
//! since the last flush and, when `PW_COST_LOG` is `true`, logs it as one
//! `cost:` line. Invocations that overlap in one isolate may find each
//! other's counts in their line, but the lines add up exactly, and sums are
//! what the benchmark divides.

use crate::domain::cost::Invocation;
use std::cell::RefCell;
use worker::{console_log, Date, Env};

thread_local! {
    static TALLY: RefCell<Invocation> = RefCell::default();
}

/// Adds to the tally.
pub fn add(count: impl FnOnce(&mut Invocation)) {
    TALLY.with(|tally| count(&mut tally.borrow_mut()));
}

/// Rows a SQLite cursor read and wrote (Durable Object storage).
pub fn sql(rows_read: usize, rows_written: usize) {
    add(|t| {
        t.rows_read += rows_read as u64;
        t.rows_written += rows_written as u64;
    });
}

/// A storage get (`reads`) or put, delete or alarm (`writes`) through the
/// key-value API, billed as one SQLite row each.
pub fn storage(reads: u64, writes: u64) {
    add(|t| {
        t.rows_read += reads;
        t.rows_written += writes;
    });
}

/// One D1 query, with the rows D1 says it read and wrote.
pub fn d1(rows_read: usize, rows_written: usize) {
    add(|t| {
        t.d1_queries += 1;
        t.d1_rows_read += rows_read as u64;
        t.d1_rows_written += rows_written as u64;
    });
}

pub fn subrequest() {
    add(|t| t.subrequests += 1);
}

/// When an invocation started, for its wall time.
pub fn start() -> u64 {
    Date::now().as_millis()
}

/// Ends an invocation of `object` (`worker`, `monitor`, `hub`) for `event`
/// (the route, `alarm`, `cron`): logs what the tally gathered since the last
/// flush, if `PW_COST_LOG` is `true`, and starts it again.
pub fn flush(env: &Env, object: &str, event: &str, started_ms: u64) {
    let mut used = TALLY.with(|tally| tally.take());
    let logging = env.var("PW_COST_LOG").is_ok_and(|v| v.to_string() == "true");
    if logging {
        used.object = object.to_string();
        used.event = event.to_string();
        used.wall_ms = Date::now().as_millis().saturating_sub(started_ms);
        console_log!("{}", used.log_line());
    }
}
