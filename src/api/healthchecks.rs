//! Healthchecks compatibility (`domain::healthchecks`), so that jobs and
//! scripts written for Healthchecks keep working once its DNS name points
//! here: the ping URLs `/ping/{uuid}[/start|/fail|/log|/{exit status}]` and
//! `/ping/{ping_key}/{slug}[/…]` (`?create=1` makes the heartbeat at its
//! first ping), the organization's ping key, and a subset of the management
//! API v3 (`/api/v3/checks/…`). Both answer in Healthchecks' own shapes:
//! `OK` and `not found` as text, checks without the `{data}` envelope.

use super::audit_log::{record, record_by, Change};
use super::heartbeats::{self, Credential};
use super::monitors;
use super::{created, json_response, query, Ctx};
use crate::api::credentials::{authenticate, credential};
use crate::domain::access::Principal;
use crate::domain::audit::{Action, ActorType};
use crate::domain::healthchecks::{check_dict, parse_ping_path, parse_suffix, ping_dict, CheckView, PingTarget};
use crate::domain::ids::{random_base62, sha256_hex};
use crate::domain::monitor::{MonitorSpec, MonitorStatus};
use crate::error::{ApiError, ApiResult};
use crate::objects::stub::{self, PingsQuery};
use crate::store::{self, monitors::MonitorRow};
use serde_json::{json, Value};
use worker::{Request, Response};

/// Characters of a new ping key (Healthchecks' are 22 too).
const PING_KEY_CHARS: usize = 22;
/// The pings `GET …/pings/` lists, newest first.
const PINGS_LISTED: u32 = 100;

fn text(status: u16, body: &str) -> ApiResult<Response> {
    let mut response = Response::ok(body)?.with_status(status);
    response
        .headers_mut()
        .set("Content-Type", "text/plain; charset=utf-8")?;
    Ok(response)
}

/// `/ping/…`: `OK` (200), `Created` (201, `?create=1` made the check),
/// `not found` (404), `ambiguous slug` (409), `invalid url format` (400),
/// as Healthchecks answers; over the plan's limit, 403 with the reason.
/// All in text: ping clients are scripts that print the body.
pub async fn ping(ctx: &Ctx, mut req: Request, segments: &[&str]) -> ApiResult<Response> {
    match receive(ctx, &mut req, segments).await {
        Ok(true) => text(201, "Created"),
        Ok(false) => text(200, "OK"),
        Err(ApiError::NotFound(_)) => text(404, "not found"),
        Err(ApiError::Conflict { message, .. }) => text(409, &message),
        Err(ApiError::BadRequest { message, .. }) => text(400, &message),
        Err(ApiError::Forbidden { message, .. }) => text(403, &message),
        Err(other) => Err(other),
    }
}

/// Healthchecks' answer to a ping URL it cannot take.
fn invalid_url() -> ApiError {
    ApiError::BadRequest {
        code: "invalid_ping",
        message: "invalid url format".into(),
        field: None,
    }
}

/// Records the ping; true when it created its heartbeat.
async fn receive(ctx: &Ctx, req: &mut Request, segments: &[&str]) -> ApiResult<bool> {
    let (target, suffix) = parse_ping_path(segments).ok_or(ApiError::NotFound("heartbeat"))?;
    let (kind, exit_code) = parse_suffix(suffix).map_err(|_| invalid_url())?;
    let message = heartbeats::read_ping(req, kind, exit_code).await?;
    match target {
        PingTarget::Check { uuid } => {
            let uuid = uuid.to_ascii_lowercase();
            heartbeats::deliver(ctx, &Credential::HcUuid(&uuid), message).await?;
            Ok(false)
        }
        PingTarget::Slug { ping_key, slug } => {
            if slug != slug.to_ascii_lowercase() {
                return Err(invalid_url());
            }
            let credential = Credential::Slug { ping_key, slug };
            // Delivered first: a job that keeps `?create=1` in its URL
            // costs no D1 read once its heartbeat exists.
            match heartbeats::deliver(ctx, &credential, message.clone()).await {
                Err(ApiError::NotFound(_)) if query(req)?.get("create").map(String::as_str) == Some("1") => {
                    create_for_slug(ctx, req, ping_key, slug).await?;
                    heartbeats::deliver(ctx, &credential, message).await?;
                    Ok(true)
                }
                other => other.map(|()| false),
            }
        }
    }
}

