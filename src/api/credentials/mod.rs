//! Turns a request's credential into the principal it acts as: an API key
//! (`Authorization: Bearer pw_live_…` or `X-Api-Key`) or a user's JWT.
//! Part of `api`: it stands on the request context and spends the request's
//! rate limit (`api::limits`), as every handler does.

pub mod password;
pub mod session;

use super::{limits, Ctx};
use crate::domain::access::{Actor, KeyScopes, Principal, Role};
use crate::domain::rate_limit::Bucket;
use crate::domain::{api_key, jwt};
use crate::error::{ApiError, ApiResult};
use crate::store;
use worker::Request;

/// The header a user in several organizations names the one to act in with;
/// without it, their personal organization.
pub const ORGANIZATION_HEADER: &str = "X-Organization-Id";

/// Key usage is recorded at most this often, so a busy key does not cost a
/// D1 write on every request.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The credential in `Authorization: Bearer` or `X-Api-Key`.
pub fn credential(req: &Request) -> Option<String> {
    let headers = req.headers();
    let bearer = headers.get("Authorization").ok().flatten().and_then(|value| {
        let (scheme, token) = value.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
    });
    bearer
        .or_else(|| headers.get("X-Api-Key").ok().flatten().map(|v| v.trim().to_string()))
        .filter(|c| !c.is_empty())
}

/// Authenticates the request for `org_id` (from the path), or else for the
/// organization its header names, or else the credential's own. Without a
/// credential in the headers, the dashboard's session cookie is one.
pub async fn authenticate(ctx: &Ctx, req: &Request, org_id: Option<&str>) -> ApiResult<Principal> {
    let found = match credential(req) {
        Some(credential) => Some(credential),
        None => session::credential(req, &ctx.public_base(req)?)?,
    };
    authenticate_with(ctx, req, found, org_id).await
}

/// As `authenticate`, with a credential found elsewhere than in the headers
/// (the live stream's query string, subprotocol or cookie).
pub async fn authenticate_with(
    ctx: &Ctx,
    req: &Request,
    credential: Option<String>,
    org_id: Option<&str>,
) -> ApiResult<Principal> {
    let header_org = req.headers().get(ORGANIZATION_HEADER).ok().flatten();
    let org_id = org_id
        .or(header_org.as_deref())
        .map(str::trim)
        .filter(|o| !o.is_empty());
    let found = match credential {
        None => Err(ApiError::Unauthorized(
            "missing credential: send Authorization: Bearer <token or API key>",
        )),
        Some(credential) if api_key::looks_like_key(&credential) => by_key(ctx, &credential, org_id).await,
        Some(credential) => by_token(ctx, &credential, org_id).await,
    };
    // The request counts against its key or user; a failed one, against its
    // address, so guessing credentials is limited too.
    match &found {
        Ok(principal) => limits::admit_principal(ctx, principal).await?,
        Err(_) => limits::admit_anonymous(ctx, req).await?,
    }
    found
}

async fn by_key(ctx: &Ctx, key: &str, org_id: Option<&str>) -> ApiResult<Principal> {
    let found = store::api_keys::find_active(&ctx.db, &api_key::hash(key))
        .await?
        .ok_or(ApiError::Unauthorized("invalid or revoked API key"))?;
    // A key belongs to one organization; asking for another finds nothing.
    if org_id.is_some_and(|requested| requested != found.org_id) {
        return Err(ApiError::NotFound("organization"));
    }
    let stale = found
        .last_used_at
        .as_deref()
        .is_none_or(|last| last < ctx.iso(ctx.now_ms - TOUCH_EVERY_MS).as_str());
    if stale {
        let (db, id, now) = (store::Db::of(&ctx.env)?, found.id.clone(), ctx.now());
        ctx.wait_until(async move {
            if let Err(error) = store::api_keys::touch(&db, &id, &now).await {
                worker::console_error!("recording API key use failed: {error}");
            }
        });
    }
    Ok(Principal {
        org_id: found.org_id,
        plan: found.plan,
        actor: Actor::Key {
            key_id: found.id,
            scopes: KeyScopes::parse(&found.scopes),
        },
    })
}

async fn by_token(ctx: &Ctx, token: &str, org_id: Option<&str>) -> ApiResult<Principal> {
    let user_id =
        jwt::verify(ctx.jwt_secret()?, token, ctx.now_ms).ok_or(ApiError::Unauthorized("invalid or expired token"))?;
    match store::memberships::resolve(&ctx.db, &user_id, org_id).await? {
        Some(m) => Ok(Principal {
            org_id: m.org_id,
            plan: m.plan,
            actor: Actor::User {
                user_id,
                role: Role::parse(&m.role).unwrap_or(Role::Viewer),
            },
        }),
        None if org_id.is_some() => Err(ApiError::NotFound("organization")),
        None => Err(ApiError::Unauthorized("this token's user no longer exists")),
    }
}

/// Who calls a public route: with a credential, its principal (checked, and
/// counted against its key or user); without one, its address.
pub async fn caller(ctx: &Ctx, req: &Request) -> ApiResult<(Option<Principal>, Bucket)> {
    if credential(req).is_none() {
        return Ok((None, Bucket::Ip(limits::address(req))));
    }
    let principal = authenticate(ctx, req, None).await?;
    let bucket = limits::bucket_of(&principal);
    Ok((Some(principal), bucket))
}
