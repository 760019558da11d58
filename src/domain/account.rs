//! Accounts: what a valid email, password and display name are.

use super::validation::{trimmed_text, FieldError};

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Lower-cases and checks an email address: one `@`, a non-empty local part of
/// at most 64 characters, and a domain of dot-separated labels.
pub fn normalize_email(raw: &str) -> Result<String, FieldError> {
    let email = raw.trim().to_lowercase();
    let invalid = || FieldError::new("email", "email must be a valid address such as you@example.com");
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let labels_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if local.is_empty() || local.len() > 64 || local.contains('@') || !labels_ok {
        return Err(invalid());
    }
    Ok(email)
}

pub fn validate_password(password: &str) -> Result<(), FieldError> {
    let len = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&len) {
        return Err(FieldError::new(
            "password",
            format!("password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long"),
        ));
    }
    Ok(())
}

/// A display name, or the email's local part when none is given.
pub fn display_name(name: Option<&str>, email: &str) -> Result<String, FieldError> {
    match name {
        Some(name) => trimmed_text("name", name, 1, 100),
        None => Ok(email.split('@').next().unwrap_or(email).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_trimmed() {
        assert_eq!(normalize_email("  Ada@Example.COM ").unwrap(), "ada@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@exa mple.com",
            "a@b@c.com",
            "ada@-x.com",
            "ada@x..com",
        ] {
            assert_eq!(normalize_email(bad).unwrap_err().field, "email", "{bad:?}");
        }
    }

    #[test]
    fn passwords_are_8_to_256_characters() {
        assert!(validate_password("1234567").is_err());
        assert!(validate_password("12345678").is_ok());
        assert!(validate_password(&"x".repeat(256)).is_ok());
        assert!(validate_password(&"x".repeat(257)).is_err());
    }

    #[test]
    fn display_name_defaults_to_the_local_part() {
        assert_eq!(display_name(None, "ada@example.com").unwrap(), "ada");
        assert_eq!(display_name(Some(" Ada L "), "ada@example.com").unwrap(), "Ada L");
        assert!(display_name(Some(""), "ada@example.com").is_err());
    }
}
