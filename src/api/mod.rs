//! The HTTP handlers, one file per resource, and what they share: the request
//! context, reading JSON bodies and query strings, and shaping responses in the
//! `{"data": …}` / `{"data": […], "count": N}` envelopes.

pub mod account;
pub mod api_keys;
pub mod apply;
pub mod audit_log;
pub mod auth;
pub mod catalogue;
pub mod channels;
pub mod checks;
pub mod credentials;
pub mod forum;
pub mod forum_posts;
pub mod forum_reports;
pub mod health;
pub mod healthchecks;
pub mod heartbeats;
pub mod hosts;
pub mod import;
pub mod incidents;
pub mod invitations;
pub mod limits;
pub mod live;
pub mod maintenances;
pub mod mcp;
pub mod me;
pub mod members;
pub mod metrics;
pub mod monitors;
pub mod on_behalf;
pub mod public_pages;
pub mod status_pages;
pub mod tools;

use crate::config::Config;
use crate::domain::page::{parse_limit, Cursor};
use crate::domain::plan::Plan;
use crate::domain::rate_limit::Decision;
use crate::domain::time::iso_from_millis;
use crate::error::{ApiError, ApiResult};
use crate::store::Db;
use crate::store::{self, monitors::MonitorRow};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use worker::{Env, Request, Response};

/// The largest request body accepted; larger ones get 413 before parsing.
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// What every handler gets besides the request.
pub struct Ctx {
    pub env: Env,
    pub db: Db,
    pub config: Config,
    pub now_ms: i64,
    /// The request's rate-limit decision, for its `X-RateLimit-*` headers.
    pub rate: RefCell<Option<Decision>>,
    worker_ctx: worker::Context,
}

impl Ctx {
    /// The organization's monitor `id`; another organization's is not found.
    pub async fn monitor(&self, org_id: &str, id: &str) -> ApiResult<MonitorRow> {
        store::monitors::get(&self.db, org_id, id)
            .await?
            .ok_or(ApiError::NotFound("monitor"))
    }

    pub fn new(env: Env, db: Db, config: Config, worker_ctx: worker::Context) -> Ctx {
        Ctx {
            env,
            db,
            config,
            now_ms: worker::Date::now().as_millis() as i64,
            rate: RefCell::new(None),
            worker_ctx,
        }
    }

    /// Now, as stored and shown.
    pub fn now(&self) -> String {
        iso_from_millis(self.now_ms)
    }

    pub fn iso(&self, ms: i64) -> String {
        iso_from_millis(ms)
    }

    pub fn jwt_secret(&self) -> ApiResult<&str> {
        self.config
            .jwt_secret
            .as_deref()
            .ok_or_else(|| ApiError::Internal("PW_JWT_SECRET is not set".into()))
    }

    /// An organization's plan; an unknown stored name falls back to the default plan.
    pub fn plan(&self, name: &str) -> Plan {
        Plan::named(name).unwrap_or(self.config.default_plan)
    }

    /// Where the public routes are: `PW_PUBLIC_URL`, or else the origin the request came to.
    pub fn public_base(&self, req: &Request) -> ApiResult<String> {
        Ok(match &self.config.public_url {
            Some(base) => base.clone(),
            None => req.url()?.origin().ascii_serialization(),
        })
    }

    /// Drops the organization's status pages from the cache: what they show changed.
    pub async fn pages_changed(&self, org_id: &str) {
        store::page_cache::org_changed(&self.db, org_id).await
    }

    /// Work that finishes after the response is sent.
    pub fn wait_until(&self, work: impl Future<Output = ()> + 'static) {
        self.worker_ctx.wait_until(work);
    }
}

/// The request body: 413 over 1 MiB, refused before reading when declared.
pub async fn read_body(req: &mut Request) -> ApiResult<Vec<u8>> {
    let declared = req
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_REQUEST_BYTES) {
        return Err(ApiError::PayloadTooLarge);
    }
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    Ok(bytes)
}

/// The request body as a JSON object: 413 over 1 MiB, 400 when it is not a JSON object.
pub async fn read_json(req: &mut Request) -> ApiResult<Map<String, Value>> {
    let bytes = read_body(req).await?;
    let malformed = |message: String| ApiError::BadRequest {
        code: "malformed_json",
        message,
        field: None,
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(malformed("request body must be a JSON object".into())),
        Err(error) => Err(malformed(format!("request body is not valid JSON: {error}"))),
    }
}

/// The query string's parameters (the last value wins when one repeats).
pub fn query(req: &Request) -> ApiResult<HashMap<String, String>> {
    Ok(req
        .url()?
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

/// A list's `limit` (1–200, default 50) and `cursor` query parameters.
pub fn page_params(params: &HashMap<String, String>) -> ApiResult<(u32, Option<Cursor>)> {
    let limit = parse_limit(params.get("limit").map(String::as_str)).map_err(|e| ApiError::bad_query(&e))?;
    let cursor = params
        .get("cursor")
        .map(|c| Cursor::decode(c))
        .transpose()
        .map_err(|e| ApiError::bad_query(&e))?;
    Ok((limit, cursor))
}

/// Lists fetch one row more than `limit` to learn whether more remain: this
/// drops that row and returns the cursor after the last row kept, made of
/// the row's sort key and id.
pub fn next_page<T>(rows: &mut Vec<T>, limit: u32, position: impl Fn(&T) -> (String, String)) -> Option<String> {
    if rows.len() <= limit as usize {
        return None;
    }
    rows.truncate(limit as usize);
    rows.last().map(|last| {
        let (after_key, after_id) = position(last);
        Cursor { after_key, after_id }.encode()
    })
}

/// A required string field of a JSON body.
pub fn required_str<'a>(body: &'a Map<String, Value>, field: &str) -> ApiResult<&'a str> {
    body.get(field).and_then(Value::as_str).ok_or_else(|| {
        ApiError::Invalid(crate::domain::validation::FieldError::new(
            field,
            format!("{field} is required and must be a string"),
        ))
    })
}

pub fn json_response(status: u16, body: &Value) -> ApiResult<Response> {
    Ok(Response::from_json(body)?.with_status(status))
}

pub fn ok(data: Value) -> ApiResult<Response> {
    json_response(200, &json!({ "data": data }))
}

pub fn created(data: Value) -> ApiResult<Response> {
    json_response(201, &json!({ "data": data }))
}

pub fn list(data: Vec<Value>, next_cursor: Option<String>) -> ApiResult<Response> {
    let mut body = json!({ "count": data.len(), "data": data });
    if let Some(cursor) = next_cursor {
        body["next_cursor"] = json!(cursor);
    }
    json_response(200, &body)
}

pub fn no_content() -> ApiResult<Response> {
    Ok(Response::empty()?.with_status(204))
}
