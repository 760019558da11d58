//! Matrix, through the client-server API
//! (https://spec.matrix.org/v1.11/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid):
//! `PUT {homeserver}/_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}`.
//! The transaction id is the event id, so a retried delivery is the same
//! message to the homeserver, never a second one. The message is an
//! `m.notice` (what bots send: clients never answer one) with a plain `body`
//! and an HTML `formatted_body`, escaped. An event is at most 65 536 bytes;
//! each fact is cut to 2 000 chars.

use super::kind::{json_request, path_segment, required, secret, server_url, KindSettings};
use super::rules::NotifyRules;
use super::text::{cut, cut_escaped, facts, headline, html, plain_facts, Tone};
use super::{Event, Notifier, OutboundRequest, SendContext};
use crate::domain::validation::{FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const FACT_MAX: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixSettings {
    pub homeserver: String,
    /// A (bot) user's access token, joined to the room.
    pub access_token: String,
    /// `!opaque:server.name` (`!opaque` in rooms of version 12 and later);
    /// aliases (`#room:server`) cannot be sent to.
    pub room_id: String,
}

impl KindSettings for MatrixSettings {
    const SECRETS: &'static [&'static str] = &["access_token"];

    fn read(fields: &mut Fields<'_>, rules: &NotifyRules) -> Result<Self, FieldError> {
        let homeserver = server_url(fields, "homeserver", None, rules)?;
        let access_token = secret(fields, "access_token", 500)?;
        let room_id = required(fields, "room_id", 255)?;
        // `!opaque:server.name`, or `!opaque` alone from room version 12 on.
        let valid = room_id.len() > 1 && room_id.starts_with('!') && !room_id.contains(char::is_whitespace);
        if !valid {
            return Err(FieldError::new(
                "room_id",
                "room_id must be a room id such as !abc123:example.org (Room settings → Advanced)",
            ));
        }
        Ok(MatrixSettings {
            homeserver,
            access_token,
            room_id,
        })
    }
}

impl Notifier for MatrixSettings {
    fn request(&self, event: &Event, _: &SendContext<'_>) -> Result<OutboundRequest, String> {
        let url = format!(
            "{}/_matrix/client/v3/rooms/{}/send/m.room.message/{}",
            self.homeserver,
            path_segment(&self.room_id),
            path_segment(&event.id)
        );
        let authorization = format!("Bearer {}", self.access_token);
        Ok(json_request(
            "PUT",
            url,
            &[("Authorization", &authorization)],
            &message(event),
        ))
    }
}

pub fn message(event: &Event) -> Value {
    let line = format!("{} {}", Tone::of(event.kind).emoji(), headline(event));
    let mut formatted = format!("<p><strong>{}</strong></p>\n<ul>", cut_escaped(&line, 500, html));
    for fact in facts(event) {
        formatted.push_str(&format!(
            "\n<li><strong>{}:</strong> {}</li>",
            fact.label,
            cut_escaped(&fact.value, FACT_MAX, html)
        ));
    }
    formatted.push_str("\n</ul>");
    json!({
        "msgtype": "m.notice",
        "body": format!("{}\n{}", cut(&line, 500), plain_facts(event, FACT_MAX)),
        "format": "org.matrix.custom.html",
        "formatted_body": formatted,
    })
}

#[cfg(test)]
mod tests {
    use super::super::kind::testing::{input, refused, secrets_round_trip, LOCAL};
    use super::super::text::fixtures::{body, event, header, huge_hint, with_hint};
    use super::super::EventKind;
    use super::*;

    fn settings() -> MatrixSettings {
        let value = json!({ "homeserver": "https://matrix.example.org", "access_token": "syt_x", "room_id": "!abc:example.org" });
        MatrixSettings::from_input(&input(value), &LOCAL).unwrap()
    }

    #[test]
    fn messages_are_put_with_the_event_id_as_the_transaction() {
        let mut event = event(EventKind::Detected);
        event.id = "evt/1 ?".into();
        let request = settings()
            .request(
                &event,
                &SendContext {
                    now_ms: 0,
                    api_base: None,
                },
            )
            .unwrap();
        assert_eq!(request.method, "PUT");
        assert_eq!(
            request.url,
            "https://matrix.example.org/_matrix/client/v3/rooms/%21abc%3Aexample.org/send/m.room.message/evt%2F1%20%3F"
        );
        assert_eq!(header(&request, "authorization"), Some("Bearer syt_x"));
    }

    #[test]
    fn detected_and_resolved_are_notices_with_an_html_body() {
        for (kind, line) in [
            (
                EventKind::Detected,
                "🔴 Checkout API is down: HTTP 503 Service Unavailable",
            ),
            (EventKind::Resolved, "✅ Checkout API is back up after 4 min 5 s"),
        ] {
            let body = body(
                &settings()
                    .request(
                        &event(kind),
                        &SendContext {
                            now_ms: 0,
                            api_base: None,
                        },
                    )
                    .unwrap(),
            );
            assert_eq!(body["msgtype"], "m.notice");
            assert_eq!(body["format"], "org.matrix.custom.html");
            assert!(body["body"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{line}\nMonitor: Checkout API")));
            let formatted = body["formatted_body"].as_str().unwrap();
            assert!(
                formatted.starts_with(&format!("<p><strong>{line}</strong></p>")),
                "{formatted}"
            );
            assert!(formatted.contains("<li><strong>Monitor:</strong> Checkout API</li>"));
        }
    }

    #[test]
    fn the_html_is_escaped_and_the_event_small_enough() {
        let message = message(&with_hint(&huge_hint()));
        let formatted = message["formatted_body"].as_str().unwrap();
        assert!(formatted.contains("<strong>Hint:</strong> é&lt;&amp;&gt;&quot;"));
        assert!(message.to_string().len() < 65_536);
    }

    #[test]
    fn the_token_is_a_secret_and_the_room_an_id() {
        let value = json!({ "homeserver": "https://matrix.example.org", "access_token": "syt_x", "room_id": "!abc:example.org" });
        secrets_round_trip::<MatrixSettings>(value);
        let version_12 = json!({ "homeserver": "https://m.example.org", "access_token": "t", "room_id": "!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM" });
        assert!(MatrixSettings::from_input(&input(version_12), &LOCAL).is_ok());
        let cases = [
            (json!({ "access_token": "t", "room_id": "!a:b" }), "homeserver"),
            (
                json!({ "homeserver": "https://m.example.org", "room_id": "!a:b" }),
                "access_token",
            ),
            (
                json!({ "homeserver": "https://m.example.org", "access_token": "t", "room_id": "#ops:b" }),
                "room_id",
            ),
        ];
        for (value, field) in cases {
            assert_eq!(refused::<MatrixSettings>(value), field);
        }
    }
}
