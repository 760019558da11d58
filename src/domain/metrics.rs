//! Prometheus metrics of an organization (`GET /api/v1/metrics`): what D1
//! keeps of its monitors turned into the text exposition format 0.0.4.
//!
//! Every figure comes from D1, never from a monitor's Durable Object (a
//! scrape must not wake every object), so some are approximations:
//! - uptime comes from the daily rollups, which the monitor's object writes
//!   at each change of status and once an hour; the time since the last
//!   write is added in the monitor's current status (unchanged since: a
//!   change writes the rollup), and the oldest day of a window, only partly
//!   inside it, counts in proportion to that part;
//! - latency is the day's mean (and 95th percentile) of successful checks as
//!   of the last rollup, not the last check's;
//! - the check counters grow at those same writes, not at every check;
//! - a heartbeat's last ping reaches D1 only with those same writes (a ping
//!   writes only its object's storage), so its age is exact while the
//!   heartbeat is down and up to about an hour too large while it is up:
//!   `pingwarden_monitor_up` is the one to alert on.
//!
//! Labels hold only what is safe to hand to a metrics system: ids, names,
//! types, tags and regions; never a target URL (it may hold credentials),
//! headers or tokens.

use super::monitor::MonitorStatus;
use super::time::{day_of, iso_from_millis, DAY_MS};
use serde_json::{json, Value};
use std::fmt::Write;

/// The media type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Incident impacts, each with its own `pingwarden_incidents_open` series.
pub const IMPACTS: [&str; 4] = ["none", "minor", "major", "critical"];

const STATUSES: [MonitorStatus; 4] = [
    MonitorStatus::Pending,
    MonitorStatus::Up,
    MonitorStatus::Down,
    MonitorStatus::Paused,
];

/// Seconds of downtime and of observed time (`up` or `down`), as the
/// rollups count them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spans {
    pub downtime_s: i64,
    pub observed_s: i64,
}

/// The UTC days (`YYYY-MM-DD`) a scrape at some moment reads rollups of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Days {
    pub today: String,
    pub yesterday: String,
    /// The day 30 days ago: the oldest the 30-day window touches.
    pub oldest: String,
}

impl Days {
    pub fn at(now_ms: i64) -> Days {
        Days {
            today: day_of(now_ms),
            yesterday: day_of(now_ms - DAY_MS),
            oldest: day_of(now_ms - 30 * DAY_MS),
        }
    }
}

/// A monitor's rollups of the last 30 days, summed by where they fall.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rollups {
    pub today: Spans,
    pub yesterday: Spans,
    /// The oldest day (`Days::oldest`).
    pub oldest: Spans,
    /// Every day after the oldest, up to today included.
    pub recent: Spans,
    /// The latest moment any of them counts up to (none before migration 0014).
    pub through_ms: Option<i64>,
    /// Today's mean and 95th percentile response time (ms) of successful
    /// checks, or yesterday's when today has no rollup yet.
    pub avg_response_ms: Option<i64>,
    pub p95_response_ms: Option<i64>,
}

/// What the metrics show of one monitor.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorFigures {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub tags: Vec<String>,
    pub regions: Vec<String>,
    pub status: MonitorStatus,
    pub interval_seconds: i64,
    /// A heartbeat's grace.
    pub grace_seconds: Option<i64>,
    pub status_changed_ms: Option<i64>,
    /// A heartbeat's latest ping as D1 holds it: written with each change of
    /// status and the hourly rollup, not with every ping.
    pub last_ping_ms: Option<i64>,
    /// Checks and failures counted so far (a heartbeat has none: its pings
    /// are not checks).
    pub checks: i64,
    pub failures: i64,
    pub rollups: Rollups,
}

/// What the metrics show of an organization.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgFigures {
    pub monitors: Vec<MonitorFigures>,
    /// Open incidents by impact.
    pub open_incidents: Vec<(String, i64)>,
}

