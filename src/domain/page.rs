//! List pagination: `limit` (1–200, default 50) and an opaque `cursor` that
//! holds the sort key of the last row returned.

use super::validation::FieldError;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

pub fn parse_limit(raw: Option<&str>) -> Result<u32, FieldError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| FieldError::new("limit", format!("limit must be an integer from 1 to {MAX_LIMIT}"))),
    }
}

/// The position after a row, as `(sort value, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub after_key: String,
    pub after_id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}\n{}", self.after_key, self.after_id))
    }

    pub fn decode(raw: &str) -> Result<Cursor, FieldError> {
        let invalid = || FieldError::new("cursor", "cursor is not one this API returned");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (key, id) = text.split_once('\n').ok_or_else(invalid)?;
        Ok(Cursor {
            after_key: key.to_string(),
            after_id: id.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_to_50_and_stays_within_1_to_200() {
        assert_eq!(parse_limit(None), Ok(50));
        assert_eq!(parse_limit(Some("200")), Ok(200));
        for bad in ["0", "201", "-1", "ten", ""] {
            assert_eq!(parse_limit(Some(bad)).unwrap_err().field, "limit");
        }
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor {
            after_key: "2026-05-14T16:24:09.123Z".into(),
            after_id: "mon_x".into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
        assert_eq!(Cursor::decode("!!").unwrap_err().field, "cursor");
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode("no-newline")).is_err());
    }
}
