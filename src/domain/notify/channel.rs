//! A channel's kind-specific settings, one arm per kind, each dispatching to
//! its kind's file: validated from JSON at the edge, shown with every secret
//! masked, patched (a masked value keeps the stored secret), and turned into
//! requests by the kind's [`Notifier`].

use super::kind::KindSettings;
pub use super::rules::NotifyRules;
use super::{
    discord, email, google_chat, gotify, matrix, ntfy, opsgenie, pagerduty, pushover, slack, teams, telegram, webhook,
    Event, Notifier, OutboundRequest, SendContext,
};
use crate::domain::validation::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChannelSettings {
    Webhook(webhook::WebhookSettings),
    Slack(slack::SlackSettings),
    Discord(discord::DiscordSettings),
    Teams(teams::TeamsSettings),
    Telegram(telegram::TelegramSettings),
    Pagerduty(pagerduty::PagerdutySettings),
    Opsgenie(opsgenie::OpsgenieSettings),
    Ntfy(ntfy::NtfySettings),
    Pushover(pushover::PushoverSettings),
    Gotify(gotify::GotifySettings),
    GoogleChat(google_chat::GoogleChatSettings),
    Matrix(matrix::MatrixSettings),
    Email(email::EmailSettings),
}

impl ChannelSettings {
    pub const KINDS: &[&str] = &[
        "webhook",
        "slack",
        "discord",
        "teams",
        "telegram",
        "pagerduty",
        "opsgenie",
        "ntfy",
        "pushover",
        "gotify",
        "google_chat",
        "matrix",
        "email",
    ];

