//! `POST /api/v1/import/healthchecks` and `POST /api/v1/import/uptime-kuma`:
//! another tool's checks as monitors (`domain::healthchecks`,
//! `domain::uptime_kuma`). An import is an `apply` (`api::apply`) of the
//! entries that map, keyed by the other tool's ids (`hc-{uuid}`,
//! `kuma-{id}`) so that running it again updates instead of duplicating:
//! every entry is checked before anything changes, `?dry_run=true` answers
//! the report alone, and what does not map is reported as skipped.

use super::apply::{self, flag};
use super::on_behalf::Dispatch;
use super::{ok, query, read_body, read_json, required_str, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::access::Principal;
use crate::domain::apply::{Document, Entry, Kind};
use crate::domain::healthchecks::{self, Mapped};
use crate::domain::target::url_refusal;
use crate::domain::uptime_kuma;
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::store::{self, monitors::HcUuidOwner};
use serde_json::{json, Value};
use std::collections::HashMap;
use worker::{Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response};

/// The largest checks answer read from a Healthchecks instance.
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// `{"api_url", "api_key"}` (fetched here) or a `GET /api/v3/checks/` answer.
pub async fn healthchecks(ctx: &Ctx, mut req: Request, dispatch: Dispatch) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let dry_run = flag(&query(&req)?, "dry_run")?;
    let body = read_json(&mut req).await?;
    let answer = if body.contains_key("checks") {
        Value::Object(body)
    } else {
        let api_url = required_str(&body, "api_url")?;
        let api_key = required_str(&body, "api_key")?;
        fetch_checks(ctx, api_url, api_key).await?
    };
    let mapped = healthchecks::map_checks(&answer)?;
    let mapped = claim_uuids(ctx, &principal, mapped).await?;
    import(ctx, &req, &principal, vec![("checks", mapped)], dry_run, dispatch).await
}

/// An Uptime Kuma backup file (`monitorList`, `notificationList`).
pub async fn uptime_kuma(ctx: &Ctx, mut req: Request, dispatch: Dispatch) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let dry_run = flag(&query(&req)?, "dry_run")?;
    let bytes = read_body(&mut req).await?;
    let backup: Value = serde_json::from_slice(&bytes).map_err(|e| ApiError::BadRequest {
        code: "malformed_json",
        message: format!("the backup is not valid JSON: {e}"),
        field: None,
    })?;
    let floor = ctx
        .plan(&principal.plan)
        .interval_floor(ctx.config.min_interval_seconds);
    let monitors = uptime_kuma::monitors_of(&backup)?
        .iter()
        .enumerate()
        .map(|(index, monitor)| uptime_kuma::from_monitor(index, monitor, floor))
        .collect::<Result<Vec<_>, _>>()?;
    let channels = uptime_kuma::channels_of(&backup, &monitors)?;
    let lists = vec![("monitorList", monitors), ("notificationList", channels)];
    import(ctx, &req, &principal, lists, dry_run, dispatch).await
}

/// Applies the entries that map, each list of the other tool's file in
/// turn (named for its errors); the report lists each change and each skip.
async fn import(
    ctx: &Ctx,
    req: &Request,
    principal: &Principal,
    lists: Vec<(&str, Vec<Mapped>)>,
    dry_run: bool,
    dispatch: Dispatch,
) -> ApiResult<Response> {
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    // Errors name the other tool's lists, not the apply document's.
    let mut names = Vec::new();
    for (list, mapped) in lists {
        for (index, item) in mapped.into_iter().enumerate() {
            let (kind, key, fields) = match item {
                Mapped::Monitor { key, fields } => (Kind::Monitor, key, fields),
                Mapped::Channel { key, fields } => (Kind::Channel, key, fields),
                Mapped::Skipped { name, reason } => {
                    skipped.push(json!({ "name": name, "reason": reason }));
                    continue;
                }
            };
            let name = (format!("{}[", kind.list()), format!("{list}["));
            if !names.contains(&name) {
                names.push(name);
            }
            entries.push(Entry {
                kind,
                index,
                key,
                fields,
            });
        }
    }
    let document = Document {
        kinds: entries.iter().map(|entry| entry.kind).collect(),
        entries,
    };
    let renamed = |error: ApiError| match error {
        ApiError::Invalid(e) => {
            let (mut field, mut message) = (e.field, e.message);
            for (ours, theirs) in &names {
                (field, message) = (field.replacen(ours, theirs, 1), message.replacen(ours, theirs, 1));
            }
            ApiError::Invalid(FieldError::new(field, message))
        }
        other => other,
    };
    // apply checks the whole document, the plan's limit too, before it makes anything.
    let mut report = apply::run(ctx, req, principal, &document, dry_run, false, dispatch)
        .await
        .map_err(renamed)?;
    report["summary"]["skip"] = json!(skipped.len());
    report["skipped"] = json!(skipped);
    ok(report)
}

