//! `GET /api/v1/audit-log`, and `record`, which every handler that changes
//! an organization's state calls once the change is made.
//!
//! The log is read by the organization's owners and admins, with their
//! user token. API keys (read or write) are refused: a key is no person
//! with a role, and a key leaked from a script must not reveal who did what
//! from which address. This is the rule `/api/v1/api-keys` follows too.

use super::{limits, list, next_page, page_params, query, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::access::{Denied, Principal};
use crate::domain::audit::{self, Action, ActorType, Filter};
use crate::domain::ids::new_id;
use crate::domain::time::iso_from_millis;
use crate::error::{ApiError, ApiResult};
use crate::store::{self, audit_log::NewEntry};
use serde_json::Value;
use worker::{Request, Response};

/// The longest address kept, in characters.
const MAX_IP_CHARS: usize = 64;

/// Records a change the request made: `before` and `after` are the target
/// as the API shows it (`None` before a creation, after a deletion). The
/// change is made already, so a failure to record it is logged, not
/// answered.
pub async fn record(
    ctx: &Ctx,
    principal: &Principal,
    req: &Request,
    action: Action,
    target_id: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) {
    let change = Change {
        action,
        target_id,
        before,
        after,
    };
    record_by(ctx, &principal.org_id, audit::actor_of(principal), req, change).await;
}

/// One change to record: what was done to which target, as the API shows
/// it before and after.
pub struct Change<'a> {
    pub action: Action,
    pub target_id: &'a str,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

/// Records a change made in `org_id` by `actor`, when the request carried
/// no principal (a ping under the organization's ping key).
pub async fn record_by(ctx: &Ctx, org_id: &str, actor: (ActorType, &str), req: &Request, change: Change<'_>) {
    let (actor_type, actor_id) = actor;
    let Change {
        action,
        target_id,
        before,
        after,
    } = change;
    let changes = audit::changes(before, after).to_string();
    let address = limits::address(req);
    let ip: Option<String> = (address != "unknown").then(|| address.chars().take(MAX_IP_CHARS).collect());
    let user_agent = audit::user_agent(req.headers().get("User-Agent").ok().flatten().as_deref());
    // The time the change was made, not the one the request came in.
    let at_ms = worker::Date::now().as_millis() as i64;
    let (id, at) = (new_id("aud"), iso_from_millis(at_ms));
    let entry = NewEntry {
        id: &id,
        org_id,
        at: &at,
        at_ms,
        actor_type: actor_type.as_str(),
        actor_id,
        action: action.as_str(),
        target_type: action.target_type(),
        target_id,
        ip: ip.as_deref(),
        user_agent: user_agent.as_deref(),
        changes: &changes,
        default_retention_days: ctx.config.default_plan.audit_retention_days,
    };
    if let Err(error) = store::audit_log::insert(&ctx.db, &entry).await {
        worker::console_error!("recording {action} of {target_id} in the audit log of {org_id} failed: {error}");
    }
}

/// The organization's entries, newest first; filters `action` (exact, or a
/// target type and a dot: `monitor.`), `actor_id`, `target_id`, `since`
/// (inclusive) and `until` (exclusive).
pub async fn index(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    match principal.require_admin() {
        Ok(_) => {}
        Err(Denied::Role) => {
            return Err(ApiError::forbidden(
                "insufficient_role",
                "the audit log is for the organization's owners and admins",
            ))
        }
        Err(Denied::UserOnly) => {
            return Err(ApiError::forbidden(
                "user_token_required",
                "the audit log is read with an owner's or admin's token from /api/v1/auth/login, not an API key",
            ))
        }
        Err(denied) => return Err(denied.into()),
    }
    let params = query(&req)?;
    let filter = Filter::parse(|name| params.get(name).map(String::as_str)).map_err(|e| ApiError::bad_query(&e))?;
    let (limit, cursor) = page_params(&params)?;
    let mut rows = store::audit_log::list(&ctx.db, &principal.org_id, &filter, cursor.as_ref(), limit + 1).await?;
    let text = |entry: &Value, field: &str| entry[field].as_str().unwrap_or_default().to_string();
    let next_cursor = next_page(&mut rows, limit, |last| (text(last, "at"), text(last, "id")));
    list(rows, next_cursor)
}
