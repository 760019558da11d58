//! pingy's routes for any host: `GET /api/v1/status/{host}`, its last-known
//! status from public results only (the catalogue, monitors shown on a
//! status page, live checks; never a private monitor's), and
//! `POST /api/v1/checks`, a live check now with the same probe code. A live
//! check of a host the caller does not monitor spends the hourly budget
//! (per account, or per address without a credential); of one it does, it
//! is a read. Both answer in pingy's shapes.

use super::limits::spend;
use super::tools::reachable_addresses;
use super::{json_response, ok, read_json, Ctx};
use crate::api::credentials::caller;
use crate::domain::catalogue::CATALOGUE_ORG;
use crate::domain::ids::new_id;
use crate::domain::monitor::MonitorSpec;
use crate::domain::rate_limit::{Bucket, Rule, HOUR_MS};
use crate::domain::time::{iso_from_millis, millis_from_iso};
use crate::domain::tools::live_check;
use crate::error::ApiResult;
use crate::objects::stub;
use crate::probe::{self, ProbeContext};
use crate::store::history::Page;
use crate::store::{self, hosts::HostCheck};
use serde_json::{json, Value};
use worker::{Request, Response};

/// A host's status may be kept this long by browsers and caches.
const CACHE_CONTROL: &str = "public, max-age=30";

/// The latest public result of a host, from wherever it came.
struct Latest {
    up: bool,
    status_code: Option<i64>,
    response_ms: Option<i64>,
    at_ms: i64,
    uptime_percent: Option<f64>,
    total_checks: i64,
}

pub async fn status(ctx: &Ctx, host: &str) -> ApiResult<Response> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let mut found: Vec<Latest> = Vec::new();
    if let Some(check) = store::hosts::latest(&ctx.db, &host).await? {
        let counts = store::hosts::counts(&ctx.db, &host).await?;
        found.push(Latest {
            up: check.up == 1,
            status_code: check.status_code,
            response_ms: check.response_ms,
            at_ms: millis_from_iso(&check.checked_at).unwrap_or(0),
            uptime_percent: counts
                .up
                .map(|up| crate::domain::uptime::round3(up as f64 * 100.0 / counts.total.max(1) as f64)),
            total_checks: counts.total,
        });
    }
    for id in store::hosts::public_monitors(&ctx.db, &host, CATALOGUE_ORG).await? {
        if let Some(latest) = monitor_latest(ctx, &id).await? {
            found.push(latest);
        }
    }
    let body = match found.into_iter().max_by_key(|l| l.at_ms) {
        None => json!({ "host": host, "known": false }),
        Some(l) => json!({
            "host": host,
            "known": true,
            "status": if l.up { "up" } else { "down" },
            "is_up": l.up,
            "last_status_code": l.status_code,
            "response_ms": l.response_ms,
            "uptime_percent": l.uptime_percent,
            "total_checks": l.total_checks,
            "last_checked_at": iso_from_millis(l.at_ms),
            "page": Value::Null,
        }),
    };
    let mut response = json_response(200, &body)?;
    response.headers_mut().set("Cache-Control", CACHE_CONTROL)?;
    Ok(response)
}

/// A public monitor's latest result, with its 30-day figures.
async fn monitor_latest(ctx: &Ctx, id: &str) -> ApiResult<Option<Latest>> {
    let page = Page {
        limit: 1,
        ..Page::default()
    };
    let Some(result) = stub::checks(&ctx.env, id, &page).await?.into_iter().next() else {
        return Ok(None);
    };
    let uptime = stub::uptime(&ctx.env, id, 500).await?;
    let month = &uptime["windows"]["30d"];
    Ok(Some(Latest {
        up: result.up == 1,
        status_code: result.status_code,
        response_ms: Some(result.total_ms),
        at_ms: result.checked_at,
        uptime_percent: month["uptime_pct"].as_f64(),
        total_checks: month["checks"].as_i64().unwrap_or(0),
    }))
}

/// `POST /api/v1/checks` with `{"url": …, "mode": "http" | "ping"}`.
pub async fn check(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    let body = read_json(&mut req).await?;
    let (host, fields) = live_check(body.get("url"), body.get("mode"))?;
    let (principal, bucket) = caller(ctx, &req).await?;
    let found = reachable_addresses(ctx, "url", &host).await?;
    let monitored = match &principal {
        Some(p) => store::hosts::is_monitored_by(&ctx.db, &p.org_id, &host).await?,
        None => false,
    };
    if !monitored {
        let (budget_bucket, plan) = match &principal {
            Some(p) => (Bucket::Account(p.org_id.clone()), Some(ctx.plan(&p.plan))),
            None => (bucket, None),
        };
        let per_hour = ctx.config.live_checks_per_hour(plan.as_ref());
        spend(
            ctx,
            &budget_bucket,
            vec![Rule::new("live_checks", per_hour, HOUR_MS, 1)],
        )
        .await?;
    }
    let spec = MonitorSpec::from_input(&fields, &ctx.config.monitor_rules())?;
    let context = ProbeContext {
        dns_resolver: ctx.config.dns_resolver.clone(),
        allow_private_targets: ctx.config.allow_private_targets,
    };
    let result = probe::run(&spec.settings, &context).await;
    let check = HostCheck {
        host: host.clone(),
        checked_at: ctx.now(),
        id: new_id("chk"),
        up: i64::from(result.is_up()),
        status_code: result.status_code.map(i64::from),
        response_ms: Some(i64::from(result.timings.total_ms)),
        ip_address: found.first().map(|a| a.to_string()),
        error: result.failure.as_ref().map(|f| f.hint()),
    };
    store::hosts::record(&ctx.db, &check).await?;
    ok(json!({
        "host": host,
        "state": if result.is_up() { "up" } else { "down" },
        "is_up": result.is_up(),
        "status_code": check.status_code,
        "response_ms": check.response_ms,
        "ip_address": check.ip_address,
        "error": check.error,
        "checked_at": check.checked_at,
        "monitored": monitored,
    }))
}
