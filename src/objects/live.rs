//! The live side of `OrgHub`: the organization's WebSocket connections, on
//! the Hibernation API, so an idle connection costs no duration. Who listens
//! is kept in each socket's attachment (`domain::live::Listener`), read back
//! whenever the object wakes; a status page's monitor names are kept in
//! storage, shared by its viewers. Monitors report each result here only
//! while a member listens (the answer to a report says whether anyone still
//! does); incidents arrive as the hub's events whoever listens. Sends never
//! wait for a client, so a slow one holds up no one else.

use super::hub::OrgHub;
use crate::domain::live::{
    alert_message, error_message, hello, is_region_shift, page_incident_message, parse_client_message, refine,
    region_message, region_name, status_changed_message, tick_message, ClientMessage, Listener, Report, MEMBERS_TAG,
    PAGES_TAG, SHIFT_WINDOW_MS,
};
use crate::domain::notify::Event;
use crate::store::live_failures::LiveFailures;
use crate::store::{monitors, organizations, Db};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use worker::{console_error, Request, Response, Result, WebSocket, WebSocketIncomingMessage, WebSocketPair};

/// Viewers of the organization's status pages at once, all pages together
/// (a Durable Object holds at most 32,768 sockets).
const PAGE_VIEWERS_MAX: usize = 20_000;
/// How long a region's count of monitors is trusted.
const REGION_SIZE_TTL_MS: i64 = 60_000;

/// `POST /close`: close the sockets with this tag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CloseRequest {
    pub tag: String,
    pub code: u16,
    pub reason: String,
}

fn decoded_header(req: &Request, name: &str) -> Result<Option<String>> {
    let Some(value) = req.headers().get(name)? else {
        return Ok(None);
    };
    let bytes = STANDARD
        .decode(value)
        .map_err(|e| worker::Error::RustError(format!("{name} is not base64: {e}")))?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| worker::Error::RustError(e.to_string()))
}

fn storage_key(page_id: &str) -> String {
    format!("page:{page_id}")
}

fn shift_key(region: &str) -> String {
    format!("shift:{region}")
}

