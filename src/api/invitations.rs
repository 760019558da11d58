//! Membership by consent. Owners and admins invite an e-mail address with a
//! role (only owners invite owners) and get the token once, as an accept
//! link; the person with that address, signed in, accepts it once within 7
//! days and becomes a member. Inviting never looks the address up, so the
//! answer is the same whether or not it has an account (or already is a
//! member: accepting then answers 409).

use super::audit_log::record;
use super::members::{member_json, require_owner_for};
use super::{created, list, no_content, read_json, required_str, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::access::{Denied, Principal, Role};
use crate::domain::account::normalize_email;
use crate::domain::audit::Action;
use crate::domain::ids::{new_id, sha256_hex};
use crate::domain::invitation::{self, Closed, MAX_OPEN};
use crate::error::{ApiError, ApiResult};
use crate::store::{self, invitations::Invitation};
use serde_json::{json, Value};
use worker::{Request, Response};

fn invitation_json(invitation: &Invitation) -> Value {
    let i = invitation;
    json!({ "id": i.id, "email": i.email, "role": i.role, "invited_by": i.invited_by, "created_at": i.created_at, "expires_at": i.expires_at })
}

/// The organization's pending invitations (open and unexpired), never their tokens.
pub async fn index(ctx: &Ctx, req: Request, org_id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, Some(org_id)).await?;
    principal.require_admin()?;
    let pending = store::invitations::list_open(&ctx.db, &principal.org_id, &ctx.now()).await?;
    list(pending.iter().map(invitation_json).collect(), None)
}

/// Invites an address; an open invitation to the same address is replaced,
/// which is how a lost link is sent again.
pub async fn create(ctx: &Ctx, mut req: Request, org_id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, Some(org_id)).await?;
    let caller = principal.require_admin()?;
    let body = read_json(&mut req).await?;
    let email = normalize_email(required_str(&body, "email")?)?;
    let role = Role::from_field(body.get("role"))?;
    require_owner_for(caller, &[role])?;
    let token = invitation::generate_token();
    let invitation = Invitation {
        id: new_id("inv"),
        org_id: principal.org_id.clone(),
        email,
        role: role.as_str().into(),
        invited_by: principal.user_id().map(String::from),
        created_at: ctx.now(),
        expires_at: ctx.iso(ctx.now_ms + invitation::VALID_FOR_MS),
        accepted_at: None,
        revoked_at: None,
    };
    if !store::invitations::create(&ctx.db, &invitation, &sha256_hex(&token)).await? {
        return Err(ApiError::conflict(
            "invitation_limit",
            format!("an organization may have at most {MAX_OPEN} pending invitations; revoke one first"),
        ));
    }
    let mut data = invitation_json(&invitation);
    record(
        ctx,
        &principal,
        &req,
        Action::InvitationCreated,
        &invitation.id,
        None,
        Some(&data),
    )
    .await;
    data["accept_url"] = json!(format!("{}/api/v1/invitations/{token}/accept", ctx.public_base(&req)?));
    data["token"] = json!(token);
    created(data)
}

/// Revokes a pending invitation: its link then answers 410. Only an owner
/// may revoke an invitation to the owner role, as only an owner can make one.
pub async fn revoke(ctx: &Ctx, req: Request, org_id: &str, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, Some(org_id)).await?;
    let caller = principal.require_admin()?;
    let not_found = || ApiError::NotFound("invitation");
    let invitation = store::invitations::get_open(&ctx.db, &principal.org_id, id, &ctx.now())
        .await?
        .ok_or_else(not_found)?;
    require_owner_for(caller, &[Role::parse(&invitation.role).unwrap_or(Role::Viewer)])?;
    if !store::invitations::revoke(&ctx.db, &principal.org_id, id, &ctx.now()).await? {
        return Err(not_found());
    }
    let before = invitation_json(&invitation);
    record(
        ctx,
        &principal,
        &req,
        Action::InvitationRevoked,
        id,
        Some(&before),
        None,
    )
    .await;
    no_content()
}

/// Accepts an invitation as the signed-in user it was sent to (a user's
/// token, not an API key): 201 with the new membership. Another user gets
/// 403 whatever the invitation's state, an accepted, revoked or expired one
/// 410, a member already 409.
pub async fn accept(ctx: &Ctx, req: Request, token: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    let user_id = principal.user_id().ok_or(Denied::UserOnly)?;
    let token_hash = sha256_hex(token);
    let invitation = store::invitations::by_token(&ctx.db, &token_hash)
        .await?
        .ok_or(ApiError::NotFound("invitation"))?;
    let user = store::users::by_id(&ctx.db, user_id)
        .await?
        .ok_or(ApiError::Unauthorized("this token's user no longer exists"))?;
    if user.email != invitation.email {
        return Err(ApiError::forbidden(
            "wrong_invitee",
            "this invitation was sent to another e-mail address; sign in with the account it was sent to",
        ));
    }
    let now = ctx.now();
    if !store::invitations::accept(&ctx.db, &token_hash, user_id, &now).await? {
        // Read it again rather than trust the read above: a concurrent accept
        // or revoke may have closed it since. Still open means already a member.
        let closed = store::invitations::by_token(&ctx.db, &token_hash)
            .await?
            .and_then(|i| Closed::at(i.accepted_at.as_deref(), i.revoked_at.as_deref(), &i.expires_at, &now));
        return Err(match closed {
            Some(closed) => ApiError::gone(closed.code(), closed.message()),
            None => ApiError::conflict("already_member", "you are already a member of this organization"),
        });
    }
    let member = store::memberships::get(&ctx.db, &invitation.org_id, user_id)
        .await?
        .ok_or_else(|| ApiError::Internal("an accepted invitation left no membership".into()))?;
    let mut data = member_json(&member);
    // Recorded in the organization joined, not the one the token acts in.
    let joined = Principal {
        org_id: invitation.org_id.clone(),
        ..principal
    };
    record(
        ctx,
        &joined,
        &req,
        Action::InvitationAccepted,
        &invitation.id,
        None,
        Some(&data),
    )
    .await;
    data["org_id"] = json!(invitation.org_id);
    created(data)
}
