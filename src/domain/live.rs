//! The live stream's rules, apart from the sockets that carry it: who a
//! connection listens as and which monitors it hears (kept in the socket's
//! attachment, so that they survive the organization object's hibernation),
//! the client's messages, the server's messages, and when failures across a
//! region are a region-wide shift.

use super::notify::webhook::payload;
use super::notify::Event;
use super::time::iso_from_millis;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The subprotocol a browser offers, with its token as the second one.
pub const SUBPROTOCOL: &str = "pingwarden.v1";
/// The largest message a client may send.
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 4096;
/// A connection names at most this many monitors (subscribed and muted
/// together): its attachment, which holds them, is limited to 2 KiB.
pub const MAX_NAMED_MONITORS: usize = 40;
/// Failures closer together than this count toward a region-wide shift.
pub const SHIFT_WINDOW_MS: i64 = 60_000;
/// A region-wide shift needs at least this many failing monitors…
const SHIFT_MIN_MONITORS: usize = 3;

/// Who is listening on a socket: what the organization object reads back
/// from the socket's attachment whenever it wakes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum Listener {
    /// The organization's stream, for a key or a user.
    Member {
        key_id: Option<String>,
        user_id: Option<String>,
        #[serde(default)]
        filter: Filter,
    },
    /// Anyone watching a public status page: only what the page shows.
    Page { page_id: String },
}

impl Listener {
    /// The socket's tags, by which the organization object finds it: every
    /// member's (`members`) or page viewer's (`pages`), then the key's, the
    /// user's or the page's own, to close those sockets together.
    pub fn tags(&self) -> Vec<String> {
        match self {
            Listener::Member { key_id, user_id, .. } => {
                let mut tags = vec![MEMBERS_TAG.to_string()];
                tags.extend(key_id.as_deref().map(key_tag));
                tags.extend(user_id.as_deref().map(user_tag));
                tags
            }
            Listener::Page { page_id } => vec![PAGES_TAG.to_string(), page_tag(page_id)],
        }
    }
}

/// The tag of every member's socket.
pub const MEMBERS_TAG: &str = "members";
/// The tag of every status page viewer's socket.
pub const PAGES_TAG: &str = "pages";

pub fn key_tag(key_id: &str) -> String {
    format!("key:{key_id}")
}

pub fn user_tag(user_id: &str) -> String {
    format!("user:{user_id}")
}

pub fn page_tag(page_id: &str) -> String {
    format!("page:{page_id}")
}

/// Which monitors a member's stream carries: all of them but the muted
/// ones, or only the subscribed ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// `None`: every monitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub muted: Vec<String>,
}

impl Filter {
    /// Whether an event about these monitors passes (one about none, such as
    /// a region-wide shift, always does).
    pub fn passes(&self, monitor_ids: &[String]) -> bool {
        if monitor_ids.is_empty() {
            return true;
        }
        monitor_ids
            .iter()
            .any(|id| !self.muted.contains(id) && self.only.as_ref().is_none_or(|only| only.contains(id)))
    }

    /// `subscribe`: these monitors are heard (the first subscription narrows
    /// an unfiltered stream to them); without ids, every monitor is.
    fn subscribe(&mut self, ids: Option<Vec<String>>) {
        match ids {
            None => *self = Filter::default(),
            Some(ids) => {
                self.muted.retain(|id| !ids.contains(id));
                let only = self.only.get_or_insert_with(Vec::new);
                for id in ids {
                    if !only.contains(&id) {
                        only.push(id);
                    }
                }
            }
        }
    }

    /// `unsubscribe`: these monitors are no longer heard.
    fn unsubscribe(&mut self, ids: Vec<String>) {
        match &mut self.only {
            Some(only) => only.retain(|id| !ids.contains(id)),
            None => {
                for id in ids {
                    if !self.muted.contains(&id) {
                        self.muted.push(id);
                    }
                }
            }
        }
    }

    fn named(&self) -> usize {
        self.only.as_ref().map_or(0, Vec::len) + self.muted.len()
    }

    pub fn shown(&self) -> Value {
        json!({ "monitor_ids": self.only, "muted_monitor_ids": self.muted })
    }
}

