//! PagerDuty, through the Events API v2
//! (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and
//! …/resolve-events/): `POST {base}/v2/enqueue`. A detection triggers an
//! alert whose `dedup_key` is the incident id, so its resolution resolves
//! that alert and an update (another trigger with the same key) adds to it
//! rather than paging again. `summary` is at most 1 024 chars.

use super::kind::{endpoint, json_request, secret, KindSettings};
use super::rules::NotifyRules;
use super::text::{cut, facts, headline};
use super::{Event, EventKind, Notifier, OutboundRequest, SendContext};
use crate::domain::time::iso_from_millis;
use crate::domain::validation::{FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

pub const API_BASE: &str = "https://events.pagerduty.com";
const SUMMARY_MAX: usize = 1_024;
const DETAIL_MAX: usize = 4_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PagerdutySettings {
    /// The 32-char integration key of an Events API v2 integration.
    pub routing_key: String,
}

impl KindSettings for PagerdutySettings {
    const SECRETS: &'static [&'static str] = &["routing_key"];

    fn read(fields: &mut Fields<'_>, _: &NotifyRules) -> Result<Self, FieldError> {
        let routing_key = secret(fields, "routing_key", 32)?;
        if routing_key.len() != 32 || !routing_key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(FieldError::new(
                "routing_key",
                "routing_key must be the 32-character integration key",
            ));
        }
        Ok(PagerdutySettings { routing_key })
    }
}

impl Notifier for PagerdutySettings {
    fn request(&self, event: &Event, context: &SendContext<'_>) -> Result<OutboundRequest, String> {
        let url = endpoint(context.api_base, API_BASE, "/v2/enqueue");
        Ok(json_request("POST", url, &[], &body(&self.routing_key, event)))
    }
}

/// The event's severity: from the incident's impact, `info` for a test.
fn severity(event: &Event) -> &'static str {
    match event.incident.as_ref().map(|i| i.impact.as_str()) {
        Some("critical") => "critical",
        Some("major") => "error",
        Some("minor") => "warning",
        _ => "info",
    }
}

pub fn body(routing_key: &str, event: &Event) -> Value {
    let dedup_key = event.incident.as_ref().map_or(event.id.as_str(), |i| i.id.as_str());
    if event.kind == EventKind::Resolved {
        return json!({ "routing_key": routing_key, "event_action": "resolve", "dedup_key": dedup_key });
    }
    let details: Map<String, Value> = facts(event)
        .into_iter()
        .map(|fact| (fact.label.to_lowercase(), json!(cut(&fact.value, DETAIL_MAX))))
        .collect();
    let mut body = json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": {
            "summary": cut(&headline(event), SUMMARY_MAX),
            "source": "Pingwarden",
            "severity": severity(event),
            "timestamp": iso_from_millis(event.timestamp_ms),
            "custom_details": details,
        },
        "client": "Pingwarden",
    });
    // Optional fields are left out rather than sent as null.
    if let Some(monitor) = &event.monitor {
        // What is affected: the target, or the monitor's name (heartbeats).
        body["payload"]["source"] = json!(cut(monitor.target.as_deref().unwrap_or(&monitor.name), 255));
        body["payload"]["component"] = json!(monitor.name);
        body["payload"]["group"] = json!(monitor.kind);
    }
    if let Some(reason) = event.reason {
        body["payload"]["class"] = json!(reason);
    }
    if let Some(link) = &event.link {
        body["client_url"] = json!(link);
        body["links"] = json!([{ "href": link, "text": "Open in Pingwarden" }]);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::super::kind::testing::{input, refused, secrets_round_trip, LOCAL};
    use super::super::text::fixtures::{body as json_body, event, huge_hint, with_hint};
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn send(kind: EventKind, api_base: Option<&str>) -> OutboundRequest {
        let settings = PagerdutySettings::from_input(&input(json!({ "routing_key": KEY })), &LOCAL).unwrap();
        settings
            .request(&event(kind), &SendContext { now_ms: 0, api_base })
            .unwrap()
    }

    #[test]
    fn requests_go_to_the_events_api_or_its_override() {
        assert_eq!(
            send(EventKind::Detected, None).url,
            "https://events.pagerduty.com/v2/enqueue"
        );
        assert_eq!(
            send(EventKind::Detected, Some("http://127.0.0.1:9")).url,
            "http://127.0.0.1:9/v2/enqueue"
        );
        assert_eq!(send(EventKind::Resolved, None).method, "POST");
    }

    #[test]
    fn detected_triggers_and_resolved_resolves_by_incident() {
        let detected = json_body(&send(EventKind::Detected, None));
        assert_eq!(detected["event_action"], "trigger");
        assert_eq!(detected["dedup_key"], "inc_1");
        assert_eq!(detected["routing_key"], KEY);
        let payload = &detected["payload"];
        assert_eq!(payload["summary"], "Checkout API is down: HTTP 503 Service Unavailable");
        assert_eq!(payload["source"], "https://shop.example.com/health");
        assert_eq!(
            (payload["severity"].as_str(), payload["class"].as_str()),
            (Some("error"), Some("failed"))
        );
        assert_eq!(payload["custom_details"]["hint"], "HTTP 503 Service Unavailable");
        assert_eq!(
            detected["links"][0]["href"],
            "https://status.example.com/incidents/inc_1"
        );
        assert_eq!(
            json_body(&send(EventKind::Resolved, None)),
            json!({ "routing_key": KEY, "event_action": "resolve", "dedup_key": "inc_1" })
        );
        let test = json_body(&send(EventKind::Test, None));
        assert_eq!(
            (test["dedup_key"].as_str(), test["payload"]["severity"].as_str()),
            (Some("evt_1"), Some("info"))
        );
    }

    #[test]
    fn the_summary_stays_within_1024_chars() {
        let body = body(KEY, &with_hint(&huge_hint()));
        assert_eq!(
            body["payload"]["summary"].as_str().unwrap().chars().count(),
            SUMMARY_MAX
        );
    }

    #[test]
    fn the_routing_key_is_a_secret_of_the_documented_shape() {
        secrets_round_trip::<PagerdutySettings>(json!({ "routing_key": KEY }));
        assert_eq!(refused::<PagerdutySettings>(json!({})), "routing_key");
        assert_eq!(
            refused::<PagerdutySettings>(json!({ "routing_key": "short" })),
            "routing_key"
        );
    }
}
