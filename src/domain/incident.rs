//! Incidents: their statuses and impacts, and the validation of manual
//! incidents and their updates.

use super::validation::{trimmed_text, FieldError};
use serde_json::{Map, Value};

pub const STATUSES: [&str; 4] = ["investigating", "identified", "monitoring", "resolved"];
pub const IMPACTS: [&str; 4] = ["none", "minor", "major", "critical"];
pub const RESOLVED: &str = "resolved";
/// What an automatic incident says when deleting its monitor resolved it.
pub const MONITOR_DELETED: &str = "The monitor was deleted.";
const MAX_MONITORS: usize = 100;

/// A manual incident as created through the API.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIncident {
    pub title: String,
    pub status: String,
    pub impact: String,
    pub message: String,
    pub monitor_ids: Vec<String>,
}

/// The fields a PATCH may change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentChange {
    pub title: Option<String>,
    pub status: Option<String>,
    pub impact: Option<String>,
}

/// An entry of an incident's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentUpdate {
    pub status: String,
    pub message: String,
}

fn choice(body: &Map<String, Value>, field: &str, allowed: &[&str]) -> Result<Option<String>, FieldError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(v)) if allowed.contains(&v.as_str()) => Ok(Some(v.clone())),
        Some(_) => Err(FieldError::new(
            field,
            format!("{field} must be one of {}", allowed.join(", ")),
        )),
    }
}

fn text(body: &Map<String, Value>, field: &str, max: usize) -> Result<Option<String>, FieldError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(v)) => trimmed_text(field, v, 1, max).map(Some),
        Some(_) => Err(FieldError::new(field, format!("{field} must be a string"))),
    }
}

fn only(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), FieldError> {
    match body.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(key) => Err(FieldError::new(key, format!("unknown field {key}"))),
        None => Ok(()),
    }
}

impl NewIncident {
    pub fn from_input(body: &Map<String, Value>) -> Result<NewIncident, FieldError> {
        only(body, &["title", "status", "impact", "message", "monitor_ids"])?;
        let title = text(body, "title", 200)?.ok_or_else(|| FieldError::new("title", "title is required"))?;
        let status = choice(body, "status", &STATUSES)?.unwrap_or_else(|| "investigating".into());
        let impact = choice(body, "impact", &IMPACTS)?.unwrap_or_else(|| "minor".into());
        let message = text(body, "message", 5000)?.unwrap_or_else(|| title.clone());
        let invalid = || {
            FieldError::new(
                "monitor_ids",
                format!("monitor_ids must be a list of at most {MAX_MONITORS} monitor ids"),
            )
        };
        let monitor_ids = match body.get("monitor_ids") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(ids)) if ids.len() <= MAX_MONITORS => {
                let mut ids: Vec<String> = ids
                    .iter()
                    .map(|id| id.as_str().map(str::to_string).ok_or_else(invalid))
                    .collect::<Result<_, _>>()?;
                ids.sort();
                ids.dedup();
                ids
            }
            Some(_) => return Err(invalid()),
        };
        Ok(NewIncident {
            title,
            status,
            impact,
            message,
            monitor_ids,
        })
    }
}

impl IncidentChange {
    pub fn from_input(body: &Map<String, Value>) -> Result<IncidentChange, FieldError> {
        only(body, &["title", "status", "impact"])?;
        Ok(IncidentChange {
            title: text(body, "title", 200)?,
            status: choice(body, "status", &STATUSES)?,
            impact: choice(body, "impact", &IMPACTS)?,
        })
    }
}

impl IncidentUpdate {
    pub fn from_input(body: &Map<String, Value>) -> Result<IncidentUpdate, FieldError> {
        only(body, &["status", "message"])?;
        let status = choice(body, "status", &STATUSES)?
            .ok_or_else(|| FieldError::new("status", format!("status is required: one of {}", STATUSES.join(", "))))?;
        let message = text(body, "message", 5000)?.ok_or_else(|| FieldError::new("message", "message is required"))?;
        Ok(IncidentUpdate { status, message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_manual_incident_gets_defaults() {
        let incident = NewIncident::from_input(&map(
            json!({ "title": " Slow API ", "monitor_ids": ["mon_b", "mon_a", "mon_b"] }),
        ))
        .unwrap();
        assert_eq!(
            incident,
            NewIncident {
                title: "Slow API".into(),
                status: "investigating".into(),
                impact: "minor".into(),
                message: "Slow API".into(),
                monitor_ids: vec!["mon_a".into(), "mon_b".into()]
            }
        );
    }

    #[test]
    fn invalid_fields_are_named() {
        let cases = [
            (json!({}), "title"),
            (json!({ "title": "" }), "title"),
            (json!({ "title": "x", "status": "panicking" }), "status"),
            (json!({ "title": "x", "impact": "apocalyptic" }), "impact"),
            (json!({ "title": "x", "monitor_ids": "mon_a" }), "monitor_ids"),
            (json!({ "title": "x", "monitor_ids": [1] }), "monitor_ids"),
            (json!({ "title": "x", "severity": "high" }), "severity"),
        ];
        for (body, field) in cases {
            assert_eq!(
                NewIncident::from_input(&map(body.clone())).unwrap_err().field,
                field,
                "{body}"
            );
        }
        assert_eq!(
            IncidentUpdate::from_input(&map(json!({ "message": "x" })))
                .unwrap_err()
                .field,
            "status"
        );
        assert_eq!(
            IncidentUpdate::from_input(&map(json!({ "status": "monitoring" })))
                .unwrap_err()
                .field,
            "message"
        );
        assert_eq!(
            IncidentChange::from_input(&map(json!({ "impact": "huge" })))
                .unwrap_err()
                .field,
            "impact"
        );
        assert_eq!(
            IncidentChange::from_input(&map(json!({ "status": "resolved" })))
                .unwrap()
                .status
                .as_deref(),
            Some("resolved")
        );
    }
}
