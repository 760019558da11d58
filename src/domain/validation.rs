//! The one error the domain's validators return: which field, and what is wrong
//! with it, in words a user can act on.

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
