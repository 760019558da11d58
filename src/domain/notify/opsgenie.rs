//! Opsgenie, through the Alert API (https://docs.opsgenie.com/docs/alert-api):
//! a detection creates an alert whose `alias` is the incident id
//! (`POST /v2/alerts`); its resolution closes it by that alias
//! (`POST /v2/alerts/{alias}/close?identifierType=alias`), and an update adds
//! a note (`…/notes`). Limits: `message` 130 chars, `description` 15 000,
//! `note` 25 000, `alias` 512, `source` 100. Authorization is `GenieKey <key>`.

use super::kind::{endpoint, json_request, optional, path_segment, secret, KindSettings};
use super::rules::NotifyRules;
use super::text::{cut, headline, plain_facts};
use super::{Event, EventKind, Notifier, OutboundRequest, SendContext};
use crate::domain::validation::{FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub const US_API: &str = "https://api.opsgenie.com";
pub const EU_API: &str = "https://api.eu.opsgenie.com";
const MESSAGE_MAX: usize = 130;
const FACT_MAX: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsgenieSettings {
    /// An API integration's key.
    pub api_key: String,
    /// `us` or `eu`: where the account lives.
    pub region: String,
}

impl KindSettings for OpsgenieSettings {
    const SECRETS: &'static [&'static str] = &["api_key"];

    fn read(fields: &mut Fields<'_>, _: &NotifyRules) -> Result<Self, FieldError> {
        let api_key = secret(fields, "api_key", 100)?;
        if !api_key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(FieldError::new("api_key", "api_key must be an Opsgenie API key"));
        }
        let region = optional(fields, "region", 2)?.unwrap_or_else(|| "us".into());
        if region != "us" && region != "eu" {
            return Err(FieldError::new("region", "region must be one of us, eu"));
        }
        Ok(OpsgenieSettings { api_key, region })
    }
}

/// Opsgenie's P1 (critical) to P5 (informational), from the incident's impact.
fn priority(event: &Event) -> &'static str {
    match event.incident.as_ref().map(|i| i.impact.as_str()) {
        Some("critical") => "P1",
        Some("major") => "P2",
        Some("minor") => "P3",
        Some(_) => "P4",
        None => "P5",
    }
}

impl Notifier for OpsgenieSettings {
    fn request(&self, event: &Event, context: &SendContext<'_>) -> Result<OutboundRequest, String> {
        let host = if self.region == "eu" { EU_API } else { US_API };
        let alias = event.incident.as_ref().map_or(event.id.as_str(), |i| i.id.as_str());
        let by_alias = |action: &str| {
            let alias = path_segment(alias);
            endpoint(
                context.api_base,
                host,
                &format!("/v2/alerts/{alias}/{action}?identifierType=alias"),
            )
        };
        let note = cut(
            &format!("{}\n{}", headline(event), plain_facts(event, FACT_MAX)),
            25_000,
        );
        let (url, body) = match event.kind {
            EventKind::Resolved => (by_alias("close"), json!({ "source": "Pingwarden", "note": note })),
            EventKind::Updated => (by_alias("notes"), json!({ "source": "Pingwarden", "note": note })),
            EventKind::Detected | EventKind::Test => {
                let mut body = json!({
                    "message": cut(&headline(event), MESSAGE_MAX),
                    "alias": alias,
                    "description": cut(&plain_facts(event, FACT_MAX), 15_000),
                    "priority": priority(event),
                    "source": "Pingwarden",
                    "tags": ["pingwarden"],
                });
                // Optional fields are left out rather than sent as null.
                if let Some(monitor) = &event.monitor {
                    body["entity"] = json!(cut(&monitor.name, 512));
                    body["details"] = json!({ "monitor_id": monitor.id });
                }
                (endpoint(context.api_base, host, "/v2/alerts"), body)
            }
        };
        let authorization = format!("GenieKey {}", self.api_key);
        Ok(json_request("POST", url, &[("Authorization", &authorization)], &body))
    }
}

#[cfg(test)]
mod tests {
    use super::super::kind::testing::{input, refused, secrets_round_trip, LOCAL};
    use super::super::text::fixtures::{body, event, header, huge_hint, with_hint};
    use super::*;

    const KEY: &str = "eb243592-faa2-4ba2-a551-1afdf565c889";

    fn send(region: &str, event: &Event, api_base: Option<&str>) -> OutboundRequest {
        let settings =
            OpsgenieSettings::from_input(&input(json!({ "api_key": KEY, "region": region })), &LOCAL).unwrap();
        settings.request(event, &SendContext { now_ms: 0, api_base }).unwrap()
    }

    #[test]
    fn detected_creates_and_resolved_closes_by_alias() {
        let cases = [
            ("us", EventKind::Detected, None, "https://api.opsgenie.com/v2/alerts"),
            ("eu", EventKind::Detected, None, "https://api.eu.opsgenie.com/v2/alerts"),
            (
                "eu",
                EventKind::Detected,
                Some("http://127.0.0.1:9"),
                "http://127.0.0.1:9/v2/alerts",
            ),
            (
                "us",
                EventKind::Resolved,
                None,
                "https://api.opsgenie.com/v2/alerts/inc_1/close?identifierType=alias",
            ),
            (
                "us",
                EventKind::Updated,
                None,
                "https://api.opsgenie.com/v2/alerts/inc_1/notes?identifierType=alias",
            ),
        ];
        for (region, kind, api_base, url) in cases {
            let request = send(region, &event(kind), api_base);
            assert_eq!((request.method, request.url.as_str()), ("POST", url));
            assert_eq!(
                header(&request, "authorization"),
                Some(format!("GenieKey {KEY}").as_str())
            );
        }
        let created = body(&send("us", &event(EventKind::Detected), None));
        assert_eq!(created["message"], "Checkout API is down: HTTP 503 Service Unavailable");
        assert_eq!(
            (created["alias"].as_str(), created["priority"].as_str()),
            (Some("inc_1"), Some("P2"))
        );
        assert!(created["description"].as_str().unwrap().contains("Hint: HTTP 503"));
        assert_eq!(
            (created["entity"].as_str(), created["details"]["monitor_id"].as_str()),
            (Some("Checkout API"), Some("mon_1"))
        );
        assert!(body(&send("us", &event(EventKind::Test), None)).get("entity").is_none());
        let closed = body(&send("us", &event(EventKind::Resolved), None));
        assert_eq!(closed["source"], "Pingwarden");
        assert!(closed["note"]
            .as_str()
            .unwrap()
            .starts_with("Checkout API is back up after 4 min 5 s\n"));
    }

    #[test]
    fn texts_stay_within_opsgenie_limits() {
        let created = body(&send("us", &with_hint(&huge_hint()), None));
        assert_eq!(created["message"].as_str().unwrap().chars().count(), MESSAGE_MAX);
        assert!(created["description"].as_str().unwrap().chars().count() <= 15_000);
    }

    #[test]
    fn the_key_is_a_secret_and_the_region_us_or_eu() {
        secrets_round_trip::<OpsgenieSettings>(json!({ "api_key": KEY }));
        assert_eq!(
            refused::<OpsgenieSettings>(json!({ "api_key": KEY, "region": "apac" })),
            "region"
        );
        assert_eq!(refused::<OpsgenieSettings>(json!({ "api_key": "a b" })), "api_key");
    }
}
