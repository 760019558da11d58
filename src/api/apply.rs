//! `POST /api/v1/apply` and `GET /api/v1/export`: monitors, status pages
//! and channels as a document (`domain::apply`). Every entry is checked
//! against what exists before anything changes, so an invalid document
//! changes nothing and answers 422 at the entry's path; `?dry_run=true`
//! answers the plan alone. Each change is then made through the API's own
//! handler on the caller's behalf (`on_behalf`), so its validation, plan
//! limits and side effects (objects started, pages refreshed) are the API's.

use super::on_behalf::{self, Dispatch};
use super::{ok, query, read_body, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::access::Principal;
use crate::domain::apply::{monitor_references, parse, resolve_monitors, write, Action, Document, Entry, Format, Kind};
use crate::domain::mcp::ApiCall;
use crate::domain::monitor::MonitorSpec;
use crate::domain::notify::spec::ChannelSpec;
use crate::domain::plan::monitor_cost;
use crate::domain::status_page::PageSpec;
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::store::{self, monitors::ListFilter};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use worker::{Request, Response};

/// What exists: each resource's current fields as a PATCH base, by kind and id.
struct Current {
    monitors: BTreeMap<String, MonitorSpec>,
    pages: BTreeMap<String, PageSpec>,
    channels: BTreeMap<String, ChannelSpec>,
    /// The keys earlier applies gave, by kind and key.
    keys: BTreeMap<(String, String), String>,
}

impl Current {
    async fn read(ctx: &Ctx, org_id: &str) -> ApiResult<Current> {
        let unreadable = |what: &str, id: &str| ApiError::Internal(format!("{what} {id} is unreadable"));
        let filter = ListFilter::default();
        let mut monitors = BTreeMap::new();
        for row in store::monitors::list(&ctx.db, org_id, &filter, None, 10_000).await? {
            let spec = row.spec().map_err(|_| unreadable("monitor", &row.id))?;
            monitors.insert(row.id, spec);
        }
        let mut pages = BTreeMap::new();
        for row in store::status_pages::list(&ctx.db, org_id).await? {
            let spec = row.spec().map_err(|_| unreadable("status page", &row.id))?;
            pages.insert(row.id, spec);
        }
        let mut channels = BTreeMap::new();
        for row in store::channels::list(&ctx.db, org_id).await? {
            let spec = row.spec().map_err(|_| unreadable("channel", &row.id))?;
            channels.insert(row.id, spec);
        }
        let keys = store::applied_keys::of_org(&ctx.db, org_id)
            .await?
            .into_iter()
            .map(|k| ((k.kind, k.key), k.resource_id))
            .collect();
        Ok(Current {
            monitors,
            pages,
            channels,
            keys,
        })
    }

    fn exists(&self, kind: Kind, id: &str) -> bool {
        match kind {
            Kind::Monitor => self.monitors.contains_key(id),
            Kind::StatusPage => self.pages.contains_key(id),
            Kind::Channel => self.channels.contains_key(id),
        }
    }

    /// The resource an entry's key stands for, if it exists.
    fn find(&self, kind: Kind, key: &str) -> Option<String> {
        let remembered = self.keys.get(&(kind.name().to_string(), key.to_string())).cloned();
        remembered
            .or_else(|| kind.is_id(key).then(|| key.to_string()))
            .filter(|id| self.exists(kind, id))
    }

    fn ids(&self, kind: Kind) -> Vec<&String> {
        match kind {
            Kind::Monitor => self.monitors.keys().collect(),
            Kind::StatusPage => self.pages.keys().collect(),
            Kind::Channel => self.channels.keys().collect(),
        }
    }

    /// The key a resource is exported under: the one it was applied with, or its id.
    fn key_of(&self, kind: Kind, id: &str) -> String {
        self.keys
            .iter()
            .find(|((k, _), resource)| k == kind.name() && resource.as_str() == id)
            .map_or_else(|| id.to_string(), |((_, key), _)| key.clone())
    }

    /// Whether applying `fields` onto the resource `id` would change it.
    fn changes(&self, ctx: &Ctx, kind: Kind, id: &str, fields: &Map<String, Value>) -> Result<bool, FieldError> {
        Ok(match kind {
            Kind::Monitor => {
                let current = &self.monitors[id];
                current.patched(fields.clone(), &ctx.config.monitor_rules())? != *current
            }
            Kind::StatusPage => {
                let current = &self.pages[id];
                let mut input = current.to_input();
                if fields.contains_key("monitor_ids") {
                    input.remove("sections");
                }
                input.extend(fields.clone());
                PageSpec::from_input(&input)? != *current
            }
            Kind::Channel => {
                let current = &self.channels[id];
                current.patched(fields, &ctx.config.notify_rules())? != *current
            }
        })
    }
}

/// A checked entry: what it does, to which resource.
struct Step {
    entry: Entry,
    id: Option<String>,
    action: Action,
}

/// What `prune` deletes: each resource's kind and id.
type Deletions = Vec<(Kind, String)>;

/// A checked document: its steps, what `prune` deletes, and how much the
/// monitors' cost toward the plan (`monitor_cost`) grows.
struct Plan {
    steps: Vec<Step>,
    deletes: Deletions,
    added_cost: i64,
}

/// Every entry checked against what exists, and what `prune` deletes.
fn plan(ctx: &Ctx, document: &Document, current: &Current, prune: bool) -> Result<Plan, FieldError> {
    let rules = ctx.config.monitor_rules();
    let cost_of = |spec: &MonitorSpec| monitor_cost(&spec.settings);
    // Monitors named by key that do not exist yet get a stand-in id, so that
    // pages and channels naming them can be checked now.
    let monitor_ids: BTreeMap<String, String> = document
        .entries
        .iter()
        .filter(|e| e.kind == Kind::Monitor)
        .map(|e| {
            (
                e.key.clone(),
                current
                    .find(Kind::Monitor, &e.key)
                    .unwrap_or_else(|| format!("mon_planned_{}", e.key)),
            )
        })
        .collect();
    let (mut steps, mut added_cost) = (Vec::new(), 0);
    for entry in &document.entries {
        let mut fields = entry.fields.clone();
        resolve_monitors(&mut fields, &monitor_ids);
        // Checked here, not left to the API when the entry is made: the
        // entries before it would have been applied by then.
        for (path, id) in monitor_references(&fields) {
            if !current.monitors.contains_key(id) && !monitor_ids.values().any(|planned| planned == id) {
                let message = format!("{id} is neither a monitor of this document nor an existing one");
                return Err(entry.locate(FieldError::new(path, message)));
            }
        }
        let id = current.find(entry.kind, &entry.key);
        if entry.kind == Kind::Monitor {
            let new_spec = match &id {
                Some(id) => current.monitors[id].patched(fields.clone(), &rules),
                None => MonitorSpec::from_input(&fields, &rules),
            };
            let old_cost = id.as_ref().map_or(0, |id| cost_of(&current.monitors[id]));
            added_cost += new_spec.map_or(0, |spec| cost_of(&spec)) - old_cost;
        }
        let action = match &id {
            Some(id)
                if current
                    .changes(ctx, entry.kind, id, &fields)
                    .map_err(|e| entry.locate(e))? =>
            {
                Action::Update
            }
            Some(_) => Action::Unchanged,
            None => {
                let checked = match entry.kind {
                    Kind::Monitor => MonitorSpec::from_input(&fields, &ctx.config.monitor_rules()).map(drop),
                    Kind::StatusPage => PageSpec::from_input(&fields).map(drop),
                    Kind::Channel => ChannelSpec::from_input(&fields, &ctx.config.notify_rules()).map(drop),
                };
                checked.map_err(|e| entry.locate(e))?;
                Action::Create
            }
        };
        steps.push(Step {
            entry: entry.clone(),
            id,
            action,
        });
    }
    let mut deletes = Vec::new();
    if prune {
        // Channels and pages first: they name monitors.
        for kind in Kind::ALL.iter().rev().filter(|k| document.kinds.contains(k)) {
            for id in current.ids(*kind) {
                if !steps.iter().any(|s| s.id.as_deref() == Some(id.as_str())) {
                    if *kind == Kind::Monitor {
                        added_cost -= cost_of(&current.monitors[id]);
                    }
                    deletes.push((*kind, id.clone()));
                }
            }
        }
    }
    Ok(Plan {
        steps,
        deletes,
        added_cost,
    })
}

pub(super) fn flag(params: &std::collections::HashMap<String, String>, name: &str) -> ApiResult<bool> {
    match params.get(name).map(String::as_str) {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1" | "") => Ok(true),
        Some(_) => Err(ApiError::bad_query(&FieldError::new(
            name,
            format!("{name} must be true or false"),
        ))),
    }
}

pub async fn apply(ctx: &Ctx, mut req: Request, dispatch: Dispatch) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    principal.require_write()?;
    let params = query(&req)?;
    let (dry_run, prune) = (flag(&params, "dry_run")?, flag(&params, "prune")?);
    let format = Format::of_content_type(req.headers().get("Content-Type")?.as_deref());
    let bytes = read_body(&mut req).await?;
    let text = String::from_utf8(bytes).map_err(|_| FieldError::new("$", "the document must be UTF-8 text"))?;
    let document = parse(&text, format)?;
    ok(run(ctx, &req, &principal, &document, dry_run, prune, dispatch).await?)
}

