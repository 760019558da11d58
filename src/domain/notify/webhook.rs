//! `webhook`: the generic JSON webhook. Its body keeps PingFlow's outage
//! webhook fields (`event`, `service_id`, `service_name`, `timestamp`,
//! `details`) and adds the `monitor`, `incident` and `organization_id` the
//! other products' events carry. Every request is signed per the Standard
//! Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
//! with the channel's `whsec_…` secret.

use super::rules::{checked_url, NotifyRules};
use super::{discord, slack, Event, Notifier, OutboundRequest, SendContext};
use crate::domain::secrets;
use crate::domain::time::iso_from_millis;
use crate::domain::validation::FieldError;
use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::Sha256;
use url::Url;

/// What a signing secret starts with (the spec's convention).
pub const SECRET_PREFIX: &str = "whsec_";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookSettings {
    /// Where events are POSTed; its user, password and secret-named query
    /// parameters are secrets (shown masked).
    pub url: String,
}

impl WebhookSettings {
    pub fn from_input(input: &Map<String, Value>, rules: &NotifyRules) -> Result<WebhookSettings, FieldError> {
        let url = input
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| FieldError::new("url", "url is required and must be a string"))?;
        if url.contains(secrets::MASK) {
            return Err(FieldError::new("url", "url holds the mask; send the URL itself"));
        }
        Ok(WebhookSettings {
            url: checked_url("url", url, rules)?.to_string(),
        })
    }

    pub fn shown(&self) -> Map<String, Value> {
        let mut shown = Map::new();
        shown.insert("url".into(), Value::from(secrets::mask_url(&self.url)));
        shown
    }

    pub fn patched(&self, patch: &Map<String, Value>, rules: &NotifyRules) -> Result<WebhookSettings, FieldError> {
        let Some(sent) = patch.get("url") else {
            return Ok(self.clone());
        };
        let sent = sent
            .as_str()
            .ok_or_else(|| FieldError::new("url", "url must be a string"))?;
        let url = secrets::restore_url(sent, Some(&self.url))?;
        Ok(WebhookSettings {
            url: checked_url("url", &url, rules)?.to_string(),
        })
    }
}

impl Notifier for WebhookSettings {
    fn request(&self, event: &Event, _context: &SendContext<'_>) -> Result<OutboundRequest, String> {
        Ok(OutboundRequest {
            method: "POST",
            url: self.url.clone(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                (
                    "User-Agent".into(),
                    concat!("Pingwarden/", env!("CARGO_PKG_VERSION"), " (webhook)").into(),
                ),
            ],
            body: body(&self.url, event).to_string(),
        })
    }
}

/// The generic body.
pub fn payload(event: &Event) -> Value {
    let monitor = event.monitor.as_ref();
    let incident = event.incident.as_ref();
    json!({
        "id": event.id,
        "event": event.kind.as_str(),
        "reason": event.reason,
        "service_id": monitor.map(|m| &m.id),
        "service_name": monitor.map(|m| &m.name),
        "timestamp": iso_from_millis(event.timestamp_ms),
        "details": incident.and_then(|i| i.cause.as_ref()),
        "organization_id": event.organization_id,
        "monitor": monitor,
        "incident": incident.map(|i| json!({
            "id": i.id, "title": i.title, "status": i.status, "impact": i.impact, "cause": i.cause,
            "started_at": iso_from_millis(i.started_at_ms),
            "resolved_at": i.resolved_at_ms.map(iso_from_millis),
        })),
        "link": event.link,
    })
}

