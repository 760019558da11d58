//! Maintenance windows: when a window is on (a one-off range, or a cron
//! schedule with a duration in a time zone), which time they take out of
//! the uptime arithmetic, and how they move a heartbeat's deadline. During
//! a window checks still run and are recorded, but nothing opens an
//! incident or notifies (the monitor object holds its status).

use super::heartbeat::{parse_schedule, parse_timezone};
use super::time::{iso_from_millis, millis_from_iso};
use super::validation::{trimmed_text, FieldError, Fields};
use super::zone::Zone;
use chrono::{DateTime, TimeZone};
use croner::Cron;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The longest one occurrence may last: 7 days.
const MAX_DURATION_MINUTES: u32 = 7 * 24 * 60;
/// The longest a one-off window may last: a year.
const MAX_ONE_OFF_MS: i64 = 366 * 24 * 3_600_000;
/// At most this many occurrences are worked out for one range: each costs
/// a cron search with time zone lookups, and a window every minute is
/// 43,200 of them in 30 days. They are worked out from the range's end
/// back, so what a long range loses is its oldest part.
const MAX_OCCURRENCES: usize = 2_000;
const MAX_TARGETS: usize = 200;

/// A half-open time range `[start_ms, end_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Span {
    pub fn contains(&self, at_ms: i64) -> bool {
        self.start_ms <= at_ms && at_ms < self.end_ms
    }
}

/// When a window is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Recurrence {
    Once {
        starts_ms: i64,
        ends_ms: i64,
    },
    Schedule {
        schedule: String,
        duration_minutes: u32,
        timezone: String,
    },
}

/// A window as a monitor's object holds it: enough to know when it is on.
/// Occurrences before `since_ms` (when it was written) are not its: an
/// edit does not rewrite history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub id: String,
    pub since_ms: i64,
    pub recurrence: Recurrence,
}

impl Recurrence {
    /// The first occurrence still going on at `after_ms` or starting after
    /// it: an occurrence that started up to a duration ago counts.
    pub fn next_after(&self, after_ms: i64) -> Option<Span> {
        match self {
            Recurrence::Once { starts_ms, ends_ms } => (*ends_ms > after_ms).then_some(Span {
                start_ms: *starts_ms,
                end_ms: *ends_ms,
            }),
            Recurrence::Schedule {
                schedule,
                duration_minutes,
                timezone,
            } => ReadSchedule::of(schedule, *duration_minutes, timezone)?.next_after(after_ms),
        }
    }

    /// The occurrences that overlap `[from_ms, to_ms)`, in time order,
    /// merged where they overlap or touch: a window every minute that lasts
    /// two is one span. Past `MAX_OCCURRENCES` the start of the range is
    /// left out, never its recent end.
    pub fn occurrences(&self, from_ms: i64, to_ms: i64) -> Vec<Span> {
        match self {
            Recurrence::Once { starts_ms, ends_ms } => {
                let overlaps = *starts_ms < to_ms && *ends_ms > from_ms;
                let span = Span {
                    start_ms: *starts_ms,
                    end_ms: *ends_ms,
                };
                overlaps.then_some(span).into_iter().collect()
            }
            Recurrence::Schedule {
                schedule,
                duration_minutes,
                timezone,
            } => ReadSchedule::of(schedule, *duration_minutes, timezone)
                .map(|read| read.occurrences(from_ms, to_ms))
                .unwrap_or_default(),
        }
    }
}

/// A schedule's cron expression and time zone, read once to step through
/// its occurrences (rather than parsed again at each).
struct ReadSchedule {
    cron: Cron,
    zone: Zone,
    duration_ms: i64,
}

impl ReadSchedule {
    fn of(schedule: &str, duration_minutes: u32, timezone: &str) -> Option<ReadSchedule> {
        Some(ReadSchedule {
            cron: parse_schedule(schedule).ok()?,
            zone: parse_timezone(timezone).ok()?,
            duration_ms: i64::from(duration_minutes) * 60_000,
        })
    }

    fn span(&self, start: &DateTime<Zone>) -> Span {
        let start_ms = start.timestamp_millis();
        Span {
            start_ms,
            end_ms: start_ms + self.duration_ms,
        }
    }

