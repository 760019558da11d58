//! Monitors as code: the document `POST /api/v1/apply` takes and
//! `GET /api/v1/export` writes, in YAML or JSON. Top-level lists
//! `monitors`, `status_pages` and `channels` hold one entry per resource:
//! its API fields plus a `key` the user chooses, stable across applies (a
//! resource without one is exported with its id as key, which `apply`
//! takes as that resource). Pages and channels name monitors by key or id.
//! An entry applies like a PATCH (fields left out keep their values), so
//! exporting and applying again changes nothing. Errors name the entry's
//! path: `monitors[3].interval_seconds`.

use super::validation::FieldError;
use super::yaml;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Monitor,
    StatusPage,
    Channel,
}

impl Kind {
    /// In the order they are created: pages and channels name monitors.
    pub const ALL: [Kind; 3] = [Kind::Monitor, Kind::StatusPage, Kind::Channel];

    /// The document's list of this kind.
    pub fn list(self) -> &'static str {
        match self {
            Kind::Monitor => "monitors",
            Kind::StatusPage => "status_pages",
            Kind::Channel => "channels",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Monitor => "monitor",
            Kind::StatusPage => "status_page",
            Kind::Channel => "channel",
        }
    }

    /// The API collection a change of this kind is made through.
    pub fn api_path(self) -> &'static str {
        match self {
            Kind::Monitor => "/api/v1/monitors",
            Kind::StatusPage => "/api/v1/status-pages",
            Kind::Channel => "/api/v1/channels",
        }
    }

    fn id_prefix(self) -> &'static str {
        match self {
            Kind::Monitor => "mon_",
            Kind::StatusPage => "sp_",
            Kind::Channel => "ch_",
        }
    }

    /// Whether a key is this kind's resource id (an exported resource that had no key).
    pub fn is_id(self, key: &str) -> bool {
        key.starts_with(self.id_prefix())
    }
}

/// One entry of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub kind: Kind,
    pub index: usize,
    pub key: String,
    /// Its API fields, without `key`.
    pub fields: Map<String, Value>,
}

impl Entry {
    /// Where a field of this entry is in the document.
    pub fn path(&self, field: &str) -> String {
        let entry = format!("{}[{}]", self.kind.list(), self.index);
        if field.is_empty() {
            entry
        } else {
            format!("{entry}.{field}")
        }
    }