/// Checks every entry of the document against what exists, then (unless
/// `dry_run`) makes each change on the caller's behalf: the report of
/// what was (or would be) created, updated, deleted and left unchanged.
pub(super) async fn run(
    ctx: &Ctx,
    req: &Request,
    principal: &Principal,
    document: &Document,
    dry_run: bool,
    prune: bool,
    dispatch: Dispatch,
) -> ApiResult<Value> {
    let current = Current::read(ctx, &principal.org_id).await?;
    let Plan {
        steps,
        deletes,
        added_cost,
    } = plan(ctx, document, &current, prune)?;
    // Checked before anything is made: a document the plan cannot hold changes nothing.
    let limits = ctx.plan(&principal.plan);
    let used = store::monitors::cost(&ctx.db, &principal.org_id).await?;
    if added_cost > 0 && used + added_cost > limits.max_monitors {
        return Err(super::monitors::plan_limit(
            format!(
                "this document adds {added_cost} to the monitors' count (each region of a monitor counting as one); the {} plan allows {} and {used} are used",
                limits.name, limits.max_monitors
            ),
            None,
        ));
    }
    let mut changes: Vec<Value> = Vec::new();
    let mut monitor_ids: BTreeMap<String, String> = BTreeMap::new();
    for step in &steps {
        let mut change = json!({ "kind": step.entry.kind.name(), "key": step.entry.key, "action": step.action.as_str(), "id": step.id });
        if !dry_run && step.action != Action::Unchanged {
            let made = make(ctx, req, step, &monitor_ids, dispatch).await?;
            for secret in ["ping_url", "token", "signing_secret"] {
                if let Some(value) = made.get(secret).filter(|_| step.action == Action::Create) {
                    change[secret] = value.clone();
                }
            }
            change["id"] = made["id"].clone();
            if step.action == Action::Create {
                let id = made["id"].as_str().unwrap_or_default();
                store::applied_keys::remember(&ctx.db, &principal.org_id, step.entry.kind.name(), &step.entry.key, id)
                    .await?;
            }
        }
        if step.entry.kind == Kind::Monitor {
            if let Some(id) = change["id"].as_str() {
                monitor_ids.insert(step.entry.key.clone(), id.to_string());
            }
        }
        changes.push(change);
    }
    for (kind, id) in &deletes {
        if !dry_run {
            let call = ApiCall {
                method: "DELETE",
                path: format!("{}/{id}", kind.api_path()),
                body: None,
            };
            let (status, answer) = on_behalf::call(ctx, req, &call, dispatch).await?;
            if !(200..300).contains(&status) && status != 404 {
                return Err(ApiError::conflict(
                    "apply_failed",
                    format!("deleting {} {id} failed: {}", kind.name(), answer["error"]),
                ));
            }
            store::applied_keys::forget(&ctx.db, &principal.org_id, kind.name(), id).await?;
        }
        changes.push(json!({ "kind": kind.name(), "key": current.key_of(*kind, id), "action": Action::Delete.as_str(), "id": id }));
    }
    let count = |action: &str| changes.iter().filter(|c| c["action"] == action).count();
    let summary = json!({ "create": count("create"), "update": count("update"), "delete": count("delete"), "unchanged": count("unchanged") });
    Ok(json!({ "dry_run": dry_run, "summary": summary, "changes": changes }))
}

