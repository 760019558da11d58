//! `GET /api/v1/metrics`: the organization's monitors in the Prometheus text
//! exposition format (`domain::metrics`), for any credential that reads
//! (a read key is enough). Read from D1 and kept 15 s per organization
//! (`store::metrics`), so that any number of scrapers costs at most one D1
//! batch per organization every 15 s in each isolate.

use super::Ctx;
use crate::api::credentials::authenticate;
use crate::domain::metrics::{exposition, CONTENT_TYPE};
use crate::error::ApiResult;
use crate::store;
use std::rc::Rc;
use worker::{Request, Response};

pub async fn show(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    let org_id = &principal.org_id;
    let body = match store::metrics::kept(org_id, ctx.now_ms) {
        Some(body) => body,
        None => {
            let figures = store::metrics::figures(&ctx.db, org_id, ctx.now_ms).await?;
            let body: Rc<str> = exposition(&figures, ctx.now_ms).into();
            store::metrics::keep(org_id, ctx.now_ms, body.clone());
            body
        }
    };
    let mut response = Response::ok(body.as_ref())?;
    let headers = response.headers_mut();
    headers.set("Content-Type", CONTENT_TYPE)?;
    headers.set(
        "Cache-Control",
        &format!("private, max-age={}", store::metrics::TTL_MS / 1000),
    )?;
    Ok(response)
}