    fn next_after(&self, after_ms: i64) -> Option<Span> {
        // The earliest start after `after_ms - duration` still runs at `after_ms`.
        let after = self.zone.timestamp_millis_opt(after_ms - self.duration_ms).single()?;
        let start = self.cron.find_next_occurrence(&after, false).ok()?;
        Some(self.span(&start))
    }

    /// Steps back from the last start before `to_ms`, merging as it goes;
    /// as every occurrence lasts as long, each ends no later than the one
    /// after it, and the first to end by `from_ms` is where to stop.
    fn occurrences(&self, from_ms: i64, to_ms: i64) -> Vec<Span> {
        // Starts are whole seconds, so the last one before `to_ms` is the
        // last at or before that second (an exclusive search would skip it).
        let last = self.zone.timestamp_millis_opt(to_ms - 1).single();
        let mut start = last.and_then(|last| self.cron.find_previous_occurrence(&last, true).ok());
        let mut latest_first: Vec<Span> = Vec::new();
        for _ in 0..MAX_OCCURRENCES {
            let Some(occurrence) = start.as_ref().map(|s| self.span(s)) else {
                break;
            };
            if occurrence.end_ms <= from_ms {
                break;
            }
            match latest_first.last_mut() {
                Some(later) if occurrence.end_ms >= later.start_ms => later.start_ms = occurrence.start_ms,
                _ => latest_first.push(occurrence),
            }
            start = start.and_then(|s| self.cron.find_previous_occurrence(&s, false).ok());
        }
        latest_first.reverse();
        latest_first
    }
}

impl Window {
    /// The occurrence on at `at_ms`, from when the window was written.
    pub fn occurrence_at(&self, at_ms: i64) -> Option<Span> {
        self.spans(at_ms, at_ms + 1)
            .first()
            .and(self.recurrence.next_after(at_ms))
            .map(|s| Span {
                start_ms: s.start_ms.max(self.since_ms),
                end_ms: s.end_ms,
            })
    }

    /// Its occurrences within `[from_ms, to_ms)`, cut to that range and to
    /// the time since it was written.
    pub fn spans(&self, from_ms: i64, to_ms: i64) -> Vec<Span> {
        let from_ms = from_ms.max(self.since_ms);
        self.recurrence
            .occurrences(from_ms, to_ms)
            .into_iter()
            .map(|s| Span {
                start_ms: s.start_ms.max(from_ms),
                end_ms: s.end_ms.min(to_ms),
            })
            .filter(|s| s.start_ms < s.end_ms)
            .collect()
    }
}

/// The window on at `at_ms`, if any.
pub fn active_at(windows: &[Window], at_ms: i64) -> Option<&Window> {
    windows.iter().find(|w| w.occurrence_at(at_ms).is_some())
}

/// A heartbeat deadline that falls inside a window is not missed: the
/// job is next expected after the window ends (`deadline_after(end)`, the
/// next expected ping plus grace), and so on should that fall inside a
/// window too. A host down for maintenance does not run its jobs.
pub fn postpone(deadline_ms: i64, windows: &[Window], deadline_after: impl Fn(i64) -> Option<i64>) -> Option<i64> {
    let mut deadline = deadline_ms;
    // Each step moves strictly later; a chain of windows is short.
    for _ in 0..32 {
        match windows
            .iter()
            .filter_map(|w| w.occurrence_at(deadline))
            .map(|s| s.end_ms)
            .max()
        {
            Some(end) => deadline = deadline_after(end)?.max(end),
            None => break,
        }
    }
    Some(deadline)
}

/// Spans sorted and merged where they overlap or touch.
pub fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort();
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start_ms <= last.end_ms => last.end_ms = last.end_ms.max(span.end_ms),
            _ => merged.push(span),
        }
    }
    merged
}

