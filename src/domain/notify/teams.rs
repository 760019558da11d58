//! Microsoft Teams, through a Workflows webhook (the "Post to a channel
//! when a webhook request is received" template, which replaced Office 365
//! connectors). The flow expects a `message` whose attachment is an
//! Adaptive Card
//! (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook);
//! a Teams message is at most 28 KB, so each fact is cut to 2 000 chars.

use super::kind::{json_request, webhook_url, KindSettings};
use super::rules::NotifyRules;
use super::text::{cut, facts, headline, Tone};
use super::{Event, Notifier, OutboundRequest, SendContext};
use crate::domain::validation::{FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const FACT_MAX: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamsSettings {
    /// The workflow's trigger URL; its `sig` parameter is the credential.
    pub url: String,
}

impl KindSettings for TeamsSettings {
    const SECRETS: &'static [&'static str] = &["url"];

    fn read(fields: &mut Fields<'_>, rules: &NotifyRules) -> Result<Self, FieldError> {
        Ok(TeamsSettings {
            url: webhook_url(fields, "url", rules)?,
        })
    }
}

impl Notifier for TeamsSettings {
    fn request(&self, event: &Event, _: &SendContext<'_>) -> Result<OutboundRequest, String> {
        Ok(json_request("POST", self.url.clone(), &[], &message(event)))
    }
}

/// The card's colour names for each tone (Adaptive Cards have no RGB).
fn color(tone: Tone) -> &'static str {
    match tone {
        Tone::Down => "Attention",
        Tone::Up => "Good",
        Tone::Update => "Warning",
        Tone::Test => "Accent",
    }
}

pub fn message(event: &Event) -> Value {
    let tone = Tone::of(event.kind);
    let facts: Vec<Value> = facts(event)
        .iter()
        .map(|fact| json!({ "title": fact.label, "value": cut(&fact.value, FACT_MAX) }))
        .collect();
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": { "width": "Full" },
        "body": [
            {
                "type": "TextBlock",
                "text": cut(&format!("{} {}", tone.emoji(), headline(event)), 500),
                "size": "Large",
                "weight": "Bolder",
                "color": color(tone),
                "wrap": true,
            },
            { "type": "FactSet", "facts": facts },
        ],
    });
    if let Some(link) = &event.link {
        card["actions"] = json!([{ "type": "Action.OpenUrl", "title": "Open in Pingwarden", "url": link }]);
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::super::kind::testing::{input, refused, secrets_round_trip, LOCAL};
    use super::super::text::fixtures::{body, event, huge_hint, with_hint};
    use super::super::EventKind;
    use super::*;

    const URL: &str = "https://prod-1.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=secret";

    #[test]
    fn detected_and_resolved_are_adaptive_cards_in_a_message() {
        let settings = TeamsSettings::from_input(&input(json!({ "url": URL })), &LOCAL).unwrap();
        let context = SendContext {
            now_ms: 0,
            api_base: None,
        };
        for (kind, color, text) in [
            (
                EventKind::Detected,
                "Attention",
                "🔴 Checkout API is down: HTTP 503 Service Unavailable",
            ),
            (
                EventKind::Resolved,
                "Good",
                "✅ Checkout API is back up after 4 min 5 s",
            ),
        ] {
            let request = settings.request(&event(kind), &context).unwrap();
            assert_eq!((request.method, request.url.as_str()), ("POST", URL));
            let body = body(&request);
            assert_eq!(body["type"], "message");
            let attachment = &body["attachments"][0];
            assert_eq!(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
            let card = &attachment["content"];
            assert_eq!(
                (card["type"].as_str(), card["version"].as_str()),
                (Some("AdaptiveCard"), Some("1.4"))
            );
            assert_eq!(card["body"][0]["text"], text);
            assert_eq!(card["body"][0]["color"], color);
            assert_eq!(
                card["body"][1]["facts"][0],
                json!({ "title": "Monitor", "value": "Checkout API" })
            );
            assert_eq!(card["actions"][0]["url"], "https://status.example.com/incidents/inc_1");
        }
    }

    #[test]
    fn cards_stay_under_the_message_size_limit() {
        let body = message(&with_hint(&huge_hint())).to_string();
        assert!(body.len() < 28 * 1024, "{}", body.len());
    }

    #[test]
    fn the_url_is_a_secret_and_must_be_public_https() {
        secrets_round_trip::<TeamsSettings>(json!({ "url": URL }));
        assert_eq!(refused::<TeamsSettings>(json!({ "url": "not a url" })), "url");
    }
}