/// Creates or updates one entry's resource through its API route: its answer's `data`.
async fn make(
    ctx: &Ctx,
    req: &Request,
    step: &Step,
    monitor_ids: &BTreeMap<String, String>,
    dispatch: Dispatch,
) -> ApiResult<Value> {
    let entry = &step.entry;
    let mut fields = entry.fields.clone();
    resolve_monitors(&mut fields, monitor_ids);
    let call = match &step.id {
        Some(id) => ApiCall {
            method: "PATCH",
            path: format!("{}/{id}", entry.kind.api_path()),
            body: Some(Value::Object(fields)),
        },
        None => ApiCall {
            method: "POST",
            path: entry.kind.api_path().to_string(),
            body: Some(Value::Object(fields)),
        },
    };
    let (status, answer) = on_behalf::call(ctx, req, &call, dispatch).await?;
    match status {
        200..=299 => Ok(answer["data"].clone()),
        422 => {
            let field = answer["field"].as_str().unwrap_or_default();
            let message = answer["error"].as_str().unwrap_or("invalid");
            Err(entry.locate(FieldError::new(field, message)).into())
        }
        _ => Err(ApiError::conflict(
            "apply_failed",
            format!(
                "{}: {} (the entries before it were applied)",
                entry.path(""),
                answer["error"].as_str().unwrap_or("refused")
            ),
        )),
    }
}

