//! Rate limits, the arithmetic: fixed windows per rule, taken all at once
//! or not at all, and what the `X-RateLimit-*` headers and `Retry-After`
//! say. The counting itself happens in one Durable Object per caller bucket
//! (`objects/limiter.rs`), so counts are exact however many requests race.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use super::time::{HOUR_MS, MINUTE_MS};

/// One limit: at most `limit` units per fixed window of `window_ms`; a
/// request spends `cost` units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub limit: u32,
    pub window_ms: i64,
    pub cost: u32,
}

impl Rule {
    pub fn new(name: &str, limit: u32, window_ms: i64, cost: u32) -> Rule {
        Rule {
            name: name.to_string(),
            limit,
            window_ms,
            cost,
        }
    }
}

/// A rule's count in its current window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    pub window_start: i64,
    pub used: u32,
}

/// What taking from the rules decided; the figures are the first rule's
/// (the one the headers describe), or the refusing rule's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub allowed: bool,
    /// The rule the figures describe.
    pub rule: String,
    pub limit: u32,
    pub remaining: u32,
    /// When its window ends, in epoch milliseconds.
    pub reset_ms: i64,
}

impl Decision {
    /// `X-RateLimit-Reset`: epoch seconds, rounded up.
    pub fn reset_seconds(&self) -> i64 {
        (self.reset_ms + 999).div_euclid(1000)
    }

    /// `Retry-After`: whole seconds until the window ends, at least 1.
    pub fn retry_after_seconds(&self, now_ms: i64) -> i64 {
        ((self.reset_ms - now_ms + 999).div_euclid(1000)).max(1)
    }
}

/// Takes `cost` from every rule, or from none when one would go over its
/// limit. `counters` holds each rule's count by name and is updated in place.
pub fn take(counters: &mut BTreeMap<String, Counter>, rules: &[Rule], now_ms: i64) -> Decision {
    let current = |rule: &Rule, counters: &BTreeMap<String, Counter>| {
        let window_start = now_ms.div_euclid(rule.window_ms) * rule.window_ms;
        match counters.get(&rule.name) {
            Some(counter) if counter.window_start == window_start => *counter,
            _ => Counter { window_start, used: 0 },
        }
    };
    let decision = |rule: &Rule, counter: Counter, allowed: bool| Decision {
        allowed,
        rule: rule.name.clone(),
        limit: rule.limit,
        remaining: rule.limit.saturating_sub(counter.used),
        reset_ms: counter.window_start + rule.window_ms,
    };
    if let Some(refusing) = rules
        .iter()
        .find(|rule| current(rule, counters).used + rule.cost > rule.limit)
    {
        return decision(refusing, current(refusing, counters), false);
    }
    for rule in rules {
        let mut counter = current(rule, counters);
        counter.used += rule.cost;
        counters.insert(rule.name.clone(), counter);
    }
    match rules.first() {
        Some(first) => decision(first, current(first, counters), true),
        None => Decision {
            allowed: true,
            rule: String::new(),
            limit: 0,
            remaining: 0,
            reset_ms: now_ms,
        },
    }
}

/// Whether the counts must reach storage now: a long window's always (a
/// budget must survive the object's eviction), a minute's every tenth unit
/// and at its limit, so that an evicted object forgets at most nine.
pub fn must_persist(rules: &[Rule], counters: &BTreeMap<String, Counter>) -> bool {
    rules.iter().any(|rule| {
        let used = counters.get(&rule.name).map_or(0, |c| c.used);
        rule.window_ms > MINUTE_MS || used % 10 < rule.cost || used >= rule.limit
    })
}

/// The client's address: `CF-Connecting-IP`, which Cloudflare sets. Only
/// when that is loopback or missing (`wrangler dev`) is the first
/// `X-Forwarded-For` trusted, so that local tests can be several callers.
pub fn client_ip(connecting_ip: Option<&str>, forwarded_for: Option<&str>) -> String {
    let local = connecting_ip.is_none_or(|ip| {
        ip.parse::<std::net::IpAddr>()
            .map_or(ip == "localhost", |a| a.is_loopback())
    });
    let forwarded = forwarded_for
        .and_then(|list| list.split(',').next())
        .map(str::trim)
        .filter(|ip| !ip.is_empty());
    match (local, forwarded, connecting_ip) {
        (true, Some(forwarded), _) => forwarded.to_string(),
        (_, _, Some(ip)) => ip.to_string(),
        _ => "unknown".to_string(),
    }
}

