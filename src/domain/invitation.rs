//! Invitations to an organization: a token of 32 base62 characters (190 bits)
//! for one e-mail address, stored as its SHA-256, accepted at most once
//! within 7 days.

use super::ids::random_base62;
use super::time::DAY_MS;

const TOKEN_CHARS: usize = 32;
pub const VALID_FOR_MS: i64 = 7 * DAY_MS;
/// Open invitations an organization may have at once, which keeps their list
/// short enough to answer in one page.
pub const MAX_OPEN: i64 = 100;

pub fn generate_token() -> String {
    random_base62(TOKEN_CHARS)
}

/// Why an invitation can no longer be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    Accepted,
    Revoked,
    Expired,
}

impl Closed {
    /// Whether, and why, an invitation is closed at `now` (ISO timestamps,
    /// which compare in time order as text).
    pub fn at(accepted_at: Option<&str>, revoked_at: Option<&str>, expires_at: &str, now: &str) -> Option<Closed> {
        if accepted_at.is_some() {
            Some(Closed::Accepted)
        } else if revoked_at.is_some() {
            Some(Closed::Revoked)
        } else if expires_at <= now {
            Some(Closed::Expired)
        } else {
            None
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Closed::Accepted => "invitation_accepted",
            Closed::Revoked => "invitation_revoked",
            Closed::Expired => "invitation_expired",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Closed::Accepted => "this invitation has already been accepted; an invitation is single use",
            Closed::Revoked => "this invitation was revoked; ask for a new one",
            Closed::Expired => "this invitation has expired (they are open for 7 days); ask for a new one",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-05-14T16:24:09.123Z";

    #[test]
    fn tokens_are_32_base62_characters_and_differ() {
        let token = generate_token();
        assert_eq!(token.len(), 32);
        assert!(token.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(generate_token(), token);
    }

    #[test]
    fn an_invitation_is_open_until_accepted_revoked_or_expired() {
        let later = "2026-05-21T16:24:09.123Z";
        assert_eq!(Closed::at(None, None, later, NOW), None);
        assert_eq!(Closed::at(Some(NOW), None, later, NOW), Some(Closed::Accepted));
        assert_eq!(Closed::at(None, Some(NOW), later, NOW), Some(Closed::Revoked));
        assert_eq!(Closed::at(None, None, NOW, NOW), Some(Closed::Expired));
        assert_eq!(
            Closed::at(None, None, "2026-05-14T16:24:09.122Z", NOW),
            Some(Closed::Expired)
        );
    }
}
