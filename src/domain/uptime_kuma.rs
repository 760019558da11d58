//! Uptime Kuma's backup file (`{"version", "notificationList",
//! "monitorList"}`, each monitor as its `Monitor.toJSON` wrote it) as
//! Pingwarden monitors' and channels' fields: HTTP(S), keyword, TCP port,
//! DNS and push monitors map, and the notifications of the providers
//! Pingwarden has a channel kind for, each hearing of the monitors that
//! used it in Kuma; anything else is skipped with the reason.

use super::healthchecks::Mapped;
use super::monitor::RECORD_TYPES;
use super::validation::FieldError;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A Kuma notification type that Pingwarden has a channel kind for: the
/// type, the kind, and each of the kind's fields with the field of Kuma's
/// config it comes from (as Kuma's `server/notification-providers/*.js`
/// read them).
type ChannelKind = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

const CHANNEL_KINDS: &[ChannelKind] = &[
    ("webhook", "webhook", &[("url", "webhookURL")]),
    ("slack", "slack", &[("url", "slackwebhookURL")]),
    ("discord", "discord", &[("url", "discordWebhookUrl")]),
    ("teams", "teams", &[("url", "webhookUrl")]),
    ("GoogleChat", "google_chat", &[("url", "googleChatWebhookURL")]),
    (
        "telegram",
        "telegram",
        &[("bot_token", "telegramBotToken"), ("chat_id", "telegramChatID")],
    ),
    (
        "pushover",
        "pushover",
        &[("token", "pushoverapptoken"), ("user_key", "pushoveruserkey")],
    ),
    (
        "gotify",
        "gotify",
        &[("server", "gotifyserverurl"), ("app_token", "gotifyapplicationToken")],
    ),
    ("ntfy", "ntfy", &[("server", "ntfyserverurl"), ("topic", "ntfytopic")]),
    (
        "matrix",
        "matrix",
        &[
            ("homeserver", "homeserverUrl"),
            ("access_token", "accessToken"),
            ("room_id", "internalRoomId"),
        ],
    ),
    ("PagerDuty", "pagerduty", &[("routing_key", "pagerdutyIntegrationKey")]),
    ("Opsgenie", "opsgenie", &[("api_key", "opsgenieApiKey")]),
];

/// The monitors of a backup file.
pub fn monitors_of(backup: &Value) -> Result<&Vec<Value>, FieldError> {
    backup["monitorList"].as_array().ok_or_else(|| {
        FieldError::new(
            "monitorList",
            "the body must be an Uptime Kuma backup: {\"version\", \"notificationList\", \"monitorList\": [...]}",
        )
    })
}

