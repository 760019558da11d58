//! Calls from the Worker to a monitor's Durable Object and to an
//! organization's hub, typed, so that the
//! rest of the code never builds the object's internal requests by hand.

use super::hub::{DeliveryQuery, HubEvent, TestSend};
use super::limiter::{Take, DECISION_HEADER, TAKE_HEADER};
use super::live::CloseRequest;
use crate::domain::live::{Listener, Report};
use crate::domain::maintenance::Window;
use crate::domain::monitor::{MonitorSpec, MonitorStatus, Settings};
use crate::domain::probe::{Failure, ProbeResult, Timings};
use crate::domain::rate_limit::{Decision, Rule};
use crate::store::history::{Page, PingRow, ResultRow};
use crate::store::monitors::MonitorRow;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::{Env, Headers, Method, Request, RequestInit, Result, Stub};

/// What a monitor's object needs to know to run it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectConfig {
    pub monitor_id: String,
    pub org_id: String,
    pub name: String,
    pub spec: MonitorSpec,
    pub status: MonitorStatus,
    /// The monitor's `updated_at`: a new version restarts the schedule.
    pub version: String,
    /// When the current schedule started (set by the object).
    #[serde(default)]
    pub start_ms: i64,
    /// A heartbeat's: the SHA-256 of its ping token. Once the object holds
    /// one it is the authority on it (rotation tells it first).
    #[serde(default)]
    pub ping_token_hash: Option<String>,
    /// The maintenance windows that cover the monitor, when the sender
    /// knows them (`None`: keep the ones the object holds). The API pushes
    /// them when a window is written; the reconciler's visit brings them too.
    #[serde(default)]
    pub maintenance: Option<Vec<Window>>,
    /// The SHA-256 of its organization's ping key, once a slug ping brought
    /// it (`PingAlias::Slug`); a rotation tells the object first, as for
    /// its token.
    #[serde(default)]
    pub ping_key_hash: Option<String>,
}

impl ObjectConfig {
    /// The windows the object holds.
    pub fn windows(&self) -> &[Window] {
        self.maintenance.as_deref().unwrap_or_default()
    }
}

impl ObjectConfig {
    pub fn of(row: &MonitorRow) -> Result<ObjectConfig> {
        Ok(ObjectConfig {
            monitor_id: row.id.clone(),
            org_id: row.org_id.clone(),
            name: row.name.clone(),
            spec: row.spec()?,
            status: MonitorStatus::parse(&row.status).unwrap_or(MonitorStatus::Pending),
            version: row.updated_at.clone(),
            start_ms: 0,
            ping_token_hash: row.ping_token_hash.clone(),
            maintenance: None,
            ping_key_hash: None,
        })
    }
}

/// A ping, as the Worker hands it to the monitor's object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PingMessage {
    pub monitor_id: String,
    /// The SHA-256 of the token the ping came with, for the object to check.
    pub token_hash: String,
    /// The monitor as D1 has it, only when the Worker had to read it: the
    /// object did not know its monitor or its token yet.
    pub config: Option<ObjectConfig>,
    pub kind: String,
    pub exit_code: Option<u8>,
    pub rid: Option<String>,
    pub method: String,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub body: Option<String>,
    pub body_truncated: bool,
    pub body_binary: bool,
    /// A Healthchecks-style ping names the monitor otherwise than by its
    /// token; `token_hash` is then unused.
    #[serde(default)]
    pub alias: Option<PingAlias>,
}

/// How a Healthchecks-style ping names its monitor, checked by its object
/// against the monitor's settings (and, for a slug, the ping key's hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PingAlias {
    HcUuid(String),
    Slug { key_hash: String, slug: String },
}

/// The reconciler's visit: the monitor as D1 has it, and the cron event's
/// time (rollups are brought up to it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnsureRequest {
    pub config: ObjectConfig,
    pub scheduled_ms: i64,
}

/// Which pings a page holds, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PingsQuery {
    pub kind: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProbeRequest {
    pub settings: Settings,
}

fn object(env: &Env, monitor_id: &str) -> Result<Stub> {
    env.durable_object("MONITOR")?.id_from_name(monitor_id)?.get_stub()
}

