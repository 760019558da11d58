//! `/api/v1/monitors`: create, list, show, change, pause, resume and delete
//! the organization's monitors.

use super::heartbeats;
use super::{created, list, next_page, no_content, ok, page_params, query, read_json, Ctx};
use crate::auth::authenticate;
use crate::domain::ids::{new_id, sha256_hex};
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
fn monitor_json(row: &MonitorRow) -> ApiResult<Value> {
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
    let plan = ctx.plan(&principal.plan);
    check_interval(ctx, &plan, &spec)?;
    let (id, now) = (new_id("mon"), ctx.now());
    // A heartbeat is pinged with a secret token, shown in this answer only.
    let token = spec.settings.is_heartbeat().then(|| ping_token::new(&id));
    let token_hash = token.as_deref().map(sha256_hex);
    let monitor = NewMonitor {
        id: &id,
        org_id: &principal.org_id,
        spec: &spec,
        ping_token_hash: token_hash.as_deref(),
        now: &now,
    };
    if !store::monitors::create(&ctx.db, &monitor, plan.max_monitors).await? {
        return Err(monitor_limit(&plan));
    }
    let row = ctx.monitor(&principal.org_id, &id).await?;
    start_object(ctx, &row).await;
    let mut answer = monitor_json(&row)?;
    if let Some(token) = token {
        answer["ping_url"] = json!(heartbeats::ping_url(ctx, &req, &token)?);
        answer["token"] = json!(token);
    }
    created(answer)
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
    let current = row
        .spec()
        .map_err(|e| ApiError::Internal(format!("monitor {id} has unreadable settings: {e}")))?;
    let spec = current.patched(patch, &ctx.config.monitor_rules())?;
    let plan = ctx.plan(&principal.plan);
    check_interval(ctx, &plan, &spec)?;
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
    ok(monitor_json(&row)?)
}

pub async fn delete(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    ctx.monitor(&principal.org_id, id).await?;
    // The object first: if it cannot be stopped, the monitor is not deleted.
    // Once it is, its tombstone keeps anything from starting it again, and
    // should the D1 delete below fail, the reconciler finishes it.
    stub::bury(&ctx.env, id).await?;
    let deleted = store::monitors::delete(&ctx.db, Some(&principal.org_id), id, &new_id("upd"), &ctx.now()).await?;
    if !deleted {
        return Err(ApiError::NotFound("monitor"));
    }
    ctx.pages_changed(&principal.org_id).await;
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
    if paused != is_paused {
        ctx.pages_changed(&principal.org_id).await;
    }
    ok(monitor_json(&ctx.monitor(&principal.org_id, id).await?)?)
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