impl OrgHub {
    /// `GET /connect` (a WebSocket upgrade, from the Worker once it has
    /// checked the credential): accepts the socket for its listener, unless
    /// the cap is reached (429), and sends `hello`.
    pub(super) async fn accept_listener(&self, req: &Request) -> Result<Response> {
        let listener: Listener = match decoded_header(req, "X-Live-Listener")? {
            Some(text) => serde_json::from_str(&text)?,
            None => return Response::error("X-Live-Listener is required", 400),
        };
        let (group, cap) = match &listener {
            Listener::Member { .. } => (
                MEMBERS_TAG,
                req.headers()
                    .get("X-Live-Cap")?
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0),
            ),
            Listener::Page { .. } => (PAGES_TAG, PAGE_VIEWERS_MAX),
        };
        let open = self.state.get_websockets_with_tag(group).len();
        if open >= cap {
            return Response::error("too many live connections", 429);
        }
        let greeting = match &listener {
            Listener::Member { filter, .. } => {
                let org_id = self.org_id().await?;
                let db = Db::of(&self.env)?;
                let states = monitors::live_states(&db, &org_id).await?;
                let name = organizations::name(&db, &org_id).await?.unwrap_or_default();
                hello(&org_id, &name, &states, filter, now())
            }
            Listener::Page { page_id } => {
                let text = decoded_header(req, "X-Live-Hello")?.unwrap_or_else(|| "{}".into());
                let greeting: Value = serde_json::from_str(&text)?;
                self.keep_page_names(page_id, &greeting).await?;
                greeting
            }
        };
        let pair = WebSocketPair::new()?;
        let tags = listener.tags();
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        self.state.accept_websocket_with_tags(&pair.server, &tags);
        pair.server.serialize_attachment(&listener)?;
        pair.server.send(&greeting)?;
        let mut response = Response::from_websocket(pair.client)?;
        if group == MEMBERS_TAG && open == 0 {
            response.headers_mut().set("X-Live-First", "1")?;
        }
        Ok(response)
    }

    /// A page's monitor names, as its `hello` shows them, kept for the
    /// events its viewers hear (written only when they changed).
    async fn keep_page_names(&self, page_id: &str, greeting: &Value) -> Result<()> {
        let names: BTreeMap<String, String> = greeting["monitors"]
            .as_array()
            .map(|monitors| {
                monitors
                    .iter()
                    .filter_map(|m| Some((m["id"].as_str()?.to_string(), m["name"].as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let key = storage_key(page_id);
        if self.storage().get::<BTreeMap<String, String>>(&key).await?.as_ref() != Some(&names) {
            self.storage().put(&key, &names).await?;
        }
        Ok(())
    }

    /// `POST /report`: a monitor's results, to the members that hear that
    /// monitor, with a region-wide shift they make. Answers whether any
    /// member still listens.
    pub(super) async fn report(&self, report: Report) -> Result<Response> {
        let members = self.state.get_websockets_with_tag(MEMBERS_TAG);
        if !members.is_empty() {
            let Some(monitor_id) = report.ticks.first().map(|t| t.monitor_id.clone()) else {
                return Response::from_json(&json!({ "listening": true }));
            };
            let mut messages: Vec<String> = report.ticks.iter().map(|t| tick_message(t).to_string()).collect();
            if let Some(change) = &report.change {
                messages.push(status_changed_message(change, &change.name).to_string());
            }
            let about = [monitor_id];
            for socket in &members {
                if member_hears(socket, &about) {
                    for message in &messages {
                        send(socket, message);
                    }
                }
            }
            for alert in self.region_shifts(&report).await? {
                for socket in &members {
                    send(socket, &alert);
                }
            }
        }
        Response::from_json(&json!({ "listening": !members.is_empty() }))
    }

    /// An incident detected, updated or resolved: to the members that hear
    /// one of its monitors, and to the viewers of pages that show one.
    pub(super) async fn broadcast_event(&self, event: &Event, monitor_ids: &[String]) -> Result<()> {
        let alert = alert_message(event).to_string();
        for socket in self.state.get_websockets_with_tag(MEMBERS_TAG) {
            if member_hears(&socket, monitor_ids) {
                send(&socket, &alert);
            }
        }
        let mut names_of: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for socket in self.state.get_websockets_with_tag(PAGES_TAG) {
            let Ok(Some(Listener::Page { page_id })) = socket.deserialize_attachment::<Listener>() else {
                continue;
            };
            if !names_of.contains_key(&page_id) {
                let names = self.storage().get(&storage_key(&page_id)).await?.unwrap_or_default();
                names_of.insert(page_id.clone(), names);
            }
            if let Some(message) = names_of
                .get(&page_id)
                .and_then(|names| page_incident_message(event, names))
            {
                send(&socket, &message.to_string());
            }
        }
        Ok(())
    }

    /// The region-wide shifts this report starts or ends, as `global_alert`
    /// messages: a region is degraded when at least three of its monitors,
    /// and at least half, failed within a minute; it recovers when its
    /// currently failing monitors no longer make a shift. Only failed
    /// checks write (a row per failing monitor); D1 is asked a region's
    /// size only once three fail, at most once a minute.
    async fn region_shifts(&self, report: &Report) -> Result<Vec<String>> {
        let checks: Vec<_> = report.ticks.iter().filter(|t| t.kind == "check").collect();
        if checks.is_empty() {
            return Ok(Vec::new());
        }
        let failures = LiveFailures::open(self.storage().sql())?;
        let now = now();
        let mut alerts = Vec::new();
        for tick in checks {
            let region = region_name(tick.region.as_deref());
            failures.record(region, &tick.monitor_id, tick.status == "down", tick.at_ms)?;
            let failing = failures.failing(region, now)?;
            let recent: Vec<String> = failing
                .iter()
                .filter(|(_, at)| *at >= now - SHIFT_WINDOW_MS)
                .map(|(id, _)| id.clone())
                .collect();
            let open = self.storage().get::<bool>(&shift_key(region)).await?.unwrap_or(false);
            let (watched, candidates) = if open {
                (failing.len(), failing.iter().map(|(id, _)| id.clone()).collect())
            } else {
                (recent.len(), recent)
            };
            let shift = watched >= 3 && {
                let total = self.region_size(&report.org_id, region, now).await?;
                is_region_shift(watched, total)
            };
            if shift != open {
                let total = self.region_size(&report.org_id, region, now).await?;
                if shift {
                    self.storage().put(&shift_key(region), true).await?;
                } else {
                    self.storage().delete(&shift_key(region)).await?;
                }
                alerts.push(region_message(region, shift, &candidates, total, now).to_string());
            }
        }
        Ok(alerts)
    }

    /// How many monitors probe from a region, from D1 at most once a minute.
    async fn region_size(&self, org_id: &str, region: &str, now: i64) -> Result<usize> {
        if let Some((at, size)) = self.region_sizes.borrow().get(region) {
            if now - at < REGION_SIZE_TTL_MS {
                return Ok(*size);
            }
        }
        let size = monitors::count_in_region(&Db::of(&self.env)?, org_id, region).await? as usize;
        self.region_sizes.borrow_mut().insert(region.to_string(), (now, size));
        Ok(size)
    }

    /// `POST /close`: a revoked key's, a removed member's or a changed
    /// page's sockets close with a code and a reason.
    pub(super) fn close_tagged(&self, close: CloseRequest) -> Result<Response> {
        let sockets = self.state.get_websockets_with_tag(&close.tag);
        for socket in &sockets {
            let _ = socket.close(Some(close.code), Some(close.reason.as_str()));
        }
        Response::from_json(&json!({ "closed": sockets.len() }))
    }

    /// A client's message: `ping` is answered `pong`; `subscribe` and
    /// `unsubscribe` change the socket's filter, kept in its attachment. A
    /// bad message is answered with an `error`, and the stream goes on.
    pub(super) fn client_message(&self, socket: &WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let WebSocketIncomingMessage::String(text) = message else {
            send(socket, &error_message("send JSON text messages").to_string());
            return Ok(());
        };
        let answer = match parse_client_message(&text) {
            Ok(ClientMessage::Ping) => {
                json!({ "type": "pong", "server_time": crate::domain::time::iso_from_millis(now()) })
            }
            Ok(change) => self.resubscribe(socket, change)?,
            Err(why) => error_message(&why),
        };
        send(socket, &answer.to_string());
        Ok(())
    }

    fn resubscribe(&self, socket: &WebSocket, change: ClientMessage) -> Result<Value> {
        let Some(listener) = socket.deserialize_attachment::<Listener>()? else {
            return Ok(error_message("this connection has no listener"));
        };
        Ok(match refine(&listener, change) {
            Ok(filter) => {
                let shown = filter.shown();
                if let Listener::Member { key_id, user_id, .. } = listener {
                    socket.serialize_attachment(Listener::Member {
                        key_id,
                        user_id,
                        filter,
                    })?;
                }
                json!({ "type": "subscribed", "subscription": shown })
            }
            Err(why) => error_message(&why),
        })
    }

    /// The client closed: finish the closing handshake.
    pub(super) fn client_closed(&self, socket: &WebSocket, code: usize) {
        // 1005 and 1006 say no code was given; they may not be sent back.
        let code = match code {
            1000..=1004 | 1007..=4999 => code as u16,
            _ => 1000,
        };
        if let Err(error) = socket.close(Some(code), Some("closed")) {
            console_error!("closing a live socket failed: {error}");
        }
    }
}

fn now() -> i64 {
    worker::Date::now().as_millis() as i64
}

/// Whether a member's socket hears an event about these monitors.
fn member_hears(socket: &WebSocket, monitor_ids: &[String]) -> bool {
    match socket.deserialize_attachment::<Listener>() {
        Ok(Some(Listener::Member { filter, .. })) => filter.passes(monitor_ids),
        _ => false,
    }
}

/// Sends without waiting: a socket that cannot take it is closing anyway.
fn send(socket: &WebSocket, message: &str) {
    let _ = socket.send_with_str(message);
}
