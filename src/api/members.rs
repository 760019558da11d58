//! `/api/v1/organizations/{id}/members`: who belongs to an organization.
//! Owners and admins manage members (who join by invitation); only owners
//! grant, change or remove the owner role; an organization always keeps at
//! least one owner.

use super::audit_log::record;
use super::{list, no_content, ok, read_json, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::access::{Principal, Role};
use crate::domain::audit::Action;
use crate::domain::live::user_tag;
use crate::error::{ApiError, ApiResult};
use crate::store::{self, memberships::Member};
use serde_json::{json, Value};
use worker::{Request, Response};

pub(super) fn member_json(member: &Member) -> Value {
    json!({ "user_id": member.user_id, "email": member.email, "name": member.name, "role": member.role, "created_at": member.created_at })
}

pub async fn index(ctx: &Ctx, req: Request, org_id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, Some(org_id)).await?;
    let members = store::memberships::list(&ctx.db, &principal.org_id).await?;
    list(members.iter().map(member_json).collect(), None)
}

/// Adding a member by e-mail alone is retired: it needed no consent from the
/// person added and told the caller whether an account existed. Members join
/// by invitation now (`api::invitations`).
pub fn add_is_gone(org_id: &str) -> ApiResult<Response> {
    Err(ApiError::gone(
        "gone",
        format!("members join by invitation now: use POST /api/v1/organizations/{org_id}/invitations"),
    ))
}

pub async fn update(ctx: &Ctx, mut req: Request, org_id: &str, user_id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, Some(org_id)).await?;
    let caller = principal.require_admin()?;
    let body = read_json(&mut req).await?;
    let role = Role::from_field(body.get("role"))?;
    let member = find(ctx, &principal, user_id).await?;
    require_owner_for(caller, &[role, Role::parse(&member.role).unwrap_or(Role::Viewer)])?;
    if !store::memberships::change_role(&ctx.db, &principal.org_id, user_id, role.as_str()).await? {
        return Err(last_owner());
    }
    let (before, after) = (
        member_json(&member),
        member_json(&find(ctx, &principal, user_id).await?),
    );
    record(
        ctx,
        &principal,
        &req,
        Action::MemberRoleChanged,
        user_id,
        Some(&before),
        Some(&after),
    )
    .await;
    ok(after)
}

/// Removes a member; any member may also leave by removing themselves.
pub async fn remove(ctx: &Ctx, req: Request, org_id: &str, user_id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, Some(org_id)).await?;
    let member = find(ctx, &principal, user_id).await?;
    if principal.user_id() != Some(user_id) {
        let caller = principal.require_admin()?;
        require_owner_for(caller, &[Role::parse(&member.role).unwrap_or(Role::Viewer)])?;
    }
    if !store::memberships::remove(&ctx.db, &principal.org_id, user_id).await? {
        return Err(last_owner());
    }
    record(
        ctx,
        &principal,
        &req,
        Action::MemberRemoved,
        user_id,
        Some(&member_json(&member)),
        None,
    )
    .await;
    let reason = "removed from the organization";
    super::live::close(ctx, &principal.org_id, user_tag(user_id), 1008, reason).await;
    no_content()
}

async fn find(ctx: &Ctx, principal: &Principal, user_id: &str) -> ApiResult<Member> {
    store::memberships::get(&ctx.db, &principal.org_id, user_id)
        .await?
        .ok_or(ApiError::NotFound("member"))
}

/// Only an owner may hand out, change or take away the owner role.
pub(super) fn require_owner_for(caller: Role, roles: &[Role]) -> ApiResult<()> {
    if caller != Role::Owner && roles.contains(&Role::Owner) {
        return Err(ApiError::forbidden(
            "insufficient_role",
            "only an owner can grant, change or remove the owner role",
        ));
    }
    Ok(())
}

fn last_owner() -> ApiError {
    ApiError::conflict(
        "last_owner",
        "an organization must keep at least one owner; make someone else owner first",
    )
}
