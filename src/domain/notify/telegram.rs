//! Telegram, through a bot (https://core.telegram.org/bots/api#sendmessage):
//! `POST {base}/bot<token>/sendMessage` with HTML formatting
//! (https://core.telegram.org/bots/api#html-style), where `<`, `>`, `&` and
//! `"` in text must be entities. A message is 1 to 4 096 chars; the headline
//! is cut to 256 and each fact to 600 escaped chars, so even with the tags
//! the whole text stays under the limit.

use super::kind::{endpoint, json_request, required, secret, KindSettings};
use super::rules::NotifyRules;
use super::text::{cut_escaped, facts, headline, html, Tone};
use super::{Event, Notifier, OutboundRequest, SendContext};
use crate::domain::validation::{FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub const API_BASE: &str = "https://api.telegram.org";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelegramSettings {
    /// `123456:ABC-…` from @BotFather.
    pub bot_token: String,
    /// A chat's numeric id (`-100…` for groups and channels) or `@channelname`.
    pub chat_id: String,
}

impl KindSettings for TelegramSettings {
    const SECRETS: &'static [&'static str] = &["bot_token"];

    fn read(fields: &mut Fields<'_>, _: &NotifyRules) -> Result<Self, FieldError> {
        let bot_token = secret(fields, "bot_token", 100)?;
        // It goes in the URL's path: only the documented shape is taken.
        let well_formed = bot_token.split_once(':').is_some_and(|(bot, key)| {
            !bot.is_empty()
                && bot.bytes().all(|b| b.is_ascii_digit())
                && !key.is_empty()
                && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        });
        if !well_formed {
            return Err(FieldError::new(
                "bot_token",
                "bot_token must look like 123456:ABC-DEF… (from @BotFather)",
            ));
        }
        // A numeric id is often sent as a JSON number.
        let chat_id = match fields.get("chat_id") {
            Some(Value::Number(n)) if n.is_i64() => n.to_string(),
            _ => required(fields, "chat_id", 64)?,
        };
        let numeric = chat_id.strip_prefix('-').unwrap_or(&chat_id);
        let username = chat_id.strip_prefix('@');
        let valid = (!numeric.is_empty() && numeric.bytes().all(|b| b.is_ascii_digit()))
            || username.is_some_and(|u| {
                (5..=32).contains(&u.len()) && u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
        if !valid {
            return Err(FieldError::new(
                "chat_id",
                "chat_id must be a numeric chat id or @channelname",
            ));
        }
        Ok(TelegramSettings { bot_token, chat_id })
    }
}

impl Notifier for TelegramSettings {
    fn request(&self, event: &Event, context: &SendContext<'_>) -> Result<OutboundRequest, String> {
        let url = endpoint(
            context.api_base,
            API_BASE,
            &format!("/bot{}/sendMessage", self.bot_token),
        );
        let body = json!({
            "chat_id": self.chat_id,
            "text": text(event),
            "parse_mode": "HTML",
            "link_preview_options": { "is_disabled": true },
        });
        Ok(json_request("POST", url, &[], &body))
    }
}

/// The message in Telegram's HTML: the headline in bold, a fact a line.
pub fn text(event: &Event) -> String {
    let line = format!("{} {}", Tone::of(event.kind).emoji(), headline(event));
    let mut text = format!("<b>{}</b>", cut_escaped(&line, 256, html));
    for fact in facts(event) {
        text.push_str(&format!(
            "\n<b>{}:</b> {}",
            fact.label,
            cut_escaped(&fact.value, 600, html)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::super::kind::testing::{input, refused, secrets_round_trip, LOCAL};
    use super::super::text::fixtures::{body, event, huge_hint, with_hint};
    use super::super::EventKind;
    use super::*;

    const TOKEN: &str = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11";

    fn settings() -> TelegramSettings {
        TelegramSettings::from_input(&input(json!({ "bot_token": TOKEN, "chat_id": -1001234 })), &LOCAL).unwrap()
    }

    #[test]
    fn messages_go_to_the_bot_api_or_its_override() {
        let cases = [
            (None, format!("https://api.telegram.org/bot{TOKEN}/sendMessage")),
            (
                Some("http://127.0.0.1:9100/"),
                format!("http://127.0.0.1:9100/bot{TOKEN}/sendMessage"),
            ),
        ];
        for (api_base, url) in cases {
            let request = settings()
                .request(&event(EventKind::Detected), &SendContext { now_ms: 0, api_base })
                .unwrap();
            assert_eq!((request.method, request.url.as_str()), ("POST", url.as_str()));
            let body = body(&request);
            assert_eq!(body["chat_id"], "-1001234");
            assert_eq!(body["parse_mode"], "HTML");
        }
    }

    #[test]
    fn detected_and_resolved_read_as_html() {
        let cases = [
            (
                EventKind::Detected,
                "<b>🔴 Checkout API is down: HTTP 503 Service Unavailable</b>\n<b>Monitor:</b> Checkout API",
            ),
            (
                EventKind::Resolved,
                "<b>✅ Checkout API is back up after 4 min 5 s</b>\n<b>Monitor:</b> Checkout API",
            ),
        ];
        for (kind, start) in cases {
            let text = text(&event(kind));
            assert!(text.starts_with(start), "{text}");
            assert!(text.contains("\n<b>Duration:</b> 4 min 5 s"));
        }
        assert!(text(&with_hint("a<b>&\"c")).contains("<b>Hint:</b> a&lt;b&gt;&amp;&quot;c"));
    }

    #[test]
    fn the_text_stays_within_4096_chars() {
        let mut event = with_hint(&huge_hint());
        event.monitor.as_mut().unwrap().target = Some("<".repeat(2_048));
        let text = text(&event);
        assert!(text.chars().count() <= 4_096, "{}", text.chars().count());
    }

    #[test]
    fn the_token_is_a_secret_and_both_fields_are_checked() {
        secrets_round_trip::<TelegramSettings>(json!({ "bot_token": TOKEN, "chat_id": "@pingwarden_ops" }));
        let cases = [
            (json!({ "chat_id": "1" }), "bot_token"),
            (json!({ "bot_token": "nope/../x", "chat_id": "1" }), "bot_token"),
            (json!({ "bot_token": TOKEN }), "chat_id"),
            (json!({ "bot_token": TOKEN, "chat_id": "@ab" }), "chat_id"),
            (json!({ "bot_token": TOKEN, "chat_id": "12 34" }), "chat_id"),
        ];
        for (value, field) in cases {
            assert_eq!(refused::<TelegramSettings>(value), field);
        }
    }
}