/// What a monitor's object answered.
enum Answer {
    Ok(worker::Response),
    /// 410: the monitor was deleted; its object keeps only a tombstone.
    Gone,
    /// 403: not this monitor's ping token.
    WrongToken,
    /// 409: the object does not know its monitor or its token yet.
    Unconfigured,
    /// 429: too many pings; come back in this many seconds.
    TooMany(i64),
}

async fn call(stub: &Stub, method: Method, path: &str, body: Option<&impl Serialize>) -> Result<Answer> {
    let mut init = RequestInit::new();
    init.with_method(method);
    if let Some(body) = body {
        let headers = Headers::new();
        headers.set("Content-Type", "application/json")?;
        init.with_headers(headers)
            .with_body(Some(JsValue::from_str(&serde_json::to_string(body)?)));
    }
    crate::meter::subrequest();
    let mut response = stub
        .fetch_with_request(Request::new_with_init(&format!("https://monitor{path}"), &init)?)
        .await?;
    let code = response.status_code();
    if code < 400 {
        return Ok(Answer::Ok(response));
    }
    // Read to the end: an unread body keeps the call open, and a cron event
    // is not over until every call it made is.
    let said = response.text().await.unwrap_or_default();
    match code {
        410 => Ok(Answer::Gone),
        403 => Ok(Answer::WrongToken),
        409 => Ok(Answer::Unconfigured),
        429 => Ok(Answer::TooMany(said.trim().parse().unwrap_or(60))),
        _ => Err(worker::Error::RustError(format!(
            "monitor object answered {code} to {path}: {said}"
        ))),
    }
}

/// A call whose answer is JSON; a deleted monitor's object is an error here,
/// as the API only asks objects of monitors D1 still has.
async fn call_json<T: DeserializeOwned>(
    env: &Env,
    monitor_id: &str,
    method: Method,
    path: &str,
    body: Option<&impl Serialize>,
) -> Result<T> {
    match call(&object(env, monitor_id)?, method, path, body).await? {
        Answer::Ok(mut response) => response.json().await,
        _ => Err(gone(monitor_id)),
    }
}

/// A call whose answer says nothing more; false when the monitor was deleted.
async fn call_done(
    env: &Env,
    monitor_id: &str,
    method: Method,
    path: &str,
    body: Option<&impl Serialize>,
) -> Result<bool> {
    match call(&object(env, monitor_id)?, method, path, body).await? {
        Answer::Ok(mut response) => response.text().await.map(|_| true),
        _ => Ok(false),
    }
}

fn gone(monitor_id: &str) -> worker::Error {
    worker::Error::RustError(format!("monitor {monitor_id} was deleted"))
}

/// Created, edited or resumed: take this configuration and start checking now.
pub async fn configure(env: &Env, config: &ObjectConfig) -> Result<()> {
    match call_done(env, &config.monitor_id, Method::Put, "/config", Some(config)).await? {
        true => Ok(()),
        false => Err(gone(&config.monitor_id)),
    }
}

/// What the reconciler's visit did.
pub enum Visit {
    Rearmed,
    Healthy,
    /// The monitor was deleted, though D1 still lists it.
    Deleted,
}

/// The reconciler: retry D1 changes, repair drift, refresh rollups, and
/// re-arm the alarm if it was lost or is late.
pub async fn ensure(env: &Env, request: &EnsureRequest) -> Result<Visit> {
    let stub = object(env, &request.config.monitor_id)?;
    match call(&stub, Method::Post, "/ensure", Some(request)).await? {
        Answer::Ok(mut response) => {
            let answer: Value = response.json().await?;
            Ok(if answer["rearmed"] == Value::Bool(true) {
                Visit::Rearmed
            } else {
                Visit::Healthy
            })
        }
        _ => Ok(Visit::Deleted),
    }
}

pub async fn pause(env: &Env, monitor_id: &str) -> Result<()> {
    call_done(env, monitor_id, Method::Post, "/pause", None::<&()>)
        .await
        .map(drop)
}

/// Gives the monitor's object the maintenance windows that now cover it.
pub async fn set_maintenance(env: &Env, monitor_id: &str, windows: &[Window]) -> Result<()> {
    call_done(env, monitor_id, Method::Put, "/maintenance", Some(&windows))
        .await
        .map(drop)
}