/// What a client may send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    Subscribe(Option<Vec<String>>),
    Unsubscribe(Vec<String>),
    Ping,
}

/// Reads a client's message; the error is the `error` message's text.
pub fn parse_client_message(text: &str) -> Result<ClientMessage, String> {
    if text.len() > MAX_CLIENT_MESSAGE_BYTES {
        return Err(format!("messages are limited to {MAX_CLIENT_MESSAGE_BYTES} bytes"));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let ids = || -> Result<Option<Vec<String>>, String> {
        match value.get("monitor_ids") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or_else(|| "monitor_ids must be a list of monitor ids".to_string()),
            Some(_) => Err("monitor_ids must be a list of monitor ids".into()),
        }
    };
    match value.get("type").and_then(Value::as_str) {
        Some("subscribe") => Ok(ClientMessage::Subscribe(ids()?)),
        Some("unsubscribe") => ids()?
            .map(ClientMessage::Unsubscribe)
            .ok_or_else(|| "unsubscribe needs monitor_ids".to_string()),
        Some("ping") => Ok(ClientMessage::Ping),
        Some(other) => Err(format!("unknown type {other:?}: send subscribe, unsubscribe or ping")),
        None => Err("a message needs a type: subscribe, unsubscribe or ping".into()),
    }
}

/// Applies a subscription change to a member's filter: the new filter, or
/// why not (a page's stream cannot be narrowed; too many ids).
pub fn refine(listener: &Listener, message: ClientMessage) -> Result<Filter, String> {
    let Listener::Member { filter, .. } = listener else {
        return Err("a status page's stream carries that page only".into());
    };
    let mut filter = filter.clone();
    match message {
        ClientMessage::Subscribe(ids) => filter.subscribe(ids),
        ClientMessage::Unsubscribe(ids) => filter.unsubscribe(ids),
        ClientMessage::Ping => {}
    }
    if filter.named() > MAX_NAMED_MONITORS {
        return Err(format!(
            "monitor_ids: a connection names at most {MAX_NAMED_MONITORS} monitors; subscribe to everything instead"
        ));
    }
    Ok(filter)
}

/// One check result (one region's) or one ping, as a monitor reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tick {
    pub monitor_id: String,
    pub name: String,
    pub monitor_type: String,
    /// `check`, or the ping's kind (`success`, `fail`, `start`, `log`), or `missed`.
    pub kind: String,
    /// The result's own status (`up` or `down`); a ping's is the monitor's after it.
    pub status: String,
    /// The monitor's status after this result.
    pub monitor_status: String,
    pub latency_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    /// `None` where the platform placed the probe.
    pub region: Option<String>,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub at_ms: i64,
}

/// A monitor's change of status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    pub monitor_id: String,
    pub name: String,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub at_ms: i64,
}

/// What a monitor tells its organization's object while someone listens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub org_id: String,
    pub ticks: Vec<Tick>,
    pub change: Option<StatusChange>,
}

/// A monitor as `hello` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorState {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
}

/// The first message of a member's stream.
pub fn hello(org_id: &str, org_name: &str, monitors: &[MonitorState], filter: &Filter, now_ms: i64) -> Value {
    json!({
        "type": "hello",
        "organization": { "id": org_id, "name": org_name },
        "monitors": monitors,
        "subscription": filter.shown(),
        "server_time": iso_from_millis(now_ms),
    })
}

pub fn tick_message(tick: &Tick) -> Value {
    json!({
        "type": "telemetry_tick",
        "monitor_id": tick.monitor_id,
        "name": tick.name,
        "monitor_type": tick.monitor_type,
        "kind": tick.kind,
        "status": tick.status,
        "monitor_status": tick.monitor_status,
        "latency_ms": tick.latency_ms,
        "duration_ms": tick.duration_ms,
        "region": tick.region,
        "status_code": tick.status_code,
        "error": tick.error,
        "timestamp": iso_from_millis(tick.at_ms),
    })
}

/// `name`: as the listener knows the monitor (a status page may rename it).
pub fn status_changed_message(change: &StatusChange, name: &str) -> Value {
    json!({
        "type": "status_changed",
        "monitor_id": change.monitor_id,
        "name": name,
        "from": change.from,
        "to": change.to,
        "reason": change.reason,
        "timestamp": iso_from_millis(change.at_ms),
    })
}

