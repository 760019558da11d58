//! Heartbeat ping tokens. A token carries its monitor: the monitor's id
//! without `mon_`, then 32 random base62 characters (190 bits), so that a
//! ping goes straight to the monitor's object, which checks the whole token
//! against the hash it holds, with no lookup on the way. Tokens made before
//! this format (32 random characters and nothing else) carry no monitor:
//! they are looked up.

use super::ids::{random_base62, ID_CHARS};

const MONITOR_PREFIX: &str = "mon_";
const SECRET_CHARS: usize = 32;

/// A new token for the monitor `monitor_id` (an id `new_id("mon")` made).
/// Should the id not have that shape, the token is one of the old format,
/// which still works (through a lookup).
pub fn new(monitor_id: &str) -> String {
    let token = format!(
        "{}{}",
        monitor_id.strip_prefix(MONITOR_PREFIX).unwrap_or(monitor_id),
        random_base62(SECRET_CHARS)
    );
    if monitor_of(&token).as_deref() == Some(monitor_id) {
        token
    } else {
        random_base62(SECRET_CHARS)
    }
}

/// The monitor a token names, if it is of the new format. Whether the token
/// is that monitor's is for its object to tell.
pub fn monitor_of(token: &str) -> Option<String> {
    let well_formed = token.len() == ID_CHARS + SECRET_CHARS && token.bytes().all(|c| c.is_ascii_alphanumeric());
    well_formed.then(|| format!("{MONITOR_PREFIX}{}", &token[..ID_CHARS]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::new_id;

    #[test]
    fn a_new_token_names_its_monitor_and_differs_each_time() {
        let id = new_id("mon");
        let (a, b) = (new(&id), new(&id));
        assert_eq!(a.len(), 52);
        assert_eq!(monitor_of(&a).as_deref(), Some(id.as_str()));
        assert_eq!(a[..20], b[..20]);
        assert_ne!(a, b);
    }

    #[test]
    fn old_and_malformed_tokens_name_no_monitor() {
        let new_format = new(&new_id("mon"));
        for token in [
            random_base62(32),
            String::new(),
            format!("{new_format}x"),
            new_format[1..].to_string(),
            format!("{}-{}", &new_format[..20], &new_format[21..]),
            "é".repeat(26),
        ] {
            assert_eq!(monitor_of(&token), None, "{token}");
        }
    }

    #[test]
    fn an_id_of_another_shape_gets_an_old_format_token() {
        let token = new("mon_short");
        assert_eq!((token.len(), monitor_of(&token)), (32, None));
    }
}
