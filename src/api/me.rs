//! `GET /api/v1/me`: who the credential is, the organization it acts in, and
//! the plan with its usage.

use super::{ok, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::access::{Actor, Principal};
use crate::error::ApiResult;
use crate::store;
use serde_json::{json, Value};
use worker::{Request, Response};

pub async fn show(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    let plan = ctx.plan(&principal.plan);
    let monitors_used = store::monitors::cost(&ctx.db, &principal.org_id).await?;
    let (user, organizations, api_key) = identity(ctx, &principal).await?;
    // Shown to every member, as Healthchecks shows a project's ping key.
    let ping_key = store::organizations::ping_key(&ctx.db, &principal.org_id).await?;
    ok(json!({
        "user": user,
        "organization": {
            "id": principal.org_id,
            "plan": plan.name,
            "role": role_of(&principal),
            "ping_key": ping_key,
            "usage": { "monitors": { "used": monitors_used, "allowed": plan.max_monitors } },
            "limits": { "max_monitors": plan.max_monitors, "min_interval_seconds": plan.interval_floor(ctx.config.min_interval_seconds), "max_status_pages": plan.max_status_pages, "max_channels": plan.max_channels, "max_live_connections": plan.max_live_connections, "requests_per_minute": ctx.config.requests_per_minute(&plan), "live_checks_per_hour": ctx.config.live_checks_per_hour(Some(&plan)), "pings_per_minute": ctx.config.pings_per_minute, "audit_retention_days": plan.audit_retention_days },
        },
        "organizations": organizations,
        "api_key": api_key,
    }))
}

fn role_of(principal: &Principal) -> Option<&'static str> {
    match &principal.actor {
        Actor::User { role, .. } => Some(role.as_str()),
        Actor::Key { .. } => None,
    }
}

/// The user and all their organizations for a JWT; the key for an API key.
async fn identity(ctx: &Ctx, principal: &Principal) -> ApiResult<(Value, Value, Value)> {
    match &principal.actor {
        Actor::User { user_id, .. } => {
            let user = store::users::by_id(&ctx.db, user_id).await?;
            let organizations = store::organizations::of_user(&ctx.db, user_id).await?;
            let personal = user.as_ref().map(|u| u.personal_org_id.clone());
            let user =
                user.map(|u| json!({ "id": u.id, "email": u.email, "name": u.name, "created_at": u.created_at }));
            let organizations: Vec<Value> = organizations
                .into_iter()
                .map(|o| json!({ "id": o.id, "name": o.name, "plan": o.plan, "role": o.role, "personal": Some(&o.id) == personal.as_ref(), "created_at": o.created_at }))
                .collect();
            Ok((user.unwrap_or(Value::Null), json!(organizations), Value::Null))
        }
        Actor::Key { key_id, scopes } => Ok((
            Value::Null,
            Value::Null,
            json!({ "id": key_id, "scopes": scopes.list() }),
        )),
    }
}
