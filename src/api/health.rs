//! `GET /api/health`: liveness, after a real D1 query.

use super::{json_response, Ctx};
use crate::config::VERSION;
use crate::error::{ApiError, ApiResult};
use serde_json::json;
use worker::Response;

pub async fn check(ctx: &Ctx) -> ApiResult<Response> {
    match ctx.db.prepare("SELECT 1 AS ok").first::<serde_json::Value>(None).await {
        Ok(Some(_)) => json_response(200, &json!({ "status": "ok", "version": VERSION })),
        Ok(None) => Err(ApiError::Unavailable("SELECT 1 returned no row".into())),
        Err(error) => Err(ApiError::Unavailable(error.to_string())),
    }
}
