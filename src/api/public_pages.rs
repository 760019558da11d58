//! The public status page of a slug, with no credential: as JSON, as HTML
//! and as SVG badges. Each answer is kept in the Cache API under the
//! organization's epoch (see `store::epochs`), so a status change or an
//! incident shows on the next request; the render reads only current
//! statuses, daily rollups and incidents (never raw results).

use super::{json_response, query, Ctx};
use crate::domain::badge;
use crate::domain::ids::sha256_hex;
use crate::domain::monitor::MonitorStatus;
use crate::domain::status_page::{
    days, overall_status, rollups_uptime_pct, DayFigures, PublicIncident, PublicMonitor, PublicPage, PublicSection,
    PublicUpdate, DAYS,
};
use crate::domain::time::{day_of, DAY_MS};
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::store::{self, status_pages::PageRow};
use crate::views;

use std::collections::BTreeMap;
use worker::{Cache, Request, Response};

/// Browsers may keep an answer 15 s, the edge 60 s (a change also changes the key).
const CACHE_CONTROL: &str = "public, max-age=15, s-maxage=60";

/// Which answer of a page.
pub enum View<'a> {
    Json,
    Html,
    Badge { monitor_id: Option<&'a str> },
}

pub async fn serve(ctx: &Ctx, req: Request, slug: &str, view: View<'_>) -> ApiResult<Response> {
    let Some(page) = store::status_pages::by_slug(&ctx.db, slug).await? else {
        return match view {
            View::Html => Ok(Response::from_html(views::status_page::not_found(slug))?.with_status(404)),
            _ => Err(ApiError::NotFound("status page")),
        };
    };
    let metric_uptime = match query(&req)?.get("metric").map(String::as_str) {
        None | Some("status") => false,
        Some("uptime") => true,
        Some(_) => {
            return Err(ApiError::bad_query(&FieldError::new(
                "metric",
                "metric must be status or uptime",
            )))
        }
    };
    let variant = match &view {
        View::Json => "json".to_string(),
        View::Html => "html".to_string(),
        View::Badge { monitor_id } => format!(
            "badge-{}-{}",
            monitor_id.unwrap_or("page"),
            if metric_uptime { "uptime" } else { "status" }
        ),
    };
    let epoch = store::epochs::current(&ctx.env, &page.org_id).await?;
    let key = format!(
        "https://pingwarden.cache/status/{slug}/{variant}?v={epoch}-{}",
        page.updated_at
    );
    let cache = Cache::default();
    let response = match cache.get(key.as_str(), false).await? {
        Some(hit) => reopened(hit).await?,
        None => {
            let mut fresh = render(ctx, &page, &view, metric_uptime).await?;
            cache.put(key.as_str(), fresh.cloned()?).await?;
            fresh
        }
    };
    not_modified_or(&req, response)
}

/// A cached response has immutable headers; this copy can take the
/// headers every answer gets (request id, CORS).
async fn reopened(mut cached: Response) -> ApiResult<Response> {
    let headers = worker::Headers::new();
    for (name, value) in cached.headers().entries() {
        headers.set(&name, &value)?;
    }
    Ok(Response::from_bytes(cached.bytes().await?)?
        .with_status(cached.status_code())
        .with_headers(headers))
}

/// 304 when the client already holds this version.
fn not_modified_or(req: &Request, response: Response) -> ApiResult<Response> {
    let etag = response.headers().get("ETag")?;
    let held = req.headers().get("If-None-Match")?;
    match (etag, held) {
        (Some(etag), Some(held)) if held.split(',').any(|h| h.trim() == etag) => {
            let mut unchanged = Response::empty()?.with_status(304);
            unchanged.headers_mut().set("ETag", &etag)?;
            Ok(unchanged)
        }
        _ => Ok(response),
    }
}

async fn render(ctx: &Ctx, page: &PageRow, view: &View<'_>, metric_uptime: bool) -> ApiResult<Response> {
    // A badge shows statuses and uptime only: no incidents to read for it.
    let public = gather(ctx, page, !matches!(view, View::Badge { .. })).await?;
    let (body, content_type, status) = match view {
        View::Json => (
            serde_json::to_string(&public).map_err(|e| ApiError::Internal(e.to_string()))?,
            "application/json",
            200,
        ),
        View::Html => (
            views::status_page::render(&public, ctx.now_ms),
            "text/html; charset=utf-8",
            200,
        ),
        View::Badge { monitor_id: None } => (page_badge(&public, metric_uptime), "image/svg+xml", 200),
        View::Badge { monitor_id: Some(id) } => match public.monitors.iter().find(|m| m.id == *id) {
            Some(monitor) => (monitor_badge(monitor, metric_uptime), "image/svg+xml", 200),
            None => return json_response(404, &ApiError::NotFound("monitor on this page").body("")),
        },
    };
    let mut response = Response::from_bytes(body.as_bytes().to_vec())?.with_status(status);
    let headers = response.headers_mut();
    headers.set("Content-Type", content_type)?;
    headers.set("Cache-Control", CACHE_CONTROL)?;
    headers.set("ETag", &format!("\"{}\"", &sha256_hex(&body)[..20]))?;
    Ok(response)
}

