//! Notification channels, pure: one file per kind, each turning an event into
//! the one HTTP request its provider documents, within that provider's
//! limits. Nothing here sends anything: the organization's hub Durable
//! Object (`objects/hub.rs`) sends the requests, retries and logs them.
//!
//! A kind is a settings struct (validated from JSON once, at the edge) that
//! implements [`Notifier`]. Adding a kind is one file here plus one arm in
//! `ChannelSettings`.

use serde::{Deserialize, Serialize};

/// What a channel is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "incident.detected")]
    Detected,
    #[serde(rename = "incident.resolved")]
    Resolved,
    /// A manual incident or an update to its timeline.
    #[serde(rename = "incident.updated")]
    Updated,
    /// `POST /api/v1/channels/{id}/test`.
    #[serde(rename = "test")]
    Test,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::Detected,
        EventKind::Resolved,
        EventKind::Updated,
        EventKind::Test,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Detected => "incident.detected",
            EventKind::Resolved => "incident.resolved",
            EventKind::Updated => "incident.updated",
            EventKind::Test => "test",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// Why an incident was detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    /// Checks failed.
    Failed,
    /// A heartbeat's ping did not come.
    Missed,
    /// Someone posted it.
    Manual,
}

/// The monitor an event is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorFacts {
    pub id: String,
    pub name: String,
    /// `http`, `tcp`, `dns` or `heartbeat`.
    pub kind: String,
    /// What is watched, secrets masked: a URL, `host:port`, a DNS name; none for heartbeats.
    pub target: Option<String>,
}

/// The incident an event is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentFacts {
    pub id: String,
    pub title: String,
    /// `investigating`, `identified`, `monitoring` or `resolved`.
    pub status: String,
    /// `none`, `minor`, `major` or `critical`.
    pub impact: String,
    /// The root-cause hint, or the latest update's message.
    pub cause: Option<String>,
    pub started_at_ms: i64,
    pub resolved_at_ms: Option<i64>,
}

/// One event, as every channel kind receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique per event and stable across retries (the `webhook-id`).
    pub id: String,
    pub kind: EventKind,
    pub reason: Option<Reason>,
    pub timestamp_ms: i64,
    pub organization_id: String,
    pub monitor: Option<MonitorFacts>,
    pub incident: Option<IncidentFacts>,
    /// Where a person can look (a status page or the API's URL of the incident).
    pub link: Option<String>,
}

/// The HTTP request that delivers an event.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What a notifier needs besides the event.
#[derive(Debug, Clone, Copy)]
pub struct SendContext<'a> {
    /// When the attempt is made (signatures carry it).
    pub now_ms: i64,
    /// The deployment's override of a provider's fixed API host, from
    /// `PW_<KIND>_API_URL` (e.g. `PW_TELEGRAM_API_URL`), so tests reach a
    /// loopback receiver; `None`: the provider's documented host.
    pub api_base: Option<&'a str>,
}

/// A channel kind.
pub trait Notifier {
    /// The request that delivers `event`, or why none can be built.
    fn request(&self, event: &Event, context: &SendContext<'_>) -> Result<OutboundRequest, String>;
}

pub mod channel;
pub mod delivery;
pub mod discord;
pub mod email;
pub mod google_chat;
pub mod gotify;
pub mod kind;
pub mod matrix;
pub mod ntfy;
pub mod opsgenie;
pub mod pagerduty;
pub mod pushover;
pub mod rules;
pub mod slack;
pub mod spec;
pub mod teams;
pub mod telegram;
pub mod text;
pub mod transition;
pub mod webhook;
