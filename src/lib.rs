//! Pingwarden: uptime checks, heartbeats and status pages on Cloudflare Workers.
//!
//! `domain` is pure; `api` holds thin HTTP handlers; `store` holds all SQL;
//! `objects` holds the Durable Objects; `router` ties a request to a handler.

mod api;
mod auth;
mod config;
pub mod domain;
mod error;
mod objects;
mod router;
mod store;

#[worker::event(fetch)]
async fn fetch(
    req: worker::Request,
    env: worker::Env,
    ctx: worker::Context,
) -> worker::Result<worker::Response> {
    Ok(router::handle(req, env, ctx).await)
}