/// A heartbeat named and slugged `slug` in the organization of `ping_key`,
/// with Healthchecks' defaults (a ping a day, an hour's grace), within the
/// plan. A slug no monitor can have (too long, `start`, a number) is an
/// invalid URL: only the slug comes from the request.
async fn create_for_slug(ctx: &Ctx, req: &Request, ping_key: &str, slug: &str) -> ApiResult<()> {
    let org = store::organizations::by_ping_key(&ctx.db, ping_key)
        .await?
        .ok_or(ApiError::NotFound("heartbeat"))?;
    let input =
        json!({ "type": "heartbeat", "name": slug, "slug": slug, "interval_seconds": 86_400, "grace_seconds": 3_600 });
    let input = input.as_object().cloned().unwrap_or_default();
    let spec = MonitorSpec::from_input(&input, &ctx.config.monitor_rules()).map_err(|_| invalid_url())?;
    let (row, _token) = monitors::insert(ctx, &org.id, &ctx.plan(&org.plan), &spec).await?;
    // The actor is the key's kind, never the key: the log must not hold a secret.
    let change = Change {
        action: Action::MonitorCreated,
        target_id: &row.id,
        before: None,
        after: Some(&monitors::monitor_json(&row)?),
    };
    record_by(ctx, &org.id, (ActorType::PingKey, "ping_key"), req, change).await;
    Ok(())
}

/// `POST /api/v1/organizations/{id}/ping-key`: a new ping key, shown here
/// and in `GET /api/v1/me`; slug pings with the old one fail at once.
/// D1 holds the key: its copy is written first. The slugged monitors'
/// objects are then told the new key's hash, so that the old key fails
/// there without a D1 read; one that cannot be told (the object unreachable,
/// or past the request's subrequest limit) takes the new key from D1 at the
/// first ping that brings it (`objects/heartbeat.rs`).
pub async fn rotate_ping_key(ctx: &Ctx, req: Request, org_id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, Some(org_id)).await?;
    principal.require_admin()?;
    let ping_key = random_base62(PING_KEY_CHARS);
    let key_hash = sha256_hex(&ping_key);
    store::organizations::set_ping_key(&ctx.db, &principal.org_id, &ping_key).await?;
    for monitor_id in store::monitors::slugged(&ctx.db, &principal.org_id).await? {
        if let Err(error) = stub::set_ping_key(&ctx.env, &monitor_id, &key_hash).await {
            worker::console_error!("ping key rotation: {monitor_id} not told ({error}); it learns at its next ping");
        }
    }
    record(
        ctx,
        &principal,
        &req,
        Action::PingKeyRotated,
        &principal.org_id,
        None,
        None,
    )
    .await;
    let base = ctx.public_base(&req)?;
    created(json!({
        "organization_id": principal.org_id,
        "ping_key": ping_key,
        "ping_url": format!("{base}/ping/{ping_key}/{{slug}}"),
    }))
}

// The management API v3 subset.

/// A refusal as Healthchecks words it: `{"error": …}`.
fn refusal(req: &Request, error: ApiError) -> ApiResult<Response> {
    let message = match &error {
        ApiError::Internal(_) | ApiError::Unavailable(_) => return Err(error),
        ApiError::Unauthorized(_) if credential(req).is_none() => "missing api key".to_string(),
        // Healthchecks refuses a read-only key's writes as a wrong key.
        ApiError::Unauthorized(_) | ApiError::Forbidden { .. } => "wrong api key".to_string(),
        ApiError::NotFound(_) => "not found".to_string(),
        other => other.body("")["error"]
            .as_str()
            .unwrap_or("invalid request")
            .to_string(),
    };
    let status = match error {
        ApiError::Forbidden { .. } => 401,
        other => other.status(),
    };
    json_response(status, &json!({ "error": message }))
}

/// The check `uuid` of the caller's organization.
async fn check_of(ctx: &Ctx, org_id: &str, uuid: &str) -> ApiResult<MonitorRow> {
    store::monitors::by_hc_uuid(&ctx.db, &uuid.to_ascii_lowercase())
        .await?
        .filter(|row| row.org_id == org_id)
        .ok_or(ApiError::NotFound("check"))
}

/// The check as `principal` may see it: without its UUID when it cannot
/// write (Healthchecks' read-only key; the UUID is a ping credential).
fn check_json(principal: &Principal, base: &str, row: &MonitorRow, last_ping: Option<String>) -> ApiResult<Value> {
    let spec = row
        .spec()
        .map_err(|e| ApiError::Internal(format!("monitor {} has unreadable settings: {e}", row.id)))?;
    let mut monitor = spec.shown();
    monitor.insert("interval_seconds".into(), Value::from(row.interval_seconds));
    let uuid = spec
        .settings
        .heartbeat()
        .and_then(|b| b.hc_uuid.clone())
        .unwrap_or_default();
    Ok(check_dict(&CheckView {
        monitor: &monitor,
        status: &row.status,
        uuid: &uuid,
        base,
        last_ping,
        read_only: principal.require_write().is_err(),
    }))
}

