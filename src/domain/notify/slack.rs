//! Slack, through an incoming webhook (https://api.slack.com/messaging/webhooks).
//! The message is Block Kit blocks (https://api.slack.com/reference/block-kit/blocks)
//! inside a secondary attachment, the only place Slack still draws a colour
//! bar, with a top-level `text` that notifications and screen readers use.
//! Limits: `text` is best under 4 000 chars, a header's text 150, a section
//! field's 2 000 (at most 10 fields), a context element's 2 000. Every mrkdwn
//! text escapes `&`, `<` and `>`.

use super::kind::{json_request, webhook_url, KindSettings};
use super::rules::NotifyRules;
use super::text::{cut, cut_escaped, facts, headline, slack as escape, Tone};
use super::{Event, Notifier, OutboundRequest, SendContext};
use crate::domain::time::iso_from_millis;
use crate::domain::validation::{FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlackSettings {
    /// `https://hooks.slack.com/services/…`: the URL is the credential.
    pub url: String,
}

impl KindSettings for SlackSettings {
    const SECRETS: &'static [&'static str] = &["url"];

    fn read(fields: &mut Fields<'_>, rules: &NotifyRules) -> Result<Self, FieldError> {
        Ok(SlackSettings {
            url: webhook_url(fields, "url", rules)?,
        })
    }
}

impl Notifier for SlackSettings {
    fn request(&self, event: &Event, _: &SendContext<'_>) -> Result<OutboundRequest, String> {
        Ok(json_request("POST", self.url.clone(), &[], &message(event)))
    }
}

/// Whether a URL is a Slack incoming webhook, so that the generic webhook
/// can send it this message rather than a JSON body Slack would refuse.
pub fn is_slack_url(url: &Url) -> bool {
    url.scheme() == "https" && url.host_str() == Some("hooks.slack.com") && url.path().starts_with("/services/")
}

/// The incoming webhook's body for `event`.
pub fn message(event: &Event) -> Value {
    let tone = Tone::of(event.kind);
    let line = format!("{} {}", tone.emoji(), headline(event));
    let fields: Vec<Value> = facts(event)
        .iter()
        .map(|fact| {
            let label = format!("*{}*\n", fact.label);
            let room = 2_000 - label.chars().count();
            json!({ "type": "mrkdwn", "text": format!("{label}{}", cut_escaped(&fact.value, room, escape)) })
        })
        .collect();
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": cut(&line, 150), "emoji": true },
    })];
    // A section needs at least one field.
    if !fields.is_empty() {
        blocks.push(json!({ "type": "section", "fields": fields }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{ "type": "mrkdwn", "text": format!("Pingwarden · {}", iso_from_millis(event.timestamp_ms)) }],
    }));
    json!({
        "text": cut_escaped(&line, 4_000, escape),
        "attachments": [{ "color": tone.hex(), "blocks": blocks }],
    })
}

#[cfg(test)]
mod tests {
    use super::super::kind::testing::{input, refused, secrets_round_trip, LOCAL};
    use super::super::text::fixtures::{body, event, header, huge_hint, with_hint};
    use super::super::EventKind;
    use super::*;

    const URL: &str = "https://hooks.slack.com/services/T0/B0/secret";

    fn send(event: &Event) -> OutboundRequest {
        let settings = SlackSettings::from_input(&input(json!({ "url": URL })), &LOCAL).unwrap();
        let context = SendContext {
            now_ms: 0,
            api_base: Some("http://ignored"),
        };
        settings.request(event, &context).unwrap()
    }

    #[test]
    fn detected_and_resolved_are_coloured_block_kit_messages() {
        let cases = [
            (
                EventKind::Detected,
                "#d92d20",
                "🔴 Checkout API is down: HTTP 503 Service Unavailable",
            ),
            (
                EventKind::Resolved,
                "#12b76a",
                "✅ Checkout API is back up after 4 min 5 s",
            ),
            (
                EventKind::Updated,
                "#f79009",
                "🟠 Incident updated: Checkout API is down (investigating)",
            ),
        ];
        for (kind, color, text) in cases {
            let request = send(&event(kind));
            assert_eq!((request.method, request.url.as_str()), ("POST", URL));
            assert_eq!(header(&request, "content-type"), Some("application/json"));
            let body = body(&request);
            assert_eq!(body["text"], text);
            let attachment = &body["attachments"][0];
            assert_eq!(attachment["color"], color);
            assert_eq!(attachment["blocks"][0]["text"]["text"], text);
            assert_eq!(attachment["blocks"][1]["fields"][0]["text"], "*Monitor*\nCheckout API");
            assert_eq!(attachment["blocks"][1]["fields"][3]["text"], "*Duration*\n4 min 5 s");
        }
        let test = body(&send(&event(EventKind::Test)));
        assert_eq!(
            test["attachments"][0]["blocks"][1]["fields"].as_array().unwrap().len(),
            1
        );
    }

    #[test]
    fn texts_are_escaped_and_within_slack_limits() {
        let body = message(&with_hint(&huge_hint()));
        let chars = |v: &Value| v.as_str().unwrap().chars().count();
        assert!(chars(&body["text"]) <= 4_000);
        assert!(!body["text"].as_str().unwrap().contains('<'));
        let blocks = &body["attachments"][0]["blocks"];
        assert!(chars(&blocks[0]["text"]["text"]) <= 150);
        let hint = &blocks[1]["fields"][4]["text"];
        assert!(chars(hint) <= 2_000);
        assert!(hint.as_str().unwrap().starts_with("*Hint*\né&lt;&amp;&gt;\""));
    }

    #[test]
    fn the_url_is_a_secret_and_must_be_public_https() {
        secrets_round_trip::<SlackSettings>(json!({ "url": URL }));
        assert_eq!(refused::<SlackSettings>(json!({})), "url");
        assert_eq!(
            refused::<SlackSettings>(json!({ "url": "http://hooks.slack.com/x" })),
            "url"
        );
        assert_eq!(
            refused::<SlackSettings>(json!({ "url": URL, "channel": "#ops" })),
            "channel"
        );
    }

    #[test]
    fn slack_webhook_urls_are_recognised() {
        let is = |url: &str| is_slack_url(&Url::parse(url).unwrap());
        assert!(is(URL));
        assert!(!is("https://hooks.slack.com.evil.example/services/x"));
        assert!(!is("https://example.com/services/x"));
    }
}
