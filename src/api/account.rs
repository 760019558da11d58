//! `GET /api/v1/account/me` in PingFlow's shape (camelCase, no envelope):
//! the credential's user (a key's maker) with their Knowledge Points and
//! the badge those earned (`domain::points`). `isPro`: the organization the
//! credential acts in is on a paid plan.

use super::forum::user_of;
use super::{json_response, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::points::badge;
use crate::error::ApiResult;
use serde_json::json;
use worker::{Request, Response};

pub async fn me(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    let user = user_of(ctx, &principal).await?;
    let is_pro = ctx.plan(&principal.plan).name != "free";
    json_response(
        200,
        &json!({
            "id": user.id, "email": user.email, "name": user.name, "isPro": is_pro,
            "points": user.forum_points, "activeIcon": badge(user.forum_points),
        }),
    )
}
