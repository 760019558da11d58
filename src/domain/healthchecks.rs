//! Healthchecks compatibility: its ping URLs (`/ping/{uuid}[/…]` and
//! `/ping/{ping_key}/{slug}[/…]`), its checks as heartbeat monitors (the
//! importer), and heartbeat monitors as its checks (the `/api/v3` subset).
//! Shapes follow Healthchecks' own `hc/api/views.py` and `Check.to_dict`.

use super::heartbeat::PingKind;
use super::ids::sha256_hex;
use super::validation::FieldError;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Whether `text` is a UUID in its canonical form (8-4-4-4-12 hex digits).
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// A check's UUID as stored: canonical, lower case (Healthchecks' own form).
pub fn parse_uuid(value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    if !is_uuid(value) {
        return Err(FieldError::new(
            "hc_uuid",
            "hc_uuid must be a UUID such as 31365bce-8da9-4729-8ff3-aaa71d56b712",
        ));
    }
    Ok(value.to_ascii_lowercase())
}

/// Whether a slug cannot be pinged: it would read as a ping's suffix.
fn is_reserved(slug: &str) -> bool {
    matches!(slug, "start" | "fail" | "log") || slug.bytes().all(|c| c.is_ascii_digit())
}

/// A slug as Healthchecks makes them: lower-case letters, digits, `-` and `_`.
pub fn parse_slug(value: &str) -> Result<String, FieldError> {
    let valid = (1..=100).contains(&value.len())
        && value
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_');
    if !valid {
        return Err(FieldError::new(
            "slug",
            "slug must be 1 to 100 lower-case letters, digits, - and _",
        ));
    }
    if is_reserved(value) {
        return Err(FieldError::new(
            "slug",
            "slug cannot be start, fail, log or a number: those end ping URLs",
        ));
    }
    Ok(value.to_string())
}

/// What a `/ping/…` URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PingTarget<'a> {
    Check { uuid: &'a str },
    Slug { ping_key: &'a str, slug: &'a str },
}

/// The path's segments after `/ping/`: a UUID-shaped first segment is a
/// check, anything else a ping key followed by a slug; then the suffix.
pub fn parse_ping_path<'a>(segments: &[&'a str]) -> Option<(PingTarget<'a>, Option<&'a str>)> {
    match *segments {
        [uuid] if is_uuid(uuid) => Some((PingTarget::Check { uuid }, None)),
        [uuid, suffix] if is_uuid(uuid) => Some((PingTarget::Check { uuid }, Some(suffix))),
        [ping_key, slug, ref suffix @ ..] if !is_uuid(ping_key) && suffix.len() <= 1 => {
            Some((PingTarget::Slug { ping_key, slug }, suffix.first().copied()))
        }
        _ => None,
    }
}

/// What a ping URL's suffix means in Healthchecks: `/ping/…` adds `log`
/// (recorded, changing nothing) to what `/p/…` takes.
pub fn parse_suffix(suffix: Option<&str>) -> Result<(PingKind, Option<u8>), String> {
    match suffix {
        Some("log") => Ok((PingKind::Log, None)),
        other => super::heartbeat::parse_ping_suffix(other),
    }
}

/// One entry of an import: the monitor or channel it becomes (its apply
/// key and API fields), or why it is left out.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapped {
    Monitor { key: String, fields: Map<String, Value> },
    Channel { key: String, fields: Map<String, Value> },
    Skipped { name: String, reason: String },
}