/// What the dashboard's monitor list shows beside a monitor's settings
/// (`GET /api/v1/monitors/summary`): uptime in per cent over 24 h and 30 d,
/// and today's response times.
pub fn summary(monitor: &MonitorFigures, now_ms: i64) -> Value {
    let percent = |window_ms| {
        uptime_ratio(&monitor.rollups, monitor.status, window_ms, now_ms)
            .map(|ratio| (ratio * 10_000.0).round() / 100.0)
    };
    json!({
        "id": monitor.id,
        "status": monitor.status.as_str(),
        "uptime_24h_pct": percent(DAY_MS),
        "uptime_30d_pct": percent(30 * DAY_MS),
        "avg_response_ms": monitor.rollups.avg_response_ms,
        "p95_response_ms": monitor.rollups.p95_response_ms,
        "status_changed_at": monitor.status_changed_ms.map(iso_from_millis),
    })
}

/// The uptime windows exported, and their length.
pub const WINDOWS: [(&str, i64); 2] = [("24h", DAY_MS), ("30d", 30 * DAY_MS)];

/// Uptime (0 to 1) over the `window_ms` before `now_ms`: the rollups of the
/// days inside it, the oldest day in proportion to its part inside it, plus
/// the time since the rollups' last write in the current status. `None`
/// when nothing was observed (no verdict yet, or paused throughout).
pub fn uptime_ratio(rollups: &Rollups, status: MonitorStatus, window_ms: i64, now_ms: i64) -> Option<f64> {
    let from = now_ms - window_ms;
    let (whole, edge) = if window_ms <= DAY_MS {
        (rollups.today, rollups.yesterday)
    } else {
        (rollups.recent, rollups.oldest)
    };
    let edge_start = from.div_euclid(DAY_MS) * DAY_MS;
    let share = ((edge_start + DAY_MS - from) as f64 / DAY_MS as f64).clamp(0.0, 1.0);
    let mut downtime = whole.downtime_s as f64 + edge.downtime_s as f64 * share;
    let mut observed = whole.observed_s as f64 + edge.observed_s as f64 * share;
    if let Some(through) = rollups.through_ms {
        let since_s = (now_ms - through.max(from)).max(0) as f64 / 1000.0;
        match status {
            MonitorStatus::Up => observed += since_s,
            MonitorStatus::Down => {
                observed += since_s;
                downtime += since_s;
            }
            MonitorStatus::Pending | MonitorStatus::Paused => {}
        }
    }
    (observed > 0.0).then(|| 1.0 - downtime.clamp(0.0, observed) / observed)
}

/// A label value escaped for the text format: backslash, double quote and
/// line feed.
pub fn escape_label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A HELP text escaped for the text format: backslash and line feed.
pub fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A sample value as the text format writes it (Go's `ParseFloat` reads it).
pub fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        value.to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Counter,
}

/// One metric family: its samples share a name, HELP and TYPE.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    pub samples: Vec<Sample>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Names are fixed here, so always valid; values are escaped when written.
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

impl Family {
    fn new(name: &'static str, kind: Kind, help: &'static str) -> Family {
        Family {
            name,
            help,
            kind,
            samples: Vec::new(),
        }
    }

