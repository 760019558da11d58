//! Calls from the Worker to a monitor's Durable Object, typed, so that the
//! rest of the code never builds the object's internal requests by hand.

use crate::domain::monitor::{MonitorSpec, MonitorStatus, Settings};
use crate::domain::probe::{Failure, ProbeResult, Timings};
use crate::store::monitors::MonitorRow;
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
        })
    }
}

/// A ping, as the Worker hands it to the monitor's object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PingMessage {
    pub config: ObjectConfig,
    pub kind: String,
    pub exit_code: Option<u8>,
    pub rid: Option<String>,
    pub method: String,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub body: Option<String>,
    pub body_truncated: bool,
    pub body_binary: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProbeRequest {
    pub settings: Settings,
}

fn object(env: &Env, monitor_id: &str) -> Result<Stub> {
    env.durable_object("MONITOR")?.id_from_name(monitor_id)?.get_stub()
}

async fn call(stub: &Stub, method: Method, path: &str, body: Option<&impl Serialize>) -> Result<worker::Response> {
    let mut init = RequestInit::new();
    init.with_method(method);
    if let Some(body) = body {
        let headers = Headers::new();
        headers.set("Content-Type", "application/json")?;
        init.with_headers(headers)
            .with_body(Some(JsValue::from_str(&serde_json::to_string(body)?)));
    }
    let response = stub
        .fetch_with_request(Request::new_with_init(&format!("https://monitor{path}"), &init)?)
        .await?;
    if response.status_code() >= 400 {
        return Err(worker::Error::RustError(format!(
            "monitor object answered {} to {path}",
            response.status_code()
        )));
    }
    Ok(response)
}

/// Created, edited or resumed: take this configuration and start checking now.
pub async fn configure(env: &Env, config: &ObjectConfig) -> Result<()> {
    call(&object(env, &config.monitor_id)?, Method::Put, "/config", Some(config))
        .await
        .map(drop)
}

/// The reconciler: re-arm the alarm if it was lost or is late. True when it was.
pub async fn ensure(env: &Env, config: &ObjectConfig) -> Result<bool> {
    let mut response = call(&object(env, &config.monitor_id)?, Method::Post, "/ensure", Some(config)).await?;
    let answer: Value = response.json().await?;
    Ok(answer["rearmed"] == Value::Bool(true))
}

pub async fn pause(env: &Env, monitor_id: &str) -> Result<()> {
    call(&object(env, monitor_id)?, Method::Post, "/pause", None::<&()>)
        .await
        .map(drop)
}

pub async fn forget(env: &Env, monitor_id: &str) -> Result<()> {
    call(&object(env, monitor_id)?, Method::Delete, "/", None::<&()>)
        .await
        .map(drop)
}

/// A page of raw results; `query` is the object's own query string.
pub async fn checks<T: for<'de> Deserialize<'de>>(env: &Env, monitor_id: &str, query: &str) -> Result<Vec<T>> {
    call(
        &object(env, monitor_id)?,
        Method::Get,
        &format!("/checks?{query}"),
        None::<&()>,
    )
    .await?
    .json()
    .await
}

pub async fn ping(env: &Env, message: &PingMessage) -> Result<()> {
    call(
        &object(env, &message.config.monitor_id)?,
        Method::Post,
        "/ping",
        Some(message),
    )
    .await
    .map(drop)
}

/// A page of pings; `query` is the object's own query string.
pub async fn pings<T: for<'de> Deserialize<'de>>(env: &Env, monitor_id: &str, query: &str) -> Result<Vec<T>> {
    call(
        &object(env, monitor_id)?,
        Method::Get,
        &format!("/pings?{query}"),
        None::<&()>,
    )
    .await?
    .json()
    .await
}

pub async fn uptime(env: &Env, monitor_id: &str, apdex_ms: u32) -> Result<Value> {
    call(
        &object(env, monitor_id)?,
        Method::Get,
        &format!("/uptime?apdex_ms={apdex_ms}"),
        None::<&()>,
    )
    .await?
    .json()
    .await
}

/// Runs a probe in a region's object, placed near that region.
pub async fn probe_in_region(env: &Env, monitor_id: &str, region: &str, request: &ProbeRequest) -> ProbeResult {
    let attempt = async {
        let stub = env
            .durable_object("MONITOR")?
            .get_by_name_with_location_hint(&format!("{monitor_id}@{region}"), region)?;
        call(&stub, Method::Post, "/probe", Some(request))
            .await?
            .json::<ProbeResult>()
            .await
    };
    attempt.await.unwrap_or_else(|error| ProbeResult {
        failure: Some(Failure::Other {
            detail: format!("the {region} probe could not run: {error}"),
        }),
        status_code: None,
        timings: Timings::default(),
    })
}
