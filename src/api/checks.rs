//! `GET /api/v1/monitors/{id}/checks` and `…/uptime`: a monitor's raw results
//! (from its Durable Object) and its uptime figures.

use super::{list, next_page, ok, page_params, query, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::monitor::MAX_APDEX_THRESHOLD_MS;
use crate::domain::time::{day_of, iso_from_millis, millis_from_iso, DAY_MS};
use crate::domain::uptime::{round3, uptime_pct, Apdex};
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::objects::stub;
use crate::store::{self, history::Page, history::ResultRow};
use serde_json::{json, Value};
use worker::{Request, Response};

fn check_json(monitor_id: &str, row: &ResultRow) -> Value {
    json!({
        "id": row.id,
        "monitor_id": monitor_id,
        "status": if row.up == 1 { "up" } else { "down" },
        "status_code": row.status_code,
        "error": row.error,
        "region": if row.region.is_empty() { Value::Null } else { json!(row.region) },
        "timings": { "dns_ms": row.dns_ms, "connect_ms": row.connect_ms, "tls_ms": row.tls_ms, "ttfb_ms": row.ttfb_ms, "total_ms": row.total_ms },
        "checked_at": iso_from_millis(row.checked_at),
        "scheduled_at": iso_from_millis(row.due_at),
    })
}

/// Newest first; filters `status` (up/down), `since` and `until` (ISO 8601).
pub async fn index(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    ctx.monitor(&principal.org_id, id).await?;
    let params = query(&req)?;
    let bad = |field: &str, message: &str| ApiError::bad_query(&FieldError::new(field, message));
    let (limit, cursor) = page_params(&params)?;
    let up = match params.get("status").map(String::as_str) {
        None => None,
        Some("up") => Some(true),
        Some("down") => Some(false),
        Some(_) => return Err(bad("status", "status must be up or down")),
    };
    let time = |field: &str| {
        params
            .get(field)
            .map(|text| {
                millis_from_iso(text).ok_or_else(|| {
                    bad(
                        field,
                        &format!("{field} must be an ISO 8601 timestamp such as 2026-05-14T16:24:09Z"),
                    )
                })
            })
            .transpose()
    };
    let after = cursor
        .map(|cursor| {
            let at = cursor.after_key.parse::<i64>();
            at.map(|at| (at, cursor.after_id))
                .map_err(|_| bad("cursor", "cursor is not one this API returned"))
        })
        .transpose()?;
    let page = Page {
        up,
        since_ms: time("since")?,
        until_ms: time("until")?,
        after,
        limit: limit + 1,
    };
    let mut rows = stub::checks(&ctx.env, id, &page).await?;
    let next_cursor = next_page(&mut rows, limit, |last| (last.checked_at.to_string(), last.id.clone()));
    list(rows.iter().map(|row| check_json(id, row)).collect(), next_cursor)
}

/// Uptime over 24 h, 7 d and 30 d from the object's raw history, and over
/// 90 d from D1's daily rollups plus today's figures. Apdex uses the
/// monitor's `apdex_threshold_ms` unless the query names another; the
/// rollups count against the monitor's own, so with another threshold the
/// 90-day Apdex is `null`. `timings_p50_24h`: each phase's median over the
/// last 24 h of successes (`null` where none measured it).
pub async fn uptime(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    let monitor = ctx.monitor(&principal.org_id, id).await?;
    let own_threshold = monitor
        .spec()
        .map_err(|e| ApiError::Internal(format!("stored monitor: {e}")))?
        .settings
        .apdex_threshold_ms();
    let params = query(&req)?;
    let apdex_ms = match params.get("apdex_threshold_ms") {
        None => own_threshold,
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|ms| (1..=MAX_APDEX_THRESHOLD_MS).contains(ms))
            .ok_or_else(|| {
                ApiError::bad_query(&FieldError::new(
                    "apdex_threshold_ms",
                    format!("apdex_threshold_ms must be an integer from 1 to {MAX_APDEX_THRESHOLD_MS}"),
                ))
            })?,
    };
    let live = stub::uptime(&ctx.env, id, apdex_ms).await?;
    let mut windows = live["windows"].as_object().cloned().unwrap_or_default();
    windows.insert(
        "90d".into(),
        ninety_days(ctx, id, &live, apdex_ms == own_threshold).await?,
    );
    ok(json!({
        "monitor_id": id,
        "apdex_threshold_ms": apdex_ms,
        "windows": windows,
        "timings_p50_24h": live["timings_p50_24h"],
    }))
}

async fn ninety_days(ctx: &Ctx, id: &str, live: &Value, with_apdex: bool) -> ApiResult<Value> {
    let today = live["today_day"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| day_of(ctx.now_ms));
    let from = day_of(ctx.now_ms - 89 * DAY_MS);
    let past = store::rollups::totals(&ctx.db, id, &from, &today).await?;
    let now = &live["today"];
    let sum = |past: Option<i64>, field: &str| past.unwrap_or(0) + now[field].as_i64().unwrap_or(0);
    let checks = sum(past.checks, "checks");
    let failures = sum(past.failures, "failures");
    let successes_today = now["checks"].as_i64().unwrap_or(0) - now["failures"].as_i64().unwrap_or(0);
    let response_sum =
        past.response_ms_sum.unwrap_or(0.0) + now["avg_response_ms"].as_f64().unwrap_or(0.0) * successes_today as f64;
    let successes = checks - failures;
    let apdex = Apdex {
        satisfied: sum(past.apdex_satisfied, "apdex_satisfied") as u64,
        tolerating: sum(past.apdex_tolerating, "apdex_tolerating") as u64,
        total: checks as u64,
    };
    Ok(json!({
        // `null` without observed time (before a verdict, or paused throughout).
        "uptime_pct": uptime_pct(sum(past.downtime_seconds, "downtime_seconds"), sum(past.observed_seconds, "observed_seconds")),
        "checks": checks,
        "failures": failures,
        "avg_response_ms": (successes > 0).then(|| round3(response_sum / successes as f64).round()),
        "apdex": if with_apdex { apdex.score() } else { None },
    }))
}
