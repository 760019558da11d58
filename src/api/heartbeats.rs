//! Heartbeats: the public ping URLs (`/p/{token}[/start|/fail|/{exit code}]`
//! and `/api/v1/heartbeat/{token}…`), a heartbeat's ping history, and token
//! rotation.
//!
//! A ping reads no D1 in the steady state: a token names its monitor
//! (`domain::ping_token`), or, for tokens of the old format and the
//! Healthchecks-style pings (`api::healthchecks`), was looked up once in
//! this isolate; the monitor's object checks the credential itself, so a
//! rotation, pause or deletion holds from the very next ping, with no cache
//! to invalidate.

use super::{created, list, next_page, page_params, query, read_body, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::audit::Action;
use crate::domain::heartbeat::{capture_body, parse_ping_suffix, PingKind};
use crate::domain::ids::sha256_hex;
use crate::domain::ping_token;
use crate::domain::time::iso_from_millis;
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::objects::stub::{self, ObjectConfig, PingAlias, PingMessage, PingOutcome, PingsQuery};
use crate::store::{self, history::PingRow};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{Method, Request, Response};

thread_local! {
    /// Credentials that do not name their monitor (old-format tokens,
    /// Healthchecks UUIDs and slugs) this isolate has looked up: their
    /// `Credential::remembered_as` key → monitor id. Never stale in effect:
    /// the object still checks each ping's credential, and an entry it
    /// refuses is dropped and looked up again.
    static REMEMBERED: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// The ping URL, on `PW_PUBLIC_URL` or else on the origin the request came to.
pub fn ping_url(ctx: &Ctx, req: &Request, token: &str) -> ApiResult<String> {
    Ok(format!("{}/p/{token}", ctx.public_base(req)?))
}

fn header(req: &Request, name: &str, max: usize) -> Option<String> {
    req.headers()
        .get(name)
        .ok()
        .flatten()
        .map(|v| v.chars().take(max).collect())
}

/// A ping. Unknown tokens get 404 without any write; the answer is tiny.
pub async fn ingest(ctx: &Ctx, mut req: Request, token: &str, suffix: Option<&str>) -> ApiResult<Response> {
    let (kind, exit_code) = parse_ping_suffix(suffix).map_err(|message| ApiError::BadRequest {
        code: "invalid_ping",
        message,
        field: None,
    })?;
    let message = read_ping(&mut req, kind, exit_code).await?;
    deliver(ctx, &Credential::Token(token), message).await?;
    let mut response = Response::ok("OK\n")?;
    response
        .headers_mut()
        .set("Content-Type", "text/plain; charset=utf-8")?;
    Ok(response)
}

/// A ping request as its monitor's object takes it, the monitor and the
/// credential still to be set: its `rid` (1 to 64 characters), and what
/// of its body is kept.
pub(super) async fn read_ping(req: &mut Request, kind: PingKind, exit_code: Option<u8>) -> ApiResult<PingMessage> {
    let rid = match query(req)?.remove("rid") {
        Some(rid) if rid.is_empty() || rid.len() > 64 => {
            return Err(ApiError::bad_query(&FieldError::new(
                "rid",
                "rid must be 1 to 64 characters",
            )))
        }
        rid => rid,
    };
    let method = req.method();
    let body = if method == Method::Post {
        read_body(req).await?
    } else {
        Vec::new()
    };
    let captured = capture_body(&body);
    Ok(PingMessage {
        monitor_id: String::new(),
        token_hash: String::new(),
        config: None,
        kind: kind.as_str().to_string(),
        exit_code,
        rid,
        method: method.to_string(),
        source_ip: header(req, "CF-Connecting-IP", 64),
        user_agent: header(req, "User-Agent", 256),
        body: captured.text,
        body_truncated: captured.truncated,
        body_binary: captured.binary,
        alias: None,
    })
}

/// How a ping names its monitor.
pub(super) enum Credential<'a> {
    /// `/p/{token}`.
    Token(&'a str),
    /// `/ping/{uuid}`: a heartbeat's `hc_uuid`.
    HcUuid(&'a str),
    /// `/ping/{ping_key}/{slug}`.
    Slug { ping_key: &'a str, slug: &'a str },
}

impl Credential<'_> {
    /// The key this isolate remembers the credential's monitor under (a
    /// hash, never the secret), and what the object checks.
    fn remembered_as(&self, message: &mut PingMessage) -> String {
        match self {
            Credential::Token(token) => {
                message.token_hash = sha256_hex(token);
                message.token_hash.clone()
            }
            Credential::HcUuid(uuid) => {
                message.alias = Some(PingAlias::HcUuid(uuid.to_string()));
                format!("hc:{uuid}")
            }
            Credential::Slug { ping_key, slug } => {
                let key_hash = sha256_hex(ping_key);
                let remembered = format!("slug:{key_hash}/{slug}");
                message.alias = Some(PingAlias::Slug {
                    key_hash,
                    slug: slug.to_string(),
                });
                remembered
            }
        }
    }

    /// The monitor as D1 has it, with what its object needs to check this
    /// credential; 409 for a slug two monitors have.
    async fn look_up(&self, ctx: &Ctx) -> ApiResult<Option<ObjectConfig>> {
        let row = match self {
            Credential::Token(token) => store::monitors::by_ping_token(&ctx.db, &sha256_hex(token)).await?,
            Credential::HcUuid(uuid) => store::monitors::by_hc_uuid(&ctx.db, uuid).await?,
            Credential::Slug { ping_key, slug } => {
                let mut rows = store::monitors::by_slug(&ctx.db, ping_key, slug).await?;
                if rows.len() > 1 {
                    return Err(ApiError::conflict("ambiguous_slug", "ambiguous slug"));
                }
                rows.pop()
            }
        };
        let Some(row) = row else { return Ok(None) };
        let mut config = ObjectConfig::of(&row)?;
        if let Credential::Slug { ping_key, .. } = self {
            config.ping_key_hash = Some(sha256_hex(ping_key));
        }
        Ok(Some(config))
    }
}

/// Hands the ping to its monitor's object: straight there when the token
/// names it (or the credential was looked up before in this isolate),
/// else, or when the object does not know the credential yet or refuses a
/// remembered one (a UUID or slug may have moved), after reading the
/// monitor from D1.
pub(super) async fn deliver(ctx: &Ctx, credential: &Credential<'_>, mut message: PingMessage) -> ApiResult<()> {
    let remembered = credential.remembered_as(&mut message);
    let named = match credential {
        Credential::Token(token) => ping_token::monitor_of(token),
        _ => None,
    };
    let known = named
        .clone()
        .or_else(|| REMEMBERED.with(|old| old.borrow().get(&remembered).cloned()));
    let mut outcome = PingOutcome::Unconfigured;
    if let Some(monitor_id) = known {
        message.monitor_id = monitor_id;
        outcome = stub::ping(&ctx.env, &message).await?;
        if matches!(outcome, PingOutcome::NotFound) && named.is_none() {
            REMEMBERED.with(|old| old.borrow_mut().remove(&remembered));
            outcome = PingOutcome::Unconfigured;
        }
    }
    if let PingOutcome::Unconfigured = outcome {
        let config = credential
            .look_up(ctx)
            .await?
            // A token naming one monitor is never another's.
            .filter(|config| named.as_ref().is_none_or(|id| *id == config.monitor_id))
            .ok_or(ApiError::NotFound("heartbeat"))?;
        message.monitor_id = config.monitor_id.clone();
        message.config = Some(config);
        outcome = stub::ping(&ctx.env, &message).await?;
    }
    match outcome {
        PingOutcome::Recorded => {
            if named.is_none() {
                REMEMBERED.with(|old| old.borrow_mut().insert(remembered, message.monitor_id));
            }
            Ok(())
        }
        // Rotated, or the monitor deleted (maybe while this ping was on its way).
        PingOutcome::NotFound => Err(ApiError::NotFound("heartbeat")),
        PingOutcome::Limited(retry_after_seconds) => Err(ApiError::RateLimited {
            message: format!(
                "rate limit reached: this heartbeat takes {} pings a minute; retry in {retry_after_seconds} s",
                ctx.config.pings_per_minute
            ),
            retry_after_seconds,
        }),
        PingOutcome::Unconfigured => Err(ApiError::Internal(format!(
            "the object of {} refused its own monitor's configuration",
            message.monitor_id
        ))),
    }
}

pub(super) fn ping_json(monitor_id: &str, row: &PingRow) -> Value {
    json!({
        "id": row.id,
        "monitor_id": monitor_id,
        "kind": row.kind,
        "exit_code": row.exit_code,
        "duration_ms": row.duration_ms,
        "method": row.method,
        "source_ip": row.source_ip,
        "user_agent": row.user_agent,
        "body": row.body,
        "body_truncated": row.body_truncated == 1,
        "body_binary": row.body_binary == 1,
        "rid": row.rid,
        "expected_at": row.expected_at.map(iso_from_millis),
        "created_at": iso_from_millis(row.at),
    })
}

/// The organization's monitor `id`, which must be a heartbeat (409 otherwise).
async fn heartbeat(ctx: &Ctx, org_id: &str, id: &str) -> ApiResult<()> {
    if ctx.monitor(org_id, id).await?.kind != "heartbeat" {
        return Err(ApiError::conflict(
            "not_a_heartbeat",
            "only heartbeat monitors have pings and a ping token",
        ));
    }
    Ok(())
}

/// `GET /api/v1/monitors/{id}/pings`: newest first, filter `kind`.
pub async fn index(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    heartbeat(ctx, &principal.org_id, id).await?;
    let params = query(&req)?;
    let (limit, cursor) = page_params(&params)?;
    let kind = params.get("kind");
    if kind.is_some_and(|kind| PingKind::parse(kind).is_none()) {
        return Err(ApiError::bad_query(&FieldError::new(
            "kind",
            "kind must be one of success, start, fail, log, missed",
        )));
    }
    let before_seq = cursor
        .map(|cursor| cursor.after_key.parse::<i64>())
        .transpose()
        .map_err(|_| ApiError::bad_query(&FieldError::new("cursor", "cursor is not one this API returned")))?;
    let query = PingsQuery {
        kind: kind.cloned(),
        before_seq,
        limit: limit + 1,
    };
    let mut rows = stub::pings(&ctx.env, id, &query).await?;
    let next_cursor = next_page(&mut rows, limit, |last| (last.seq.to_string(), last.id.clone()));
    list(rows.iter().map(|row| ping_json(id, row)).collect(), next_cursor)
}

/// `POST /api/v1/monitors/{id}/rotate-token`: a new token; the old one fails from the next ping on.
pub async fn rotate_token(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    heartbeat(ctx, &principal.org_id, id).await?;
    let token = ping_token::new(id);
    let token_hash = sha256_hex(&token);
    // The object first, as it checks every ping: once it has the new
    // token, the old one fails, whatever happens to D1's copy.
    stub::set_ping_token(&ctx.env, id, &token_hash).await?;
    store::monitors::set_ping_token(&ctx.db, &principal.org_id, id, &token_hash).await?;
    super::audit_log::record(ctx, &principal, &req, Action::MonitorTokenRotated, id, None, None).await;
    created(json!({ "monitor_id": id, "token": token, "ping_url": ping_url(ctx, &req, &token)? }))
}