    fn add(&mut self, labels: Vec<(&'static str, String)>, value: f64) {
        self.samples.push(Sample { labels, value });
    }
}

/// The families as text: each with its HELP and TYPE lines, then its samples;
/// a family without samples is left out.
pub fn render(families: &[Family]) -> String {
    let mut out = String::new();
    for family in families.iter().filter(|f| !f.samples.is_empty()) {
        let kind = match family.kind {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        };
        // Writing to a String cannot fail.
        let _ = writeln!(out, "# HELP {} {}", family.name, escape_help(family.help));
        let _ = writeln!(out, "# TYPE {} {kind}", family.name);
        for sample in &family.samples {
            out.push_str(family.name);
            if !sample.labels.is_empty() {
                let labels: Vec<String> = sample
                    .labels
                    .iter()
                    .map(|(name, value)| format!("{name}=\"{}\"", escape_label_value(value)))
                    .collect();
                let _ = write!(out, "{{{}}}", labels.join(","));
            }
            let _ = writeln!(out, " {}", format_value(sample.value));
        }
    }
    out
}

/// The labels every series of a monitor carries.
fn identity(monitor: &MonitorFigures) -> Vec<(&'static str, String)> {
    vec![
        ("monitor_id", monitor.id.clone()),
        ("name", monitor.name.clone()),
        ("type", monitor.kind.clone()),
        ("tags", monitor.tags.join(",")),
    ]
}

fn with(mut labels: Vec<(&'static str, String)>, name: &'static str, value: &str) -> Vec<(&'static str, String)> {
    labels.push((name, value.to_string()));
    labels
}

/// The organization's metrics at `now_ms`, in the text exposition format.
pub fn exposition(org: &OrgFigures, now_ms: i64) -> String {
    use Kind::{Counter, Gauge};
    let mut info = Family::new(
        "pingwarden_monitor_info",
        Gauge,
        "Always 1: a monitor, with its regions (comma-separated; empty when the platform places its one probe).",
    );
    let mut up = Family::new(
        "pingwarden_monitor_up",
        Gauge,
        "1 when the monitor is up, 0 when down; absent while pending (no verdict yet) or paused.",
    );
    let mut status = Family::new(
        "pingwarden_monitor_status",
        Gauge,
        "1 for the monitor's current status (pending, up, down, paused), 0 for the others.",
    );
    let mut changed = Family::new(
        "pingwarden_monitor_status_changed_timestamp_seconds",
        Gauge,
        "When the monitor's status last changed, in seconds since the epoch.",
    );
    let mut interval = Family::new(
        "pingwarden_monitor_interval_seconds",
        Gauge,
        "Seconds between checks; a heartbeat's expected period between pings.",
    );
    let mut grace = Family::new(
        "pingwarden_heartbeat_grace_seconds",
        Gauge,
        "How long past its expected ping a heartbeat waits before it is down.",
    );
    let mut last_ping_age = Family::new(
        "pingwarden_heartbeat_last_ping_age_seconds",
        Gauge,
        "Seconds since the heartbeat's latest ping (not log pings). Exact while down; while up, as of its latest change of status or hourly rollup, so up to about an hour more than the real age: alert on pingwarden_monitor_up.",
    );
    let mut checks = Family::new(
        "pingwarden_monitor_checks_total",
        Counter,
        "Checks by result, as recorded with the hourly rollup and at each change of status (none for heartbeats: pings are not checks).",
    );
    let mut latency = Family::new(
        "pingwarden_monitor_latency_seconds",
        Gauge,
        "Mean response time of the UTC day's successful checks, as of the monitor's latest rollup (hourly, and at each change of status); not the last check's.",
    );
    let mut latency_p95 = Family::new(
        "pingwarden_monitor_latency_p95_seconds",
        Gauge,
        "95th percentile response time of the UTC day's successful checks, as of the monitor's latest rollup.",
    );
    let mut uptime = Family::new(
        "pingwarden_monitor_uptime_ratio",
        Gauge,
        "Share of the observed time (up or down) the monitor was up over the window (24h, 30d), from daily rollups; absent when nothing was observed.",
    );
    for monitor in &org.monitors {
        let labels = identity(monitor);
        info.add(with(labels.clone(), "regions", &monitor.regions.join(",")), 1.0);
        match monitor.status {
            MonitorStatus::Up => up.add(labels.clone(), 1.0),
            MonitorStatus::Down => up.add(labels.clone(), 0.0),
            MonitorStatus::Pending | MonitorStatus::Paused => {}
        }
        for each in STATUSES {
            let value = if each == monitor.status { 1.0 } else { 0.0 };
            status.add(with(labels.clone(), "status", each.as_str()), value);
        }
        if let Some(ms) = monitor.status_changed_ms {
            changed.add(labels.clone(), ms as f64 / 1000.0);
        }
        interval.add(labels.clone(), monitor.interval_seconds as f64);
        if let Some(seconds) = monitor.grace_seconds {
            grace.add(labels.clone(), seconds as f64);
        }
        if let Some(ms) = monitor.last_ping_ms {
            last_ping_age.add(labels.clone(), (now_ms - ms).max(0) as f64 / 1000.0);
        }
        if monitor.kind != "heartbeat" {
            let failures = monitor.failures.clamp(0, monitor.checks.max(0));
            checks.add(
                with(labels.clone(), "result", "up"),
                (monitor.checks.max(0) - failures) as f64,
            );
            checks.add(with(labels.clone(), "result", "down"), failures as f64);
        }
        if let Some(ms) = monitor.rollups.avg_response_ms {
            latency.add(labels.clone(), ms as f64 / 1000.0);
        }
        if let Some(ms) = monitor.rollups.p95_response_ms {
            latency_p95.add(labels.clone(), ms as f64 / 1000.0);
        }
        for (window, length_ms) in WINDOWS {
            if let Some(ratio) = uptime_ratio(&monitor.rollups, monitor.status, length_ms, now_ms) {
                uptime.add(with(labels.clone(), "window", window), ratio);
            }
        }
    }
    let mut incidents = Family::new(
        "pingwarden_incidents_open",
        Gauge,
        "The organization's incidents not yet resolved, by impact.",
    );
    for impact in IMPACTS {
        let count = org
            .open_incidents
            .iter()
            .filter(|(name, _)| name == impact)
            .map(|(_, n)| *n)
            .sum::<i64>();
        incidents.add(vec![("impact", impact.to_string())], count as f64);
    }
    let mut generated = Family::new(
        "pingwarden_metrics_generated_timestamp_seconds",
        Gauge,
        "When this answer was computed, in seconds since the epoch: answers are kept 15 seconds per organization.",
    );
    generated.add(Vec::new(), now_ms as f64 / 1000.0);
    render(&[
        info,
        up,
        status,
        changed,
        interval,
        grace,
        last_ping_age,
        checks,
        latency,
        latency_p95,
        uptime,
        incidents,
        generated,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::time::HOUR_MS;
    /// 2026-05-14T12:00:00Z
    const NOON: i64 = 1_778_760_000_000;

    fn monitor(status: MonitorStatus) -> MonitorFigures {
        MonitorFigures {
            id: "mon_1".into(),
            name: "API".into(),
            kind: "http".into(),
            tags: vec!["prod".into(), "eu".into()],
            regions: vec![],
            status,
            interval_seconds: 60,
            grace_seconds: None,
            status_changed_ms: Some(NOON - HOUR_MS),
            last_ping_ms: None,
            checks: 10,
            failures: 3,
            rollups: Rollups::default(),
        }
    }

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        let cases = [
            ("plain", "plain"),
            (r"a\b", r"a\\b"),
            (r#"say "hi""#, r#"say \"hi\""#),
            ("two\nlines", r"two\nlines"),
            (r#"\"#, r"\\"),
            ("été, 東京", "été, 東京"),
            ("", ""),
        ];
        for (raw, escaped) in cases {
            assert_eq!(escape_label_value(raw), escaped, "{raw:?}");
        }
    }

    #[test]
    fn help_escapes_backslash_and_newline_but_not_quotes() {
        assert_eq!(escape_help("a \"b\" \\ c\nd"), "a \"b\" \\\\ c\\nd");
    }

    #[test]
    fn values_are_written_as_the_format_reads_them() {
        let cases = [
            (1.0, "1"),
            (0.0, "0"),
            (0.25, "0.25"),
            (1_778_760_000.5, "1778760000.5"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (-3.0, "-3"),
        ];
        for (value, text) in cases {
            assert_eq!(format_value(value), text);
        }
    }

    #[test]
    fn a_family_has_help_and_type_then_its_samples() {
        let mut family = Family::new("x_total", Kind::Counter, "Things\\stuff\nmore");
        family.add(vec![("a", "1".into()), ("b", "q\"".into())], 2.0);
        family.add(Vec::new(), 0.5);
        let empty = Family::new("y", Kind::Gauge, "none");
        assert_eq!(
            render(&[family, empty]),
            "# HELP x_total Things\\\\stuff\\nmore\n# TYPE x_total counter\nx_total{a=\"1\",b=\"q\\\"\"} 2\nx_total 0.5\n"
        );
    }

    #[test]
    fn up_is_one_or_zero_and_absent_without_a_verdict() {
        let cases = [
            (MonitorStatus::Up, Some("1")),
            (MonitorStatus::Down, Some("0")),
            (MonitorStatus::Pending, None),
            (MonitorStatus::Paused, None),
        ];
        for (status, expected) in cases {
            let text = exposition(
                &OrgFigures {
                    monitors: vec![monitor(status)],
                    ..Default::default()
                },
                NOON,
            );
            let up: Vec<&str> = lines(&text)
                .into_iter()
                .filter(|l| l.starts_with("pingwarden_monitor_up{"))
                .collect();
            match expected {
                Some(value) => assert_eq!(
                    up,
                    vec![format!(
                        "pingwarden_monitor_up{{monitor_id=\"mon_1\",name=\"API\",type=\"http\",tags=\"prod,eu\"}} {value}"
                    )],
                    "{status:?}"
                ),
                None => assert!(up.is_empty(), "{status:?}: {up:?}"),
            }
            let current = format!("status=\"{}\"}} 1", status.as_str());
            let states: Vec<&str> = lines(&text)
                .into_iter()
                .filter(|l| l.starts_with("pingwarden_monitor_status{"))
                .collect();
            assert_eq!(states.len(), 4);
            assert_eq!(states.iter().filter(|l| l.ends_with(" 1")).count(), 1);
            assert!(states.iter().any(|l| l.ends_with(&current)), "{states:?}");
        }
    }

    #[test]
    fn the_whole_answer_for_one_monitor() {
        let mut figures = monitor(MonitorStatus::Up);
        figures.name = "Say \"hi\" \\ there".into();
        figures.regions = vec!["weur".into(), "enam".into()];
        figures.rollups = Rollups {
            today: Spans {
                downtime_s: 0,
                observed_s: 3600,
            },
            recent: Spans {
                downtime_s: 0,
                observed_s: 3600,
            },
            through_ms: Some(NOON),
            avg_response_ms: Some(120),
            p95_response_ms: None,
            ..Default::default()
        };
        let org = OrgFigures {
            monitors: vec![figures],
            open_incidents: vec![("major".into(), 2)],
        };
        let id = r#"monitor_id="mon_1",name="Say \"hi\" \\ there",type="http",tags="prod,eu""#;
        let expected = format!(
            "# HELP pingwarden_monitor_info Always 1: a monitor, with its regions (comma-separated; empty when the platform places its one probe).
# TYPE pingwarden_monitor_info gauge
pingwarden_monitor_info{{{id},regions=\"weur,enam\"}} 1
# HELP pingwarden_monitor_up 1 when the monitor is up, 0 when down; absent while pending (no verdict yet) or paused.
# TYPE pingwarden_monitor_up gauge
pingwarden_monitor_up{{{id}}} 1
# HELP pingwarden_monitor_status 1 for the monitor's current status (pending, up, down, paused), 0 for the others.
# TYPE pingwarden_monitor_status gauge
pingwarden_monitor_status{{{id},status=\"pending\"}} 0
pingwarden_monitor_status{{{id},status=\"up\"}} 1
pingwarden_monitor_status{{{id},status=\"down\"}} 0
pingwarden_monitor_status{{{id},status=\"paused\"}} 0
# HELP pingwarden_monitor_status_changed_timestamp_seconds When the monitor's status last changed, in seconds since the epoch.
# TYPE pingwarden_monitor_status_changed_timestamp_seconds gauge
pingwarden_monitor_status_changed_timestamp_seconds{{{id}}} 1778756400
# HELP pingwarden_monitor_interval_seconds Seconds between checks; a heartbeat's expected period between pings.
# TYPE pingwarden_monitor_interval_seconds gauge
pingwarden_monitor_interval_seconds{{{id}}} 60
# HELP pingwarden_monitor_checks_total Checks by result, as recorded with the hourly rollup and at each change of status (none for heartbeats: pings are not checks).
# TYPE pingwarden_monitor_checks_total counter
pingwarden_monitor_checks_total{{{id},result=\"up\"}} 7
pingwarden_monitor_checks_total{{{id},result=\"down\"}} 3
# HELP pingwarden_monitor_latency_seconds Mean response time of the UTC day's successful checks, as of the monitor's latest rollup (hourly, and at each change of status); not the last check's.
# TYPE pingwarden_monitor_latency_seconds gauge
pingwarden_monitor_latency_seconds{{{id}}} 0.12
# HELP pingwarden_monitor_uptime_ratio Share of the observed time (up or down) the monitor was up over the window (24h, 30d), from daily rollups; absent when nothing was observed.
# TYPE pingwarden_monitor_uptime_ratio gauge
pingwarden_monitor_uptime_ratio{{{id},window=\"24h\"}} 1
pingwarden_monitor_uptime_ratio{{{id},window=\"30d\"}} 1
# HELP pingwarden_incidents_open The organization's incidents not yet resolved, by impact.
# TYPE pingwarden_incidents_open gauge
pingwarden_incidents_open{{impact=\"none\"}} 0
pingwarden_incidents_open{{impact=\"minor\"}} 0
pingwarden_incidents_open{{impact=\"major\"}} 2
pingwarden_incidents_open{{impact=\"critical\"}} 0
# HELP pingwarden_metrics_generated_timestamp_seconds When this answer was computed, in seconds since the epoch: answers are kept 15 seconds per organization.
# TYPE pingwarden_metrics_generated_timestamp_seconds gauge
pingwarden_metrics_generated_timestamp_seconds 1778760000
"
        );
        assert_eq!(exposition(&org, NOON), expected);
    }

    #[test]
    fn an_empty_organization_still_answers_its_incidents() {
        let text = exposition(&OrgFigures::default(), NOON);
        assert!(!text.contains("pingwarden_monitor_"));
        assert!(text.contains("pingwarden_incidents_open{impact=\"critical\"} 0\n"));
    }

    #[test]
    fn heartbeats_show_their_grace_and_last_ping_age_and_no_checks() {
        let mut heartbeat = monitor(MonitorStatus::Up);
        heartbeat.kind = "heartbeat".into();
        heartbeat.grace_seconds = Some(300);
        heartbeat.last_ping_ms = Some(NOON - 90_000);
        let text = exposition(
            &OrgFigures {
                monitors: vec![heartbeat],
                ..Default::default()
            },
            NOON,
        );
        assert!(text.contains("pingwarden_heartbeat_grace_seconds{monitor_id=\"mon_1\",name=\"API\",type=\"heartbeat\",tags=\"prod,eu\"} 300\n"));
        assert!(text.contains("pingwarden_heartbeat_last_ping_age_seconds{monitor_id=\"mon_1\",name=\"API\",type=\"heartbeat\",tags=\"prod,eu\"} 90\n"));
        assert!(
            !text.contains("pingwarden_monitor_checks_total"),
            "pings are not checks"
        );
    }

    #[test]
    fn counters_never_show_more_failures_than_checks() {
        let mut odd = monitor(MonitorStatus::Down);
        odd.checks = 2;
        odd.failures = 5;
        let text = exposition(
            &OrgFigures {
                monitors: vec![odd],
                ..Default::default()
            },
            NOON,
        );
        assert!(text.contains("result=\"up\"} 0\n"));
        assert!(text.contains("result=\"down\"} 2\n"));
    }

    fn spans(downtime_s: i64, observed_s: i64) -> Spans {
        Spans { downtime_s, observed_s }
    }

    #[test]
    fn uptime_adds_the_time_since_the_last_rollup_in_the_current_status() {
        use MonitorStatus::*;
        let written = Rollups {
            today: spans(600, 3600),
            recent: spans(600, 3600),
            through_ms: Some(NOON - HOUR_MS),
            ..Default::default()
        };
        let day = DAY_MS;
        let cases = [
            // Up since the write an hour ago: 600 s down of 7200 s.
            (Up, day, Some(1.0 - 600.0 / 7200.0)),
            // Down since: 4200 s down of 7200 s.
            (Down, day, Some(1.0 - 4200.0 / 7200.0)),
            // Paused or pending since: only what was written.
            (Paused, day, Some(1.0 - 600.0 / 3600.0)),
            (Pending, 30 * day, Some(1.0 - 600.0 / 3600.0)),
        ];
        for (status, window, expected) in cases {
            let got = uptime_ratio(&written, status, window, NOON);
            assert_eq!(
                got.map(|r| (r * 1e9).round()),
                expected.map(|r: f64| (r * 1e9).round()),
                "{status:?}"
            );
        }
    }

    #[test]
    fn a_first_verdict_just_written_counts_from_then() {
        // Up at 11:59:30, written then with nothing observed yet.
        let fresh = Rollups {
            today: spans(0, 0),
            recent: spans(0, 0),
            through_ms: Some(NOON - 30_000),
            ..Default::default()
        };
        assert_eq!(uptime_ratio(&fresh, MonitorStatus::Up, DAY_MS, NOON), Some(1.0));
        assert_eq!(uptime_ratio(&fresh, MonitorStatus::Down, DAY_MS, NOON), Some(0.0));
        assert_eq!(uptime_ratio(&fresh, MonitorStatus::Pending, DAY_MS, NOON), None);
        assert_eq!(uptime_ratio(&Rollups::default(), MonitorStatus::Up, DAY_MS, NOON), None);
    }

    #[test]
    fn the_oldest_day_counts_in_proportion_to_its_part_in_the_window() {
        // At noon, the last 24 hours hold half of yesterday.
        let rollups = Rollups {
            yesterday: spans(1000, 86_400),
            today: spans(0, 43_200),
            ..Default::default()
        };
        let expected = 1.0 - 500.0 / (43_200.0 + 43_200.0);
        let got = uptime_ratio(&rollups, MonitorStatus::Up, DAY_MS, NOON).unwrap();
        assert!((got - expected).abs() < 1e-12, "{got}");
        // 30 days: the oldest day likewise, the others whole.
        let rollups = Rollups {
            oldest: spans(2000, 86_400),
            recent: spans(0, 29 * 86_400 + 43_200),
            ..Default::default()
        };
        let expected = 1.0 - 1000.0 / (30.0 * 86_400.0);
        let got = uptime_ratio(&rollups, MonitorStatus::Up, 30 * DAY_MS, NOON).unwrap();
        assert!((got - expected).abs() < 1e-12, "{got}");
    }

    #[test]
    fn a_write_older_than_the_window_extends_only_from_its_start() {
        let stale = Rollups {
            through_ms: Some(NOON - 3 * DAY_MS),
            ..Default::default()
        };
        assert_eq!(uptime_ratio(&stale, MonitorStatus::Down, DAY_MS, NOON), Some(0.0));
        assert_eq!(uptime_ratio(&stale, MonitorStatus::Up, DAY_MS, NOON), Some(1.0));
    }

    #[test]
    fn rollup_days_are_utc_days_back_from_now() {
        assert_eq!(
            Days::at(NOON),
            Days {
                today: "2026-05-14".into(),
                yesterday: "2026-05-13".into(),
                oldest: "2026-04-14".into(),
            }
        );
    }
}