/// An incident detected, updated or resolved: the webhook's fields.
pub fn alert_message(event: &Event) -> Value {
    let mut message = payload(event);
    message["type"] = json!("global_alert");
    message
}

/// A status page's view of an incident event: which of its monitors it is
/// about and their status now, never the organization's other monitors.
pub fn page_incident_message(event: &Event, names: &BTreeMap<String, String>) -> Option<Value> {
    let monitor = event.monitor.as_ref().filter(|m| names.contains_key(&m.id))?;
    let incident = event.incident.as_ref()?;
    Some(json!({
        "type": "global_alert",
        "event": event.kind.as_str(),
        "monitor_id": monitor.id,
        "name": names.get(&monitor.id),
        "incident": { "id": incident.id, "title": incident.title, "status": incident.status, "impact": incident.impact },
        "timestamp": iso_from_millis(event.timestamp_ms),
    }))
}

/// Whether `failing` monitors of a region's `total` are a region-wide shift:
/// at least three, and at least half of the region's.
pub fn is_region_shift(failing: usize, total: usize) -> bool {
    failing >= SHIFT_MIN_MONITORS && failing * 2 >= total
}

/// A region-wide shift starting (`degraded`) or ending (`recovered`).
pub fn region_message(region: &str, degraded: bool, monitor_ids: &[String], total: usize, now_ms: i64) -> Value {
    json!({
        "type": "global_alert",
        "event": if degraded { "region.degraded" } else { "region.recovered" },
        "region": region,
        "failing": monitor_ids.len(),
        "monitors": total,
        "monitor_ids": monitor_ids,
        "timestamp": iso_from_millis(now_ms),
    })
}

/// The name of the region a tick ran in, for the shift count: the
/// platform-placed probes count as one region, `default`.
pub fn region_name(region: Option<&str>) -> &str {
    region.unwrap_or("default")
}

