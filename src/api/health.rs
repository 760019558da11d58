//! `GET /api/health`: liveness, after a real D1 query.

use super::{json_response, Ctx};
use crate::config::VERSION;
use crate::error::{ApiError, ApiResult};
use crate::store;
use serde_json::json;
use worker::Response;

pub async fn check(ctx: &Ctx) -> ApiResult<Response> {
    match store::answers(&ctx.db).await {
        Ok(true) => json_response(200, &json!({ "status": "ok", "version": VERSION })),
        Ok(false) => Err(ApiError::Unavailable("SELECT 1 returned no row".into())),
        Err(error) => Err(ApiError::Unavailable(error.to_string())),
    }
}