/// Deletes the monitor's object, leaving a tombstone.
pub async fn bury(env: &Env, monitor_id: &str) -> Result<()> {
    call_done(env, monitor_id, Method::Delete, "/", None::<&()>)
        .await
        .map(drop)
}

/// Someone began (`true`) or stopped listening to the organization's live
/// stream: the monitor reports each result to the hub, or stops.
pub async fn monitor_live(env: &Env, monitor_id: &str, listening: bool) -> Result<()> {
    call_done(env, monitor_id, Method::Put, "/live", Some(&listening))
        .await
        .map(drop)
}

/// A page of raw results.
pub async fn checks(env: &Env, monitor_id: &str, page: &Page) -> Result<Vec<ResultRow>> {
    call_json(env, monitor_id, Method::Post, "/checks", Some(page)).await
}

/// What became of a ping.
pub enum PingOutcome {
    Recorded,
    /// Not the monitor's token, or the monitor was deleted.
    NotFound,
    /// The object must first be told its monitor (`PingMessage::config`).
    Unconfigured,
    /// Over the heartbeat's pings a minute: retry after this many seconds.
    Limited(i64),
}

/// Hands a ping to the monitor's object.
pub async fn ping(env: &Env, message: &PingMessage) -> Result<PingOutcome> {
    Ok(
        match call(&object(env, &message.monitor_id)?, Method::Post, "/ping", Some(message)).await? {
            Answer::Ok(mut response) => response.text().await.map(|_| PingOutcome::Recorded)?,
            Answer::Unconfigured => PingOutcome::Unconfigured,
            Answer::TooMany(retry_after_seconds) => PingOutcome::Limited(retry_after_seconds),
            Answer::Gone | Answer::WrongToken => PingOutcome::NotFound,
        },
    )
}

/// A heartbeat's new ping token (its SHA-256): the old one fails at once.
pub async fn set_ping_token(env: &Env, monitor_id: &str, token_hash: &str) -> Result<()> {
    match call_done(env, monitor_id, Method::Put, "/ping-token", Some(&token_hash)).await? {
        true => Ok(()),
        false => Err(gone(monitor_id)),
    }
}

/// The organization's new ping key (its SHA-256) for a monitor pinged by
/// slug: the old key fails at once.
pub async fn set_ping_key(env: &Env, monitor_id: &str, key_hash: &str) -> Result<()> {
    call_done(env, monitor_id, Method::Put, "/ping-key", Some(&key_hash))
        .await
        .map(drop)
}

/// A page of pings.
pub async fn pings(env: &Env, monitor_id: &str, query: &PingsQuery) -> Result<Vec<PingRow>> {
    call_json(env, monitor_id, Method::Post, "/pings", Some(query)).await
}

pub async fn uptime(env: &Env, monitor_id: &str, apdex_ms: u32) -> Result<Value> {
    call_json(
        env,
        monitor_id,
        Method::Get,
        &format!("/uptime?apdex_ms={apdex_ms}"),
        None::<&()>,
    )
    .await
}

/// Runs a probe in a region's object, placed near that region.
pub async fn probe_in_region(env: &Env, monitor_id: &str, region: &str, request: &ProbeRequest) -> ProbeResult {
    let attempt = async {
        let stub = env
            .durable_object("MONITOR")?
            .get_by_name_with_location_hint(&format!("{monitor_id}@{region}"), region)?;
        match call(&stub, Method::Post, "/probe", Some(request)).await? {
            Answer::Ok(mut response) => response.json::<ProbeResult>().await,
            _ => Err(gone(monitor_id)),
        }
    };
    attempt.await.unwrap_or_else(|error| ProbeResult {
        failure: Some(Failure::Other {
            detail: format!("the {region} probe could not run: {error}"),
        }),
        status_code: None,
        timings: Timings::default(),
    })
}

// Calls to an organization's hub (`hub.rs`).

fn hub(env: &Env, org_id: &str) -> Result<Stub> {
    env.durable_object("HUB")?.id_from_name(org_id)?.get_stub()
}