/// A Healthchecks check (an entry of `GET /api/v3/checks/`) as a heartbeat
/// monitor's fields. A check that is not an object, or lacks what every
/// check has, is an error naming it (`checks[3].uuid`); one Pingwarden
/// cannot run (`OnCalendar` schedules, a read-only key's entries without
/// UUID) is skipped with the reason.
pub fn from_check(index: usize, check: &Value) -> Result<Mapped, FieldError> {
    let path = |field: &str| format!("checks[{index}].{field}");
    let wrong = |field: &str, what: &str| FieldError::new(path(field), format!("{}: {what}", path(field)));
    let check = check
        .as_object()
        .ok_or_else(|| FieldError::new(format!("checks[{index}]"), format!("checks[{index}] must be an object")))?;
    let text = |field: &str| -> Result<Option<&str>, FieldError> {
        match check.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(wrong(field, "must be a string")),
        }
    };
    let seconds = |field: &str| -> Result<Option<u64>, FieldError> {
        match check.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .map(Some)
                .ok_or_else(|| wrong(field, "must be a whole number of seconds")),
        }
    };
    let name = text("name")?.unwrap_or_default().trim().to_string();
    let Some(uuid) = text("uuid")? else {
        return Ok(Mapped::Skipped {
            name,
            reason: "no uuid: the export was made with a read-only API key".into(),
        });
    };
    let uuid = parse_uuid(uuid).map_err(|_| wrong("uuid", "must be a UUID"))?;
    let grace = seconds("grace")?.ok_or_else(|| wrong("grace", "is required"))?;
    let mut fields = Map::new();
    fields.insert("type".into(), json!("heartbeat"));
    let slug = text("slug")?.filter(|s| parse_slug(s).is_ok());
    // A check may have no name; its slug or UUID stands in.
    let shown_name = if name.is_empty() {
        slug.unwrap_or(&uuid).to_string()
    } else {
        name.chars().take(100).collect()
    };
    fields.insert("name".into(), json!(shown_name));
    fields.insert("grace_seconds".into(), json!(grace));
    match (text("schedule")?, seconds("timeout")?) {
        (Some(schedule), _) if schedule.trim().contains('\n') || schedule.split_whitespace().count() != 5 => {
            return Ok(Mapped::Skipped {
                name: shown_name,
                reason: format!("OnCalendar schedule {schedule:?}: only cron schedules are supported"),
            })
        }
        (Some(schedule), _) => {
            fields.insert("schedule".into(), json!(schedule.trim()));
            fields.insert("timezone".into(), json!(text("tz")?.unwrap_or("UTC")));
        }
        (None, Some(timeout)) => {
            fields.insert("interval_seconds".into(), json!(timeout));
        }
        (None, None) => return Err(wrong("timeout", "a check needs a timeout or a schedule")),
    }
    // Healthchecks' tags are one space-separated string.
    let tags: Vec<&str> = text("tags")?.unwrap_or_default().split_whitespace().collect();
    fields.insert("tags".into(), json!(tags));
    // One line: descriptions are shown in lists.
    let description: String = text("desc")?
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if !description.is_empty() {
        fields.insert(
            "description".into(),
            json!(description.chars().take(500).collect::<String>()),
        );
    }
    fields.insert("hc_uuid".into(), json!(uuid));
    if let Some(slug) = slug {
        fields.insert("slug".into(), json!(slug));
    }
    Ok(Mapped::Monitor {
        key: format!("hc-{uuid}"),
        fields,
    })
}

/// The checks of a `GET /api/v3/checks/` answer (`{"checks": [...]}`),
/// each mapped (`from_check`). Two with one UUID are an error naming the
/// second: a UUID pings one monitor, and either would silently win.
pub fn map_checks(answer: &Value) -> Result<Vec<Mapped>, FieldError> {
    let checks = answer["checks"].as_array().ok_or_else(|| {
        FieldError::new(
            "checks",
            "the body must be a Healthchecks checks answer: {\"checks\": [...]}",
        )
    })?;
    let mut first_with = HashMap::new();
    let mut mapped = Vec::new();
    for (index, check) in checks.iter().enumerate() {
        let item = from_check(index, check)?;
        if let Mapped::Monitor { fields, .. } = &item {
            let uuid = fields["hc_uuid"].as_str().unwrap_or_default().to_string();
            if let Some(first) = first_with.insert(uuid.clone(), index) {
                let field = format!("checks[{index}].uuid");
                return Err(FieldError::new(
                    &field,
                    format!("{field}: {uuid} is also checks[{first}]'s; a UUID can be imported once"),
                ));
            }
        }
        mapped.push(item);
    }
    Ok(mapped)
}

