//! `/api/v1/status-pages`: the organization's public status pages.

use super::audit_log::record;
use super::{created, list, maintenances, monitors::plan_limit, no_content, ok, read_json, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::audit::Action;
use crate::domain::ids::new_id;
use crate::domain::live::page_tag;
use crate::domain::status_page::PageSpec;
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::store::{self, page_cache, status_pages::PageRow};
use serde_json::{json, Value};
use worker::{Request, Response};

fn page_json(ctx: &Ctx, req: &Request, row: &PageRow) -> ApiResult<Value> {
    let spec = row
        .spec()
        .map_err(|e| ApiError::Internal(format!("status page {} is unreadable: {e}", row.id)))?;
    let origin = ctx.public_base(req)?;
    Ok(json!({
        "id": row.id, "slug": spec.slug, "title": spec.title, "description": spec.description,
        "monitor_ids": spec.monitor_ids(), "sections": spec.sections,
        "url": format!("{origin}/status/{}", spec.slug),
        "created_at": row.created_at, "updated_at": row.updated_at,
    }))
}

/// Every monitor shown must be the organization's own.
async fn check_monitors(ctx: &Ctx, org_id: &str, spec: &PageSpec) -> ApiResult<()> {
    let ids = spec.monitor_ids();
    let owned =
        store::monitors::existing_ids(&ctx.db, org_id, &serde_json::to_string(&ids).unwrap_or_default()).await?;
    match ids.iter().find(|id| !owned.contains(id)) {
        Some(unknown) => Err(FieldError::new("monitor_ids", format!("monitor {unknown} not found")).into()),
        None => Ok(()),
    }
}

fn slug_taken() -> ApiError {
    ApiError::conflict("slug_taken", "this slug is already used by another status page")
}

pub async fn index(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    let rows = store::status_pages::list(&ctx.db, &principal.org_id).await?;
    list(
        rows.iter()
            .map(|row| page_json(ctx, &req, row))
            .collect::<ApiResult<_>>()?,
        None,
    )
}

pub async fn create(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let spec = PageSpec::from_input(&read_json(&mut req).await?)?;
    check_monitors(ctx, &principal.org_id, &spec).await?;
    let plan = ctx.plan(&principal.plan);
    let id = new_id("sp");
    match store::status_pages::create(
        &ctx.db,
        &id,
        &principal.org_id,
        &spec,
        plan.max_status_pages,
        &ctx.now(),
    )
    .await
    {
        Ok(true) => {}
        Ok(false) => {
            let message = format!("the {} plan allows {} status pages", plan.name, plan.max_status_pages);
            return Err(plan_limit(message, None));
        }
        Err(error) if store::is_unique_violation(&error) => return Err(slug_taken()),
        Err(error) => return Err(error.into()),
    }
    // Its slug may be kept as "no such page".
    ctx.pages_changed(&principal.org_id).await;
    let after = page_json(ctx, &req, &fetch(ctx, &principal.org_id, &id).await?)?;
    record(
        ctx,
        &principal,
        &req,
        Action::StatusPageCreated,
        &id,
        None,
        Some(&after),
    )
    .await;
    created(after)
}

pub async fn show(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    ok(page_json(ctx, &req, &fetch(ctx, &principal.org_id, id).await?)?)
}

/// Applies the given fields; `monitor_ids` replaces the sections with one.
pub async fn update(ctx: &Ctx, mut req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let patch = read_json(&mut req).await?;
    let row = fetch(ctx, &principal.org_id, id).await?;
    let before = page_json(ctx, &req, &row)?;
    let mut input = row.spec().map_err(|e| ApiError::Internal(e.to_string()))?.to_input();
    if patch.contains_key("monitor_ids") {
        input.remove("sections");
    }
    input.extend(patch);
    let spec = PageSpec::from_input(&input)?;
    check_monitors(ctx, &principal.org_id, &spec).await?;
    // Windows that name the page cover its monitors: those may change.
    let windows_before = maintenances::covering(ctx, &principal.org_id).await?;
    match store::status_pages::update(&ctx.db, &principal.org_id, id, &spec, &ctx.now()).await {
        Ok(_) => {}
        Err(error) if store::is_unique_violation(&error) => return Err(slug_taken()),
        Err(error) => return Err(error.into()),
    }
    let after = page_json(ctx, &req, &fetch(ctx, &principal.org_id, id).await?)?;
    record(
        ctx,
        &principal,
        &req,
        Action::StatusPageUpdated,
        id,
        Some(&before),
        Some(&after),
    )
    .await;
    // A new slug leaves the old one behind: it is dropped too.
    if row.slug != spec.slug {
        page_cache::forget(&[row.slug]).await;
    }
    maintenances::changed(ctx, &principal.org_id, windows_before).await?;
    super::live::close(
        ctx,
        &principal.org_id,
        page_tag(id),
        1012,
        "the page changed; reconnect",
    )
    .await;
    ok(after)
}

pub async fn delete(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let row = fetch(ctx, &principal.org_id, id).await?;
    let windows_before = maintenances::covering(ctx, &principal.org_id).await?;
    if !store::status_pages::delete(&ctx.db, &principal.org_id, id).await? {
        return Err(ApiError::NotFound("status page"));
    }
    let before = page_json(ctx, &req, &row).ok();
    record(
        ctx,
        &principal,
        &req,
        Action::StatusPageDeleted,
        id,
        before.as_ref(),
        None,
    )
    .await;
    page_cache::forget(&[row.slug]).await;
    maintenances::changed(ctx, &principal.org_id, windows_before).await?;
    super::live::close(ctx, &principal.org_id, page_tag(id), 1008, "the page was deleted").await;
    no_content()
}

async fn fetch(ctx: &Ctx, org_id: &str, id: &str) -> ApiResult<PageRow> {
    store::status_pages::get(&ctx.db, org_id, id)
        .await?
        .ok_or(ApiError::NotFound("status page"))
}
