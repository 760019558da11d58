//! Google Chat, through a space's incoming webhook
//! (https://developers.google.com/workspace/chat/quickstart/webhooks): a
//! `text` for notifications and a `cardsV2` card
//! (https://developers.google.com/workspace/chat/api/reference/rest/v1/cards).
//! A message's text is at most 4 096 chars and the whole message 32 000
//! bytes; decorated text takes Chat's HTML subset, so facts are escaped.
//! Messages about one incident share a thread (`threadKey` = incident id).

use super::kind::{json_request, webhook_url, KindSettings};
use super::rules::NotifyRules;
use super::text::{cut, cut_escaped, facts, headline, html, Tone};
use super::{Event, Notifier, OutboundRequest, SendContext};
use crate::domain::validation::{FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

const FACT_MAX: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoogleChatSettings {
    /// `https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…`.
    pub url: String,
}

impl KindSettings for GoogleChatSettings {
    const SECRETS: &'static [&'static str] = &["url"];

    fn read(fields: &mut Fields<'_>, rules: &NotifyRules) -> Result<Self, FieldError> {
        Ok(GoogleChatSettings {
            url: webhook_url(fields, "url", rules)?,
        })
    }
}

impl Notifier for GoogleChatSettings {
    fn request(&self, event: &Event, _: &SendContext<'_>) -> Result<OutboundRequest, String> {
        let mut url = Url::parse(&self.url).map_err(|e| format!("stored url does not parse: {e}"))?;
        // Start a thread for the incident's first message, reply in it after.
        url.query_pairs_mut()
            .append_pair("messageReplyOption", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
        Ok(json_request("POST", url.to_string(), &[], &message(event)))
    }
}

pub fn message(event: &Event) -> Value {
    let tone = Tone::of(event.kind);
    let line = headline(event);
    let widgets: Vec<Value> = facts(event)
        .iter()
        .map(|fact| {
            json!({ "decoratedText": { "topLabel": fact.label, "text": cut_escaped(&fact.value, FACT_MAX, html), "wrapText": true } })
        })
        .collect();
    let mut sections = vec![json!({ "widgets": widgets })];
    if let Some(link) = &event.link {
        sections.push(json!({ "widgets": [{ "buttonList": { "buttons": [
            { "text": "Open in Pingwarden", "onClick": { "openLink": { "url": link } } }
        ] } }] }));
    }
    let thread = event.incident.as_ref().map_or(event.id.as_str(), |i| i.id.as_str());
    json!({
        "text": cut(&format!("{} {line}", tone.emoji()), 4_096),
        "cardsV2": [{
            "cardId": event.id,
            "card": {
                "header": { "title": cut(&line, 200), "subtitle": "Pingwarden" },
                "sections": sections,
            },
        }],
        "thread": { "threadKey": thread },
    })
}

#[cfg(test)]
mod tests {
    use super::super::kind::testing::{input, secrets_round_trip, LOCAL};
    use super::super::text::fixtures::{body, event, huge_hint, with_hint};
    use super::super::EventKind;
    use super::*;

    const URL: &str = "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t";

    #[test]
    fn detected_and_resolved_are_cards_in_the_incidents_thread() {
        let settings = GoogleChatSettings::from_input(&input(json!({ "url": URL })), &LOCAL).unwrap();
        let context = SendContext {
            now_ms: 0,
            api_base: None,
        };
        for (kind, text) in [
            (
                EventKind::Detected,
                "🔴 Checkout API is down: HTTP 503 Service Unavailable",
            ),
            (EventKind::Resolved, "✅ Checkout API is back up after 4 min 5 s"),
        ] {
            let request = settings.request(&event(kind), &context).unwrap();
            assert_eq!(request.method, "POST");
            assert_eq!(
                request.url,
                format!("{URL}&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
            );
            let body = body(&request);
            assert_eq!(body["text"], text);
            assert_eq!(body["thread"]["threadKey"], "inc_1");
            let card = &body["cardsV2"][0]["card"];
            assert_eq!(
                card["sections"][0]["widgets"][0]["decoratedText"]["text"],
                "Checkout API"
            );
            assert_eq!(
                card["sections"][1]["widgets"][0]["buttonList"]["buttons"][0]["onClick"]["openLink"]["url"],
                "https://status.example.com/incidents/inc_1"
            );
        }
    }

    #[test]
    fn texts_are_escaped_and_within_limits() {
        let body = message(&with_hint(&huge_hint()));
        assert!(body["text"].as_str().unwrap().chars().count() <= 4_096);
        let hint = body["cardsV2"][0]["card"]["sections"][0]["widgets"][4]["decoratedText"]["text"]
            .as_str()
            .unwrap();
        assert!(hint.starts_with("é&lt;&amp;&gt;&quot;") && hint.chars().count() <= FACT_MAX);
        assert!(body.to_string().len() <= 32_000);
    }

    #[test]
    fn the_url_is_a_secret() {
        secrets_round_trip::<GoogleChatSettings>(json!({ "url": URL }));
    }
}
