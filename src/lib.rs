//! Pingwarden: uptime checks, heartbeats and status pages on Cloudflare Workers.
//!
//! `domain` is pure; `api` holds thin HTTP handlers; `store` holds all SQL;
//! `objects` holds the Durable Objects; `router` ties a request to a handler.

mod api;
mod catalogue;
mod config;
pub mod domain;
mod error;
mod meter;
mod objects;
mod probe;
mod reconcile;
mod router;
mod store;
mod views;

/// Once per Wasm instance: a panic that slips through is logged with its
/// message and location instead of vanishing with the instance.
#[worker::event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[worker::event(fetch)]
async fn fetch(req: worker::Request, env: worker::Env, ctx: worker::Context) -> worker::Result<worker::Response> {
    Ok(router::handle(req, env, ctx).await)
}

#[worker::event(scheduled)]
async fn scheduled(event: worker::ScheduledEvent, env: worker::Env, _ctx: worker::ScheduleContext) {
    let started = meter::start();
    if let Err(error) = reconcile::run(&env, event.schedule() as i64).await {
        worker::console_error!("the reconciler failed: {error}");
    }
    if let Err(error) = catalogue::sync(&env, event.schedule() as i64).await {
        worker::console_error!("loading the catalogue failed: {error}");
    }
    meter::flush(&env, "worker", "cron", started);
}