/// A heartbeat monitor as Healthchecks shows a check (v3).
pub struct CheckView<'a> {
    pub monitor: &'a Map<String, Value>,
    pub status: &'a str,
    pub uuid: &'a str,
    /// Where the API and the pings are: `https://pw.example.com`.
    pub base: &'a str,
    pub last_ping: Option<String>,
    /// Shown to a caller that cannot write (a read-only key).
    pub read_only: bool,
}

/// Fields Healthchecks shows a read-write key only: the UUID alone pings
/// the check, and each URL contains it (`channels` follows Healthchecks).
const WRITE_KEY_FIELDS: [&str; 6] = ["uuid", "ping_url", "update_url", "pause_url", "resume_url", "channels"];

/// What stands for the check's UUID before a read-only caller, as in
/// Healthchecks: stable, and not reversible to the UUID. Healthchecks
/// hashes with SHA-1 (40 hex digits); this is the first 40 hex digits of
/// the UUID's SHA-256, the same length from a hash already at hand.
pub fn unique_key(uuid: &str) -> String {
    sha256_hex(uuid)[..40].to_string()
}

/// Healthchecks' statuses for a monitor's.
fn check_status(status: &str) -> &'static str {
    match status {
        "up" => "up",
        "down" => "down",
        "paused" => "paused",
        _ => "new",
    }
}

pub fn check_dict(view: &CheckView) -> Value {
    let field = |name: &str| view.monitor.get(name).cloned().unwrap_or(Value::Null);
    let tags: Vec<&str> = view.monitor["tags"]
        .as_array()
        .map(|tags| tags.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let update_url = format!("{}/api/v3/checks/{}", view.base, view.uuid);
    let mut dict = json!({
        "name": field("name"),
        "slug": view.monitor.get("slug").and_then(Value::as_str).unwrap_or_default(),
        "tags": tags.join(" "),
        "desc": view.monitor.get("description").and_then(Value::as_str).unwrap_or_default(),
        "grace": field("grace_seconds"),
        "n_pings": 0,
        "status": check_status(view.status),
        "started": false,
        "last_ping": view.last_ping,
        "next_ping": null,
        "manual_resume": false,
        "methods": "",
        "subject": "",
        "subject_fail": "",
        "start_kw": "",
        "success_kw": "",
        "failure_kw": "",
        "filter_subject": false,
        "filter_body": false,
        "filter_http_body": false,
        "filter_default_fail": false,
        "uuid": view.uuid,
        "ping_url": format!("{}/ping/{}", view.base, view.uuid),
        "update_url": update_url,
        "pause_url": format!("{update_url}/pause"),
        "resume_url": format!("{update_url}/resume"),
        "channels": "",
    });
    match view.monitor.get("schedule").and_then(Value::as_str) {
        Some(schedule) => {
            dict["schedule"] = json!(schedule);
            dict["tz"] = field("timezone");
        }
        None => dict["timeout"] = field("interval_seconds"),
    }
    if view.read_only {
        if let Some(fields) = dict.as_object_mut() {
            fields.retain(|name, _| !WRITE_KEY_FIELDS.contains(&name.as_str()));
        }
        dict["unique_key"] = json!(unique_key(view.uuid));
    }
    dict
}

/// A recorded ping as Healthchecks lists one (`GET …/pings/`); `None` for
/// the `missed` entries Healthchecks has no ping for.
pub fn ping_dict(ping: &Value) -> Option<Value> {
    let kind = ping["kind"].as_str().filter(|k| *k != PingKind::Missed.as_str())?;
    let mut dict = json!({
        "type": kind,
        "date": ping["created_at"].as_str().map(|at| at.replace('Z', "+00:00")),
        "n": ping["n"],
        "scheme": "https",
        "remote_addr": ping["source_ip"].as_str().unwrap_or_default(),
        "method": ping["method"].as_str().unwrap_or_default(),
        "ua": ping["user_agent"].as_str().unwrap_or_default(),
        "rid": ping["rid"],
        "body_url": null,
    });
    if let Some(ms) = ping["duration_ms"].as_i64() {
        // Healthchecks rounds to hundredths of a second.
        dict["duration"] = json!((ms as f64 / 10.0).round() / 100.0);
    }
    Some(dict)
}

#[cfg(test)]
mod tests;
