//! The moderators' list of reported posts, `GET /api/v1/forum/reports`
//! (open reports, newest first), and `DELETE /api/v1/forum/reports/{id}`,
//! which dismisses one. Removing a post resolves its reports
//! (`DELETE /api/v1/forum/posts/{id}`).

use super::forum::member;
use super::{list, next_page, no_content, page_params, query, Ctx};
use crate::error::{ApiError, ApiResult};
use crate::store::forum_reports;
use serde_json::Value;
use worker::{Request, Response};

pub async fn index(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    member(ctx, &req).await?.require_moderator()?;
    let (limit, cursor) = page_params(&query(&req)?)?;
    let mut rows = forum_reports::open(&ctx.db, cursor.as_ref(), limit + 1).await?;
    let text = |report: &Value, field: &str| report[field].as_str().unwrap_or_default().to_string();
    let next_cursor = next_page(&mut rows, limit, |last| (text(last, "created_at"), text(last, "id")));
    list(rows, next_cursor)
}

pub async fn dismiss(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    member(ctx, &req).await?.require_moderator()?;
    if !forum_reports::dismiss(&ctx.db, id, &ctx.now()).await? {
        return Err(ApiError::NotFound("report"));
    }
    no_content()
}
