//! The public status page of a slug, with no credential: as JSON, as HTML
//! and as SVG badges. Answers come from `store::page_cache` (isolate memory,
//! then the Cache API) under a key made of the request alone, before any D1
//! or KV read; a change drops the organization's pages there, so it shows on
//! the next request. A miss reads the page once from D1 (current statuses,
//! daily rollups and incidents, never raw results) for every view of it; a
//! badge of a monitor that is not on the page is answered from the kept page.
//! `X-Cache: hit` or `miss` says whether D1 was read.

use super::{json_response, query, Ctx};
use crate::domain::badge;
use crate::domain::ids::sha256_hex;
use crate::domain::maintenance::status_at;
use crate::domain::monitor::MonitorStatus;
use crate::domain::status_page::{
    days, overall_status, rollups_uptime_pct, DayFigures, PublicIncident, PublicMaintenance, PublicMonitor, PublicPage,
    PublicSection, PublicUpdate, DAYS, MAINTENANCE_NOTICE_DAYS,
};
use crate::domain::time::{day_of, DAY_MS};
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::store::page_cache::{self, Answer, Page};
use crate::store::{self, status_pages::PageRow};
use crate::views;

use std::collections::BTreeMap;
use std::rc::Rc;
use worker::{Request, Response};

/// Browsers may keep an answer 15 s; a change shows on the next request to us.
const CACHE_CONTROL: &str = "public, max-age=15";

/// Which answer of a page.
pub enum View<'a> {
    Json,
    Html,
    Badge { monitor_id: Option<&'a str> },
}

pub async fn serve(ctx: &Ctx, req: Request, slug: &str, view: View<'_>) -> ApiResult<Response> {
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
    if let Some(answer) = page_cache::answer(slug, &variant, ctx.now_ms) {
        return sent(&req, &answer, "hit");
    }
    // Whatever is read from here on is kept only if no change is dropped meanwhile.
    let generation = page_cache::generation(slug);
    let (page, cache) = lookup(ctx, slug, generation).await?;
    let Some(page) = page else {
        return not_found(slug, &view, cache);
    };
    let answer = match render(ctx, &page, &view, metric_uptime)? {
        Some(answer) => Rc::new(answer),
        // A monitor id not on the page: nothing rendered, nothing kept.
        None => {
            return with_cache(
                json_response(404, &ApiError::NotFound("monitor on this page").body(""))?,
                cache,
            )
        }
    };
    page_cache::keep_answer(slug, &variant, answer.clone(), generation, ctx.now_ms);
    sent(&req, &answer, cache)
}

/// The page's public view (`None`: no such slug), as its JSON shows it.
pub async fn view(ctx: &Ctx, slug: &str) -> ApiResult<Page> {
    Ok(lookup(ctx, slug, page_cache::generation(slug)).await?.0)
}

/// The page from the cache (`hit`), or else from D1 (`miss`).
async fn lookup(ctx: &Ctx, slug: &str, generation: u64) -> ApiResult<(Page, &'static str)> {
    Ok(match page_cache::page(slug, generation, ctx.now_ms).await {
        Some(page) => (page, "hit"),
        None => (read_page(ctx, slug, generation).await?, "miss"),
    })
}

/// The page from D1, kept for the next requests (`None`: no such slug, kept too).
async fn read_page(ctx: &Ctx, slug: &str, generation: u64) -> ApiResult<Page> {
    let page = match store::status_pages::by_slug(&ctx.db, slug).await? {
        Some(row) => Some(Rc::new(gather(ctx, &row).await?)),
        None => None,
    };
    let json = serde_json::to_string(&page.as_deref()).map_err(|e| ApiError::Internal(e.to_string()))?;
    ctx.wait_until(page_cache::keep_page(slug, page.clone(), json, generation, ctx.now_ms));
    Ok(page)
}

fn not_found(slug: &str, view: &View<'_>, cache: &str) -> ApiResult<Response> {
    let response = match view {
        View::Html => Response::from_html(views::status_page::not_found(slug))?.with_status(404),
        _ => json_response(404, &ApiError::NotFound("status page").body(""))?,
    };
    with_cache(response, cache)
}