/// The parts of `[from_ms, to_ms)` outside the merged `spans`.
pub fn uncovered(from_ms: i64, to_ms: i64, spans: &[Span]) -> Vec<Span> {
    let mut gaps = Vec::new();
    let mut cursor = from_ms;
    for span in spans {
        if span.end_ms <= cursor {
            continue;
        }
        if span.start_ms >= to_ms {
            break;
        }
        if span.start_ms > cursor {
            gaps.push(Span {
                start_ms: cursor,
                end_ms: span.start_ms,
            });
        }
        cursor = cursor.max(span.end_ms);
    }
    if cursor < to_ms {
        gaps.push(Span {
            start_ms: cursor,
            end_ms: to_ms,
        });
    }
    gaps
}

/// Milliseconds of `[from_ms, to_ms)` inside the merged `spans`.
pub fn covered_ms(from_ms: i64, to_ms: i64, spans: &[Span]) -> i64 {
    let outside: i64 = uncovered(from_ms, to_ms, spans)
        .iter()
        .map(|s| s.end_ms - s.start_ms)
        .sum();
    (to_ms - from_ms).max(0) - outside
}

/// Which windows cover each monitor, by monitor id.
pub type Coverage = BTreeMap<String, Vec<Window>>;

/// Which windows cover each monitor: those that name it, and those that
/// name a status page it is on (`page_monitors`: each page's monitors).
/// Each monitor's windows are in the order given, so lists compare equal.
pub fn coverage(windows: &[(Window, MaintenanceSpec)], page_monitors: &BTreeMap<String, Vec<String>>) -> Coverage {
    let mut covered: BTreeMap<String, Vec<Window>> = BTreeMap::new();
    for (window, spec) in windows {
        let on_pages = spec
            .status_page_ids
            .iter()
            .filter_map(|page| page_monitors.get(page))
            .flatten();
        let monitors: BTreeSet<&String> = spec.monitor_ids.iter().chain(on_pages).collect();
        for monitor in monitors {
            covered.entry(monitor.clone()).or_default().push(window.clone());
        }
    }
    covered
}

/// The window's status at `now_ms` and its occurrence going on or next.
pub fn status_at(window: &Window, now_ms: i64) -> (&'static str, Option<Span>) {
    match window.recurrence.next_after(now_ms) {
        Some(span) if span.start_ms <= now_ms => ("active", Some(span)),
        Some(span) => ("scheduled", Some(span)),
        None => ("ended", None),
    }
}

/// A window as written through the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaintenanceSpec {
    pub title: String,
    pub description: Option<String>,
    pub recurrence: Recurrence,
    pub monitor_ids: Vec<String>,
    pub status_page_ids: Vec<String>,
}

const ONE_OFF_FIELDS: [&str; 2] = ["starts_at", "ends_at"];
const SCHEDULE_FIELDS: [&str; 3] = ["schedule", "duration_minutes", "timezone"];

impl MaintenanceSpec {
    pub fn from_input(input: &Map<String, Value>) -> Result<MaintenanceSpec, FieldError> {
        let mut fields = Fields::new(input);
        let title = fields
            .string("title")?
            .ok_or_else(|| FieldError::new("title", "title is required"))
            .and_then(|t| trimmed_text("title", t, 1, 200))?;
        let description = fields
            .string("description")?
            .map(|d| trimmed_text("description", d, 1, 2000))
            .transpose()?;
        let recurrence = recurrence(&mut fields)?;
        let monitor_ids = fields.string_list("monitor_ids", MAX_TARGETS, 64)?.unwrap_or_default();
        let status_page_ids = fields
            .string_list("status_page_ids", MAX_TARGETS, 64)?
            .unwrap_or_default();
        if monitor_ids.is_empty() && status_page_ids.is_empty() {
            return Err(FieldError::new(
                "monitor_ids",
                "monitor_ids or status_page_ids must name at least one monitor or status page",
            ));
        }
        fields.finish(
            &["id", "status", "created_at", "updated_at", "next"],
            "a maintenance window",
        )?;
        Ok(MaintenanceSpec {
            title,
            description,
            recurrence,
            monitor_ids: dedup(monitor_ids),
            status_page_ids: dedup(status_page_ids),
        })
    }

