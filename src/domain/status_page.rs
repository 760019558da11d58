//! Status pages: what a page is (slug, title, sections of monitors), its
//! validation, and the public figures drawn from current statuses and daily
//! rollups: the overall status, 90 day bars and 90-day uptime.

use super::monitor::MonitorStatus;
use super::time::{day_of, DAY_MS};
use super::validation::{trimmed_text, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

pub const DAYS: i64 = 90;
const MAX_MONITORS: usize = 100;
const MAX_SECTIONS: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageMonitor {
    pub id: String,
    /// The name shown instead of the monitor's own.
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub name: Option<String>,
    pub monitors: Vec<PageMonitor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageSpec {
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub sections: Vec<Section>,
}

/// 3 to 48 of a-z, 0-9 and `-`, not starting or ending with `-`.
pub fn validate_slug(slug: &str) -> Result<String, FieldError> {
    let ok = (3..=48).contains(&slug.len())
        && slug
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(slug.to_string())
    } else {
        Err(FieldError::new(
            "slug",
            "slug must be 3 to 48 characters of a-z, 0-9 and -, not starting or ending with -",
        ))
    }
}

fn text(input: &Map<String, Value>, field: &str, max: usize) -> Result<Option<String>, FieldError> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => trimmed_text(field, s, 1, max).map(Some),
        Some(_) => Err(FieldError::new(field, format!("{field} must be a string"))),
    }
}

fn monitor_ids(value: &Value) -> Result<Vec<PageMonitor>, FieldError> {
    let invalid = || {
        FieldError::new(
            "monitor_ids",
            format!("monitor_ids must be a list of at most {MAX_MONITORS} monitor ids"),
        )
    };
    let list = value
        .as_array()
        .filter(|l| l.len() <= MAX_MONITORS)
        .ok_or_else(invalid)?;
    list.iter()
        .map(|id| {
            id.as_str()
                .map(|id| PageMonitor {
                    id: id.to_string(),
                    display_name: None,
                })
                .ok_or_else(invalid)
        })
        .collect()
}

fn sections(value: &Value) -> Result<Vec<Section>, FieldError> {
    let invalid = |why: &str| FieldError::new("sections", format!("sections {why}"));
    let list = value
        .as_array()
        .filter(|l| l.len() <= MAX_SECTIONS)
        .ok_or_else(|| invalid("must be a list of at most 20 sections"))?;
    list.iter()
        .map(|section| {
            let section = section
                .as_object()
                .ok_or_else(|| invalid("must hold objects {name, monitors}"))?;
            let name = text(section, "name", 100).map_err(|_| invalid("names must be 1 to 100 characters"))?;
            let monitors = section
                .get("monitors")
                .and_then(Value::as_array)
                .ok_or_else(|| invalid("need a monitors list"))?;
            let monitors = monitors
                .iter()
                .map(|m| match m {
                    Value::String(id) => Ok(PageMonitor {
                        id: id.clone(),
                        display_name: None,
                    }),
                    Value::Object(m) => Ok(PageMonitor {
                        id: m
                            .get("id")
                            .and_then(Value::as_str)
                            .ok_or_else(|| invalid("monitors need an id"))?
                            .to_string(),
                        display_name: text(m, "display_name", 100)
                            .map_err(|_| invalid("display names must be 1 to 100 characters"))?,
                    }),
                    _ => Err(invalid("monitors must be ids or {id, display_name}")),
                })
                .collect::<Result<_, _>>()?;
            Ok(Section { name, monitors })
        })
        .collect()
}

impl PageSpec {
    /// Validates a whole body: `slug`, `title`, optional `description`, and
    /// either `monitor_ids` (one section) or `sections`.
    pub fn from_input(input: &Map<String, Value>) -> Result<PageSpec, FieldError> {
        if let Some(key) = input
            .keys()
            .find(|k| !["slug", "title", "description", "monitor_ids", "sections"].contains(&k.as_str()))
        {
            return Err(FieldError::new(key, format!("unknown field {key}")));
        }
        let slug = validate_slug(
            input
                .get("slug")
                .and_then(Value::as_str)
                .ok_or_else(|| FieldError::new("slug", "slug is required"))?,
        )?;
        let title = text(input, "title", 100)?.ok_or_else(|| FieldError::new("title", "title is required"))?;
        let description = text(input, "description", 500)?;
        let sections = match (
            input.get("monitor_ids").filter(|v| !v.is_null()),
            input.get("sections").filter(|v| !v.is_null()),
        ) {
            (Some(_), Some(_)) => {
                return Err(FieldError::new(
                    "sections",
                    "give either monitor_ids or sections, not both",
                ))
            }
            (Some(ids), None) => vec![Section {
                name: None,
                monitors: monitor_ids(ids)?,
            }],
            (None, Some(value)) => sections(value)?,
            (None, None) => Vec::new(),
        };
        let spec = PageSpec {
            slug,
            title,
            description,
            sections,
        };
        let ids = spec.monitor_ids();
        if ids.len() > MAX_MONITORS {
            return Err(FieldError::new(
                "sections",
                format!("a page shows at most {MAX_MONITORS} monitors"),
            ));
        }
        if ids.iter().collect::<BTreeSet<_>>().len() != ids.len() {
            return Err(FieldError::new("monitor_ids", "a monitor appears twice on the page"));
        }
        Ok(spec)
    }

