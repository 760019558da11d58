//! The public catalogue: `GET /api/v1/services` (filter `category`, search
//! `search`) and a service's 40-tick history in PingFlow's shape, camelCase
//! included, at `GET /api/history/{id}` and `GET /api/v1/services/{id}/history`.
//! Public; rate limited like every API route.

use super::{json_response, list, query, Ctx};
use crate::domain::catalogue::{current_status, Tick, HISTORY_TICKS};
use crate::domain::time::iso_from_millis;
use crate::error::{ApiError, ApiResult};
use crate::objects::stub;
use crate::store::history::Page;
use crate::store::{self, catalogue::ServiceRow};
use futures_util::future::join_all;
use serde_json::json;
use worker::{Request, Response};

/// Browsers and caches may keep a history this long.
const CACHE_CONTROL: &str = "public, max-age=15";

pub async fn index(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let params = query(&req)?;
    let rows = store::catalogue::list(
        &ctx.db,
        params.get("category").map(String::as_str),
        params.get("search").map(String::as_str).filter(|s| !s.is_empty()),
    )
    .await?;
    let states = store::catalogue::monitor_states(&ctx.db).await?;
    let shown = rows
        .iter()
        .map(|row| {
            let statuses: Vec<&str> = row
                .monitors()
                .iter()
                .filter_map(|id| states.iter().find(|s| &s.id == id).map(|s| s.status.as_str()))
                .collect();
            json!({
                "id": row.id, "name": row.name, "category": row.category,
                "status": summary(&statuses), "targets": statuses.len(),
            })
        })
        .collect();
    list(shown, None)
}

/// From the targets' statuses alone (the history adds latency).
fn summary(statuses: &[&str]) -> &'static str {
    let down = statuses.iter().filter(|s| **s == "down").count();
    match (down, statuses.iter().filter(|s| **s == "up").count()) {
        (0, 0) => "unknown",
        (0, _) => "operational",
        (d, _) if d == statuses.len() => "outage",
        _ => "degraded",
    }
}

/// `GET /api/history/{id}`, `GET /api/v1/services/{id}/history`.
pub async fn history(ctx: &Ctx, id: &str) -> ApiResult<Response> {
    let row = store::catalogue::get(&ctx.db, id)
        .await?
        .ok_or(ApiError::NotFound("service"))?;
    let targets = ticks(ctx, &row).await?;
    let history: Vec<_> = targets
        .first()
        .map(|primary| {
            primary
                .iter()
                .map(|t| json!({ "timestamp": iso_from_millis(t.at_ms), "online": t.online, "latency": t.latency_ms }))
                .collect()
        })
        .unwrap_or_default();
    let mut response = json_response(
        200,
        &json!({ "service": row.id, "currentStatus": current_status(&targets), "history": history }),
    )?;
    response.headers_mut().set("Cache-Control", CACHE_CONTROL)?;
    Ok(response)
}

/// Each target's last 40 results, oldest first (one object request each, at once).
async fn ticks(ctx: &Ctx, row: &ServiceRow) -> ApiResult<Vec<Vec<Tick>>> {
    let page = Page {
        limit: HISTORY_TICKS as u32,
        ..Page::default()
    };
    let ids = row.monitors();
    let answers = join_all(ids.iter().map(|id| stub::checks(&ctx.env, id, &page))).await;
    let mut targets = Vec::new();
    for answer in answers {
        let mut ticks: Vec<Tick> = answer?
            .iter()
            .map(|r| Tick {
                at_ms: r.checked_at,
                online: r.up == 1,
                latency_ms: r.total_ms,
            })
            .collect();
        ticks.reverse();
        targets.push(ticks);
    }
    Ok(targets)
}