    /// A field error of this entry's, renamed to its path in the document.
    pub fn locate(&self, error: FieldError) -> FieldError {
        FieldError::new(self.path(&error.field), format!("{}: {}", self.path(""), error.message))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub entries: Vec<Entry>,
    /// The lists the document has: `prune` deletes only resources of these kinds.
    pub kinds: BTreeSet<Kind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// From a request's `Content-Type`: YAML when it says so, else JSON.
    pub fn of_content_type(content_type: Option<&str>) -> Format {
        match content_type {
            Some(t) if t.to_ascii_lowercase().contains("yaml") => Format::Yaml,
            _ => Format::Json,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Yaml => "application/yaml",
        }
    }
}

/// The most entries a document may have.
const MAX_ENTRIES: usize = 1_000;

/// Reads a document: an object with the three lists (each optional), each
/// entry an object with a unique `key`.
pub fn parse(text: &str, format: Format) -> Result<Document, FieldError> {
    let value: Value = match format {
        Format::Json => serde_json::from_str(text).map_err(|e| FieldError::new("$", format!("not valid JSON: {e}")))?,
        Format::Yaml => yaml::from_str(text).map_err(|e| FieldError::new("$", format!("not valid YAML: {e}")))?,
    };
    let Value::Object(top) = value else {
        return Err(FieldError::new(
            "$",
            "the document must be a mapping with monitors, status_pages and channels lists",
        ));
    };
    if let Some(unknown) = top
        .keys()
        .find(|k| !Kind::ALL.iter().any(|kind| kind.list() == k.as_str()))
    {
        return Err(FieldError::new(
            unknown,
            format!("unknown list {unknown}: a document has monitors, status_pages and channels"),
        ));
    }
    let mut document = Document {
        entries: Vec::new(),
        kinds: BTreeSet::new(),
    };
    for kind in Kind::ALL {
        let Some(list) = top.get(kind.list()).filter(|v| !v.is_null()) else {
            continue;
        };
        let list = list
            .as_array()
            .ok_or_else(|| FieldError::new(kind.list(), format!("{} must be a list", kind.list())))?;
        document.kinds.insert(kind);
        let mut keys = BTreeSet::new();
        for (index, item) in list.iter().enumerate() {
            let entry = entry(kind, index, item)?;
            if !keys.insert(entry.key.clone()) {
                return Err(FieldError::new(
                    entry.path("key"),
                    format!("{}: key {:?} is used twice", entry.path(""), entry.key),
                ));
            }
            document.entries.push(entry);
        }
    }
    if document.entries.len() > MAX_ENTRIES {
        return Err(FieldError::new(
            "$",
            format!("a document has at most {MAX_ENTRIES} entries"),
        ));
    }
    Ok(document)
}

fn entry(kind: Kind, index: usize, item: &Value) -> Result<Entry, FieldError> {
    let path = format!("{}[{index}]", kind.list());
    let mut fields = item
        .as_object()
        .cloned()
        .ok_or_else(|| FieldError::new(&path, format!("{path} must be a mapping of fields")))?;
    let key = match fields.remove("key") {
        Some(Value::String(key)) if valid_key(&key) => key,
        _ => {
            return Err(FieldError::new(
                format!("{path}.key"),
                format!("{path}.key must be 1 to 64 characters of letters, digits, _ . and -"),
            ))
        }
    };
    Ok(Entry {
        kind,
        index,
        key,
        fields,
    })
}

fn valid_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// Replaces the monitors a page or channel names (by key or id) with ids:
/// `monitor_ids`, and a page's `sections[].monitors[].id`. A name that is
/// no key is left as it is, for the API to check.
pub fn resolve_monitors(fields: &mut Map<String, Value>, ids: &BTreeMap<String, String>) {
    let resolve = |value: &mut Value| {
        if let Some(id) = value.as_str().and_then(|name| ids.get(name)) {
            *value = Value::from(id.as_str());
        }
    };
    if let Some(Value::Array(list)) = fields.get_mut("monitor_ids") {
        list.iter_mut().for_each(resolve);
    }
    if let Some(Value::Array(sections)) = fields.get_mut("sections") {
        for section in sections {
            if let Some(Value::Array(monitors)) = section.get_mut("monitors") {
                for monitor in monitors {
                    if let Some(id) = monitor.get_mut("id") {
                        resolve(id);
                    }
                }
            }
        }
    }
}

/// The monitors an entry's fields name (`monitor_ids`, and the pages'
/// `sections[].monitors[].id`), each with its path in the entry.
pub fn monitor_references(fields: &Map<String, Value>) -> Vec<(String, &str)> {
    let mut found = Vec::new();
    if let Some(Value::Array(list)) = fields.get("monitor_ids") {
        for (i, id) in list.iter().enumerate() {
            found.extend(id.as_str().map(|id| (format!("monitor_ids[{i}]"), id)));
        }
    }
    if let Some(Value::Array(sections)) = fields.get("sections") {
        for (i, section) in sections.iter().enumerate() {
            if let Some(Value::Array(monitors)) = section.get("monitors") {
                for (j, monitor) in monitors.iter().enumerate() {
                    let id = monitor.get("id").and_then(Value::as_str);
                    found.extend(id.map(|id| (format!("sections[{i}].monitors[{j}].id"), id)));
                }
            }
        }
    }
    found
}

/// What applying an entry (or pruning a resource) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    Unchanged,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Unchanged => "unchanged",
        }
    }
}

/// Writes an exported document: `{monitors, status_pages, channels}`.
pub fn write(document: &Map<String, Value>, format: Format) -> Result<String, String> {
    match format {
        Format::Json => serde_json::to_string_pretty(document).map_err(|e| e.to_string()),
        Format::Yaml => yaml::to_string(&Value::Object(document.clone())),
    }
}

#[cfg(test)]
mod tests;
