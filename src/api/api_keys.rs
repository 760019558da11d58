//! `/api/v1/api-keys`: an organization's keys, managed by its owners and
//! admins with their user token. The secret is in the creation answer only.

use super::audit_log::record;
use super::{created, list, no_content, read_json, required_str, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::access::KeyScopes;
use crate::domain::api_key::{self, MAX_ACTIVE_KEYS};
use crate::domain::audit::Action;
use crate::domain::ids::new_id;
use crate::domain::live::key_tag;
use crate::domain::validation::trimmed_text;
use crate::error::{ApiError, ApiResult};
use crate::store::{self, api_keys::ApiKey, api_keys::NewKey};
use serde_json::{json, Value};
use worker::{Request, Response};

/// A key as listed: never its secret, which only its creation answer holds.
fn key_json(k: &ApiKey) -> Value {
    json!({ "id": k.id, "name": k.name, "prefix": k.prefix, "scopes": KeyScopes::parse(&k.scopes).list(), "created_at": k.created_at, "last_used_at": k.last_used_at })
}

pub async fn index(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_admin()?;
    let keys = store::api_keys::list_active(&ctx.db, &principal.org_id).await?;
    list(keys.iter().map(key_json).collect(), None)
}

pub async fn create(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_admin()?;
    let body = read_json(&mut req).await?;
    let name = trimmed_text("name", required_str(&body, "name")?, 1, 100)?;
    let scopes = KeyScopes::from_field(body.get("scopes"))?;
    let (id, secret, now) = (new_id("key"), api_key::generate(), ctx.now());
    let prefix = api_key::shown_prefix(&secret);
    let key = NewKey {
        id: &id,
        org_id: &principal.org_id,
        name: &name,
        prefix: &prefix,
        hash: &api_key::hash(&secret),
        scopes: scopes.as_str(),
        created_by: principal.user_id(),
        now: &now,
    };
    if !store::api_keys::create(&ctx.db, &key).await? {
        return Err(ApiError::conflict(
            "key_limit",
            format!("an organization may hold at most {MAX_ACTIVE_KEYS} active keys; revoke one first"),
        ));
    }
    let mut answer = json!({ "id": id, "name": name, "prefix": prefix, "scopes": scopes.list(), "created_at": now, "last_used_at": null });
    record(ctx, &principal, &req, Action::ApiKeyCreated, &id, None, Some(&answer)).await;
    answer["key"] = json!(secret);
    created(answer)
}

/// Revokes a key: the very next request with it gets 401.
pub async fn revoke(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_admin()?;
    let key = store::api_keys::get_active(&ctx.db, &principal.org_id, id).await?;
    if !store::api_keys::revoke(&ctx.db, &principal.org_id, id, &ctx.now()).await? {
        return Err(ApiError::NotFound("API key"));
    }
    record(
        ctx,
        &principal,
        &req,
        Action::ApiKeyRevoked,
        id,
        key.as_ref().map(key_json).as_ref(),
        None,
    )
    .await;
    super::live::close(ctx, &principal.org_id, key_tag(id), 1008, "API key revoked").await;
    no_content()
}