    /// The window as fields a client would send (and `export` writes).
    pub fn to_input(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("title".into(), Value::from(self.title.as_str()));
        if let Some(description) = &self.description {
            map.insert("description".into(), Value::from(description.as_str()));
        }
        match &self.recurrence {
            Recurrence::Once { starts_ms, ends_ms } => {
                map.insert("starts_at".into(), Value::from(iso_from_millis(*starts_ms)));
                map.insert("ends_at".into(), Value::from(iso_from_millis(*ends_ms)));
            }
            Recurrence::Schedule {
                schedule,
                duration_minutes,
                timezone,
            } => {
                map.insert("schedule".into(), Value::from(schedule.as_str()));
                map.insert("duration_minutes".into(), Value::from(*duration_minutes));
                map.insert("timezone".into(), Value::from(timezone.as_str()));
            }
        }
        map.insert("monitor_ids".into(), Value::from(self.monitor_ids.clone()));
        map.insert("status_page_ids".into(), Value::from(self.status_page_ids.clone()));
        map
    }

    /// A PATCH applied onto this window. Sending the fields of the other
    /// kind of window switches kind: a schedule replaces a one-off range.
    pub fn patched(&self, patch: &Map<String, Value>) -> Result<MaintenanceSpec, FieldError> {
        let mut input = self.to_input();
        let sets = |names: &[&str]| names.iter().any(|n| patch.get(*n).is_some_and(|v| !v.is_null()));
        let dropped: &[&str] = if sets(&SCHEDULE_FIELDS) && !sets(&ONE_OFF_FIELDS) {
            &ONE_OFF_FIELDS
        } else if sets(&ONE_OFF_FIELDS) && !sets(&SCHEDULE_FIELDS) {
            &SCHEDULE_FIELDS
        } else {
            &[]
        };
        for name in dropped {
            input.remove(*name);
        }
        for (key, value) in patch {
            input.insert(key.clone(), value.clone());
        }
        MaintenanceSpec::from_input(&input)
    }
}

fn recurrence(fields: &mut Fields) -> Result<Recurrence, FieldError> {
    let starts = fields.string("starts_at")?;
    let ends = fields.string("ends_at")?;
    let schedule = fields.string("schedule")?;
    let duration = fields.uint("duration_minutes", 1, MAX_DURATION_MINUTES)?;
    let timezone = fields.string("timezone")?;
    match (starts, ends, schedule) {
        (None, None, Some(schedule)) => {
            parse_schedule(schedule)?;
            let timezone = timezone.unwrap_or("UTC").trim();
            parse_timezone(timezone)?;
            let duration_minutes = duration
                .ok_or_else(|| FieldError::new("duration_minutes", "duration_minutes is required with a schedule"))?;
            Ok(Recurrence::Schedule {
                schedule: schedule.trim().to_string(),
                duration_minutes,
                timezone: timezone.to_string(),
            })
        }
        (_, _, Some(_)) => Err(FieldError::new(
            "schedule",
            "a window has either starts_at and ends_at or a schedule, not both",
        )),
        (starts, ends, None) => {
            if duration.is_some() || timezone.is_some() {
                let field = if duration.is_some() {
                    "duration_minutes"
                } else {
                    "timezone"
                };
                return Err(FieldError::new(field, format!("{field} goes with a schedule")));
            }
            let starts_ms = instant("starts_at", starts)?;
            let ends_ms = instant("ends_at", ends)?;
            if ends_ms <= starts_ms || ends_ms - starts_ms > MAX_ONE_OFF_MS {
                return Err(FieldError::new(
                    "ends_at",
                    "ends_at must be after starts_at, by at most 366 days",
                ));
            }
            Ok(Recurrence::Once { starts_ms, ends_ms })
        }
    }
}

fn instant(field: &'static str, value: Option<&str>) -> Result<i64, FieldError> {
    let value = value.ok_or_else(|| {
        FieldError::new(
            field,
            format!("{field} is required (or a schedule with duration_minutes)"),
        )
    })?;
    millis_from_iso(value.trim())
        .ok_or_else(|| FieldError::new(field, format!("{field} must be a time such as 2026-05-14T02:00:00Z")))
}

fn dedup(mut ids: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    ids
}

#[cfg(test)]
mod tests;