    pub fn kind(&self) -> &'static str {
        match self {
            ChannelSettings::Webhook(_) => "webhook",
            ChannelSettings::Slack(_) => "slack",
            ChannelSettings::Discord(_) => "discord",
            ChannelSettings::Teams(_) => "teams",
            ChannelSettings::Telegram(_) => "telegram",
            ChannelSettings::Pagerduty(_) => "pagerduty",
            ChannelSettings::Opsgenie(_) => "opsgenie",
            ChannelSettings::Ntfy(_) => "ntfy",
            ChannelSettings::Pushover(_) => "pushover",
            ChannelSettings::Gotify(_) => "gotify",
            ChannelSettings::GoogleChat(_) => "google_chat",
            ChannelSettings::Matrix(_) => "matrix",
            ChannelSettings::Email(_) => "email",
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
            "slack" => slack::SlackSettings::from_input(input, rules).map(ChannelSettings::Slack),
            "discord" => discord::DiscordSettings::from_input(input, rules).map(ChannelSettings::Discord),
            "teams" => teams::TeamsSettings::from_input(input, rules).map(ChannelSettings::Teams),
            "telegram" => telegram::TelegramSettings::from_input(input, rules).map(ChannelSettings::Telegram),
            "pagerduty" => pagerduty::PagerdutySettings::from_input(input, rules).map(ChannelSettings::Pagerduty),
            "opsgenie" => opsgenie::OpsgenieSettings::from_input(input, rules).map(ChannelSettings::Opsgenie),
            "ntfy" => ntfy::NtfySettings::from_input(input, rules).map(ChannelSettings::Ntfy),
            "pushover" => pushover::PushoverSettings::from_input(input, rules).map(ChannelSettings::Pushover),
            "gotify" => gotify::GotifySettings::from_input(input, rules).map(ChannelSettings::Gotify),
            "google_chat" => google_chat::GoogleChatSettings::from_input(input, rules).map(ChannelSettings::GoogleChat),
            "matrix" => matrix::MatrixSettings::from_input(input, rules).map(ChannelSettings::Matrix),
            "email" => email::EmailSettings::from_input(input, rules).map(ChannelSettings::Email),
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
            ChannelSettings::Slack(settings) => settings.shown(),
            ChannelSettings::Discord(settings) => settings.shown(),
            ChannelSettings::Teams(settings) => settings.shown(),
            ChannelSettings::Telegram(settings) => settings.shown(),
            ChannelSettings::Pagerduty(settings) => settings.shown(),
            ChannelSettings::Opsgenie(settings) => settings.shown(),
            ChannelSettings::Ntfy(settings) => settings.shown(),
            ChannelSettings::Pushover(settings) => settings.shown(),
            ChannelSettings::Gotify(settings) => settings.shown(),
            ChannelSettings::GoogleChat(settings) => settings.shown(),
            ChannelSettings::Matrix(settings) => settings.shown(),
            ChannelSettings::Email(settings) => settings.shown(),
        }
    }

    /// A PATCH: fields left out are kept, a masked value keeps the stored secret.
    pub fn patched(&self, patch: &Map<String, Value>, rules: &NotifyRules) -> Result<ChannelSettings, FieldError> {
        match self {
            ChannelSettings::Webhook(settings) => settings.patched(patch, rules).map(ChannelSettings::Webhook),
            ChannelSettings::Slack(settings) => settings.patched(patch, rules).map(ChannelSettings::Slack),
            ChannelSettings::Discord(settings) => settings.patched(patch, rules).map(ChannelSettings::Discord),
            ChannelSettings::Teams(settings) => settings.patched(patch, rules).map(ChannelSettings::Teams),
            ChannelSettings::Telegram(settings) => settings.patched(patch, rules).map(ChannelSettings::Telegram),
            ChannelSettings::Pagerduty(settings) => settings.patched(patch, rules).map(ChannelSettings::Pagerduty),
            ChannelSettings::Opsgenie(settings) => settings.patched(patch, rules).map(ChannelSettings::Opsgenie),
            ChannelSettings::Ntfy(settings) => settings.patched(patch, rules).map(ChannelSettings::Ntfy),
            ChannelSettings::Pushover(settings) => settings.patched(patch, rules).map(ChannelSettings::Pushover),
            ChannelSettings::Gotify(settings) => settings.patched(patch, rules).map(ChannelSettings::Gotify),
            ChannelSettings::GoogleChat(settings) => settings.patched(patch, rules).map(ChannelSettings::GoogleChat),
            ChannelSettings::Matrix(settings) => settings.patched(patch, rules).map(ChannelSettings::Matrix),
            ChannelSettings::Email(settings) => settings.patched(patch, rules).map(ChannelSettings::Email),
        }
    }

    pub fn notifier(&self) -> &dyn Notifier {
        match self {
            ChannelSettings::Webhook(settings) => settings,
            ChannelSettings::Slack(settings) => settings,
            ChannelSettings::Discord(settings) => settings,
            ChannelSettings::Teams(settings) => settings,
            ChannelSettings::Telegram(settings) => settings,
            ChannelSettings::Pagerduty(settings) => settings,
            ChannelSettings::Opsgenie(settings) => settings,
            ChannelSettings::Ntfy(settings) => settings,
            ChannelSettings::Pushover(settings) => settings,
            ChannelSettings::Gotify(settings) => settings,
            ChannelSettings::GoogleChat(settings) => settings,
            ChannelSettings::Matrix(settings) => settings,
            ChannelSettings::Email(settings) => settings,
        }
    }

    /// The `PW_*` var that overrides this kind's fixed API host, if it has
    /// one; the others send to a URL the user gave.
    pub fn api_base_var(&self) -> Option<&'static str> {
        match self {
            ChannelSettings::Telegram(_) => Some("PW_TELEGRAM_API_URL"),
            ChannelSettings::Pagerduty(_) => Some("PW_PAGERDUTY_API_URL"),
            ChannelSettings::Opsgenie(_) => Some("PW_OPSGENIE_API_URL"),
            ChannelSettings::Pushover(_) => Some("PW_PUSHOVER_API_URL"),
            ChannelSettings::Email(_) => Some("PW_EMAIL_API_URL"),
            ChannelSettings::Webhook(_)
            | ChannelSettings::Slack(_)
            | ChannelSettings::Discord(_)
            | ChannelSettings::Teams(_)
            | ChannelSettings::Ntfy(_)
            | ChannelSettings::Gotify(_)
            | ChannelSettings::GoogleChat(_)
            | ChannelSettings::Matrix(_) => None,
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

#[cfg(test)]
mod tests {
    use super::super::text::fixtures::event;
    use super::super::EventKind;
    use super::*;
    use serde_json::json;

    const STRICT: NotifyRules = NotifyRules {
        allow_private_targets: false,
    };
    const LOCAL: NotifyRules = NotifyRules {
        allow_private_targets: true,
    };

    #[test]
    fn an_unknown_kind_names_the_kind_field() {
        let error = ChannelSettings::from_input("carrier_pigeon", &Map::new(), &LOCAL).unwrap_err();
        assert_eq!(error.field, "kind");
    }

    #[test]
    fn the_channels_own_fields_pass_and_unknown_ones_are_named() {
        let body = json!({
            "name": "Ops", "kind": "slack", "events": ["test"], "monitor_ids": null, "enabled": true,
            "remind_every_minutes": 30, "url": "https://hooks.slack.com/services/T0/B0/x",
        });
        let mut body = body.as_object().unwrap().clone();
        assert!(ChannelSettings::from_input("slack", &body, &STRICT).is_ok());
        body.insert("colour".into(), json!("red"));
        let error = ChannelSettings::from_input("slack", &body, &STRICT).unwrap_err();
        assert_eq!(error.field, "colour");
    }

    /// One valid body per kind.
    fn inputs() -> Vec<(&'static str, Value)> {
        vec![
            ("webhook", json!({ "url": "https://example.com/hook" })),
            ("slack", json!({ "url": "https://hooks.slack.com/services/T0/B0/x" })),
            ("discord", json!({ "url": "https://discord.com/api/webhooks/1/x" })),
            (
                "teams",
                json!({ "url": "https://prod.westus.logic.azure.com/workflows/1" }),
            ),
            (
                "telegram",
                json!({ "bot_token": "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "chat_id": "-1001234" }),
            ),
            (
                "pagerduty",
                json!({ "routing_key": "0123456789abcdef0123456789abcdef" }),
            ),
            (
                "opsgenie",
                json!({ "api_key": "eb243592-faa2-4ba2-a551-1afdf565c889", "region": "eu" }),
            ),
            ("ntfy", json!({ "topic": "pingwarden-alerts" })),
            (
                "pushover",
                json!({ "token": "azGDORePK8gMaC0QOYAMyEEuzJnyUi", "user_key": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG" }),
            ),
            (
                "gotify",
                json!({ "server": "https://gotify.example.com", "app_token": "AbCdEf123" }),
            ),
            (
                "google_chat",
                json!({ "url": "https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t" }),
            ),
            (
                "matrix",
                json!({ "homeserver": "https://matrix.example.org", "access_token": "syt_x", "room_id": "!abc:example.org" }),
            ),
            (
                "email",
                json!({ "api_key": "re_123", "from": "Alerts <alerts@example.com>", "to": ["ops@example.com"] }),
            ),
        ]
    }

    #[test]
    fn every_kind_sends_json_to_its_override_or_the_users_url() {
        let event = event(EventKind::Detected);
        let api_base = "http://127.0.0.1:9";
        for (kind, input) in inputs() {
            let settings = ChannelSettings::from_input(kind, input.as_object().unwrap(), &STRICT).unwrap();
            let context = SendContext {
                now_ms: 0,
                api_base: Some(api_base),
            };
            let request = settings.notifier().request(&event, &context).unwrap();
            assert!(["POST", "PUT"].contains(&request.method), "{kind}");
            let content_type = request.headers.iter().find(|(name, _)| name == "Content-Type");
            assert_eq!(
                content_type.map(|(_, v)| v.as_str()),
                Some("application/json"),
                "{kind}"
            );
            assert!(serde_json::from_str::<Value>(&request.body).is_ok(), "{kind}");
            let overridden = request.url.starts_with(api_base);
            assert_eq!(overridden, settings.api_base_var().is_some(), "{kind}: {}", request.url);
        }
    }

    #[test]
    fn every_kind_round_trips_through_json_with_its_kind() {
        let inputs = inputs();
        assert_eq!(inputs.len(), ChannelSettings::KINDS.len());
        let with_api_base = ["telegram", "pagerduty", "opsgenie", "pushover", "email"];
        for (kind, input) in inputs {
            let settings = ChannelSettings::from_input(kind, input.as_object().unwrap(), &STRICT).unwrap();
            let text = serde_json::to_string(&settings).unwrap();
            assert!(text.contains(&format!("\"kind\":\"{kind}\"")), "{text}");
            assert_eq!(serde_json::from_str::<ChannelSettings>(&text).unwrap(), settings);
            assert_eq!(settings.kind(), kind);
            assert_eq!(
                settings.patched(&settings.shown(), &STRICT).unwrap(),
                settings,
                "{kind}"
            );
            assert_eq!(
                settings.api_base_var().is_some(),
                with_api_base.contains(&kind),
                "{kind}"
            );
        }
    }
}