/// `GET /api/v3/checks/`: `{"checks": […]}`, the heartbeats that have an
/// `hc_uuid`, optionally those with every `tag` given or the `slug`.
pub async fn index(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let answer = async {
        let principal = authenticate(ctx, &req, None).await?;
        let url = req.url()?;
        let tags: Vec<String> = url
            .query_pairs()
            .filter(|(k, _)| k == "tag")
            .map(|(_, v)| v.into_owned())
            .collect();
        let slug = query(&req)?.remove("slug");
        let base = ctx.public_base(&req)?;
        let mut checks = Vec::new();
        for row in store::monitors::with_hc_uuid(&ctx.db, &principal.org_id).await? {
            let check = check_json(&principal, &base, &row, None)?;
            let own_tags: Vec<&str> = check["tags"].as_str().unwrap_or_default().split(' ').collect();
            if tags.iter().all(|t| own_tags.contains(&t.as_str())) && slug.as_ref().is_none_or(|s| check["slug"] == *s)
            {
                checks.push(check);
            }
        }
        json_response(200, &json!({ "checks": checks }))
    };
    answer.await.or_else(|error| refusal(&req, error))
}

/// `GET /api/v3/checks/{uuid}`, with its last ping.
pub async fn show(ctx: &Ctx, req: Request, uuid: &str) -> ApiResult<Response> {
    let answer = async {
        let principal = authenticate(ctx, &req, None).await?;
        let row = check_of(ctx, &principal.org_id, uuid).await?;
        let recent = stub::pings(
            &ctx.env,
            &row.id,
            &PingsQuery {
                kind: None,
                before_seq: None,
                limit: 10,
            },
        )
        .await?;
        let last_ping = recent
            .iter()
            .find(|p| !matches!(p.kind.as_str(), "missed" | "log"))
            .map(|p| ctx.iso(p.at).replace('Z', "+00:00"));
        json_response(200, &check_json(&principal, &ctx.public_base(&req)?, &row, last_ping)?)
    };
    answer.await.or_else(|error| refusal(&req, error))
}

/// `POST /api/v3/checks/{uuid}/pause` and `…/resume`, through the monitor
/// API's own pause and resume (audit log included); resuming a check that
/// is not paused is 409, as in Healthchecks.
pub async fn set_paused(ctx: &Ctx, req: Request, uuid: &str, paused: bool) -> ApiResult<Response> {
    let refused = |error| refusal(&req, error);
    let principal = match authenticate(ctx, &req, None).await {
        Ok(principal) => principal,
        Err(error) => return refused(error),
    };
    let row = match check_of(ctx, &principal.org_id, uuid).await {
        Ok(row) => row,
        Err(error) => return refused(error),
    };
    if !paused && row.status != MonitorStatus::Paused.as_str() {
        return text(409, "check is not paused");
    }
    let base = ctx.public_base(&req)?;
    let scoped = principal.require_write().map_err(ApiError::from);
    if let Err(error) = scoped {
        return refused(error);
    }
    monitors::set_paused(ctx, req, &row.id, paused).await?;
    let row = ctx.monitor(&principal.org_id, &row.id).await?;
    json_response(200, &check_json(&principal, &base, &row, None)?)
}

/// `GET /api/v3/checks/{uuid}/pings/`: `{"pings": […]}`, newest first.
pub async fn pings(ctx: &Ctx, req: Request, uuid: &str) -> ApiResult<Response> {
    let answer = async {
        let principal = authenticate(ctx, &req, None).await?;
        let row = check_of(ctx, &principal.org_id, uuid).await?;
        let query = PingsQuery {
            kind: None,
            before_seq: None,
            limit: PINGS_LISTED,
        };
        let rows = stub::pings(&ctx.env, &row.id, &query).await?;
        let pings: Vec<Value> = rows
            .iter()
            .filter_map(|ping| {
                let mut shown = heartbeats::ping_json(&row.id, ping);
                shown["n"] = json!(ping.seq);
                ping_dict(&shown)
            })
            .collect();
        json_response(200, &json!({ "pings": pings }))
    };
    answer.await.or_else(|error| refusal(&req, error))
}
