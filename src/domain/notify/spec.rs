//! A channel as a whole: its name, kind settings, which events and monitors
//! it hears of, whether it is on, and its reminder interval. Validated from
//! a JSON body; a PATCH applies onto the stored one.

use super::channel::{ChannelSettings, NotifyRules};
use super::kind::COMMON;
use super::EventKind;
use crate::domain::validation::{trimmed_text, FieldError};
use serde_json::{Map, Value};

/// The shortest reminder interval.
pub const MIN_REMIND_MINUTES: u32 = 5;

#[derive(Debug, Clone, PartialEq)]
pub struct ChannelSpec {
    pub name: String,
    pub settings: ChannelSettings,
    pub events: Vec<EventKind>,
    /// `None`: every monitor of the organization.
    pub monitor_ids: Option<Vec<String>>,
    pub enabled: bool,
    pub remind_every_minutes: Option<u32>,
}

impl ChannelSpec {
    pub fn from_input(input: &Map<String, Value>, rules: &NotifyRules) -> Result<ChannelSpec, FieldError> {
        let kind = input.get("kind").and_then(Value::as_str).ok_or_else(|| {
            FieldError::new(
                "kind",
                format!("kind is required, one of {}", ChannelSettings::KINDS.join(", ")),
            )
        })?;
        let settings = ChannelSettings::from_input(kind, input, rules)?;
        ChannelSpec::common(input, settings, None)
    }

    /// The channel as answers show it (and `export` writes it): its fields, secrets masked.
    pub fn shown(&self) -> Map<String, Value> {
        let mut fields = self.settings.shown();
        let events: Vec<&str> = self.events.iter().map(|e| e.as_str()).collect();
        for (key, value) in [
            ("kind", Value::from(self.settings.kind())),
            ("name", Value::from(self.name.as_str())),
            ("events", Value::from(events)),
            ("monitor_ids", serde_json::json!(self.monitor_ids)),
            ("enabled", Value::from(self.enabled)),
            ("remind_every_minutes", serde_json::json!(self.remind_every_minutes)),
        ] {
            fields.insert(key.into(), value);
        }
        fields
    }