/// The least check interval the importing organization may use: Kuma's
/// shorter intervals are raised to it rather than refused.
pub fn from_monitor(index: usize, monitor: &Value, min_interval: u32) -> Result<Mapped, FieldError> {
    let path = |field: &str| format!("monitorList[{index}].{field}");
    let wrong = |field: &str, what: &str| FieldError::new(path(field), format!("{}: {what}", path(field)));
    let monitor = monitor.as_object().ok_or_else(|| {
        FieldError::new(
            format!("monitorList[{index}]"),
            format!("monitorList[{index}] must be an object"),
        )
    })?;
    let text = |field: &str| -> Result<Option<&str>, FieldError> {
        match monitor.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(wrong(field, "must be a string")),
        }
    };
    let number = |field: &str| -> Result<Option<f64>, FieldError> {
        match monitor.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value.as_f64().map(Some).ok_or_else(|| wrong(field, "must be a number")),
        }
    };
    let id = monitor
        .get("id")
        .and_then(Value::as_u64)
        .ok_or_else(|| wrong("id", "must be the monitor's number"))?;
    let name: String = text("name")?.unwrap_or_default().trim().chars().take(100).collect();
    let name = if name.is_empty() {
        format!("Uptime Kuma monitor {id}")
    } else {
        name
    };
    let kind = text("type")?.ok_or_else(|| wrong("type", "is required"))?;
    let skip = |reason: String| {
        Ok(Mapped::Skipped {
            name: name.clone(),
            reason,
        })
    };
    if monitor.get("upsideDown").and_then(Value::as_bool) == Some(true) {
        return skip("upside-down mode (up when unreachable) has no equivalent".into());
    }
    let interval = number("interval")?.unwrap_or(60.0).max(f64::from(min_interval)).round() as u64;
    let mut fields = Map::new();
    fields.insert("name".into(), json!(name));
    let tags: Vec<String> = monitor
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| tags.iter().filter_map(tag).collect())
        .unwrap_or_default();
    fields.insert("tags".into(), json!(tags));
    match kind {
        "http" | "keyword" => {
            let url = text("url")?.ok_or_else(|| wrong("url", "is required for an HTTP monitor"))?;
            let method = text("method")?.unwrap_or("GET").to_ascii_uppercase();
            fields.insert("type".into(), json!("http"));
            fields.insert("url".into(), json!(url));
            fields.insert("method".into(), json!(method));
            let Some(codes) = status_codes(monitor.get("accepted_statuscodes")) else {
                return skip("accepted status codes that are not whole classes or short ranges".into());
            };
            fields.insert("expected_status_codes".into(), json!(codes));
            let mut headers = match text("headers")?.map(str::trim).filter(|h| !h.is_empty()) {
                None => Map::new(),
                Some(raw) => match serde_json::from_str::<Value>(raw) {
                    Ok(Value::Object(headers)) => headers,
                    _ => return Err(wrong("headers", "must be a JSON object of header names and values")),
                },
            };
            if text("authMethod")? == Some("basic") {
                let credentials = format!(
                    "{}:{}",
                    text("basic_auth_user")?.unwrap_or_default(),
                    text("basic_auth_pass")?.unwrap_or_default()
                );
                headers.insert(
                    "Authorization".into(),
                    json!(format!("Basic {}", STANDARD.encode(credentials))),
                );
            }
            fields.insert("headers".into(), Value::Object(headers));
            // A body with GET or HEAD is never sent; Kuma keeps it in the form anyway.
            if let Some(body) = text("body")?.filter(|b| !b.is_empty() && method != "GET" && method != "HEAD") {
                fields.insert("body".into(), json!(body));
            }
            if kind == "keyword" {
                let keyword = text("keyword")?.ok_or_else(|| wrong("keyword", "is required for a keyword monitor"))?;
                fields.insert("keyword".into(), json!(keyword));
                let inverted = monitor.get("invertKeyword").and_then(Value::as_bool) == Some(true);
                fields.insert(
                    "keyword_mode".into(),
                    json!(if inverted { "absent" } else { "contains" }),
                );
            }
            if number("maxredirects")? == Some(0.0) {
                fields.insert("follow_redirects".into(), json!(false));
            }
            probe_fields(&mut fields, interval, &number)?;
        }
        "port" => {
            let host = text("hostname")?.ok_or_else(|| wrong("hostname", "is required for a port monitor"))?;
            let port = number("port")?.ok_or_else(|| wrong("port", "is required for a port monitor"))?;
            fields.insert("type".into(), json!("tcp"));
            fields.insert("host".into(), json!(host));
            fields.insert("port".into(), json!(port as u64));
            probe_fields(&mut fields, interval, &number)?;
        }
        "dns" => {
            let host = text("hostname")?.ok_or_else(|| wrong("hostname", "is required for a DNS monitor"))?;
            let record_type = text("dns_resolve_type")?.unwrap_or("A").to_ascii_uppercase();
            if !RECORD_TYPES.contains(&record_type.as_str()) {
                return skip(format!("DNS record type {record_type} is not supported"));
            }
            fields.insert("type".into(), json!("dns"));
            fields.insert("host".into(), json!(host));
            fields.insert("record_type".into(), json!(record_type));
            probe_fields(&mut fields, interval, &number)?;
        }
        "push" => {
            // Kuma marks a push monitor down after `interval` without a
            // push, then retries: the retries are the grace.
            let retries = number("maxretries")?.unwrap_or(0.0).max(1.0);
            let retry_interval = number("retryInterval")?.unwrap_or(interval as f64);
            fields.insert("type".into(), json!("heartbeat"));
            fields.insert("interval_seconds".into(), json!(interval));
            fields.insert(
                "grace_seconds".into(),
                json!((retries * retry_interval).max(60.0).round() as u64),
            );
            if let Some(description) = text("description")?.map(one_line).filter(|d| !d.is_empty()) {
                fields.insert("description".into(), json!(description));
            }
        }
        other => return skip(format!("monitor type {other} is not supported")),
    }
    Ok(Mapped::Monitor {
        key: format!("kuma-{id}"),
        fields,
    })
}

