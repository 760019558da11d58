//! `/api/v1/incidents`: automatic incidents (opened and resolved by monitors'
//! status changes) and manual ones, each with its timeline of updates.

use super::audit_log::record;
use super::{created, list, next_page, ok, page_params, query, read_json, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::audit::Action;
use crate::domain::ids::new_id;
use crate::domain::incident::{IncidentChange, IncidentUpdate, NewIncident, STATUSES};
use crate::domain::time::millis_from_iso;
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::store::incidents::{self as incident_store, IncidentRow, ListFilter};
use crate::store::monitors;
use serde_json::{json, Value};
use worker::{Request, Response};

/// The incidents with their monitors and timelines, in two queries.
async fn with_details(ctx: &Ctx, rows: &[IncidentRow]) -> ApiResult<Vec<Value>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let (links, updates) = incident_store::details(&ctx.db, &serde_json::to_string(&ids).unwrap_or_default()).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let monitor_ids: Vec<&str> = links.iter().filter(|l| l.incident_id == row.id).map(|l| l.monitor_id.as_str()).collect();
            let timeline: Vec<Value> = updates
                .iter()
                .filter(|u| u.incident_id == row.id)
                .map(|u| json!({ "id": u.id, "status": u.status, "message": u.message, "created_at": u.created_at }))
                .collect();
            let duration_seconds = row.resolved_at.as_deref().and_then(millis_from_iso).zip(millis_from_iso(&row.started_at)).map(|(end, start)| (end - start) / 1000);
            json!({
                "id": row.id, "title": row.title, "status": row.status, "impact": row.impact, "kind": row.kind,
                "cause": row.cause, "monitor_ids": monitor_ids, "started_at": row.started_at, "resolved_at": row.resolved_at,
                "duration_seconds": duration_seconds, "updated_at": row.updated_at, "updates": timeline,
            })
        })
        .collect())
}

async fn one(ctx: &Ctx, org_id: &str, id: &str) -> ApiResult<Value> {
    let row = incident_store::get(&ctx.db, org_id, id)
        .await?
        .ok_or(ApiError::NotFound("incident"))?;
    Ok(with_details(ctx, &[row]).await?.remove(0))
}

/// Newest first; filters `status` and `monitor_id`.
pub async fn index(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    list_of(ctx, req, None).await
}

/// `GET /api/v1/monitors/{id}/incidents`: the same list for one monitor
/// (404 when the monitor is not the organization's).
pub async fn of_monitor(ctx: &Ctx, req: Request, monitor_id: &str) -> ApiResult<Response> {
    list_of(ctx, req, Some(monitor_id)).await
}

/// Newest first, filtered by `status` and the monitor (the path's, or `?monitor_id=`).
async fn list_of(ctx: &Ctx, req: Request, monitor_id: Option<&str>) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    if let Some(id) = monitor_id {
        ctx.monitor(&principal.org_id, id).await?;
    }
    let params = query(&req)?;
    let filter = ListFilter {
        status: params.get("status").cloned(),
        monitor_id: monitor_id
            .map(str::to_string)
            .or_else(|| params.get("monitor_id").cloned()),
    };
    if filter.status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
        return Err(ApiError::bad_query(&FieldError::new(
            "status",
            format!("status must be one of {}", STATUSES.join(", ")),
        )));
    }
    let (limit, cursor) = page_params(&params)?;
    let mut rows = incident_store::list(&ctx.db, &principal.org_id, &filter, cursor.as_ref(), limit + 1).await?;
    let next_cursor = next_page(&mut rows, limit, |last| (last.started_at.clone(), last.id.clone()));
    list(with_details(ctx, &rows).await?, next_cursor)
}

pub async fn show(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    ok(one(ctx, &principal.org_id, id).await?)
}

pub async fn create(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let incident = NewIncident::from_input(&read_json(&mut req).await?)?;
    let owned = monitors::existing_ids(
        &ctx.db,
        &principal.org_id,
        &serde_json::to_string(&incident.monitor_ids).unwrap_or_default(),
    )
    .await?;
    if let Some(unknown) = incident.monitor_ids.iter().find(|id| !owned.contains(id)) {
        return Err(FieldError::new("monitor_ids", format!("monitor {unknown} not found")).into());
    }
    let id = new_id("inc");
    incident_store::create(&ctx.db, &id, &principal.org_id, &incident, &ctx.now()).await?;
    ctx.pages_changed(&principal.org_id).await;
    let shown = one(ctx, &principal.org_id, &id).await?;
    record(ctx, &principal, &req, Action::IncidentCreated, &id, None, Some(&shown)).await;
    super::channels::incident_updated(ctx, &principal, &shown).await;
    created(shown)
}

pub async fn update(ctx: &Ctx, mut req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let change = IncidentChange::from_input(&read_json(&mut req).await?)?;
    let before = one(ctx, &principal.org_id, id).await?;
    incident_store::change(&ctx.db, &principal.org_id, id, &change, &ctx.now()).await?;
    ctx.pages_changed(&principal.org_id).await;
    let shown = one(ctx, &principal.org_id, id).await?;
    record(
        ctx,
        &principal,
        &req,
        Action::IncidentUpdated,
        id,
        Some(&before),
        Some(&shown),
    )
    .await;
    super::channels::incident_updated(ctx, &principal, &shown).await;
    ok(shown)
}

/// Adds an entry to the timeline; the incident takes the entry's status.
pub async fn add_update(ctx: &Ctx, mut req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let update = IncidentUpdate::from_input(&read_json(&mut req).await?)?;
    let before = one(ctx, &principal.org_id, id).await?;
    incident_store::add_update(&ctx.db, &principal.org_id, id, &update, &ctx.now()).await?;
    ctx.pages_changed(&principal.org_id).await;
    let shown = one(ctx, &principal.org_id, id).await?;
    record(
        ctx,
        &principal,
        &req,
        Action::IncidentUpdatePosted,
        id,
        Some(&before),
        Some(&shown),
    )
    .await;
    super::channels::incident_updated(ctx, &principal, &shown).await;
    created(shown)
}