pub fn error_message(message: &str) -> Value {
    json!({ "type": "error", "error": message })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn member(filter: Filter) -> Listener {
        Listener::Member {
            key_id: Some("key_1".into()),
            user_id: None,
            filter,
        }
    }

    #[test]
    fn an_unfiltered_stream_hears_every_monitor_and_a_subscription_narrows_it() {
        let all = Filter::default();
        assert!(all.passes(&ids(&["mon_a"])));
        let narrowed = refine(&member(all), ClientMessage::Subscribe(Some(ids(&["mon_a"])))).unwrap();
        assert!(narrowed.passes(&ids(&["mon_a"])));
        assert!(!narrowed.passes(&ids(&["mon_b"])));
        // An event about no monitor (a region-wide shift) reaches everyone.
        assert!(narrowed.passes(&[]));
        // A second subscription adds; an unsubscription removes.
        let both = refine(&member(narrowed), ClientMessage::Subscribe(Some(ids(&["mon_b"])))).unwrap();
        assert!(both.passes(&ids(&["mon_b"])) && both.passes(&ids(&["mon_a"])));
        let one = refine(&member(both), ClientMessage::Unsubscribe(ids(&["mon_a"]))).unwrap();
        assert!(!one.passes(&ids(&["mon_a"])) && one.passes(&ids(&["mon_b"])));
        // Subscribing with no ids hears everything again.
        assert_eq!(
            refine(&member(one), ClientMessage::Subscribe(None)).unwrap(),
            Filter::default()
        );
    }

    #[test]
    fn unsubscribing_from_an_unfiltered_stream_mutes_those_monitors() {
        let muted = refine(&member(Filter::default()), ClientMessage::Unsubscribe(ids(&["mon_a"]))).unwrap();
        assert!(!muted.passes(&ids(&["mon_a"])));
        assert!(muted.passes(&ids(&["mon_b"])));
        // An incident about several monitors passes when one of them is heard.
        assert!(muted.passes(&ids(&["mon_a", "mon_b"])));
        let back = refine(&member(muted), ClientMessage::Subscribe(Some(ids(&["mon_a"])))).unwrap();
        assert!(back.passes(&ids(&["mon_a"])));
    }

    #[test]
    fn a_filter_fits_the_attachment_or_is_refused() {
        let many: Vec<String> = (0..=MAX_NAMED_MONITORS).map(|i| format!("mon_{i:020}")).collect();
        let error = refine(&member(Filter::default()), ClientMessage::Subscribe(Some(many.clone()))).unwrap_err();
        assert!(error.starts_with("monitor_ids"), "{error}");
        let fits = refine(
            &member(Filter::default()),
            ClientMessage::Subscribe(Some(many[..MAX_NAMED_MONITORS].to_vec())),
        )
        .unwrap();
        let attachment = serde_json::to_string(&member(fits)).unwrap();
        assert!(attachment.len() < 2048, "{} bytes", attachment.len());
        // A page's stream cannot be narrowed or widened.
        let page = Listener::Page { page_id: "sp_1".into() };
        assert!(refine(&page, ClientMessage::Subscribe(None)).is_err());
    }

    #[test]
    fn client_messages_are_read_or_refused_with_a_reason() {
        assert_eq!(
            parse_client_message(r#"{"type":"subscribe","monitor_ids":["mon_a"]}"#),
            Ok(ClientMessage::Subscribe(Some(ids(&["mon_a"]))))
        );
        assert_eq!(
            parse_client_message(r#"{"type":"subscribe"}"#),
            Ok(ClientMessage::Subscribe(None))
        );
        assert_eq!(parse_client_message(r#"{"type":"ping"}"#), Ok(ClientMessage::Ping));
        for (text, why) in [
            ("nope", "not JSON"),
            (r#"{"type":"dance"}"#, "unknown type"),
            (r#"{}"#, "needs a type"),
            (r#"{"type":"unsubscribe"}"#, "needs monitor_ids"),
            (r#"{"type":"subscribe","monitor_ids":[1]}"#, "monitor_ids must be"),
            (r#"{"type":"subscribe","monitor_ids":"mon_a"}"#, "monitor_ids must be"),
        ] {
            let error = parse_client_message(text).unwrap_err();
            assert!(error.contains(why), "{text}: {error}");
        }
        let huge = format!(r#"{{"type":"ping","pad":"{}"}}"#, "x".repeat(MAX_CLIENT_MESSAGE_BYTES));
        assert!(parse_client_message(&huge).unwrap_err().contains("limited"));
    }

    #[test]
    fn a_region_shift_needs_three_monitors_and_half_the_region() {
        assert!(!is_region_shift(2, 2));
        assert!(is_region_shift(3, 6));
        assert!(!is_region_shift(3, 7));
        assert!(is_region_shift(5, 10));
        assert!(!is_region_shift(0, 0));
        assert_eq!(region_name(None), "default");
        assert_eq!(region_name(Some("weur")), "weur");
    }

    #[test]
    fn a_page_hears_only_incidents_of_its_own_monitors_by_their_page_names() {
        use crate::domain::notify::{EventKind, IncidentFacts, MonitorFacts};
        let event = Event {
            id: "evt_1".into(),
            kind: EventKind::Detected,
            reason: None,
            timestamp_ms: 0,
            organization_id: "org_1".into(),
            monitor: Some(MonitorFacts {
                id: "mon_a".into(),
                name: "internal name".into(),
                kind: "http".into(),
                target: Some("http://10.0.0.1/secret".into()),
            }),
            incident: Some(IncidentFacts {
                id: "inc_1".into(),
                title: "down".into(),
                status: "investigating".into(),
                impact: "major".into(),
                cause: Some("connection refused".into()),
                started_at_ms: 0,
                resolved_at_ms: None,
            }),
            link: None,
        };
        let names = BTreeMap::from([("mon_a".to_string(), "API".to_string())]);
        let shown = page_incident_message(&event, &names).unwrap().to_string();
        assert!(shown.contains("\"API\"") && !shown.contains("internal name") && !shown.contains("10.0.0.1"));
        assert!(page_incident_message(&event, &BTreeMap::new()).is_none());
        // The member stream's alert carries the webhook's fields.
        let alert = alert_message(&event);
        assert_eq!(alert["type"], "global_alert");
        assert_eq!(alert["event"], "incident.detected");
        assert_eq!(alert["incident"]["id"], "inc_1");
    }
}
