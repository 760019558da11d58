//! The live streams: `GET /live?token=…` (PingFlow's path) and
//! `GET /api/v1/live` for an organization's members, `GET /status/{slug}/live`
//! for a public status page. The Worker checks the credential (401 before
//! any upgrade) and hands the upgrade to the organization's hub
//! (`objects/live.rs`), which keeps the connection.

use super::{public_pages, Ctx};
use crate::api::credentials::{self, authenticate_with, session};
use crate::domain::live::{Filter, Listener, SUBPROTOCOL};
use crate::domain::time::iso_from_millis;
use crate::error::{ApiError, ApiResult};
use crate::objects::live::CloseRequest;
use crate::objects::stub;
use crate::store;
use futures_util::StreamExt;
use serde_json::json;
use worker::{Request, Response};

/// Monitors told at once that a member listens.
const WAKE_AT_ONCE: usize = 6;

/// 426 unless the request asks for a WebSocket.
fn require_upgrade(req: &Request) -> ApiResult<()> {
    let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
    if upgrade.eq_ignore_ascii_case("websocket") {
        Ok(())
    } else {
        Err(ApiError::UpgradeRequired)
    }
}

/// The subprotocols the client offers; a browser, which cannot set
/// headers, offers `pingwarden.v1` and its token.
fn offered_protocols(req: &Request) -> ApiResult<Vec<String>> {
    Ok(req
        .headers()
        .get("Sec-WebSocket-Protocol")?
        .map(|value| value.split(',').map(|p| p.trim().to_string()).collect())
        .unwrap_or_default())
}

/// The credential, from the first place that has one: the headers, the
/// `token` query parameter, the subprotocols, or the session cookie of a
/// page served from this origin.
fn live_credential(ctx: &Ctx, req: &Request, offered: &[String]) -> ApiResult<Option<String>> {
    if let Some(credential) = credentials::credential(req) {
        return Ok(Some(credential));
    }
    if let Some(token) = super::query(req)?.remove("token").filter(|t| !t.is_empty()) {
        return Ok(Some(token));
    }
    if let [protocol, token, ..] = offered {
        if protocol == SUBPROTOCOL {
            return Ok(Some(token.clone()));
        }
    }
    let Some(token) = session::cookie(req, session::SESSION_COOKIE)? else {
        return Ok(None);
    };
    // A cookie goes along with any page's request: only ours may use it (a
    // browser always names the page's origin in a WebSocket handshake).
    if req.headers().get("Origin")?.is_none() {
        return Err(ApiError::Unauthorized("a session cookie needs the page's Origin"));
    }
    session::require_same_origin(req, &ctx.public_base(req)?)?;
    Ok(Some(token))
}

/// `GET /live`, `GET /api/v1/live`: the organization's stream.
pub async fn member_stream(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    require_upgrade(&req)?;
    let offered = offered_protocols(&req)?;
    let credential = live_credential(ctx, &req, &offered)?;
    // A browser cannot set X-Organization-Id on a WebSocket: the dashboard
    // names the organization it shows in the query instead.
    let organization = super::query(&req)?.remove("organization");
    let principal = authenticate_with(ctx, &req, credential, organization.as_deref()).await?;
    let plan = ctx.plan(&principal.plan);
    let (key_id, user_id) = match &principal.actor {
        crate::domain::access::Actor::Key { key_id, .. } => (Some(key_id.clone()), None),
        crate::domain::access::Actor::User { user_id, .. } => (None, Some(user_id.clone())),
    };
    let listener = Listener::Member {
        key_id,
        user_id,
        filter: Filter::default(),
    };
    let response = stub::hub_connect(&ctx.env, &principal.org_id, &listener, plan.max_live_connections, None).await?;
    if response.status_code() == 429 {
        return Err(ApiError::TooMany {
            code: "too_many_connections",
            message: format!(
                "the {} plan allows {} live connections at once",
                plan.name, plan.max_live_connections
            ),
        });
    }
    if response.headers().get("X-Live-First")?.is_some() {
        wake_monitors(ctx, principal.org_id.clone());
    }
    upgraded(response, &offered)
}

/// `GET /status/{slug}/live`: a public page's stream, with only what the
/// page shows.
pub async fn page_stream(ctx: &Ctx, req: Request, slug: &str) -> ApiResult<Response> {
    require_upgrade(&req)?;
    let offered = offered_protocols(&req)?;
    let (Some(row), Some(page)) = (
        store::status_pages::by_slug(&ctx.db, slug).await?,
        public_pages::view(ctx, slug).await?,
    ) else {
        return Err(ApiError::NotFound("status page"));
    };
    let hello = json!({
        "type": "hello",
        "page": { "slug": row.slug, "title": page.title, "overall_status": page.overall_status },
        "monitors": page.monitors.iter().map(|m| json!({ "id": m.id, "name": m.name, "status": m.status })).collect::<Vec<_>>(),
        "server_time": iso_from_millis(ctx.now_ms),
    });
    let listener = Listener::Page { page_id: row.id };
    let response = stub::hub_connect(&ctx.env, &row.org_id, &listener, 0, Some(&hello)).await?;
    if response.status_code() == 429 {
        return Err(ApiError::TooMany {
            code: "too_many_connections",
            message: "this status page has too many live viewers; it refreshes by itself instead".into(),
        });
    }
    upgraded(response, &offered)
}

/// The hub's socket, in a 101 of our own (the hub's headers cannot be
/// changed), answering the subprotocol when the client offered it.
fn upgraded(hub_answer: Response, offered: &[String]) -> ApiResult<Response> {
    let code = hub_answer.status_code();
    let Some(socket) = hub_answer.websocket().filter(|_| code == 101) else {
        return Err(ApiError::Internal(format!(
            "the hub answered {code} to a live connection"
        )));
    };
    let mut response = Response::from_websocket(socket)?;
    if offered.iter().any(|p| p == SUBPROTOCOL) {
        response.headers_mut().set("Sec-WebSocket-Protocol", SUBPROTOCOL)?;
    }
    Ok(response)
}

/// The first member listens: every active monitor starts reporting its
/// results, after the answer is sent (a D1 read and one request per monitor).
fn wake_monitors(ctx: &Ctx, org_id: String) {
    let env = ctx.env.clone();
    let Ok(db) = store::Db::of(&ctx.env) else { return };
    ctx.wait_until(async move {
        let states = match store::monitors::live_states(&db, &org_id).await {
            Ok(states) => states,
            Err(error) => return worker::console_error!("listing monitors to go live failed: {error}"),
        };
        let env = &env;
        futures_util::stream::iter(states.into_iter().filter(|m| m.status != "paused"))
            .for_each_concurrent(WAKE_AT_ONCE, |monitor| async move {
                if let Err(error) = stub::monitor_live(env, &monitor.id, true).await {
                    worker::console_error!("telling {} to go live failed: {error}", monitor.id);
                }
            })
            .await;
    });
}

/// Closes the organization's live sockets with this tag: a revoked key's
/// and a removed member's (1008, policy), a changed page's viewers (1012,
/// come back). A hub that cannot be reached is logged, not an error of the
/// change that caused it.
pub async fn close(ctx: &Ctx, org_id: &str, tag: String, code: u16, reason: &str) {
    let close = CloseRequest {
        tag,
        code,
        reason: reason.to_string(),
    };
    if let Err(error) = stub::hub_close(&ctx.env, org_id, &close).await {
        worker::console_error!("closing live sockets {} failed: {error}", close.tag);
    }
}