fn page_badge(page: &PublicPage, metric_uptime: bool) -> String {
    if metric_uptime {
        let overall = combined_uptime(&page.monitors);
        badge::svg(
            "uptime",
            &overall.map_or("no data".into(), |p| format!("{p}%")),
            badge::uptime_color(overall),
        )
    } else {
        badge::svg(
            "status",
            &page.overall_status.replace('_', " "),
            badge::color(page.overall_status),
        )
    }
}

fn monitor_badge(monitor: &PublicMonitor, metric_uptime: bool) -> String {
    if metric_uptime {
        badge::svg(
            &monitor.name,
            &monitor.uptime_pct.map_or("no data".into(), |p| format!("{p}%")),
            badge::uptime_color(monitor.uptime_pct),
        )
    } else {
        badge::svg(&monitor.name, &monitor.status, badge::color(&monitor.status))
    }
}

/// The mean of the monitors' 90-day uptimes.
fn combined_uptime(monitors: &[PublicMonitor]) -> Option<f64> {
    let known: Vec<f64> = monitors.iter().filter_map(|m| m.uptime_pct).collect();
    (!known.is_empty()).then(|| crate::domain::uptime::round3(known.iter().sum::<f64>() / known.len() as f64))
}

async fn gather(ctx: &Ctx, page: &PageRow, with_incidents: bool) -> ApiResult<PublicPage> {
    let spec = page
        .spec()
        .map_err(|e| ApiError::Internal(format!("status page {} is unreadable: {e}", page.id)))?;
    let ids = spec.monitor_ids();
    let ids_json = serde_json::to_string(&ids).unwrap_or_default();
    let from_day = day_of(ctx.now_ms - (DAYS - 1) * DAY_MS);
    let (shown, rollup_rows) = store::status_pages::shown(&ctx.db, &page.org_id, &ids_json, &from_day).await?;
    let mut rollups: BTreeMap<&str, BTreeMap<String, DayFigures>> = BTreeMap::new();
    for row in &rollup_rows {
        let figures = DayFigures {
            downtime_seconds: row.downtime_seconds,
            observed_seconds: row.observed_seconds,
        };
        rollups
            .entry(row.monitor_id.as_str())
            .or_default()
            .insert(row.day.clone(), figures);
    }
    let empty = BTreeMap::new();
    let display_names: BTreeMap<&str, Option<&String>> = spec
        .sections
        .iter()
        .flat_map(|s| s.monitors.iter().map(|m| (m.id.as_str(), m.display_name.as_ref())))
        .collect();
    let monitors: Vec<PublicMonitor> = ids
        .iter()
        .filter_map(|id| shown.iter().find(|m| &m.id == id))
        .map(|m| {
            let figures = rollups.get(m.id.as_str()).unwrap_or(&empty);
            let status = MonitorStatus::parse(&m.status).unwrap_or(MonitorStatus::Pending);
            PublicMonitor {
                id: m.id.clone(),
                name: display_names
                    .get(m.id.as_str())
                    .copied()
                    .flatten()
                    .cloned()
                    .unwrap_or_else(|| m.name.clone()),
                status: m.status.clone(),
                uptime_pct: rollups_uptime_pct(figures),
                days: days(ctx.now_ms, figures, status),
            }
        })
        .collect();
    let statuses: Vec<MonitorStatus> = monitors
        .iter()
        .filter_map(|m| MonitorStatus::parse(&m.status))
        .collect();
    Ok(PublicPage {
        title: spec.title,
        description: spec.description,
        overall_status: overall_status(&statuses),
        updated_at: ctx.now(),
        sections: spec
            .sections
            .iter()
            .map(|s| PublicSection {
                name: s.name.clone(),
                monitor_ids: s.monitors.iter().map(|m| m.id.clone()).collect(),
            })
            .collect(),
        monitors,
        incidents: if with_incidents {
            incidents(ctx, &page.org_id, &ids_json).await?
        } else {
            Vec::new()
        },
    })
}

/// Open incidents and the last 5 resolved. An automatic incident's first
/// entry is the probe's hint, which can name the target: it is replaced.
async fn incidents(ctx: &Ctx, org_id: &str, ids_json: &str) -> ApiResult<Vec<PublicIncident>> {
    let rows = store::incidents::for_monitors(&ctx.db, org_id, ids_json, 5).await?;
    let incident_ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let updates = store::incidents::updates(&ctx.db, &serde_json::to_string(&incident_ids).unwrap_or_default()).await?;
    Ok(rows
        .iter()
        .map(|row| PublicIncident {
            id: row.id.clone(),
            title: row.title.clone(),
            status: row.status.clone(),
            impact: row.impact.clone(),
            started_at: row.started_at.clone(),
            resolved_at: row.resolved_at.clone(),
            updates: updates
                .iter()
                .filter(|u| u.incident_id == row.id)
                .map(|u| PublicUpdate {
                    status: u.status.clone(),
                    message: if row.kind == "automatic" && u.status == "investigating" {
                        "Checks are failing; we are investigating.".into()
                    } else {
                        u.message.clone()
                    },
                    created_at: u.created_at.clone(),
                })
                .collect(),
        })
        .collect())
}
