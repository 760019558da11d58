//! `/api/v1/channels` and `/api/v1/deliveries`: notification channels and
//! their delivery log (which lives in the organization's hub).

use super::audit_log::record;
use super::{created, list, monitors::plan_limit, next_page, no_content, ok, page_params, query, read_json, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::access::Principal;
use crate::domain::audit::Action;
use crate::domain::ids::new_id;
use crate::domain::notify::spec::ChannelSpec;
use crate::domain::notify::webhook::new_secret;
use crate::domain::notify::{Event, EventKind, IncidentFacts, MonitorFacts, Reason};
use crate::domain::secrets;
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::objects::hub::{DeliveryQuery, HubEvent, TestSend};
use crate::objects::stub;
use crate::store::{self, channels::ChannelRow};
use serde_json::{json, Value};
use worker::{Request, Response};

/// The channel as shown: the kind's fields (secrets masked) beside the
/// common ones; the signing secret masked too.
fn channel_json(row: &ChannelRow) -> ApiResult<Value> {
    let spec = row
        .spec()
        .map_err(|e| ApiError::Internal(format!("channel {} is unreadable: {e}", row.id)))?;
    let mut fields = spec.shown();
    for (key, value) in [
        ("id", json!(row.id)),
        ("created_at", json!(row.created_at)),
        ("updated_at", json!(row.updated_at)),
    ] {
        fields.insert(key.into(), value);
    }
    if let Some(secret) = &row.signing_secret {
        fields.insert("signing_secret".into(), json!(secrets::mask(secret)));
    }
    Ok(Value::Object(fields))
}

async fn fetch(ctx: &Ctx, org_id: &str, id: &str) -> ApiResult<ChannelRow> {
    store::channels::get(&ctx.db, org_id, id)
        .await?
        .ok_or(ApiError::NotFound("channel"))
}

/// Every monitor a channel names must be the organization's own.
async fn check_monitors(ctx: &Ctx, org_id: &str, spec: &ChannelSpec) -> ApiResult<()> {
    let Some(ids) = &spec.monitor_ids else { return Ok(()) };
    let owned = store::monitors::existing_ids(&ctx.db, org_id, &serde_json::to_string(ids).unwrap_or_default()).await?;
    match ids.iter().find(|id| !owned.contains(id)) {
        Some(unknown) => Err(FieldError::new("monitor_ids", format!("monitor {unknown} not found")).into()),
        None => Ok(()),
    }
}

pub async fn index(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    let rows = store::channels::list(&ctx.db, &principal.org_id).await?;
    list(rows.iter().map(channel_json).collect::<ApiResult<_>>()?, None)
}

/// A generic webhook gets its signing secret here, shown in this answer only.
pub async fn create(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let spec = ChannelSpec::from_input(&read_json(&mut req).await?, &ctx.config.notify_rules())?;
    check_monitors(ctx, &principal.org_id, &spec).await?;
    let plan = ctx.plan(&principal.plan);
    let (id, secret) = (new_id("ch"), signing_secret_for(&spec));
    let made = store::channels::create(
        &ctx.db,
        &id,
        &principal.org_id,
        &spec,
        secret.as_deref(),
        plan.max_channels,
        &ctx.now(),
    )
    .await?;
    if !made {
        let message = format!("the {} plan allows {} channels", plan.name, plan.max_channels);
        return Err(plan_limit(message, None));
    }
    let mut answer = channel_json(&fetch(ctx, &principal.org_id, &id).await?)?;
    record(ctx, &principal, &req, Action::ChannelCreated, &id, None, Some(&answer)).await;
    if let Some(secret) = secret {
        answer["signing_secret"] = json!(secret);
    }
    created(answer)
}

fn signing_secret_for(spec: &ChannelSpec) -> Option<String> {
    (spec.settings.kind() == "webhook").then(new_secret)
}

pub async fn show(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    ok(channel_json(&fetch(ctx, &principal.org_id, id).await?)?)
}

pub async fn update(ctx: &Ctx, mut req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let patch = read_json(&mut req).await?;
    let row = fetch(ctx, &principal.org_id, id).await?;
    let stored = row.spec().map_err(|e| ApiError::Internal(e.to_string()))?;
    let spec = stored.patched(&patch, &ctx.config.notify_rules())?;
    check_monitors(ctx, &principal.org_id, &spec).await?;
    store::channels::update(&ctx.db, &principal.org_id, id, &spec, &ctx.now()).await?;
    let (before, after) = (
        channel_json(&row)?,
        channel_json(&fetch(ctx, &principal.org_id, id).await?)?,
    );
    record(
        ctx,
        &principal,
        &req,
        Action::ChannelUpdated,
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
    let before = channel_json(&fetch(ctx, &principal.org_id, id).await?).ok();
    if !store::channels::delete(&ctx.db, &principal.org_id, id).await? {
        return Err(ApiError::NotFound("channel"));
    }
    record(ctx, &principal, &req, Action::ChannelDeleted, id, before.as_ref(), None).await;
    no_content()
}

/// Sends a `test` event now; answers with the delivery and its attempt.
pub async fn test(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let channel = fetch(ctx, &principal.org_id, id).await?;
    let event = Event {
        id: new_id("evt"),
        kind: EventKind::Test,
        reason: None,
        timestamp_ms: ctx.now_ms,
        organization_id: principal.org_id.clone(),
        monitor: Some(MonitorFacts {
            id: "mon_test".into(),
            name: "Test monitor".into(),
            kind: "http".into(),
            target: Some("https://example.com/".into()),
        }),
        incident: None,
        link: None,
    };
    ok(stub::hub_test(&ctx.env, &TestSend { channel, event }).await?)
}

/// A new signing secret for a generic webhook, shown in this answer only;
/// the old one stops signing at once.
pub async fn rotate_secret(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let row = fetch(ctx, &principal.org_id, id).await?;
    if row.signing_secret.is_none() {
        return Err(FieldError::new("kind", format!("{} channels are not signed", row.kind)).into());
    }
    let secret = new_secret();
    store::channels::set_signing_secret(&ctx.db, &principal.org_id, id, &secret, &ctx.now()).await?;
    record(ctx, &principal, &req, Action::ChannelSecretRotated, id, None, None).await;
    let mut answer = channel_json(&fetch(ctx, &principal.org_id, id).await?)?;
    answer["signing_secret"] = json!(secret);
    ok(answer)
}

/// The channel's deliveries, newest first, each with its attempts.
pub async fn deliveries(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    fetch(ctx, &principal.org_id, id).await?;
    let (limit, cursor) = page_params(&query(&req)?)?;
    let after = cursor
        .map(|c| c.after_key.parse::<i64>().map(|at| (at, c.after_id)))
        .transpose()
        .map_err(|_| ApiError::bad_query(&FieldError::new("cursor", "cursor is not one this list gave")))?;
    let page = DeliveryQuery {
        channel_id: id.to_string(),
        after,
        limit: limit + 1,
    };
    let mut rows = stub::hub_deliveries(&ctx.env, &principal.org_id, &page).await?;
    let next_cursor = next_page(&mut rows, limit, |last| {
        let at = last["created_at"]
            .as_str()
            .and_then(crate::domain::time::millis_from_iso)
            .unwrap_or(0);
        (at.to_string(), last["id"].as_str().unwrap_or_default().to_string())
    });
    list(rows, next_cursor)
}

/// Sends a settled delivery again, with a fresh round of retries.
pub async fn retry_delivery(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    match stub::hub_retry(&ctx.env, &principal.org_id, id).await? {
        Some(delivery) => ok(delivery),
        None => Err(ApiError::NotFound("delivery")),
    }
}

/// Tells the hub of a manual incident's change (`incident.updated`). The
/// change is saved whatever the hub does; a failure is logged.
pub async fn incident_updated(ctx: &Ctx, principal: &Principal, incident: &Value) {
    let text = |key: &str| incident[key].as_str().unwrap_or_default().to_string();
    let millis = |key: &str| incident[key].as_str().and_then(crate::domain::time::millis_from_iso);
    let monitor_ids: Vec<String> = incident["monitor_ids"]
        .as_array()
        .map(|ids| ids.iter().filter_map(|id| id.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let latest = incident["updates"]
        .as_array()
        .and_then(|u| u.last())
        .and_then(|u| u["message"].as_str());
    let event = Event {
        id: new_id("evt"),
        kind: EventKind::Updated,
        reason: Some(Reason::Manual),
        timestamp_ms: ctx.now_ms,
        organization_id: principal.org_id.clone(),
        monitor: None,
        incident: Some(IncidentFacts {
            id: text("id"),
            title: text("title"),
            status: text("status"),
            impact: text("impact"),
            cause: latest
                .map(str::to_string)
                .or_else(|| incident["cause"].as_str().map(str::to_string)),
            started_at_ms: millis("started_at").unwrap_or(ctx.now_ms),
            resolved_at_ms: millis("resolved_at"),
        }),
        link: None,
    };
    let told = HubEvent {
        org_id: principal.org_id.clone(),
        event,
        monitor_ids,
    };
    if let Err(error) = stub::hub_event(&ctx.env, &told).await {
        worker::console_error!(
            "the hub of {} did not take an incident update: {error}",
            principal.org_id
        );
    }
}