    /// The page as fields a client would send, to apply a PATCH onto.
    pub fn to_input(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    pub fn monitor_ids(&self) -> Vec<String> {
        self.sections
            .iter()
            .flat_map(|s| s.monitors.iter().map(|m| m.id.clone()))
            .collect()
    }
}

/// The page's overall status from its monitors' current statuses.
pub fn overall_status(statuses: &[MonitorStatus]) -> &'static str {
    let known: Vec<_> = statuses
        .iter()
        .filter(|s| matches!(s, MonitorStatus::Up | MonitorStatus::Down))
        .collect();
    let down = known.iter().filter(|s| ***s == MonitorStatus::Down).count();
    match (known.len(), down) {
        (0, _) => "unknown",
        (_, 0) => "operational",
        (n, d) if d == n => "major_outage",
        _ => "degraded",
    }
}

/// A day's figures from its rollup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayFigures {
    pub downtime_seconds: i64,
    pub observed_seconds: i64,
    pub maintenance_seconds: i64,
}

/// Statuses are `Cow`: written from constants, read back from a cached page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Day {
    pub date: String,
    pub uptime_pct: Option<f64>,
    pub status: Option<Cow<'static, str>>,
}

fn day_status(uptime_pct: f64) -> &'static str {
    if uptime_pct >= 100.0 {
        "operational"
    } else if uptime_pct >= 99.0 {
        "degraded"
    } else {
        "outage"
    }
}

/// The 90 days ending today, oldest first. A day without a rollup has no
/// data, except today, which shows the current status until its rollup.
pub fn days(now_ms: i64, rollups: &BTreeMap<String, DayFigures>, current: MonitorStatus) -> Vec<Day> {
    let today = now_ms.div_euclid(DAY_MS) * DAY_MS;
    (0..DAYS)
        .rev()
        .map(|back| {
            let date = day_of(today - back * DAY_MS);
            let uptime_pct = rollups
                .get(&date)
                .and_then(|f| super::uptime::uptime_pct(f.downtime_seconds, f.observed_seconds));
            let in_maintenance = rollups.get(&date).is_some_and(|f| f.maintenance_seconds > 0);
            let status = match (uptime_pct, back, current) {
                // A day whose only trouble was maintenance says so.
                (Some(100.0) | None, _, _) if in_maintenance => Some("maintenance".into()),
                (Some(pct), _, _) => Some(day_status(pct).into()),
                (None, 0, MonitorStatus::Up) => Some("operational".into()),
                (None, 0, MonitorStatus::Down) => Some("outage".into()),
                _ => None,
            };
            Day {
                date,
                uptime_pct,
                status,
            }
        })
        .collect()
}

/// Uptime over the rollups' days; `None` without any observed time.
pub fn rollups_uptime_pct(rollups: &BTreeMap<String, DayFigures>) -> Option<f64> {
    let (down, observed) = rollups
        .values()
        .fold((0, 0), |(d, o), f| (d + f.downtime_seconds, o + f.observed_seconds));
    super::uptime::uptime_pct(down * 1000, observed * 1000)
}

/// Consecutive days that look the same, drawn as one bar (keeps the page small).
#[derive(Debug, Clone, PartialEq)]
pub struct Run<'a> {
    pub first: &'a Day,
    pub last: &'a Day,
    pub days: usize,
}

pub fn runs(days: &[Day]) -> Vec<Run<'_>> {
    let mut runs: Vec<Run> = Vec::new();
    for day in days {
        match runs.last_mut() {
            Some(run) if run.last.status == day.status && run.last.uptime_pct == day.uptime_pct => {
                run.last = day;
                run.days += 1;
            }
            _ => runs.push(Run {
                first: day,
                last: day,
                days: 1,
            }),
        }
    }
    runs
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublicMonitor {
    pub id: String,
    pub name: String,
    pub status: String,
    pub uptime_pct: Option<f64>,
    pub days: Vec<Day>,
}

/// A maintenance window going on or coming up, as a page shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublicMaintenance {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// `active` or `scheduled`.
    pub status: String,
    pub starts_at: String,
    pub ends_at: String,
    /// The page's monitors it covers.
    pub monitor_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublicSection {
    pub name: Option<String>,
    pub monitor_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublicUpdate {
    pub status: String,
    pub message: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublicIncident {
    pub id: String,
    pub title: String,
    pub status: String,
    pub impact: String,
    pub started_at: String,
    pub resolved_at: Option<String>,
    pub updates: Vec<PublicUpdate>,
    /// Where the forum threads linked to the incident are listed.
    #[serde(default)]
    pub discussions: String,
}

/// What a public page shows. Never a target's URL, host, port, headers or
/// token: only names, statuses, figures and incidents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublicPage {
    pub title: String,
    pub description: Option<String>,
    pub overall_status: Cow<'static, str>,
    pub updated_at: String,
    pub sections: Vec<PublicSection>,
    pub monitors: Vec<PublicMonitor>,
    pub incidents: Vec<PublicIncident>,
    /// Windows going on, then those starting within `MAINTENANCE_NOTICE_DAYS`.
    #[serde(default)]
    pub maintenances: Vec<PublicMaintenance>,
}

/// How far ahead a page announces maintenance.
pub const MAINTENANCE_NOTICE_DAYS: i64 = 14;

#[cfg(test)]
mod tests;
