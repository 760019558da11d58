//! The one error the domain's validators return: which field, and what is wrong
//! with it, in words a user can act on.

use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Checks a string's length in characters, after trimming, and returns it trimmed.
pub fn trimmed_text(field: &str, value: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let value = value.trim();
    let len = value.chars().count();
    if len < min || len > max {
        return Err(FieldError::new(
            field,
            format!("{field} must be {min} to {max} characters long"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(value.to_string())
}

/// Reads a JSON object's fields by name, remembering which were read so that
/// any other field can be refused by name: a typo is an error, not ignored.
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    read: BTreeSet<&'static str>,
}

impl<'a> Fields<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Fields {
            map,
            read: BTreeSet::new(),
        }
    }

    /// The field's value; `null` counts as absent, so a PATCH may reset a field.
    pub fn get(&mut self, name: &'static str) -> Option<&'a Value> {
        self.read.insert(name);
        self.map.get(name).filter(|v| !v.is_null())
    }

    pub fn string(&mut self, name: &'static str) -> Result<Option<&'a str>, FieldError> {
        self.get(name)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| FieldError::new(name, format!("{name} must be a string")))
            })
            .transpose()
    }

    pub fn uint(&mut self, name: &'static str, min: u32, max: u32) -> Result<Option<u32>, FieldError> {
        self.get(name)
            .map(|v| {
                v.as_u64()
                    .filter(|n| (min as u64..=max as u64).contains(n))
                    .map(|n| n as u32)
                    .ok_or_else(|| FieldError::new(name, format!("{name} must be an integer from {min} to {max}")))
            })
            .transpose()
    }

    pub fn bool(&mut self, name: &'static str) -> Result<Option<bool>, FieldError> {
        self.get(name)
            .map(|v| {
                v.as_bool()
                    .ok_or_else(|| FieldError::new(name, format!("{name} must be true or false")))
            })
            .transpose()
    }

    pub fn string_list(
        &mut self,
        name: &'static str,
        max_items: usize,
        max_chars: usize,
    ) -> Result<Option<Vec<String>>, FieldError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let invalid = || {
            FieldError::new(
                name,
                format!("{name} must be a list of at most {max_items} strings of 1 to {max_chars} characters"),
            )
        };
        let list = value.as_array().filter(|l| l.len() <= max_items).ok_or_else(invalid)?;
        list.iter()
            .map(|item| {
                item.as_str()
                    .ok_or_else(invalid)
                    .and_then(|s| trimmed_text(name, s, 1, max_chars).map_err(|_| invalid()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// Refuses any field that was not read: one of `read_only` (set by the
    /// server) as such, any other as unknown `to` what was validated (e.g.
    /// `this monitor type`).
    pub fn finish(self, read_only: &[&str], to: &str) -> Result<(), FieldError> {
        match self.map.keys().find(|key| !self.read.contains(key.as_str())) {
            None => Ok(()),
            Some(key) if read_only.contains(&key.as_str()) => Err(FieldError::new(key, format!("{key} is read only"))),
            Some(key) => Err(FieldError::new(key, format!("unknown field {key} for {to}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_text_trims_and_bounds_the_length_in_characters() {
        assert_eq!(trimmed_text("name", "  été  ", 1, 3).unwrap(), "été");
        assert_eq!(trimmed_text("name", "   ", 1, 3).unwrap_err().field, "name");
        assert!(trimmed_text("name", "abcd", 1, 3).is_err());
        assert!(trimmed_text("name", "a\u{7}b", 1, 3).is_err());
    }
}
