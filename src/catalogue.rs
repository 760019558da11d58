//! Loading the public catalogue (`domain::catalogue`) at the cron event:
//! the catalogue `PW_CATALOGUE` names (or `PW_CATALOGUE_JSON`) becomes the
//! monitors of the catalogue's organization, created, changed or deleted
//! like anyone's, at most `CHANGES_PER_RUN` a run, so a large catalogue
//! loads over a few minutes within each run's limits. Once the monitors
//! match, the services are written with the version; until the catalogue
//! changes, a run costs one D1 read per isolate, then nothing.

use crate::config::Config;
use crate::domain::catalogue::{self, monitor_fields, monitor_id, Service, Source, CATALOGUE_ORG, REAL_PATH};
use crate::domain::ids::{new_id, sha256_hex};
use crate::domain::monitor::MonitorSpec;
use crate::domain::time::iso_from_millis;
use crate::objects::stub::{self, ObjectConfig};
use crate::store::monitors::{self, NewMonitor};
use crate::store::{self, Db};
use std::cell::RefCell;
use worker::{console_error, console_log, Env, Result};

/// Monitors created, changed or deleted per cron run.
const CHANGES_PER_RUN: usize = 40;
/// No plan limit binds the catalogue's organization.
const NO_LIMIT: i64 = i64::MAX;

thread_local! {
    /// The version this isolate saw loaded: later runs read nothing.
    static LOADED: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The real catalogue's JSON, once read.
    static REAL: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The real catalogue's JSON, a static file read through the `ASSETS`
/// binding (wrangler.toml), once an isolate: a deployment serving the API
/// without its static files has none.
async fn real_catalogue(env: &Env) -> Result<String> {
    if let Some(text) = REAL.with(|r| r.borrow().clone()) {
        return Ok(text);
    }
    let assets = env.assets("ASSETS").map_err(|_| {
        worker::Error::RustError("PW_CATALOGUE=real needs the static files ([assets] in wrangler.toml)".into())
    })?;
    let mut answer = assets.fetch(format!("https://assets{REAL_PATH}"), None).await?;
    if answer.status_code() != 200 {
        return Err(worker::Error::RustError(format!(
            "{REAL_PATH} answered {}",
            answer.status_code()
        )));
    }
    let text = answer.text().await?;
    REAL.with(|r| *r.borrow_mut() = Some(text.clone()));
    Ok(text)
}

pub async fn sync(env: &Env, now_ms: i64) -> Result<()> {
    let var = |name: &str| {
        env.var(name)
            .ok()
            .map(|v| v.to_string())
            .filter(|v| !v.trim().is_empty())
    };
    let inline = var("PW_CATALOGUE_JSON");
    let source =
        catalogue::chosen(var("PW_CATALOGUE").as_deref(), inline.as_deref()).map_err(worker::Error::RustError)?;
    let services = match source {
        Source::Text(text) => catalogue::parse(text),
        Source::Real => catalogue::parse(&real_catalogue(env).await?),
    }
    .map_err(worker::Error::RustError)?;
    let version = sha256_hex(&serde_json::to_string(&services)?)[..16].to_string();
    if LOADED.with(|l| l.borrow().as_deref() == Some(version.as_str())) {
        return Ok(());
    }
    let db = Db::of(env)?;
    if store::catalogue::loaded_version(&db).await?.as_deref() == Some(version.as_str()) {
        LOADED.with(|l| *l.borrow_mut() = Some(version));
        return Ok(());
    }
    let config = Config::from_env(env).map_err(worker::Error::RustError)?;
    let now = iso_from_millis(now_ms);
    store::catalogue::ensure_org(&db, &now).await?;
    let existing = monitors::of_org(&db, CATALOGUE_ORG).await?;
    let mut wanted: Vec<(Service, Vec<String>)> = Vec::new();
    let mut changes = 0;
    for service in services {
        let mut ids = Vec::new();
        for index in 0..service.targets.len() {
            let id = monitor_id(&service.id, index);
            let spec = match MonitorSpec::from_input(&monitor_fields(&service, index), &config.monitor_rules()) {
                Ok(spec) => spec,
                Err(error) => {
                    console_error!("catalogue {} target {index} is skipped: {}", service.id, error.message);
                    continue;
                }
            };
            let row = existing.iter().find(|row| row.id == id);
            if row.is_none_or(|row| row.spec().ok().as_ref() != Some(&spec)) {
                changes += 1;
                // Over this run's budget, the change waits for the next run.
                if changes <= CHANGES_PER_RUN {
                    put_monitor(env, &db, &id, &spec, row.is_some(), &now).await?;
                }
            }
            ids.push(id);
        }
        wanted.push((service, ids));
    }
    for row in &existing {
        if !wanted.iter().any(|(_, ids)| ids.contains(&row.id)) {
            changes += 1;
            if changes <= CHANGES_PER_RUN {
                stub::bury(env, &row.id).await?;
                monitors::delete(&db, Some(CATALOGUE_ORG), &row.id, &new_id("upd"), &now).await?;
            }
        }
    }
    if changes > CHANGES_PER_RUN {
        console_log!("catalogue: {changes} changes left, going on at the next run");
        return Ok(());
    }
    store::catalogue::replace(&db, &wanted, &version).await?;
    console_log!("catalogue: {} services loaded (version {version})", wanted.len());
    LOADED.with(|l| *l.borrow_mut() = Some(version));
    Ok(())
}

/// Creates (or changes, when it `exists`) one catalogue monitor and starts its object.
async fn put_monitor(env: &Env, db: &Db, id: &str, spec: &MonitorSpec, exists: bool, now: &str) -> Result<()> {
    if exists {
        monitors::update(db, CATALOGUE_ORG, id, spec, now, NO_LIMIT).await?;
    } else {
        let monitor = NewMonitor {
            id,
            org_id: CATALOGUE_ORG,
            spec,
            ping_token_hash: None,
            now,
        };
        monitors::create(db, &monitor, NO_LIMIT).await?;
    }
    if let Some(row) = monitors::get(db, CATALOGUE_ORG, id).await? {
        if let Err(error) = stub::configure(env, &ObjectConfig::of(&row)?).await {
            console_error!("catalogue monitor {id} did not start: {error}");
        }
    }
    Ok(())
}
