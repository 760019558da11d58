//! `OrgHub`: one per organization, addressed by `id_from_name(org_id)`. It
//! receives the events its monitors produce (transitions only, never every
//! check) and the API's manual incident changes, and owns the fan-out: one
//! delivery per matching channel is written to its own storage before
//! anything is sent, then sent with bounded concurrency; its alarm is the
//! retry timer, and the reminder timer of incidents still open (channels
//! with `remind_every_minutes`). While it holds unsettled deliveries or
//! reminders, a `hub_backlog` row in
//! D1 lets the reconciler re-arm an alarm a restart lost, without waking
//! every organization's hub each minute. The same object carries the
//! organization's live stream (`live.rs`).

use super::at;
use super::storage::Storage;
use crate::config::Config;
use crate::domain::ids::new_id;
use crate::domain::notify::delivery::{
    kept_answer, next_reminder_at, reminder as notify_reminder, retry_delay_ms, verdict, Verdict, ATTEMPT_TIMEOUT_MS,
    KEPT_ANSWER_BYTES,
};
use crate::domain::notify::spec::ChannelSpec;
use crate::domain::notify::{Event, EventKind, SendContext};
use crate::domain::secrets;
use crate::domain::target::{refused_address, url_refusal};
use crate::domain::time::iso_from_millis;
use crate::probe::dns;
use crate::store::channels::{self, ChannelRow};
use crate::store::deliveries::{AttemptRow, Deliveries, DeliveryRow};
use crate::store::Db;
use futures_util::{future, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;
use worker::{
    console_error, durable_object, AbortController, Delay, DurableObject, Env, Fetch, Headers, Method, Request,
    RequestInit, RequestRedirect, Response, Result, State, WebSocket, WebSocketIncomingMessage,
};

/// A Worker holds at most 6 outbound connections: the hub uses 4, so a hung
/// receiver holds one slot and never the rest.
const AT_ONCE: usize = 4;
/// Deliveries sent per alarm; more are left due, and the alarm fires again.
const BATCH: u32 = 20;
/// How long a delivery being sent is held from other alarms: longer than a
/// batch can take (BATCH / AT_ONCE × the attempt timeout).
const LEASE_MS: i64 = 120_000;
/// Storage key: the organization this hub serves (the alarm needs it).
const ORG_ID: &str = "org_id";
/// Storage key: whether D1's `hub_backlog` lists this hub, so that the mark
/// is written when the queue fills and when it empties, not on every pass.
const MARKED: &str = "backlog_marked";

/// An event for the hub to fan out, with the monitors it is about.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HubEvent {
    pub org_id: String,
    pub event: Event,
    pub monitor_ids: Vec<String>,
}

/// `POST /test`: send this event to this channel now.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestSend {
    pub channel: ChannelRow,
    pub event: Event,
}

/// `POST /deliveries`: a page of a channel's log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryQuery {
    pub channel_id: String,
    pub after: Option<(i64, String)>,
    pub limit: u32,
}

#[durable_object]
pub struct OrgHub {
    pub(super) state: State,
    pub(super) env: Env,
    /// Regions' monitor counts with when they were read (`live.rs`).
    pub(super) region_sizes: RefCell<HashMap<String, (i64, usize)>>,
}