fn with_cache(mut response: Response, cache: &str) -> ApiResult<Response> {
    response.headers_mut().set("X-Cache", cache)?;
    Ok(response)
}

/// The answer, or 304 when the client already holds this version.
fn sent(req: &Request, answer: &Answer, cache: &str) -> ApiResult<Response> {
    let held = req.headers().get("If-None-Match")?;
    let mut response = if held.is_some_and(|held| held.split(',').any(|h| h.trim() == answer.etag)) {
        Response::empty()?.with_status(304)
    } else {
        let mut full = Response::from_bytes(answer.body.clone())?;
        full.headers_mut().set("Content-Type", answer.content_type)?;
        full.headers_mut().set("Cache-Control", CACHE_CONTROL)?;
        full
    };
    response.headers_mut().set("ETag", &answer.etag)?;
    with_cache(response, cache)
}

/// The view of the page; `None` for a badge of a monitor not on it.
fn render(ctx: &Ctx, public: &PublicPage, view: &View<'_>, metric_uptime: bool) -> ApiResult<Option<Answer>> {
    let (body, content_type) = match view {
        View::Json => (
            serde_json::to_string(public).map_err(|e| ApiError::Internal(e.to_string()))?,
            "application/json",
        ),
        View::Html => (
            views::status_page::render(public, ctx.now_ms),
            "text/html; charset=utf-8",
        ),
        View::Badge { monitor_id: None } => (page_badge(public, metric_uptime), "image/svg+xml"),
        View::Badge { monitor_id: Some(id) } => match public.monitors.iter().find(|m| m.id == *id) {
            Some(monitor) => (monitor_badge(monitor, metric_uptime), "image/svg+xml"),
            None => return Ok(None),
        },
    };
    Ok(Some(Answer {
        content_type,
        etag: format!("\"{}\"", &sha256_hex(&body)[..20]),
        body: body.into_bytes(),
    }))
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
            badge::color(&page.overall_status),
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

async fn gather(ctx: &Ctx, page: &PageRow) -> ApiResult<PublicPage> {
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
            maintenance_seconds: row.maintenance_seconds,
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
        overall_status: overall_status(&statuses).into(),
        updated_at: ctx.now(),
        sections: spec
            .sections
            .iter()
            .map(|s| PublicSection {
                name: s.name.clone(),
                monitor_ids: s.monitors.iter().map(|m| m.id.clone()).collect(),
            })
            .collect(),
        incidents: incidents(ctx, &page.org_id, &ids_json).await?,
        maintenances: maintenances(ctx, page, &ids).await?,
        monitors,
    })
}

/// The windows that cover the page or its monitors, going on or starting
/// within `MAINTENANCE_NOTICE_DAYS`, soonest first.
async fn maintenances(ctx: &Ctx, page: &PageRow, ids: &[String]) -> ApiResult<Vec<PublicMaintenance>> {
    let rows = store::maintenances::unended(&ctx.db, &page.org_id, ctx.now_ms).await?;
    let mut shown = Vec::new();
    for row in &rows {
        let Ok(spec) = row.spec() else { continue };
        let on_page = spec.status_page_ids.contains(&page.id);
        let covered: Vec<String> = ids
            .iter()
            .filter(|id| on_page || spec.monitor_ids.contains(id))
            .cloned()
            .collect();
        let (status, next) = status_at(&row.window(&spec), ctx.now_ms);
        let Some(next) = next.filter(|n| n.start_ms < ctx.now_ms + MAINTENANCE_NOTICE_DAYS * DAY_MS) else {
            continue;
        };
        if covered.is_empty() {
            continue;
        }
        shown.push(PublicMaintenance {
            id: row.id.clone(),
            title: spec.title,
            description: spec.description,
            status: status.into(),
            starts_at: ctx.iso(next.start_ms),
            ends_at: ctx.iso(next.end_ms),
            monitor_ids: covered,
        });
    }
    shown.sort_by(|a, b| a.starts_at.cmp(&b.starts_at));
    Ok(shown)
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
            discussions: format!("/api/v1/forum/threads?incident_id={}", row.id),
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