/// A new signing secret: `whsec_` and 24 random bytes in base64.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).expect("the platform's random source is available");
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the
/// base64-decoded part of the `whsec_…` secret.
pub fn signature(secret: &str, id: &str, timestamp_s: i64, body: &str) -> Result<String, String> {
    let key = STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .map_err(|_| "the signing secret is not base64 after whsec_".to_string())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(format!("{id}.{timestamp_s}.{body}").as_bytes());
    Ok(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// Adds the three Standard Webhooks headers to a request.
pub fn sign(request: &mut OutboundRequest, secret: &str, id: &str, timestamp_s: i64) -> Result<(), String> {
    let signature = signature(secret, id, timestamp_s, &request.body)?;
    request.headers.extend([
        ("webhook-id".to_string(), id.to_string()),
        ("webhook-timestamp".to_string(), timestamp_s.to_string()),
        ("webhook-signature".to_string(), signature),
    ]);
    Ok(())
}

/// The body for `url`: a Discord or Slack webhook pasted here gets that
/// provider's own message (as PingFlow does), any other URL the generic one.
fn body(url: &str, event: &Event) -> Value {
    match Url::parse(url) {
        Ok(url) if discord::is_discord_url(&url) => discord::message(event),
        Ok(url) if slack::is_slack_url(&url) => slack::message(event),
        _ => payload(event),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notify::{EventKind, IncidentFacts, MonitorFacts, Reason};

    const LOCAL: NotifyRules = NotifyRules {
        allow_private_targets: true,
    };

    #[test]
    fn the_signature_matches_the_specs_published_example() {
        // From the Standard Webhooks reference implementations' tests.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let signed = signature(
            secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(signed.unwrap(), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_prefixed_base64_and_differ() {
        let (a, b) = (new_secret(), new_secret());
        assert!(a.starts_with(SECRET_PREFIX));
        assert_ne!(a, b);
        assert_eq!(STANDARD.decode(&a[SECRET_PREFIX.len()..]).unwrap().len(), 24);
        assert!(signature("whsec_!!!", "id", 1, "").is_err());
    }

    fn event() -> Event {
        Event {
            id: "evt_1".into(),
            kind: EventKind::Detected,
            reason: Some(Reason::Missed),
            timestamp_ms: 1_700_000_000_000,
            organization_id: "org_1".into(),
            monitor: Some(MonitorFacts {
                id: "mon_1".into(),
                name: "Nightly backup".into(),
                kind: "heartbeat".into(),
                target: None,
            }),
            incident: Some(IncidentFacts {
                id: "inc_1".into(),
                title: "Nightly backup is down".into(),
                status: "investigating".into(),
                impact: "major".into(),
                cause: Some("no ping since 02:00".into()),
                started_at_ms: 1_700_000_000_000,
                resolved_at_ms: None,
            }),
            link: None,
        }
    }

    #[test]
    fn the_body_keeps_pingflows_fields() {
        let body = payload(&event());
        assert_eq!(body["event"], "incident.detected");
        assert_eq!(body["service_id"], "mon_1");
        assert_eq!(body["service_name"], "Nightly backup");
        assert_eq!(body["timestamp"], "2023-11-14T22:13:20.000Z");
        assert_eq!(body["details"], "no ping since 02:00");
        assert_eq!(body["reason"], "missed");
        assert_eq!(body["organization_id"], "org_1");
        assert_eq!(body["incident"]["id"], "inc_1");
        assert_eq!(body["monitor"]["kind"], "heartbeat");
    }

    #[test]
    fn a_signed_request_carries_the_three_headers() {
        let settings = WebhookSettings {
            url: "https://example.com/hook".into(),
        };
        let context = SendContext {
            now_ms: 1_700_000_000_000,
            api_base: None,
        };
        let mut request = settings.request(&event(), &context).unwrap();
        let secret = new_secret();
        sign(&mut request, &secret, "evt_1", 1_700_000_000).unwrap();
        let header = |name: &str| request.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        assert_eq!(header("webhook-id").unwrap(), "evt_1");
        assert_eq!(header("webhook-timestamp").unwrap(), "1700000000");
        assert_eq!(
            header("webhook-signature").unwrap(),
            signature(&secret, "evt_1", 1_700_000_000, &request.body).unwrap()
        );
    }

    #[test]
    fn urls_are_masked_when_shown_and_restored_when_patched() {
        let input = json!({ "url": "https://example.com/hook?token=s3cret&x=1" });
        let settings = WebhookSettings::from_input(input.as_object().unwrap(), &LOCAL).unwrap();
        let shown = settings.shown();
        assert!(!shown["url"].as_str().unwrap().contains("s3cret"));
        let patched = settings.patched(&shown, &LOCAL).unwrap();
        assert_eq!(patched, settings);
        let untouched = settings.patched(&Map::new(), &LOCAL).unwrap();
        assert_eq!(untouched, settings);
        assert_eq!(
            WebhookSettings::from_input(&Map::new(), &LOCAL).unwrap_err().field,
            "url"
        );
        assert!(WebhookSettings::from_input(&shown, &LOCAL).is_err());
    }

    #[test]
    fn pasted_discord_and_slack_urls_get_their_providers_message() {
        let event = event();
        assert!(body("https://discord.com/api/webhooks/1/abc", &event)["embeds"].is_array());
        assert!(body("https://hooks.slack.com/services/T/B/x", &event)["attachments"].is_array());
        assert_eq!(body("https://example.com/api/webhooks/1", &event), payload(&event));
    }
}
