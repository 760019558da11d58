//! Gotify (https://gotify.net/api-docs#/message/createMessage):
//! `POST {server}/message` with the application's token in `X-Gotify-Key`;
//! the click-through link goes in the `client::notification` extra
//! (https://gotify.net/docs/msgextras). Gotify documents no size limit; the
//! message is cut to 4 096 chars like ntfy's, which phones show whole.
//! Priorities: 8 and above alert loudly on Android, 1 to 3 stay silent.

use super::kind::{json_request, secret, server_url, KindSettings};
use super::rules::NotifyRules;
use super::text::{cut, headline, plain_facts, Tone};
use super::{Event, Notifier, OutboundRequest, SendContext};
use crate::domain::validation::{FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const MESSAGE_MAX: usize = 4_096;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GotifySettings {
    pub server: String,
    /// An application's token (not a client's).
    pub app_token: String,
}

impl KindSettings for GotifySettings {
    const SECRETS: &'static [&'static str] = &["app_token"];

    fn read(fields: &mut Fields<'_>, rules: &NotifyRules) -> Result<Self, FieldError> {
        Ok(GotifySettings {
            server: server_url(fields, "server", None, rules)?,
            app_token: secret(fields, "app_token", 200)?,
        })
    }
}

impl Notifier for GotifySettings {
    fn request(&self, event: &Event, _: &SendContext<'_>) -> Result<OutboundRequest, String> {
        let url = format!("{}/message", self.server);
        Ok(json_request(
            "POST",
            url,
            &[("X-Gotify-Key", &self.app_token)],
            &message(event),
        ))
    }
}

pub fn message(event: &Event) -> Value {
    let priority = match Tone::of(event.kind) {
        Tone::Down => 8,
        Tone::Up | Tone::Update => 5,
        Tone::Test => 2,
    };
    let mut message = json!({
        "title": cut(&headline(event), 250),
        "message": cut(&plain_facts(event, 1_000), MESSAGE_MAX),
        "priority": priority,
        "extras": { "client::display": { "contentType": "text/plain" } },
    });
    if let Some(link) = &event.link {
        message["extras"]["client::notification"] = json!({ "click": { "url": link } });
    }
    message
}

#[cfg(test)]
mod tests {
    use super::super::kind::testing::{input, refused, secrets_round_trip, LOCAL};
    use super::super::text::fixtures::{body, event, header, huge_hint, with_hint};
    use super::super::EventKind;
    use super::*;

    #[test]
    fn messages_go_to_the_server_with_priority_by_state() {
        let input = input(json!({ "server": "https://gotify.example.com/", "app_token": "AbC.123" }));
        let settings = GotifySettings::from_input(&input, &LOCAL).unwrap();
        let context = SendContext {
            now_ms: 0,
            api_base: None,
        };
        for (kind, priority, title) in [
            (
                EventKind::Detected,
                8,
                "Checkout API is down: HTTP 503 Service Unavailable",
            ),
            (EventKind::Resolved, 5, "Checkout API is back up after 4 min 5 s"),
        ] {
            let request = settings.request(&event(kind), &context).unwrap();
            assert_eq!(
                (request.method, request.url.as_str()),
                ("POST", "https://gotify.example.com/message")
            );
            assert_eq!(header(&request, "x-gotify-key"), Some("AbC.123"));
            let body = body(&request);
            assert_eq!(
                (body["title"].as_str(), body["priority"].as_u64()),
                (Some(title), Some(priority))
            );
            assert_eq!(
                body["extras"]["client::notification"]["click"]["url"],
                "https://status.example.com/incidents/inc_1"
            );
        }
    }

    #[test]
    fn the_message_is_cut() {
        let message = message(&with_hint(&huge_hint()));
        assert!(message["message"].as_str().unwrap().chars().count() <= MESSAGE_MAX);
    }

    #[test]
    fn the_token_is_a_secret_and_the_server_required() {
        secrets_round_trip::<GotifySettings>(json!({ "server": "https://gotify.example.com", "app_token": "x" }));
        assert_eq!(refused::<GotifySettings>(json!({ "app_token": "x" })), "server");
        assert_eq!(
            refused::<GotifySettings>(json!({ "server": "https://192.168.1.2", "app_token": "x" })),
            "server"
        );
    }
}