    /// Applies a PATCH: fields left out keep their values; `kind` cannot change.
    pub fn patched(&self, patch: &Map<String, Value>, rules: &NotifyRules) -> Result<ChannelSpec, FieldError> {
        if let Some(kind) = patch.get("kind").filter(|k| k.as_str() != Some(self.settings.kind())) {
            return Err(FieldError::new(
                "kind",
                format!(
                    "a channel's kind cannot change (it is {}, not {kind}); create another channel",
                    self.settings.kind()
                ),
            ));
        }
        let own: Map<String, Value> = patch
            .iter()
            .filter(|(key, _)| !COMMON.contains(&key.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let settings = self.settings.patched(&own, rules)?;
        ChannelSpec::common(patch, settings, Some(self))
    }

    fn common(
        input: &Map<String, Value>,
        settings: ChannelSettings,
        base: Option<&ChannelSpec>,
    ) -> Result<ChannelSpec, FieldError> {
        let name = match (input.get("name"), base) {
            (None, Some(base)) => base.name.clone(),
            (Some(Value::String(name)), _) => trimmed_text("name", name, 1, 100)?,
            _ => return Err(FieldError::new("name", "name is required and must be a string")),
        };
        let events = match (input.get("events"), base) {
            (None, Some(base)) => base.events.clone(),
            (None | Some(Value::Null), _) => EventKind::ALL.to_vec(),
            (Some(value), _) => parse_events(value)?,
        };
        let monitor_ids = match (input.get("monitor_ids"), base) {
            (None, Some(base)) => base.monitor_ids.clone(),
            (None | Some(Value::Null), _) => None,
            (Some(value), _) => Some(parse_ids(value)?),
        };
        let enabled = match (input.get("enabled"), base) {
            (None, Some(base)) => base.enabled,
            (None, None) => true,
            (Some(Value::Bool(on)), _) => *on,
            _ => return Err(FieldError::new("enabled", "enabled must be true or false")),
        };
        let remind_every_minutes = match (input.get("remind_every_minutes"), base) {
            (None, Some(base)) => base.remind_every_minutes,
            (None | Some(Value::Null), _) => None,
            (Some(value), _) => Some(
                value
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n >= MIN_REMIND_MINUTES)
                    .ok_or_else(|| {
                        FieldError::new(
                            "remind_every_minutes",
                            format!(
                                "remind_every_minutes must be a whole number of at least {MIN_REMIND_MINUTES}, or null"
                            ),
                        )
                    })?,
            ),
        };
        Ok(ChannelSpec {
            name,
            settings,
            events,
            monitor_ids,
            enabled,
            remind_every_minutes,
        })
    }

    /// Whether this channel hears of an event of `kind` about these monitors
    /// (none: an event about no monitor, which a monitor filter lets through
    /// only when it is a test).
    pub fn hears(&self, kind: EventKind, monitor_ids: &[String]) -> bool {
        if kind == EventKind::Test {
            return true;
        }
        self.enabled
            && self.events.contains(&kind)
            && self
                .monitor_ids
                .as_ref()
                .is_none_or(|wanted| monitor_ids.iter().any(|id| wanted.contains(id)))
    }
}

fn parse_events(value: &Value) -> Result<Vec<EventKind>, FieldError> {
    let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
    let invalid = || FieldError::new("events", format!("events must be a list of: {}", names.join(", ")));
    let list = value.as_array().filter(|l| !l.is_empty()).ok_or_else(invalid)?;
    let mut events = Vec::new();
    for item in list {
        let kind = item.as_str().and_then(EventKind::parse).ok_or_else(invalid)?;
        if !events.contains(&kind) {
            events.push(kind);
        }
    }
    Ok(events)
}

fn parse_ids(value: &Value) -> Result<Vec<String>, FieldError> {
    let invalid = || {
        FieldError::new(
            "monitor_ids",
            "monitor_ids must be a list of monitor ids, or null for all",
        )
    };
    let list = value.as_array().filter(|l| l.len() <= 1000).ok_or_else(invalid)?;
    let mut ids: Vec<String> = Vec::new();
    for item in list {
        let id = item
            .as_str()
            .filter(|s| !s.is_empty() && s.len() <= 64)
            .ok_or_else(invalid)?;
        if !ids.iter().any(|known| known == id) {
            ids.push(id.to_string());
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LOCAL: NotifyRules = NotifyRules {
        allow_private_targets: true,
    };

    fn spec(body: Value) -> Result<ChannelSpec, FieldError> {
        ChannelSpec::from_input(body.as_object().unwrap(), &LOCAL)
    }

    #[test]
    fn defaults_are_every_event_every_monitor_enabled() {
        let spec = spec(json!({ "name": "Ops", "kind": "webhook", "url": "http://127.0.0.1/x" })).unwrap();
        assert_eq!(spec.events, EventKind::ALL.to_vec());
        assert_eq!(spec.monitor_ids, None);
        assert!(spec.enabled);
        assert!(spec.hears(EventKind::Detected, &["mon_1".into()]));
    }

    #[test]
    fn bad_fields_are_named() {
        let base = json!({ "name": "Ops", "kind": "webhook", "url": "http://127.0.0.1/x" });
        let with = |key: &str, value: Value| {
            let mut body = base.clone();
            body[key] = value;
            spec(body).unwrap_err().field
        };
        assert_eq!(with("kind", json!("fax")), "kind");
        assert_eq!(with("events", json!(["incident.exploded"])), "events");
        assert_eq!(with("events", json!([])), "events");
        assert_eq!(with("monitor_ids", json!("mon_1")), "monitor_ids");
        assert_eq!(with("enabled", json!("yes")), "enabled");
        assert_eq!(with("remind_every_minutes", json!(4)), "remind_every_minutes");
        assert_eq!(with("name", json!("")), "name");
        assert_eq!(with("url", json!(12)), "url");
    }

    #[test]
    fn filters_select_events_and_monitors() {
        let spec = spec(json!({
            "name": "Ops", "kind": "webhook", "url": "http://127.0.0.1/x",
            "events": ["incident.resolved"], "monitor_ids": ["mon_a"],
        }))
        .unwrap();
        assert!(spec.hears(EventKind::Resolved, &["mon_a".into()]));
        assert!(!spec.hears(EventKind::Detected, &["mon_a".into()]));
        assert!(!spec.hears(EventKind::Resolved, &["mon_b".into()]));
        assert!(spec.hears(EventKind::Test, &[]));
        let off = ChannelSpec { enabled: false, ..spec };
        assert!(!off.hears(EventKind::Resolved, &["mon_a".into()]));
    }

    #[test]
    fn a_patch_keeps_what_it_leaves_out_and_never_changes_the_kind() {
        let stored =
            spec(json!({ "name": "Ops", "kind": "webhook", "url": "http://127.0.0.1/x", "events": ["test"] })).unwrap();
        let renamed = stored
            .patched(json!({ "name": "On call" }).as_object().unwrap(), &LOCAL)
            .unwrap();
        assert_eq!(renamed.name, "On call");
        assert_eq!(renamed.events, vec![EventKind::Test]);
        assert_eq!(renamed.settings, stored.settings);
        let error = stored
            .patched(json!({ "kind": "slack" }).as_object().unwrap(), &LOCAL)
            .unwrap_err();
        assert_eq!(error.field, "kind");
    }
}