/// A check whose UUID a monitor of this organization already has updates
/// that monitor (its id is the key); one another organization's monitor
/// has is skipped: a UUID pings one monitor only. One D1 read for all.
async fn claim_uuids(ctx: &Ctx, principal: &Principal, mapped: Vec<Mapped>) -> ApiResult<Vec<Mapped>> {
    let uuids: Vec<&str> = mapped
        .iter()
        .filter_map(|item| match item {
            Mapped::Monitor { fields, .. } => fields["hc_uuid"].as_str(),
            Mapped::Channel { .. } | Mapped::Skipped { .. } => None,
        })
        .collect();
    let owners: HashMap<String, HcUuidOwner> = store::monitors::by_hc_uuids(&ctx.db, &json!(uuids).to_string())
        .await?
        .into_iter()
        .map(|owner| (owner.hc_uuid.clone(), owner))
        .collect();
    let claimed = mapped.into_iter().map(|item| match item {
        Mapped::Monitor { key, fields } => match owners.get(fields["hc_uuid"].as_str().unwrap_or_default()) {
            Some(owner) if owner.org_id == principal.org_id => Mapped::Monitor {
                key: owner.id.clone(),
                fields,
            },
            Some(owner) => Mapped::Skipped {
                name: fields["name"].as_str().unwrap_or_default().to_string(),
                reason: format!("hc_uuid {} belongs to a monitor of another organization", owner.hc_uuid),
            },
            None => Mapped::Monitor { key, fields },
        },
        skipped => skipped,
    });
    Ok(claimed.collect())
}

/// `GET {api_url}/api/v3/checks/` with the key, the URL passing the same
/// guard as monitors' targets; redirects are not followed (a hop would
/// escape the guard).
async fn fetch_checks(ctx: &Ctx, api_url: &str, api_key: &str) -> ApiResult<Value> {
    let invalid = |field: &str, message: String| ApiError::Invalid(FieldError::new(field, message));
    let base = api_url.trim().trim_end_matches('/');
    let base = base.strip_suffix("/checks").unwrap_or(base);
    let base = base.strip_suffix("/api/v3").unwrap_or(base);
    let url = url::Url::parse(&format!("{base}/api/v3/checks/"))
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| invalid("api_url", "api_url must be an http:// or https:// URL".into()))?;
    if let Some(why) = url_refusal(&url).filter(|_| !ctx.config.allow_private_targets) {
        return Err(invalid(
            "api_url",
            format!("api_url host {} {why}", url.host_str().unwrap_or_default()),
        ));
    }
    let headers = Headers::new();
    headers.set("X-Api-Key", api_key)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    crate::meter::subrequest();
    let mut response = Fetch::Request(Request::new_with_init(url.as_str(), &init)?)
        .send()
        .await
        .map_err(|e| invalid("api_url", format!("{url} could not be fetched: {e}")))?;
    match response.status_code() {
        200 => {}
        401 | 403 => return Err(invalid("api_key", format!("{url} refused the api_key"))),
        code => return Err(invalid("api_url", format!("{url} answered {code}, not the checks"))),
    }
    let too_large = || invalid("api_url", format!("{url} answered more than 4 MiB"));
    // Refused unread when declared; a chunked answer declares nothing and
    // is measured once read.
    let declared = response
        .headers()
        .get("Content-Length")?
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_ANSWER_BYTES) {
        return Err(too_large());
    }
    let bytes = response.bytes().await?;
    if bytes.len() > MAX_ANSWER_BYTES {
        return Err(too_large());
    }
    serde_json::from_slice(&bytes).map_err(|_| invalid("api_url", format!("{url} did not answer JSON")))
}
