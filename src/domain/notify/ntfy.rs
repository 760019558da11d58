//! ntfy (https://docs.ntfy.sh/publish/#publish-as-json): a JSON message
//! posted to the server's root, naming its topic. Priority (1 to 5) and tags
//! (emoji short codes) follow the event; an access token, if the topic is
//! protected, goes as a Bearer token. ntfy.sh keeps messages up to 4 096
//! bytes as text (longer ones become attachments), so the message is cut
//! there.

use super::kind::{json_request, optional_secret, required, server_url, KindSettings};
use super::rules::NotifyRules;
use super::text::{cut, cut_bytes, headline, plain_facts, Tone};
use super::{Event, Notifier, OutboundRequest, SendContext};
use crate::domain::validation::{FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub const DEFAULT_SERVER: &str = "https://ntfy.sh";
const MESSAGE_MAX_BYTES: usize = 4_096;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NtfySettings {
    pub server: String,
    pub topic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl KindSettings for NtfySettings {
    const SECRETS: &'static [&'static str] = &["token"];

    fn read(fields: &mut Fields<'_>, rules: &NotifyRules) -> Result<Self, FieldError> {
        let server = server_url(fields, "server", Some(DEFAULT_SERVER), rules)?;
        let topic = required(fields, "topic", 64)?;
        if !topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(FieldError::new("topic", "topic may hold only letters, digits, - and _"));
        }
        let token = optional_secret(fields, "token", 200)?;
        Ok(NtfySettings { server, topic, token })
    }
}

impl Notifier for NtfySettings {
    fn request(&self, event: &Event, _: &SendContext<'_>) -> Result<OutboundRequest, String> {
        let authorization = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = authorization.iter().map(|a| ("Authorization", a.as_str())).collect();
        Ok(json_request(
            "POST",
            format!("{}/", self.server),
            &headers,
            &message(&self.topic, event),
        ))
    }
}

pub fn message(topic: &str, event: &Event) -> Value {
    let (priority, tag) = match Tone::of(event.kind) {
        Tone::Down => (5, "rotating_light"),
        Tone::Up => (3, "white_check_mark"),
        Tone::Update => (3, "memo"),
        Tone::Test => (2, "test_tube"),
    };
    let mut message = json!({
        "topic": topic,
        "title": cut(&headline(event), 250),
        "message": cut_bytes(&plain_facts(event, 1_000), MESSAGE_MAX_BYTES),
        "priority": priority,
        "tags": [tag],
    });
    if let Some(link) = &event.link {
        message["click"] = json!(link);
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
    fn messages_go_to_the_server_with_priority_and_tags_by_state() {
        let settings = NtfySettings::from_input(&input(json!({ "topic": "ops", "token": "tk_x" })), &LOCAL).unwrap();
        let context = SendContext {
            now_ms: 0,
            api_base: None,
        };
        let cases = [
            (
                EventKind::Detected,
                5,
                "rotating_light",
                "Checkout API is down: HTTP 503 Service Unavailable",
            ),
            (
                EventKind::Resolved,
                3,
                "white_check_mark",
                "Checkout API is back up after 4 min 5 s",
            ),
        ];
        for (kind, priority, tag, title) in cases {
            let request = settings.request(&event(kind), &context).unwrap();
            assert_eq!((request.method, request.url.as_str()), ("POST", "https://ntfy.sh/"));
            assert_eq!(header(&request, "authorization"), Some("Bearer tk_x"));
            let body = body(&request);
            assert_eq!(
                (body["topic"].as_str(), body["title"].as_str()),
                (Some("ops"), Some(title))
            );
            assert_eq!(
                (body["priority"].as_u64(), body["tags"][0].as_str()),
                (Some(priority), Some(tag))
            );
            assert!(body["message"].as_str().unwrap().starts_with("Monitor: Checkout API\n"));
            assert_eq!(body["click"], "https://status.example.com/incidents/inc_1");
        }
        let open = NtfySettings::from_input(
            &input(json!({ "server": "http://127.0.0.1:8090/", "topic": "t" })),
            &LOCAL,
        )
        .unwrap();
        let request = open.request(&event(EventKind::Test), &context).unwrap();
        assert_eq!(
            (request.url.as_str(), header(&request, "authorization")),
            ("http://127.0.0.1:8090/", None)
        );
    }

    #[test]
    fn the_message_stays_within_4096_bytes() {
        let message = message("t", &with_hint(&huge_hint()));
        assert!(message["message"].as_str().unwrap().len() <= MESSAGE_MAX_BYTES);
        assert!(message["title"].as_str().unwrap().chars().count() <= 250);
    }

    #[test]
    fn the_token_is_a_secret_and_the_topic_checked() {
        secrets_round_trip::<NtfySettings>(json!({ "topic": "ops", "token": "tk_x" }));
        assert_eq!(refused::<NtfySettings>(json!({})), "topic");
        assert_eq!(refused::<NtfySettings>(json!({ "topic": "a/b" })), "topic");
        assert_eq!(
            refused::<NtfySettings>(json!({ "topic": "a", "server": "http://ntfy.example.com" })),
            "server"
        );
    }
}
