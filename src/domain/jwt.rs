//! User tokens: HS256 JWTs (jwt-compact) valid for 7 days, whose subject is
//! the user id. The clock is passed in, so this is pure and unit-tested.

use chrono::{DateTime, Duration, Utc};
use jwt_compact::{alg::Hs256, alg::Hs256Key, prelude::*};
use serde::{Deserialize, Serialize};

pub const LIFETIME_DAYS: i64 = 7;

#[derive(Debug, Serialize, Deserialize)]
struct UserClaims {
    sub: String,
}

fn clock(now_ms: i64) -> TimeOptions<impl Fn() -> DateTime<Utc>> {
    let now = DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    TimeOptions::new(Duration::seconds(30), move || now)
}

/// A token for `user_id`, and when it expires (ms since the epoch).
pub fn issue(secret: &str, user_id: &str, now_ms: i64) -> Result<(String, i64), String> {
    let claims = Claims::new(UserClaims {
        sub: user_id.to_string(),
    })
    .set_duration_and_issuance(&clock(now_ms), Duration::days(LIFETIME_DAYS));
    let expires_ms = claims.expiration.map_or(now_ms, |exp| exp.timestamp_millis());
    let token = Hs256
        .token(&Header::empty(), &claims, &Hs256Key::new(secret.as_bytes()))
        .map_err(|e| e.to_string())?;
    Ok((token, expires_ms))
}

/// The user id of a token signed with `secret` that has not expired.
pub fn verify(secret: &str, token: &str, now_ms: i64) -> Option<String> {
    let untrusted = UntrustedToken::new(token).ok()?;
    let key = Hs256Key::new(secret.as_bytes());
    let token = Hs256.validator::<UserClaims>(&key).validate(&untrusted).ok()?;
    // A token without an expiry is refused: every token we issue has one.
    token.claims().expiration?;
    token.claims().validate_expiration(&clock(now_ms)).ok()?;
    Some(token.claims().custom.sub.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_778_775_849_000;
    const DAY_MS: i64 = 86_400_000;

    #[test]
    fn a_token_verifies_for_seven_days() {
        let (token, expires) = issue("secret", "usr_1", NOW).unwrap();
        assert_eq!(expires, NOW + 7 * DAY_MS);
        assert_eq!(verify("secret", &token, NOW).as_deref(), Some("usr_1"));
        assert_eq!(
            verify("secret", &token, NOW + 7 * DAY_MS - 1000).as_deref(),
            Some("usr_1")
        );
        assert_eq!(verify("secret", &token, NOW + 7 * DAY_MS + 60_000), None);
    }

    #[test]
    fn forged_and_malformed_tokens_are_refused() {
        let (token, _) = issue("secret", "usr_1", NOW).unwrap();
        assert_eq!(verify("other", &token, NOW), None);
        assert_eq!(verify("secret", "not.a.jwt", NOW), None);
        assert_eq!(verify("secret", "", NOW), None);
        let mut tampered = token.clone();
        tampered.insert(token.find('.').unwrap() + 2, 'x');
        assert_eq!(verify("secret", &tampered, NOW), None);
    }
}