/// `GET /api/v1/export?format=yaml|json`: the organization's monitors,
/// pages and channels as a document `apply` takes, secrets masked.
pub async fn export(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let principal = authenticate(ctx, &req, None).await?;
    let format = match query(&req)?.get("format").map(String::as_str) {
        None | Some("yaml") => Format::Yaml,
        Some("json") => Format::Json,
        Some(_) => {
            return Err(ApiError::bad_query(&FieldError::new(
                "format",
                "format must be yaml or json",
            )))
        }
    };
    let current = Current::read(ctx, &principal.org_id).await?;
    let keyed = |kind: Kind, id: &str, fields: Map<String, Value>| {
        let mut entry = Map::new();
        entry.insert("key".into(), Value::from(current.key_of(kind, id)));
        entry.extend(fields);
        Value::Object(entry)
    };
    let monitor_keys: BTreeMap<String, String> = current
        .monitors
        .keys()
        .map(|id| (id.clone(), current.key_of(Kind::Monitor, id)))
        .collect();
    let monitors = current
        .monitors
        .iter()
        .map(|(id, spec)| keyed(Kind::Monitor, id, spec.shown()));
    let pages = current.pages.iter().map(|(id, spec)| {
        let mut fields = spec.to_input();
        resolve_monitors(&mut fields, &monitor_keys);
        keyed(Kind::StatusPage, id, fields)
    });
    let channels = current.channels.iter().map(|(id, spec)| {
        let mut fields = spec.shown();
        resolve_monitors(&mut fields, &monitor_keys);
        keyed(Kind::Channel, id, fields)
    });
    let mut document = Map::new();
    document.insert("monitors".into(), Value::Array(monitors.collect()));
    document.insert("status_pages".into(), Value::Array(pages.collect()));
    document.insert("channels".into(), Value::Array(channels.collect()));
    let text = write(&document, format).map_err(ApiError::Internal)?;
    let mut response = Response::ok(text)?;
    response.headers_mut().set("Content-Type", format.content_type())?;
    Ok(response)
}
