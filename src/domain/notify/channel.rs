//! A channel's kind-specific settings, one arm per kind, each dispatching to
//! its kind's file: validated from JSON at the edge, shown with every secret
//! masked, patched (a masked value keeps the stored secret), and turned into
//! requests by the kind's [`Notifier`].

use super::{webhook, Event, Notifier, OutboundRequest, SendContext};
use crate::domain::target::url_refusal;
use crate::domain::validation::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

/// What the deployment allows channel URLs to be.
#[derive(Debug, Clone, Copy)]
pub struct NotifyRules {
    /// `PW_ALLOW_PRIVATE_TARGETS`: URLs may be `http` and reach loopback and
    /// private networks (local development, tests). Otherwise they must be
    /// `https` and public, the guard probes use.
    pub allow_private_targets: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChannelSettings {
    Webhook(webhook::WebhookSettings),
}

impl ChannelSettings {
    pub const KINDS: &[&str] = &["webhook"];

    pub fn kind(&self) -> &'static str {
        match self {
            ChannelSettings::Webhook(_) => "webhook",
        }
    }

    /// Validates a kind's own fields from the JSON body.
    pub fn from_input(
        kind: &str,
        input: &Map<String, Value>,
        rules: &NotifyRules,
    ) -> Result<ChannelSettings, FieldError> {
        match kind {
            "webhook" => webhook::WebhookSettings::from_input(input, rules).map(ChannelSettings::Webhook),
            _ => Err(FieldError::new(
                "kind",
                format!("kind must be one of {}", ChannelSettings::KINDS.join(", ")),
            )),
        }
    }

    /// The settings as a response shows them: every secret replaced by `secrets::MASK`.
    pub fn shown(&self) -> Map<String, Value> {
        match self {
            ChannelSettings::Webhook(settings) => settings.shown(),
        }
    }

    /// A PATCH: fields left out are kept, a masked value keeps the stored secret.
    pub fn patched(&self, patch: &Map<String, Value>, rules: &NotifyRules) -> Result<ChannelSettings, FieldError> {
        match self {
            ChannelSettings::Webhook(settings) => settings.patched(patch, rules).map(ChannelSettings::Webhook),
        }
    }

    pub fn notifier(&self) -> &dyn Notifier {
        match self {
            ChannelSettings::Webhook(settings) => settings,
        }
    }

    /// The `PW_*` var that overrides this kind's fixed API host, if it has one.
    pub fn api_base_var(&self) -> Option<&'static str> {
        match self {
            ChannelSettings::Webhook(_) => None,
        }
    }

    /// The request for `event`, signed per Standard Webhooks when the channel
    /// has a signing secret (generic webhooks do).
    pub fn request(
        &self,
        event: &Event,
        context: &SendContext<'_>,
        signing_secret: Option<&str>,
    ) -> Result<OutboundRequest, String> {
        let mut request = self.notifier().request(event, context)?;
        if let Some(secret) = signing_secret.filter(|s| !s.is_empty()) {
            webhook::sign(&mut request, secret, &event.id, context.now_ms / 1000)?;
        }
        Ok(request)
    }
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
    use serde_json::json;

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

    #[test]
    fn an_unknown_kind_names_the_kind_field() {
        let error = ChannelSettings::from_input("carrier_pigeon", &Map::new(), &LOCAL).unwrap_err();
        assert_eq!(error.field, "kind");
    }

    #[test]
    fn settings_round_trip_through_json_with_their_kind() {
        let input = json!({ "url": "https://example.com/hook" });
        let settings = ChannelSettings::from_input("webhook", input.as_object().unwrap(), &STRICT).unwrap();
        let text = serde_json::to_string(&settings).unwrap();
        assert!(text.contains("\"kind\":\"webhook\""));
        assert_eq!(serde_json::from_str::<ChannelSettings>(&text).unwrap(), settings);
        assert_eq!(settings.kind(), "webhook");
    }
}