/// A call to the hub; its answer is read to the end.
async fn call_hub<T: DeserializeOwned>(env: &Env, org_id: &str, path: &str, body: &impl Serialize) -> Result<T> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    headers.set("X-Org-Id", org_id)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(JsValue::from_str(&serde_json::to_string(body)?)));
    crate::meter::subrequest();
    let mut response = hub(env, org_id)?
        .fetch_with_request(Request::new_with_init(&format!("https://hub{path}"), &init)?)
        .await?;
    let code = response.status_code();
    let text = response.text().await?;
    if code >= 400 {
        return Err(worker::Error::RustError(format!(
            "the hub answered {code} to {path}: {text}"
        )));
    }
    Ok(serde_json::from_str(&text)?)
}

/// Tells the organization's hub of an event; done once it is enqueued.
pub async fn hub_event(env: &Env, event: &HubEvent) -> Result<()> {
    call_hub::<Value>(env, &event.org_id, "/event", event).await.map(drop)
}

/// Sends a test event to a channel now; the delivery as shown.
pub async fn hub_test(env: &Env, send: &TestSend) -> Result<Value> {
    call_hub(env, &send.channel.org_id, "/test", send).await
}

/// A page of a channel's deliveries, as shown.
pub async fn hub_deliveries(env: &Env, org_id: &str, query: &DeliveryQuery) -> Result<Vec<Value>> {
    call_hub(env, org_id, "/deliveries", query).await
}

/// Sends a delivery again; `None` when the organization has no such delivery.
pub async fn hub_retry(env: &Env, org_id: &str, delivery_id: &str) -> Result<Option<Value>> {
    let shown: Value = call_hub(env, org_id, "/retry", &delivery_id).await?;
    Ok(Some(shown).filter(|v| !v.is_null()))
}

/// The reconciler: re-arms the hub's alarm if a restart lost it.
pub async fn hub_ensure(env: &Env, org_id: &str) -> Result<()> {
    call_hub::<Value>(env, org_id, "/ensure", &()).await.map(drop)
}

/// Hands a WebSocket upgrade to the hub, which accepts it for `listener`
/// unless `cap` such connections are open (429). Its `X-Live-First` header
/// says this is the organization's first member listening. A status page's
/// `hello` is made by the Worker, which holds the page; a member's, by the hub.
pub async fn hub_connect(
    env: &Env,
    org_id: &str,
    listener: &Listener,
    cap: usize,
    hello: Option<&Value>,
) -> Result<worker::Response> {
    use base64::{engine::general_purpose::STANDARD, Engine};
    let headers = Headers::new();
    headers.set("Upgrade", "websocket")?;
    headers.set("X-Org-Id", org_id)?;
    headers.set("X-Live-Cap", &cap.to_string())?;
    // Base64: header values must be ASCII, and a page's names need not be.
    headers.set("X-Live-Listener", &STANDARD.encode(serde_json::to_string(listener)?))?;
    if let Some(hello) = hello {
        headers.set("X-Live-Hello", &STANDARD.encode(hello.to_string()))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    crate::meter::subrequest();
    hub(env, org_id)?
        .fetch_with_request(Request::new_with_init("https://hub/connect", &init)?)
        .await
}

/// A monitor's results for whoever listens; false once nobody does.
pub async fn hub_report(env: &Env, report: &Report) -> Result<bool> {
    let answer: Value = call_hub(env, &report.org_id, "/report", report).await?;
    Ok(answer["listening"] == Value::Bool(true))
}

/// Closes the hub's sockets with a tag (a revoked key's, a page's viewers).
pub async fn hub_close(env: &Env, org_id: &str, close: &CloseRequest) -> Result<()> {
    call_hub::<Value>(env, org_id, "/close", close).await.map(drop)
}

/// Spends from a caller bucket's rules (`limiter.rs`): the decision, allowed or not.
pub async fn limiter_take(env: &Env, bucket: &str, rules: &[Rule]) -> Result<Decision> {
    let stub = env.durable_object("LIMITER")?.id_from_name(bucket)?.get_stub()?;
    let headers = Headers::new();
    headers.set(TAKE_HEADER, &serde_json::to_string(&Take { rules: rules.to_vec() })?)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    crate::meter::subrequest();
    let response = stub
        .fetch_with_request(Request::new_with_init("https://limiter/take", &init)?)
        .await?;
    let decision = response.headers().get(DECISION_HEADER)?.ok_or_else(|| {
        worker::Error::RustError(format!(
            "the limiter answered {} without a decision",
            response.status_code()
        ))
    })?;
    Ok(serde_json::from_str(&decision)?)
}