/// The backup's notifications as channels, each hearing of the imported
/// monitors (`monitors`, in `monitorList` order) that used it in Kuma.
pub fn channels_of(backup: &Value, monitors: &[Mapped]) -> Result<Vec<Mapped>, FieldError> {
    let mut users: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for (monitor, mapped) in monitors_of(backup)?.iter().zip(monitors) {
        let Mapped::Monitor { key, .. } = mapped else { continue };
        let used = monitor["notificationIDList"].as_object().into_iter().flatten();
        for (id, _) in used.filter(|(_, on)| on.as_bool() == Some(true) || on.as_i64() == Some(1)) {
            if let Ok(id) = id.parse() {
                users.entry(id).or_default().push(key.clone());
            }
        }
    }
    let notifications = backup["notificationList"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    notifications
        .iter()
        .enumerate()
        .map(|(index, notification)| from_notification(index, notification, &users))
        .collect()
}

/// One notification (`{"id", "name", "config"}`, its settings a JSON text
/// in `config`) as a channel's fields, or why it is skipped.
fn from_notification(
    index: usize,
    notification: &Value,
    users: &BTreeMap<u64, Vec<String>>,
) -> Result<Mapped, FieldError> {
    let path = |field: &str| format!("notificationList[{index}].{field}");
    let wrong = |field: &str, what: &str| FieldError::new(path(field), format!("{}: {what}", path(field)));
    let id = notification["id"]
        .as_u64()
        .ok_or_else(|| wrong("id", "must be the notification's number"))?;
    let config: Map<String, Value> = match &notification["config"] {
        Value::String(text) => serde_json::from_str(text).map_err(|_| wrong("config", "must hold a JSON object"))?,
        Value::Object(config) => config.clone(),
        _ => return Err(wrong("config", "must hold a JSON object")),
    };
    let name = notification["name"]
        .as_str()
        .or(config.get("name").and_then(Value::as_str))
        .map(|name| name.trim().chars().take(100).collect::<String>())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| format!("Uptime Kuma notification {id}"));
    let skip = |reason: String| {
        Ok(Mapped::Skipped {
            name: name.clone(),
            reason,
        })
    };
    let kuma_type = config.get("type").and_then(Value::as_str).unwrap_or_default();
    let Some((_, kind, from)) = CHANNEL_KINDS.iter().find(|(t, ..)| *t == kuma_type) else {
        return skip(format!("notification type {kuma_type} has no Pingwarden channel kind"));
    };
    let Some(monitor_keys) = users.get(&id) else {
        return skip("no imported monitor uses it".into());
    };
    let mut fields = Map::new();
    fields.insert("name".into(), json!(name));
    fields.insert("kind".into(), json!(kind));
    fields.insert("monitor_ids".into(), json!(monitor_keys));
    // Turned off in Kuma, it stays off here.
    if matches!(notification.get("active"), Some(Value::Bool(false))) || notification["active"].as_i64() == Some(0) {
        fields.insert("enabled".into(), json!(false));
    }
    for (ours, theirs) in from.iter() {
        match config.get(*theirs).and_then(Value::as_str).map(str::trim) {
            Some(value) if !value.is_empty() => fields.insert(ours.to_string(), json!(value)),
            _ => return skip(format!("its {theirs} is empty")),
        };
    }
    match (*kind, config.get("ntfyAuthenticationMethod").and_then(Value::as_str)) {
        ("ntfy", Some("accessToken")) => {
            fields.insert(
                "token".into(),
                config.get("ntfyaccesstoken").cloned().unwrap_or(Value::Null),
            );
        }
        ("ntfy", Some("usernamePassword")) => {
            return skip("ntfy with a user name and password: Pingwarden's ntfy channel takes an access token".into())
        }
        _ => {}
    }
    if let Some(region) = config
        .get("opsgenieRegion")
        .and_then(Value::as_str)
        .filter(|_| *kind == "opsgenie")
    {
        fields.insert("region".into(), json!(region));
    }
    Ok(Mapped::Channel {
        key: format!("kuma-notification-{id}"),
        fields,
    })
}

/// Interval, timeout and retries of a probed monitor.
fn probe_fields(
    fields: &mut Map<String, Value>,
    interval: u64,
    number: &dyn Fn(&str) -> Result<Option<f64>, FieldError>,
) -> Result<(), FieldError> {
    fields.insert("interval_seconds".into(), json!(interval));
    if let Some(timeout) = number("timeout")?.filter(|t| *t > 0.0) {
        fields.insert(
            "timeout_ms".into(),
            json!((timeout * 1000.0).clamp(100.0, 30_000.0) as u64),
        );
    }
    // Kuma retries before it calls a monitor down: the first failure plus its retries.
    let retries = number("maxretries")?.unwrap_or(0.0).clamp(0.0, 9.0) as u64;
    fields.insert("failure_threshold".into(), json!(retries + 1));
    Ok(())
}

fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(500).collect()
}

/// A Kuma tag as one of ours: `name`, or `name:value` when it has a value.
fn tag(tag: &Value) -> Option<String> {
    let name = tag["name"].as_str()?.trim();
    let value = tag["value"].as_str().map(str::trim).unwrap_or_default();
    let tag = if value.is_empty() {
        name.to_string()
    } else {
        format!("{name}:{value}")
    };
    Some(tag.chars().take(50).collect()).filter(|t: &String| !t.is_empty())
}

/// Kuma's accepted codes (`"200-299"`, `"301"`) as ours: a range of whole
/// hundreds is a class (`"2xx"`), a short one its codes; `None` otherwise.
fn status_codes(accepted: Option<&Value>) -> Option<Vec<Value>> {
    let Some(list) = accepted.and_then(Value::as_array).filter(|l| !l.is_empty()) else {
        return Some(vec![json!("2xx")]);
    };
    let mut codes = Vec::new();
    for item in list {
        let item = item.as_str()?;
        let (low, high) = match item.split_once('-') {
            Some((low, high)) => (low.trim().parse::<u16>().ok()?, high.trim().parse::<u16>().ok()?),
            None => {
                let code = item.trim().parse::<u16>().ok()?;
                (code, code)
            }
        };
        if low % 100 == 0 && high % 100 == 99 && low <= high {
            codes.extend((low / 100..=high / 100).map(|class| json!(format!("{class}xx"))));
        } else if low <= high && high - low < 10 {
            codes.extend((low..=high).map(|code| json!(code)));
        } else {
            return None;
        }
    }
    (codes.len() <= 20).then_some(codes)
}

#[cfg(test)]
mod tests;