impl DurableObject for OrgHub {
    fn new(state: State, env: Env) -> Self {
        OrgHub {
            state,
            env,
            region_sizes: RefCell::new(HashMap::new()),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let started = crate::meter::start();
        let path = req.path();
        let answer = self.route(req, &path).await;
        crate::meter::flush(&self.env, "hub", &path, started);
        answer
    }

    async fn alarm(&self) -> Result<Response> {
        let started = crate::meter::start();
        if let Err(error) = self.send_due().await {
            console_error!("the hub's deliveries failed: {error}");
            // Try again shortly rather than losing the timer.
            let _ = self.storage().set_alarm(at(now() + 30_000)).await;
        }
        crate::meter::flush(&self.env, "hub", "alarm", started);
        Response::ok("")
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        self.client_message(&ws, message)
    }

    async fn websocket_close(&self, ws: WebSocket, code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        self.client_closed(&ws, code);
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> Result<()> {
        self.client_closed(&ws, 1011);
        Ok(())
    }
}

fn now() -> i64 {
    worker::Date::now().as_millis() as i64
}

/// A delivery as the API shows it, with its attempts.
fn delivery_json(row: &DeliveryRow, attempts: &[AttemptRow]) -> Value {
    let event: Option<Event> = serde_json::from_str(&row.event).ok();
    json!({
        "id": row.id,
        "channel_id": row.channel_id,
        "event_id": row.event_id,
        "event": event.map(|e| e.kind.as_str()),
        "status": row.status,
        "attempts": attempts.iter().map(|a| json!({
            "at": iso_from_millis(a.at), "status_code": a.status_code, "latency_ms": a.latency_ms,
            "error": a.error, "answer": a.answer,
        })).collect::<Vec<_>>(),
        "next_retry_at": row.next_retry_at.filter(|_| row.status == "pending").map(iso_from_millis),
        "created_at": iso_from_millis(row.created_at),
        "updated_at": iso_from_millis(row.updated_at),
    })
}

impl OrgHub {
    pub(super) fn storage(&self) -> Storage {
        Storage(self.state.storage())
    }

    async fn route(&self, mut req: Request, path: &str) -> Result<Response> {
        if let Some(org_id) = req.headers().get("X-Org-Id")? {
            let storage = self.storage();
            if storage.get::<String>(ORG_ID).await?.as_deref() != Some(org_id.as_str()) {
                storage.put(ORG_ID, org_id).await?;
            }
        }
        match (req.method(), path) {
            (Method::Post, "/event") => self.enqueue(req.json().await?).await,
            (Method::Post, "/test") => self.test(req.json().await?).await,
            (Method::Post, "/deliveries") => self.page(req.json().await?),
            (Method::Post, "/retry") => self.retry(req.json::<String>().await?).await,
            (Method::Post, "/ensure") => self.ensure().await,
            (Method::Get, "/connect") => self.accept_listener(&req).await,
            (Method::Post, "/report") => self.report(req.json().await?).await,
            (Method::Post, "/close") => self.close_tagged(req.json().await?),
            _ => Response::error("no such hub route", 404),
        }
    }

    fn deliveries(&self) -> Result<Deliveries> {
        Deliveries::open(self.storage().sql())
    }

    fn config(&self) -> Result<Config> {
        Config::from_env(&self.env).map_err(worker::Error::RustError)
    }

    pub(super) async fn org_id(&self) -> Result<String> {
        self.storage()
            .get::<String>(ORG_ID)
            .await?
            .ok_or_else(|| worker::Error::RustError("the hub does not know its organization".into()))
    }

    fn new_delivery(channel_id: &str, event: &Event, now: i64) -> Result<DeliveryRow> {
        Ok(DeliveryRow {
            id: new_id("dlv"),
            channel_id: channel_id.to_string(),
            event_id: event.id.clone(),
            event: serde_json::to_string(event)?,
            status: "pending".into(),
            tries: 0,
            next_retry_at: Some(now),
            created_at: now,
            updated_at: now,
        })
    }

    /// One delivery per enabled channel that hears the event, written before
    /// anything is sent; the alarm, set for now, sends them. One D1 read.
    /// A detection starts the reminders of channels that want them; a
    /// resolution stops its incident's.
    async fn enqueue(&self, hub_event: HubEvent) -> Result<Response> {
        let db = Db::of(&self.env)?;
        let rows = channels::enabled(&db, &hub_event.org_id).await?;
        let deliveries = self.deliveries()?;
        let now = now();
        let event = &hub_event.event;
        let incident_id = event.incident.as_ref().map(|i| i.id.as_str());
        if let (EventKind::Resolved, Some(incident_id)) = (event.kind, incident_id) {
            deliveries.stop_reminders(incident_id, None)?;
        }
        let mut enqueued = 0;
        for row in &rows {
            let Ok(spec) = row.spec() else { continue };
            if !spec.hears(event.kind, &hub_event.monitor_ids)
                || !deliveries.insert(&Self::new_delivery(&row.id, event, now)?)?
            {
                continue;
            }
            enqueued += 1;
            if let (EventKind::Detected, Some(incident_id), Some(minutes)) =
                (event.kind, incident_id, spec.remind_every_minutes)
            {
                let next_at = now + i64::from(minutes) * 60_000;
                deliveries.remind(incident_id, &row.id, &serde_json::to_string(event)?, next_at)?;
            }
        }
        self.rearm(&deliveries, &hub_event.org_id).await?;
        deliveries.prune(now)?;
        self.broadcast_event(event, &hub_event.monitor_ids).await?;
        Response::from_json(&json!({ "enqueued": enqueued }))
    }

    /// Enqueues the reminders that are due, for channels that still want
    /// them (one D1 read); a channel deleted, disabled or no longer
    /// reminding stops them.
    async fn enqueue_reminders(&self, deliveries: &Deliveries, org_id: &str, now: i64) -> Result<()> {
        let due = deliveries.due_reminders(now)?;
        if due.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = due.iter().map(|r| r.channel_id.as_str()).collect();
        let rows = channels::by_ids(&Db::of(&self.env)?, org_id, &serde_json::to_string(&ids)?).await?;
        for reminder in due {
            let every = rows
                .iter()
                .find(|c| c.id == reminder.channel_id)
                .and_then(|c| c.spec().ok())
                .filter(|spec| spec.enabled)
                .and_then(|spec| spec.remind_every_minutes);
            let (Some(minutes), Ok(event)) = (every, serde_json::from_str::<Event>(&reminder.event)) else {
                deliveries.stop_reminders(&reminder.incident_id, Some(&reminder.channel_id))?;
                continue;
            };
            let told = notify_reminder(&event, reminder.sent + 1, now);
            deliveries.insert(&Self::new_delivery(&reminder.channel_id, &told, now)?)?;
            let next_at = next_reminder_at(reminder.next_at, i64::from(minutes) * 60_000, now);
            deliveries.reminded(&reminder.incident_id, &reminder.channel_id, next_at)?;
        }
        Ok(())
    }

    /// `POST /api/v1/channels/{id}/test`: logged like any delivery, sent at
    /// once; a failure is retried like any other.
    async fn test(&self, send: TestSend) -> Result<Response> {
        let deliveries = self.deliveries()?;
        let now = now();
        let row = Self::new_delivery(&send.channel.id, &send.event, now)?;
        deliveries.insert(&row)?;
        deliveries.lease(&row.id, now + LEASE_MS)?;
        let config = self.config()?;
        self.deliver(&deliveries, &config, row.clone(), Some(&send.channel))
            .await?;
        self.rearm(&deliveries, &send.channel.org_id).await?;
        let stored = deliveries.get(&row.id)?.unwrap_or(row);
        Response::from_json(&delivery_json(&stored, &deliveries.attempts(&stored.id)?))
    }

    fn page(&self, query: DeliveryQuery) -> Result<Response> {
        let deliveries = self.deliveries()?;
        let rows = deliveries.page(&query.channel_id, query.after, query.limit)?;
        let shown = rows
            .iter()
            .map(|row| Ok(delivery_json(row, &deliveries.attempts(&row.id)?)))
            .collect::<Result<Vec<_>>>()?;
        Response::from_json(&shown)
    }

    /// `POST /api/v1/deliveries/{id}/retry`: a settled delivery is sent again
    /// with a fresh round of retries. Answers `null` for an unknown id.
    async fn retry(&self, id: String) -> Result<Response> {
        let deliveries = self.deliveries()?;
        let Some(row) = deliveries.get(&id)? else {
            return Response::from_json(&Value::Null);
        };
        if row.status != "pending" {
            deliveries.restart(&id, now())?;
        }
        self.rearm(&deliveries, &self.org_id().await?).await?;
        let row = deliveries.get(&id)?.unwrap_or(row);
        Response::from_json(&delivery_json(&row, &deliveries.attempts(&id)?))
    }

    /// The reconciler's visit (only to hubs D1 marks as holding a backlog):
    /// re-arm a lost alarm, or clear a mark that outlived the backlog.
    async fn ensure(&self) -> Result<Response> {
        let deliveries = self.deliveries()?;
        let armed = self.storage().get_alarm().await?.is_some();
        if !armed {
            // The reconciler came because D1 marks this hub.
            self.storage().put(MARKED, true).await?;
            self.rearm(&deliveries, &self.org_id().await?).await?;
        }
        Response::from_json(&json!({ "rearmed": !armed }))
    }

    /// Sets the alarm for the next due delivery and keeps D1's backlog mark
    /// in step: there while something is pending, gone once nothing is.
    async fn rearm(&self, deliveries: &Deliveries, org_id: &str) -> Result<()> {
        let storage = self.storage();
        let next = deliveries.next_due()?;
        match next {
            Some(due) => storage.set_alarm(at(due.max(now()))).await?,
            None => storage.delete_alarm().await?,
        }
        let marked = storage.get::<bool>(MARKED).await?.unwrap_or(false);
        if marked != next.is_some() {
            let db = Db::of(&self.env)?;
            match next {
                Some(_) => channels::mark_backlog(&db, org_id, &iso_from_millis(now())).await?,
                None => channels::clear_backlog(&db, org_id).await?,
            }
            storage.put(MARKED, next.is_some()).await?;
        }
        Ok(())
    }

    /// The alarm: sends what is due, at most `AT_ONCE` at a time, with the
    /// channels as they are now (one D1 read), then re-arms.
    async fn send_due(&self) -> Result<()> {
        let org_id = self.org_id().await?;
        let deliveries = self.deliveries()?;
        let now = now();
        self.enqueue_reminders(&deliveries, &org_id, now).await?;
        let due = deliveries.due(now, BATCH)?;
        for row in &due {
            deliveries.lease(&row.id, now + LEASE_MS)?;
        }
        if !due.is_empty() {
            let ids: Vec<&str> = due.iter().map(|d| d.channel_id.as_str()).collect();
            let rows = channels::by_ids(&Db::of(&self.env)?, &org_id, &serde_json::to_string(&ids)?).await?;
            let config = self.config()?;
            let (deliveries_ref, config_ref, rows_ref) = (&deliveries, &config, &rows);
            let sent: Vec<Result<()>> = futures_util::stream::iter(due)
                .map(|row| async move {
                    let channel = rows_ref.iter().find(|c| c.id == row.channel_id);
                    self.deliver(deliveries_ref, config_ref, row, channel).await
                })
                .buffer_unordered(AT_ONCE)
                .collect()
                .await;
            for error in sent.into_iter().filter_map(Result::err) {
                console_error!("recording a delivery failed: {error}");
            }
        }
        self.rearm(&deliveries, &org_id).await
    }

    /// One attempt, recorded with what follows from it.
    async fn deliver(
        &self,
        deliveries: &Deliveries,
        config: &Config,
        row: DeliveryRow,
        channel: Option<&ChannelRow>,
    ) -> Result<()> {
        let started = now();
        let outcome = self.attempt(config, &row, channel).await;
        let finished = now();
        let (status_code, error, answer, judged) = match outcome {
            Ok((code, answer)) => (Some(code), None, Some(answer), verdict(Some(code))),
            Err(AttemptError { message, retry }) => (
                None,
                Some(message),
                None,
                if retry { Verdict::Retry } else { Verdict::Fail },
            ),
        };
        let attempt = AttemptRow {
            delivery_id: row.id.clone(),
            at: started,
            status_code: status_code.map(i64::from),
            latency_ms: finished - started,
            error: error.or_else(|| {
                status_code
                    .filter(|c| !(200..300).contains(c))
                    .map(|c| format!("the receiver answered {c}"))
            }),
            answer,
        };
        let (status, next) = match judged {
            Verdict::Delivered => ("delivered", None),
            Verdict::Retry => {
                let mut byte = [0u8; 1];
                let _ = getrandom::getrandom(&mut byte);
                let jitter = f64::from(byte[0]) / 256.0;
                let tries = u32::try_from(row.tries + 1).unwrap_or(u32::MAX);
                match retry_delay_ms(&config.delivery_backoff_seconds, tries, jitter) {
                    Some(delay) => ("pending", Some(finished + delay)),
                    None => ("failed", None),
                }
            }
            Verdict::Fail => ("failed", None),
        };
        deliveries.record(&attempt, status, next)
    }

    /// Sends the delivery's request: the status code and the first 1 KB of
    /// the answer, or why none came.
    async fn attempt(
        &self,
        config: &Config,
        row: &DeliveryRow,
        channel: Option<&ChannelRow>,
    ) -> std::result::Result<(u16, String), AttemptError> {
        let channel = channel.ok_or_else(|| AttemptError::give_up("the channel was deleted"))?;
        let spec: ChannelSpec = channel
            .spec()
            .map_err(|e| AttemptError::give_up(&format!("the channel's settings are unreadable: {e}")))?;
        let event: Event = serde_json::from_str(&row.event)
            .map_err(|e| AttemptError::give_up(&format!("the event is unreadable: {e}")))?;
        let api_base = spec
            .settings
            .api_base_var()
            .and_then(|var| Config::api_base(&self.env, var));
        let context = SendContext {
            now_ms: now(),
            api_base: api_base.as_deref(),
        };
        let request = spec
            .settings
            .request(&event, &context, channel.signing_secret.as_deref())
            .map_err(|e| AttemptError::give_up(&e))?;
        refuse_private(&request.url, config).await?;
        let abort = AbortController::default();
        let signal = abort.signal();
        // The runtime drops a URL's `user:pass@`: it goes as Basic auth, set
        // first so that a kind's own `Authorization` wins (as probes do).
        let (url, basic_auth) = secrets::basic_auth(&request.url);
        let send = async {
            let headers = Headers::new();
            if let Some(basic_auth) = &basic_auth {
                headers.set("Authorization", basic_auth)?;
            }
            for (name, value) in &request.headers {
                headers.set(name, value)?;
            }
            let mut init = RequestInit::new();
            init.with_method(Method::from(request.method.to_string()))
                .with_headers(headers)
                .with_redirect(RequestRedirect::Manual)
                .with_body(Some(request.body.as_str().into()));
            crate::meter::subrequest();
            let mut response = Fetch::Request(Request::new_with_init(&url, &init)?)
                .send_with_signal(&signal)
                .await?;
            let code = response.status_code();
            let mut body = Vec::new();
            if let Ok(mut stream) = response.stream() {
                while body.len() < KEPT_ANSWER_BYTES {
                    match stream.next().await {
                        Some(Ok(chunk)) => body.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
            }
            Ok::<_, worker::Error>((code, kept_answer(&body)))
        };
        let timeout = Delay::from(Duration::from_millis(ATTEMPT_TIMEOUT_MS as u64));
        futures_util::pin_mut!(send);
        let outcome = match future::select(send, timeout).await {
            future::Either::Left((Ok(answer), _)) => Ok(answer),
            future::Either::Left((Err(error), _)) => Err(AttemptError::retry(&format!("network error: {error}"))),
            future::Either::Right(_) => Err(AttemptError::retry(&format!(
                "no answer within {} s",
                ATTEMPT_TIMEOUT_MS / 1000
            ))),
        };
        // Whatever is left of the answer (a 10 MB body) is never downloaded.
        abort.abort();
        outcome
    }
}

/// Why an attempt got no answer, and whether trying again could help.
struct AttemptError {
    message: String,
    retry: bool,
}

impl AttemptError {
    /// Sending again would not help (no channel, a refused URL): the delivery fails now.
    fn give_up(message: &str) -> AttemptError {
        AttemptError {
            message: message.to_string(),
            retry: false,
        }
    }

    /// A timeout or a network error: the receiver may recover.
    fn retry(message: &str) -> AttemptError {
        AttemptError {
            message: message.to_string(),
            retry: true,
        }
    }
}

/// The guard at send time, as at save time: unless private targets are
/// allowed, a URL that reaches loopback or a private network is refused.
/// A name is resolved first, as probes do, so that one pointing at a
/// private address is refused too; `fetch` then resolves it again, so a
/// name that changes its answer in between still gets through, which
/// Cloudflare's own network refuses for private ranges anyway.
async fn refuse_private(raw: &str, config: &Config) -> std::result::Result<(), AttemptError> {
    if config.allow_private_targets {
        return Ok(());
    }
    let url = url::Url::parse(raw).map_err(|e| AttemptError::give_up(&format!("invalid URL: {e}")))?;
    if let Some(refusal) = url_refusal(&url) {
        return Err(AttemptError::give_up(&format!("the URL's host {refusal}")));
    }
    let Some(url::Host::Domain(name)) = url.host() else {
        return Ok(());
    };
    let addresses = dns::addresses(&config.dns_resolver, name)
        .await
        .map_err(|why| AttemptError::retry(&why))?;
    match refused_address(&addresses) {
        Some((address, why)) => Err(AttemptError::give_up(&format!(
            "the URL's host {name} resolves to {address}, which {why}"
        ))),
        None => Ok(()),
    }
}