/// Who a request counts against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bucket {
    /// An API key, by its hash (known without reading D1).
    Key(String),
    /// A signed-in user.
    User(String),
    /// No credential: the client's address.
    Ip(String),
    /// Sign-ins to one account, by the e-mail's hash.
    Login(String),
    /// An organization, for budgets its keys and users share (live checks).
    Account(String),
    /// One caller's port scans of one address.
    ScanTarget { caller: String, address: String },
}

impl Bucket {
    /// The name of the bucket's object.
    pub fn name(&self) -> String {
        match self {
            Bucket::Key(hash) => format!("key:{hash}"),
            Bucket::User(id) => format!("user:{id}"),
            Bucket::Ip(ip) => format!("ip:{ip}"),
            Bucket::Login(hash) => format!("login:{hash}"),
            Bucket::Account(org_id) => format!("org:{org_id}"),
            Bucket::ScanTarget { caller, address } => format!("scan:{caller}>{address}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(limit: u32) -> Rule {
        Rule::new("reads", limit, MINUTE_MS, 1)
    }

    #[test]
    fn a_window_allows_its_limit_then_refuses_until_it_ends() {
        let mut counters = BTreeMap::new();
        let now = 10 * MINUTE_MS + 5_000;
        for left in (0..3).rev() {
            let decision = take(&mut counters, &[reads(3)], now);
            assert!(decision.allowed);
            assert_eq!(decision.remaining, left);
            assert_eq!(decision.reset_ms, 11 * MINUTE_MS);
        }
        let refused = take(&mut counters, &[reads(3)], now + 1_000);
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.retry_after_seconds(now + 1_000), 54);
        assert_eq!(refused.reset_seconds(), 660);
        // The next window starts afresh.
        assert!(take(&mut counters, &[reads(3)], 11 * MINUTE_MS).allowed);
    }

    #[test]
    fn rules_are_taken_all_or_none() {
        let mut counters = BTreeMap::new();
        let budget = Rule::new("live_checks", 1, HOUR_MS, 1);
        let now = HOUR_MS;
        assert!(take(&mut counters, &[reads(10), budget.clone()], now).allowed);
        let refused = take(&mut counters, &[reads(10), budget.clone()], now + 1);
        assert!(!refused.allowed);
        assert_eq!(refused.rule, "live_checks");
        assert_eq!(refused.retry_after_seconds(now + 1), 3600);
        // The refused request spent nothing of the reads.
        assert_eq!(counters["reads"].used, 1);
        let read = take(&mut counters, &[reads(10)], now + 2);
        assert_eq!(read.remaining, 8);
    }

    #[test]
    fn budgets_are_always_kept_and_minute_counts_every_tenth() {
        let mut counters = BTreeMap::new();
        let budget = [Rule::new("live_checks", 3, HOUR_MS, 1)];
        take(&mut counters, &budget, 0);
        assert!(must_persist(&budget, &counters));
        let minute = [reads(100)];
        let kept: Vec<bool> = (0..12)
            .map(|_| {
                take(&mut counters, &minute, 0);
                must_persist(&minute, &counters)
            })
            .collect();
        assert_eq!(kept.iter().filter(|k| **k).count(), 1, "{kept:?}");
    }

    #[test]
    fn forwarded_addresses_are_trusted_only_from_loopback() {
        assert_eq!(client_ip(Some("203.0.113.9"), Some("10.0.0.1")), "203.0.113.9");
        assert_eq!(
            client_ip(Some("127.0.0.1"), Some("198.51.100.7, 10.0.0.1")),
            "198.51.100.7"
        );
        assert_eq!(client_ip(Some("::1"), Some("198.51.100.7")), "198.51.100.7");
        assert_eq!(client_ip(None, Some("198.51.100.7")), "198.51.100.7");
        assert_eq!(client_ip(Some("127.0.0.1"), None), "127.0.0.1");
        assert_eq!(client_ip(None, None), "unknown");
    }

    #[test]
    fn buckets_are_named_by_kind() {
        assert_eq!(Bucket::Key("ab12".into()).name(), "key:ab12");
        assert_eq!(Bucket::User("usr_1".into()).name(), "user:usr_1");
        assert_eq!(Bucket::Ip("203.0.113.9".into()).name(), "ip:203.0.113.9");
    }
}
