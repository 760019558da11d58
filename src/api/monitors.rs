//! `/api/v1/monitors`: create, list, show, change, pause, resume and delete
//! the organization's monitors.

use super::audit_log::record;
use super::heartbeats;
use super::{created, list, next_page, no_content, ok, page_params, query, read_json, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::audit::Action;
use crate::domain::ids::{new_id, sha256_hex};
use crate::domain::metrics;
use crate::domain::monitor::{MonitorSpec, MonitorStatus, KINDS};
use crate::domain::ping_token;
use crate::domain::plan::Plan;
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::objects::stub::{self, ObjectConfig};
use crate::store::{self, monitors::ListFilter, monitors::MonitorRow, monitors::NewMonitor, monitors::Updated};
use serde_json::{json, Value};
use worker::{Request, Response};

/// The monitor as the API shows it: its spec's fields, secrets masked, plus
/// id, status and times. Every answer about a monitor goes through here.
pub(super) fn monitor_json(row: &MonitorRow) -> ApiResult<Value> {
    let spec = row
        .spec()
        .map_err(|e| ApiError::Internal(format!("monitor {} has unreadable settings: {e}", row.id)))?;
    let mut fields = spec.shown();
    // A schedule's derived interval is shown too, though never sent back.
    fields.insert("interval_seconds".into(), Value::from(row.interval_seconds));
    for (key, value) in [
        ("id", &row.id),
        ("status", &row.status),
        ("created_at", &row.created_at),
        ("updated_at", &row.updated_at),
    ] {
        fields.insert(key.into(), Value::from(value.as_str()));
    }
    Ok(Value::Object(fields))
}

/// `GET /api/v1/monitors/summary`: each monitor's uptime and response times
/// for the dashboard's list, in the one D1 batch the metrics read
/// (`store::metrics`), not a request per monitor.
pub async fn summary(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    let figures = store::metrics::figures(&ctx.db, &principal.org_id, ctx.now_ms).await?;
    let summaries = figures
        .monitors
        .iter()
        .map(|m| metrics::summary(m, ctx.now_ms))
        .collect();
    list(summaries, None)
}

pub async fn index(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    let params = query(&req)?;
    let param = |name: &str| {
        params
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let filter = ListFilter {
        kind: param("type"),
        status: param("status"),
        tag: param("tag"),
        name_contains: param("q"),
    };
    if filter.kind.as_deref().is_some_and(|k| !KINDS.contains(&k)) {
        return Err(ApiError::bad_query(&FieldError::new(
            "type",
            format!("type must be one of {}", KINDS.join(", ")),
        )));
    }
    if filter
        .status
        .as_deref()
        .is_some_and(|s| MonitorStatus::parse(s).is_none())
    {
        return Err(ApiError::bad_query(&FieldError::new(
            "status",
            "status must be one of pending, up, down, paused",
        )));
    }
    let (limit, cursor) = page_params(&params)?;
    let mut rows = store::monitors::list(&ctx.db, &principal.org_id, &filter, cursor.as_ref(), limit + 1).await?;
    let next_cursor = next_page(&mut rows, limit, |last| (last.created_at.clone(), last.id.clone()));
    list(rows.iter().map(monitor_json).collect::<ApiResult<_>>()?, next_cursor)
}

pub async fn create(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let body = read_json(&mut req).await?;
    let spec = MonitorSpec::from_input(&body, &ctx.config.monitor_rules())?;
    let (row, token) = insert(ctx, &principal.org_id, &ctx.plan(&principal.plan), &spec).await?;
    let id = row.id.clone();
    start_object(ctx, &row).await;
    let mut answer = monitor_json(&row)?;
    record(ctx, &principal, &req, Action::MonitorCreated, &id, None, Some(&answer)).await;
    if let Some(token) = token {
        answer["ping_url"] = json!(heartbeats::ping_url(ctx, &req, &token)?);
        answer["token"] = json!(token);
    }
    created(answer)
}

/// Inserts the organization's new monitor within its plan: the row, and a
/// heartbeat's ping token (a secret, shown once by the caller).
pub(super) async fn insert(
    ctx: &Ctx,
    org_id: &str,
    plan: &Plan,
    spec: &MonitorSpec,
) -> ApiResult<(MonitorRow, Option<String>)> {
    check_interval(ctx, plan, spec)?;
    check_hc_uuid(ctx, spec, None).await?;
    let id = new_id("mon");
    let token = spec.settings.is_heartbeat().then(|| ping_token::new(&id));
    let token_hash = token.as_deref().map(sha256_hex);
    let monitor = NewMonitor {
        id: &id,
        org_id,
        spec,
        ping_token_hash: token_hash.as_deref(),
        now: &ctx.now(),
    };
    if !store::monitors::create(&ctx.db, &monitor, plan.max_monitors).await? {
        return Err(monitor_limit(plan));
    }
    Ok((ctx.monitor(org_id, &id).await?, token))
}

/// A Healthchecks UUID pings one monitor in the whole deployment (its URL
/// names no organization): 409 when another monitor than `id` has it.
async fn check_hc_uuid(ctx: &Ctx, spec: &MonitorSpec, id: Option<&str>) -> ApiResult<()> {
    let Some(uuid) = spec.settings.heartbeat().and_then(|b| b.hc_uuid.as_deref()) else {
        return Ok(());
    };
    match store::monitors::by_hc_uuid(&ctx.db, uuid).await? {
        Some(other) if Some(other.id.as_str()) != id => Err(ApiError::conflict(
            "hc_uuid_taken",
            format!("hc_uuid {uuid} is another monitor's"),
        )),
        _ => Ok(()),
    }
}

pub async fn show(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    ok(monitor_json(&ctx.monitor(&principal.org_id, id).await?)?)
}

/// Applies the given fields onto the monitor; `null` resets a field to its
/// default, and a secret sent as the mask keeps its stored value.
pub async fn update(ctx: &Ctx, mut req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let patch = read_json(&mut req).await?;
    let row = ctx.monitor(&principal.org_id, id).await?;
    let before = monitor_json(&row)?;
    let current = row
        .spec()
        .map_err(|e| ApiError::Internal(format!("monitor {id} has unreadable settings: {e}")))?;
    let spec = current.patched(patch, &ctx.config.monitor_rules())?;
    let plan = ctx.plan(&principal.plan);
    check_interval(ctx, &plan, &spec)?;
    check_hc_uuid(ctx, &spec, Some(id)).await?;
    match store::monitors::update(&ctx.db, &principal.org_id, id, &spec, &ctx.now(), plan.max_monitors).await? {
        Updated::Done => {}
        Updated::NotFound => return Err(ApiError::NotFound("monitor")),
        Updated::OverLimit => return Err(monitor_limit(&plan)),
    }
    let row = ctx.monitor(&principal.org_id, id).await?;
    if row.status != MonitorStatus::Paused.as_str() {
        start_object(ctx, &row).await;
    }
    ctx.pages_changed(&principal.org_id).await;
    let after = monitor_json(&row)?;
    record(
        ctx,
        &principal,
        &req,
        Action::MonitorUpdated,
        id,
        Some(&before),
        Some(&after),
    )
    .await;
    ok(after)
}

pub async fn delete(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    // Unreadable settings are no reason to keep a monitor: its entry then has no before values.
    let before = monitor_json(&ctx.monitor(&principal.org_id, id).await?).ok();
    // The object first: if it cannot be stopped, the monitor is not deleted.
    // Once it is, its tombstone keeps anything from starting it again, and
    // should the D1 delete below fail, the reconciler finishes it.
    stub::bury(&ctx.env, id).await?;
    let deleted = store::monitors::delete(&ctx.db, Some(&principal.org_id), id, &new_id("upd"), &ctx.now()).await?;
    if !deleted {
        return Err(ApiError::NotFound("monitor"));
    }
    ctx.pages_changed(&principal.org_id).await;
    record(ctx, &principal, &req, Action::MonitorDeleted, id, before.as_ref(), None).await;
    no_content()
}

/// Pausing stops the monitor's checks; resuming starts them again from `pending`.
pub async fn set_paused(ctx: &Ctx, req: Request, id: &str, paused: bool) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let row = ctx.monitor(&principal.org_id, id).await?;
    let is_paused = row.status == MonitorStatus::Paused.as_str();
    if paused && !is_paused {
        // The object first: if it cannot be stopped, the monitor stays active.
        stub::pause(&ctx.env, id).await?;
        store::monitors::set_status(
            &ctx.db,
            &principal.org_id,
            id,
            MonitorStatus::Paused.as_str(),
            &ctx.now(),
        )
        .await?;
    } else if !paused && is_paused {
        store::monitors::set_status(
            &ctx.db,
            &principal.org_id,
            id,
            MonitorStatus::Pending.as_str(),
            &ctx.now(),
        )
        .await?;
        start_object(ctx, &ctx.monitor(&principal.org_id, id).await?).await;
    }
    let after = monitor_json(&ctx.monitor(&principal.org_id, id).await?)?;
    if paused != is_paused {
        ctx.pages_changed(&principal.org_id).await;
        let action = if paused {
            Action::MonitorPaused
        } else {
            Action::MonitorResumed
        };
        record(
            ctx,
            &principal,
            &req,
            action,
            id,
            Some(&monitor_json(&row)?),
            Some(&after),
        )
        .await;
    }
    ok(after)
}

/// Hands the monitor's configuration to its object, which checks at once.
/// A failure is logged, not returned: the cron reconciler configures the
/// object within a minute.
pub(super) async fn start_object(ctx: &Ctx, row: &MonitorRow) {
    let result = match ObjectConfig::of(row) {
        Ok(config) => stub::configure(&ctx.env, &config).await,
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        worker::console_error!("starting monitor {} failed: {error}", row.id);
    }
}

fn check_interval(ctx: &Ctx, plan: &Plan, spec: &MonitorSpec) -> ApiResult<()> {
    let floor = plan.interval_floor(ctx.config.min_interval_seconds);
    if spec.interval_seconds < floor {
        return Err(plan_limit(
            format!("interval_seconds must be at least {floor} on the {} plan", plan.name),
            Some("interval_seconds"),
        ));
    }
    Ok(())
}

/// A monitor counts once per region it is probed from (`monitor_cost`).
fn monitor_limit(plan: &Plan) -> ApiError {
    plan_limit(
        format!(
            "the {} plan allows {} monitors, each region of a monitor counting as one; delete one or change plan",
            plan.name, plan.max_monitors
        ),
        None,
    )
}

pub(crate) fn plan_limit(message: String, field: Option<&str>) -> ApiError {
    ApiError::Forbidden {
        code: "plan_limit",
        message,
        field: field.map(str::to_string),
    }
}
