//! Discord, through a channel webhook
//! (https://discord.com/developers/docs/resources/webhook#execute-webhook):
//! one embed, within Discord's embed limits
//! (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
//! title ≤ 256 chars, description ≤ 4 096, ≤ 25 fields, a field's name ≤ 256
//! and value ≤ 1 024, all of an embed's text ≤ 6 000. Mentions in the text
//! (`@everyone`) are never turned into pings.

use super::kind::{json_request, webhook_url, KindSettings};
use super::rules::NotifyRules;
use super::text::{cut, facts, headline, Tone};
use super::{Event, Notifier, OutboundRequest, SendContext};
use crate::domain::time::iso_from_millis;
use crate::domain::validation::{FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

const TITLE_MAX: usize = 256;
const FIELD_VALUE_MAX: usize = 1_024;
/// Facts this short sit side by side.
const INLINE_MAX: usize = 40;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscordSettings {
    /// `https://discord.com/api/webhooks/{id}/{token}`: the URL is the credential.
    pub url: String,
}

impl KindSettings for DiscordSettings {
    const SECRETS: &'static [&'static str] = &["url"];

    fn read(fields: &mut Fields<'_>, rules: &NotifyRules) -> Result<Self, FieldError> {
        Ok(DiscordSettings {
            url: webhook_url(fields, "url", rules)?,
        })
    }
}

impl Notifier for DiscordSettings {
    fn request(&self, event: &Event, _: &SendContext<'_>) -> Result<OutboundRequest, String> {
        Ok(json_request("POST", self.url.clone(), &[], &message(event)))
    }
}

/// Whether a URL is a Discord webhook, so that the generic webhook can send
/// it this message rather than a JSON body Discord would refuse.
pub fn is_discord_url(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    url.scheme() == "https"
        && ["discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"].contains(&host)
        && url.path().starts_with("/api/webhooks/")
}

/// The webhook's body for `event`. Six facts of at most 1 024 chars and a
/// 256-char title stay under the 6 000-char total.
pub fn message(event: &Event) -> Value {
    let tone = Tone::of(event.kind);
    let fields: Vec<Value> = facts(event)
        .iter()
        .map(|fact| {
            json!({
                "name": fact.label,
                "value": cut(&fact.value, FIELD_VALUE_MAX),
                "inline": fact.value.chars().count() <= INLINE_MAX,
            })
        })
        .collect();
    let mut embed = json!({
        "title": cut(&format!("{} {}", tone.emoji(), headline(event)), TITLE_MAX),
        "color": tone.rgb(),
        "fields": fields,
        "timestamp": iso_from_millis(event.timestamp_ms),
        "footer": { "text": "Pingwarden" },
    });
    // The title links to the incident when the link is a URL Discord takes.
    if let Some(link) = event
        .link
        .as_deref()
        .filter(|l| Url::parse(l).is_ok() && l.len() <= 2_048)
    {
        embed["url"] = json!(link);
    }
    json!({
        "username": "Pingwarden",
        "allowed_mentions": { "parse": [] },
        "embeds": [embed],
    })
}

#[cfg(test)]
mod tests {
    use super::super::kind::testing::{input, refused, secrets_round_trip, LOCAL};
    use super::super::text::fixtures::{body, event, huge_hint, with_hint};
    use super::super::EventKind;
    use super::*;

    const URL: &str = "https://discord.com/api/webhooks/123/secret";

    fn send(event: &Event) -> OutboundRequest {
        let settings = DiscordSettings::from_input(&input(json!({ "url": URL })), &LOCAL).unwrap();
        let context = SendContext {
            now_ms: 0,
            api_base: None,
        };
        settings.request(event, &context).unwrap()
    }

    #[test]
    fn detected_and_resolved_are_embeds_coloured_by_state() {
        let cases = [
            (
                EventKind::Detected,
                0xD92D20,
                "🔴 Checkout API is down: HTTP 503 Service Unavailable",
            ),
            (
                EventKind::Resolved,
                0x12B76A,
                "✅ Checkout API is back up after 4 min 5 s",
            ),
            (
                EventKind::Updated,
                0xF79009,
                "🟠 Incident updated: Checkout API is down (investigating)",
            ),
            (
                EventKind::Test,
                0x2E90FA,
                "🔵 Test notification from Pingwarden: this channel works",
            ),
        ];
        for (kind, color, title) in cases {
            let request = send(&event(kind));
            assert_eq!((request.method, request.url.as_str()), ("POST", URL));
            let body = body(&request);
            assert_eq!(body["allowed_mentions"], json!({ "parse": [] }));
            let embed = &body["embeds"][0];
            assert_eq!(
                (embed["title"].as_str(), embed["color"].as_u64()),
                (Some(title), Some(color))
            );
            assert_eq!(embed["url"], "https://status.example.com/incidents/inc_1");
            assert_eq!(embed["timestamp"], "2026-05-14T16:24:09.123Z");
        }
        let fields = &body(&send(&event(EventKind::Detected)))["embeds"][0]["fields"];
        assert_eq!(
            fields[0],
            json!({ "name": "Monitor", "value": "Checkout API", "inline": true })
        );
        assert_eq!(fields[1]["name"], "Target");
        assert_eq!(fields[4]["name"], "Hint");
        assert_eq!(fields[5]["name"], "Link");
    }

    #[test]
    fn embeds_stay_within_discord_limits() {
        let mut event = with_hint(&huge_hint());
        event.monitor.as_mut().unwrap().name = "🙂".repeat(300);
        let embed = &message(&event)["embeds"][0];
        let chars = |v: &Value| v.as_str().unwrap().chars().count();
        assert!(chars(&embed["title"]) <= 256);
        let fields = embed["fields"].as_array().unwrap();
        assert!(fields.len() <= 25);
        let mut total = chars(&embed["title"]) + chars(&embed["footer"]["text"]);
        for field in fields {
            assert!(chars(&field["name"]) <= 256 && chars(&field["value"]) <= 1_024);
            total += chars(&field["name"]) + chars(&field["value"]);
        }
        assert!(total <= 6_000, "{total}");
    }

    #[test]
    fn the_url_is_a_secret_and_must_be_public_https() {
        secrets_round_trip::<DiscordSettings>(json!({ "url": URL }));
        assert_eq!(refused::<DiscordSettings>(json!({ "url": "" })), "url");
        assert_eq!(
            refused::<DiscordSettings>(json!({ "url": "https://10.0.0.1/api/webhooks/1/x" })),
            "url"
        );
    }

    #[test]
    fn discord_webhook_urls_are_recognised() {
        let is = |url: &str| is_discord_url(&Url::parse(url).unwrap());
        assert!(is(URL) && is("https://discordapp.com/api/webhooks/1/x"));
        assert!(!is("https://discord.com/channels/1"));
        assert!(!is("https://discord.com.evil.example/api/webhooks/1/x"));
    }
}
