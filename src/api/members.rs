//! `/api/v1/organizations/{id}/members`: who belongs to an organization.
//! Owners and admins manage members; only owners grant, change or remove the
//! owner role; an organization always keeps at least one owner.

use super::{created, list, no_content, ok, read_json, required_str, Ctx};
use crate::auth::authenticate;
use crate::domain::access::{Principal, Role};
use crate::domain::account::normalize_email;
use crate::error::{ApiError, ApiResult};
use crate::store::{self, memberships::Member};
use serde_json::{json, Value};
use worker::{Request, Response};

fn member_json(member: &Member) -> Value {
    json!({ "user_id": member.user_id, "email": member.email, "name": member.name, "role": member.role, "created_at": member.created_at })
}

pub async fn index(ctx: &Ctx, req: Request, org_id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, Some(org_id)).await?;
    let members = store::memberships::list(&ctx.db, &principal.org_id).await?;
    list(members.iter().map(member_json).collect(), None)
}

pub async fn add(ctx: &Ctx, mut req: Request, org_id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, Some(org_id)).await?;
    let caller = principal.require_admin()?;
    let body = read_json(&mut req).await?;
    let email = normalize_email(required_str(&body, "email")?)?;
    let role = Role::from_field(body.get("role"))?;
    require_owner_for(caller, &[role])?;
    let user = store::users::by_email(&ctx.db, &email)
        .await?
        .ok_or(ApiError::NotFound("user with this email"))?;
    if !store::memberships::add(&ctx.db, &principal.org_id, &user.id, role.as_str(), &ctx.now()).await? {
        return Err(ApiError::conflict(
            "already_member",
            "this user is already a member; PATCH their membership to change the role",
        ));
    }
    let member = find(ctx, &principal, &user.id).await?;
    created(member_json(&member))
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
    ok(member_json(&find(ctx, &principal, user_id).await?))
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
    no_content()
}

async fn find(ctx: &Ctx, principal: &Principal, user_id: &str) -> ApiResult<Member> {
    store::memberships::get(&ctx.db, &principal.org_id, user_id)
        .await?
        .ok_or(ApiError::NotFound("member"))
}

/// Only an owner may hand out, change or take away the owner role.
fn require_owner_for(caller: Role, roles: &[Role]) -> ApiResult<()> {
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
