//! Pushover (https://pushover.net/api): `POST {base}/1/messages.json`, which
//! takes a JSON body. Limits: `message` 1 024 chars, `title` 250, `url` 512,
//! `url_title` 100. Plain text (no `html=1`), so nothing needs escaping.

use super::kind::{endpoint, json_request, secret, KindSettings};
use super::rules::NotifyRules;
use super::text::{cut, headline, plain_facts, Tone};
use super::{Event, Notifier, OutboundRequest, SendContext};
use crate::domain::validation::{FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub const API_BASE: &str = "https://api.pushover.net";
const MESSAGE_MAX: usize = 1_024;
const TITLE_MAX: usize = 250;
const URL_MAX: usize = 512;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushoverSettings {
    /// The application's API token.
    pub token: String,
    /// The user's or group's key.
    pub user_key: String,
}

/// Pushover's tokens and keys are 30 letters and digits.
fn key(fields: &mut Fields<'_>, name: &'static str) -> Result<String, FieldError> {
    let key = secret(fields, name, 30)?;
    if key.len() != 30 || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(FieldError::new(name, format!("{name} must be 30 letters and digits")));
    }
    Ok(key)
}

impl KindSettings for PushoverSettings {
    const SECRETS: &'static [&'static str] = &["token", "user_key"];

    fn read(fields: &mut Fields<'_>, _: &NotifyRules) -> Result<Self, FieldError> {
        Ok(PushoverSettings {
            token: key(fields, "token")?,
            user_key: key(fields, "user_key")?,
        })
    }
}

impl Notifier for PushoverSettings {
    fn request(&self, event: &Event, context: &SendContext<'_>) -> Result<OutboundRequest, String> {
        let url = endpoint(context.api_base, API_BASE, "/1/messages.json");
        Ok(json_request("POST", url, &[], &message(self, event)))
    }
}

pub fn message(settings: &PushoverSettings, event: &Event) -> Value {
    // High priority (1) bypasses quiet hours: only for an outage.
    let priority = if Tone::of(event.kind) == Tone::Down { 1 } else { 0 };
    let mut message = json!({
        "token": settings.token,
        "user": settings.user_key,
        "title": cut(&headline(event), TITLE_MAX),
        "message": cut(&plain_facts(event, 300), MESSAGE_MAX),
        "priority": priority,
        "timestamp": event.timestamp_ms / 1000,
    });
    // A URL cannot be cut; one too long is left out.
    if let Some(link) = event.link.as_ref().filter(|l| l.chars().count() <= URL_MAX) {
        message["url"] = json!(link);
        message["url_title"] = json!("Open in Pingwarden");
    }
    message
}

#[cfg(test)]
mod tests {
    use super::super::kind::testing::{input, refused, secrets_round_trip, LOCAL};
    use super::super::text::fixtures::{body, event, huge_hint, with_hint};
    use super::super::EventKind;
    use super::*;

    const TOKEN: &str = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
    const USER: &str = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";

    fn settings() -> PushoverSettings {
        PushoverSettings::from_input(&input(json!({ "token": TOKEN, "user_key": USER })), &LOCAL).unwrap()
    }

    #[test]
    fn messages_go_to_the_api_or_its_override() {
        for (api_base, url) in [
            (None, "https://api.pushover.net/1/messages.json"),
            (Some("http://127.0.0.1:9"), "http://127.0.0.1:9/1/messages.json"),
        ] {
            let request = settings()
                .request(&event(EventKind::Detected), &SendContext { now_ms: 0, api_base })
                .unwrap();
            assert_eq!((request.method, request.url.as_str()), ("POST", url));
        }
    }

    #[test]
    fn detected_is_urgent_and_resolved_is_not() {
        let context = SendContext {
            now_ms: 0,
            api_base: None,
        };
        let cases = [
            (
                EventKind::Detected,
                1,
                "Checkout API is down: HTTP 503 Service Unavailable",
            ),
            (EventKind::Resolved, 0, "Checkout API is back up after 4 min 5 s"),
        ];
        for (kind, priority, title) in cases {
            let body = body(&settings().request(&event(kind), &context).unwrap());
            assert_eq!(
                (body["token"].as_str(), body["user"].as_str()),
                (Some(TOKEN), Some(USER))
            );
            assert_eq!(
                (body["title"].as_str(), body["priority"].as_u64()),
                (Some(title), Some(priority))
            );
            assert_eq!(body["url"], "https://status.example.com/incidents/inc_1");
            assert_eq!(body["timestamp"], 1_778_775_849);
        }
    }

    #[test]
    fn texts_stay_within_pushover_limits() {
        let mut event = with_hint(&huge_hint());
        event.link = Some(format!("https://example.com/{}", "a".repeat(600)));
        let message = message(&settings(), &event);
        assert!(message["message"].as_str().unwrap().chars().count() <= MESSAGE_MAX);
        assert!(message["title"].as_str().unwrap().chars().count() <= TITLE_MAX);
        assert!(message.get("url").is_none());
    }

    #[test]
    fn both_keys_are_secrets_of_the_documented_shape() {
        secrets_round_trip::<PushoverSettings>(json!({ "token": TOKEN, "user_key": USER }));
        assert_eq!(refused::<PushoverSettings>(json!({ "token": TOKEN })), "user_key");
        assert_eq!(
            refused::<PushoverSettings>(json!({ "token": "short", "user_key": USER })),
            "token"
        );
    }
}
