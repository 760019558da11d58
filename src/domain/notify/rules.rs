//! What a deployment lets channel URLs be, checked the same way by every
//! kind (below the kinds and `channel.rs`, which both use it).

use crate::domain::target::url_refusal;
use crate::domain::validation::FieldError;
use url::Url;

/// What the deployment allows channel URLs to be.
#[derive(Debug, Clone, Copy)]
pub struct NotifyRules {
    /// `PW_ALLOW_PRIVATE_TARGETS`: URLs may be `http` and reach loopback and
    /// private networks (local development, tests). Otherwise they must be
    /// `https` and public, the guard probes use.
    pub allow_private_targets: bool,
}

/// A channel URL as sent in `field`: it must parse, be `http(s)` with a host,
/// and, unless private targets are allowed, be `https` on a public host.
pub fn checked_url(field: &str, raw: &str, rules: &NotifyRules) -> Result<Url, FieldError> {
    let url = Url::parse(raw.trim()).map_err(|e| FieldError::new(field, format!("{field} is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(FieldError::new(
            field,
            format!("{field} must be an http(s) URL with a host"),
        ));
    }
    if !rules.allow_private_targets {
        if url.scheme() != "https" {
            return Err(FieldError::new(field, format!("{field} must use https")));
        }
        if let Some(refusal) = url_refusal(&url) {
            return Err(FieldError::new(field, format!("{field}'s host {refusal}")));
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: NotifyRules = NotifyRules {
        allow_private_targets: false,
    };
    const LOCAL: NotifyRules = NotifyRules {
        allow_private_targets: true,
    };

    #[test]
    fn urls_must_be_https_and_public_unless_private_targets_are_allowed() {
        assert!(checked_url("url", "https://hooks.example.com/x", &STRICT).is_ok());
        assert_eq!(
            checked_url("url", "http://hooks.example.com/x", &STRICT)
                .unwrap_err()
                .field,
            "url"
        );
        assert!(checked_url("url", "https://127.0.0.1/x", &STRICT).is_err());
        assert!(checked_url("url", "https://10.1.2.3/x", &STRICT).is_err());
        assert!(checked_url("url", "https://printer.local/x", &STRICT).is_err());
        assert!(checked_url("url", "http://127.0.0.1:8080/x", &LOCAL).is_ok());
        assert!(checked_url("url", "not a url", &LOCAL).is_err());
        assert!(checked_url("url", "ftp://example.com/", &LOCAL).is_err());
    }
}
