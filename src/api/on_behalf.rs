//! API requests made on a caller's behalf through the router: an MCP tool
//! call, or one change of an `apply`. Each goes through the same handler a
//! client's request would, with the caller's credential, so scopes,
//! validation, plan limits and side effects are the API's own.

use super::Ctx;
use crate::domain::mcp::ApiCall;
use crate::error::{ApiError, ApiResult};
use futures_util::future::LocalBoxFuture;
use serde_json::Value;
use worker::{Headers, Method, Request, RequestInit, Response};

/// The router's dispatch, handed in so that handlers need not import the router.
pub type Dispatch = for<'a> fn(&'a Ctx, Request) -> LocalBoxFuture<'a, ApiResult<Response>>;

/// The caller's headers an inner request carries: who (a dashboard's
/// session is its cookie, and its CSRF header for a change), for which
/// organization, and from where (for the audit log).
const CARRIED: [&str; 8] = [
    "Authorization",
    "X-Api-Key",
    "Cookie",
    "X-CSRF-Token",
    "X-Organization-Id",
    "CF-Connecting-IP",
    "X-Forwarded-For",
    "User-Agent",
];

/// Makes the API request with the caller's credential: its status and JSON.
/// A refusal is an answer (its status and error body), not an error.
pub async fn call(ctx: &Ctx, req: &Request, call: &ApiCall, dispatch: Dispatch) -> ApiResult<(u16, Value)> {
    let headers = Headers::new();
    for name in CARRIED {
        if let Some(value) = req.headers().get(name)? {
            headers.set(name, &value)?;
        }
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(call.method.to_string()))
        .with_headers(headers);
    if let Some(body) = &call.body {
        init.headers.set("Content-Type", "application/json")?;
        init.with_body(Some(body.to_string().into()));
    }
    // The caller's origin: URLs in the answer (a heartbeat's ping URL) are theirs.
    let origin = req.url()?.origin().ascii_serialization();
    let internal = Request::new_with_init(&format!("{origin}{}", call.path), &init)?;
    match dispatch(ctx, internal).await {
        Ok(mut response) => {
            let status = response.status_code();
            let text = response.text().await?;
            Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
        }
        Err(ApiError::Internal(detail)) => Err(ApiError::Internal(detail)),
        Err(refused) => Ok((refused.status(), refused.body(""))),
    }
}
