//! `/api/v1/maintenances`: the organization's maintenance windows. A write
//! pushes the windows that now cover each affected monitor to its object,
//! so that no check or ping reads D1 to learn of them; a push that fails
//! leaves the monitor's lease expired, and the reconciler's visit brings
//! the windows within a minute.

use super::audit_log::record;
use super::{created, list, monitors::plan_limit, next_page, no_content, ok, page_params, query, read_json, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::audit::Action;
use crate::domain::ids::new_id;
use crate::domain::maintenance::{status_at, Coverage, MaintenanceSpec, Window};
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::objects::stub;
use crate::store::{self, maintenances::MaintenanceRow};
use futures_util::future::join_all;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use worker::{Request, Response};

/// An organization has at most this many windows.
const MAX_WINDOWS: i64 = 100;
/// Pushes to monitor objects in flight at once (a Worker holds 6 connections).
const AT_ONCE: usize = 6;

fn spec_of(row: &MaintenanceRow) -> ApiResult<MaintenanceSpec> {
    row.spec()
        .map_err(|e| ApiError::Internal(format!("maintenance window {} is unreadable: {e}", row.id)))
}

/// The window as the API shows it: its fields, status and next occurrence.
pub fn maintenance_json(ctx: &Ctx, row: &MaintenanceRow) -> ApiResult<Value> {
    let spec = spec_of(row)?;
    let (status, next) = status_at(&row.window(&spec), ctx.now_ms);
    let mut fields: Map<String, Value> = spec.to_input();
    fields.insert("id".into(), Value::from(row.id.as_str()));
    fields.insert("status".into(), Value::from(status));
    let next =
        next.map(|span| serde_json::json!({ "starts_at": ctx.iso(span.start_ms), "ends_at": ctx.iso(span.end_ms) }));
    fields.insert("next".into(), next.unwrap_or(Value::Null));
    fields.insert("created_at".into(), Value::from(row.created_at.as_str()));
    fields.insert("updated_at".into(), Value::from(row.updated_at.as_str()));
    Ok(Value::Object(fields))
}

async fn fetch(ctx: &Ctx, org_id: &str, id: &str) -> ApiResult<MaintenanceRow> {
    store::maintenances::get(&ctx.db, org_id, id)
        .await?
        .ok_or(ApiError::NotFound("maintenance window"))
}

/// Every monitor and status page the spec adds to `before`'s must be the
/// organization's own. Those it named already are not checked again: one
/// deleted since stays named, harmlessly, and must not block an edit.
async fn check_targets(
    ctx: &Ctx,
    org_id: &str,
    spec: &MaintenanceSpec,
    before: Option<&MaintenanceSpec>,
) -> ApiResult<()> {
    let added = |ids: &[String], old: Option<&[String]>| -> Vec<String> {
        ids.iter()
            .filter(|id| !old.is_some_and(|old| old.contains(id)))
            .cloned()
            .collect()
    };
    let monitors = added(&spec.monitor_ids, before.map(|b| b.monitor_ids.as_slice()));
    let pages = added(&spec.status_page_ids, before.map(|b| b.status_page_ids.as_slice()));
    let json = |ids: &[String]| serde_json::to_string(ids).unwrap_or_default();
    let owned = store::maintenances::owned_ids(&ctx.db, org_id, &json(&monitors), &json(&pages)).await?;
    let unknown = |field: &str, ids: &[String]| {
        ids.iter()
            .find(|id| !owned.contains(id))
            .map(|id| FieldError::new(field, format!("{field} names {id}, which is not found")))
    };
    match unknown("monitor_ids", &monitors).or_else(|| unknown("status_page_ids", &pages)) {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

pub async fn index(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    let (limit, cursor) = page_params(&query(&req)?)?;
    let mut rows = store::maintenances::list(&ctx.db, &principal.org_id, cursor.as_ref(), limit + 1).await?;
    let next_cursor = next_page(&mut rows, limit, |last| (last.created_at.clone(), last.id.clone()));
    list(
        rows.iter()
            .map(|row| maintenance_json(ctx, row))
            .collect::<ApiResult<_>>()?,
        next_cursor,
    )
}

pub async fn show(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    ok(maintenance_json(ctx, &fetch(ctx, &principal.org_id, id).await?)?)
}

pub async fn create(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let spec = MaintenanceSpec::from_input(&read_json(&mut req).await?)?;
    check_targets(ctx, &principal.org_id, &spec, None).await?;
    let before = covering(ctx, &principal.org_id).await?;
    let id = new_id("mnt");
    if !store::maintenances::create(&ctx.db, &id, &principal.org_id, &spec, MAX_WINDOWS, &ctx.now()).await? {
        let message = format!("an organization has at most {MAX_WINDOWS} maintenance windows; delete one first");
        return Err(plan_limit(message, None));
    }
    let after = maintenance_json(ctx, &fetch(ctx, &principal.org_id, &id).await?)?;
    record(
        ctx,
        &principal,
        &req,
        Action::MaintenanceCreated,
        &id,
        None,
        Some(&after),
    )
    .await;
    changed(ctx, &principal.org_id, before).await?;
    created(after)
}

pub async fn update(ctx: &Ctx, mut req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let patch = read_json(&mut req).await?;
    let row = fetch(ctx, &principal.org_id, id).await?;
    let old = spec_of(&row)?;
    let spec = old.patched(&patch)?;
    check_targets(ctx, &principal.org_id, &spec, Some(&old)).await?;
    let before = covering(ctx, &principal.org_id).await?;
    if !store::maintenances::update(&ctx.db, &principal.org_id, id, &spec, &ctx.now()).await? {
        return Err(ApiError::NotFound("maintenance window"));
    }
    let (shown_before, after) = (
        maintenance_json(ctx, &row)?,
        maintenance_json(ctx, &fetch(ctx, &principal.org_id, id).await?)?,
    );
    record(
        ctx,
        &principal,
        &req,
        Action::MaintenanceUpdated,
        id,
        Some(&shown_before),
        Some(&after),
    )
    .await;
    changed(ctx, &principal.org_id, before).await?;
    ok(after)
}

pub async fn delete(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let shown = maintenance_json(ctx, &fetch(ctx, &principal.org_id, id).await?).ok();
    let before = covering(ctx, &principal.org_id).await?;
    if !store::maintenances::delete(&ctx.db, &principal.org_id, id).await? {
        return Err(ApiError::NotFound("maintenance window"));
    }
    record(
        ctx,
        &principal,
        &req,
        Action::MaintenanceDeleted,
        id,
        shown.as_ref(),
        None,
    )
    .await;
    changed(ctx, &principal.org_id, before).await?;
    no_content()
}

/// Which windows cover each monitor of the organization now.
pub async fn covering(ctx: &Ctx, org_id: &str) -> ApiResult<Coverage> {
    Ok(store::maintenances::covering(&ctx.db, &[org_id], ctx.now_ms)
        .await?
        .remove(org_id)
        .unwrap_or_default())
}

/// After a change that may move windows (a window written, a status page's
/// monitors changed): tells each monitor whose windows differ from `before`
/// its new ones, and drops the organization's cached pages, which list them.
pub async fn changed(ctx: &Ctx, org_id: &str, before: Coverage) -> ApiResult<()> {
    let after = covering(ctx, org_id).await?;
    let no_windows = Vec::new();
    let moved: Vec<(&String, &Vec<Window>)> = before
        .keys()
        .chain(after.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|id| (id, after.get(id).unwrap_or(&no_windows)))
        .filter(|(id, windows)| before.get(*id).unwrap_or(&no_windows) != *windows)
        .collect();
    let mut failed = Vec::new();
    for batch in moved.chunks(AT_ONCE) {
        let pushes = join_all(
            batch
                .iter()
                .map(|(id, windows)| stub::set_maintenance(&ctx.env, id, windows)),
        )
        .await;
        for ((id, _), pushed) in batch.iter().zip(pushes) {
            if let Err(error) = pushed {
                worker::console_error!("telling monitor {id} of its maintenance windows failed: {error}");
                failed.push(id.as_str());
            }
        }
    }
    if !failed.is_empty() {
        // The reconciler visits these at its next run, with their windows.
        let ids_json = serde_json::to_string(&failed).unwrap_or_default();
        store::monitors::expire_leases(&ctx.db, &ids_json).await?;
    }
    ctx.pages_changed(org_id).await;
    Ok(())
}
