//! The request pipeline: CORS preflight, routing by path then method (404 for
//! an unknown path, 405 with `Allow` for a known path with another method),
//! and the headers every answer carries (`X-Request-Id`, CORS, and
//! `Server-Timing` with the request's D1 queries).
//! Written by hand rather than with worker's Router, which answers 404 and
//! 405 in plain text without `Allow`.

use crate::api::{self, public_pages::View, Ctx};
use crate::config::Config;
use crate::domain::ids::random_base62;
use crate::domain::server_timing;
use crate::error::{ApiError, ApiResult};
use crate::store::Db;
use worker::{Context, Env, Method, Request, Response};

enum Route<'a> {
    Health,
    Register,
    Login,
    Session,
    Me,
    Members(&'a str),
    Member(&'a str, &'a str),
    Invitations(&'a str),
    Invitation(&'a str, &'a str),
    AcceptInvitation(&'a str),
    ApiKeys,
    ApiKey(&'a str),
    Monitors,
    MonitorSummary,
    Monitor(&'a str),
    PauseMonitor(&'a str),
    ResumeMonitor(&'a str),
    MonitorChecks(&'a str),
    MonitorIncidents(&'a str),
    MonitorUptime(&'a str),
    MonitorPings(&'a str),
    RotateToken(&'a str),
    Ping(&'a str, Option<&'a str>),
    Incidents,
    Incident(&'a str),
    StatusPages,
    StatusPage(&'a str),
    PublicPage(&'a str),
    PublicPageJson(&'a str),
    PageBadge(&'a str),
    MonitorBadge(&'a str, &'a str),
    Live,
    PageLive(&'a str),
    DnsLookup,
    DnsQuery,
    PortScan,
    Mcp,
    Services,
    ServiceHistory(&'a str),
    HostStatus(&'a str),
    LiveCheck,
    IncidentUpdates(&'a str),
    Channels,
    Channel(&'a str),
    TestChannel(&'a str),
    RotateChannelSecret(&'a str),
    ChannelDeliveries(&'a str),
    RetryDelivery(&'a str),
    Maintenances,
    Maintenance(&'a str),
    Apply,
    Export,
    Metrics,
    AuditLog,
    /// `/ping/{uuid}[/{suffix}]` or `/ping/{ping_key}/{slug}`: the path's
    /// segments after `/ping/` (`domain::healthchecks::parse_ping_path`).
    HcPing(&'a str, Option<&'a str>),
    HcSlugPing(&'a str, &'a str, &'a str),
    HcChecks,
    HcCheck(&'a str),
    HcPause(&'a str),
    HcResume(&'a str),
    HcPings(&'a str),
    PingKey(&'a str),
    ImportHealthchecks,
    ImportUptimeKuma,
    AccountMe,
    ForumThreads,
    ForumThread(&'a str),
    ForumReplies(&'a str),
    ForumAccept(&'a str),
    ForumPost(&'a str),
    ForumVote(&'a str),
    ForumReport(&'a str),
    ForumReports,
    ForumReportItem(&'a str),
    ServiceThreads(&'a str),
}

impl<'a> Route<'a> {
    fn parse(path: &'a str) -> Option<Route<'a>> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        Some(match segments.as_slice() {
            ["api", "health"] => Route::Health,
            ["status", slug] => match slug.strip_suffix(".json") {
                Some(slug) => Route::PublicPageJson(slug),
                None => Route::PublicPage(slug),
            },
            ["status", slug, "badge.svg"] => Route::PageBadge(slug),
            ["status", slug, "live"] => Route::PageLive(slug),
            ["live"] | ["api", "v1", "live"] => Route::Live,
            ["api", "dns-lookup"] => Route::DnsLookup,
            ["api", "history", id] => Route::ServiceHistory(id),
            ["api", "port-scan"] => Route::PortScan,
            ["mcp"] => Route::Mcp,
            ["status", slug, "monitors", id, "badge.svg"] => Route::MonitorBadge(slug, id),
            ["p", token] | ["api", "v1", "heartbeat", token] => Route::Ping(token, None),
            ["p", token, suffix] | ["api", "v1", "heartbeat", token, suffix] => Route::Ping(token, Some(suffix)),
            ["ping", code] => Route::HcPing(code, None),
            ["ping", code, next] => Route::HcPing(code, Some(next)),
            ["ping", key, slug, suffix] => Route::HcSlugPing(key, slug, suffix),
            ["api", "v3", "checks"] => Route::HcChecks,
            ["api", "v3", "checks", uuid] => Route::HcCheck(uuid),
            ["api", "v3", "checks", uuid, "pause"] => Route::HcPause(uuid),
            ["api", "v3", "checks", uuid, "resume"] => Route::HcResume(uuid),
            ["api", "v3", "checks", uuid, "pings"] => Route::HcPings(uuid),
            ["api", "v1", rest @ ..] => match rest {
                ["auth", "register"] => Route::Register,
                ["auth", "login"] => Route::Login,
                ["auth", "session"] => Route::Session,
                ["me"] => Route::Me,
                ["organizations", org, "members"] => Route::Members(org),
                ["organizations", org, "members", user] => Route::Member(org, user),
                ["organizations", org, "invitations"] => Route::Invitations(org),
                ["organizations", org, "ping-key"] => Route::PingKey(org),
                ["import", "healthchecks"] => Route::ImportHealthchecks,
                ["import", "uptime-kuma"] => Route::ImportUptimeKuma,
                ["organizations", org, "invitations", id] => Route::Invitation(org, id),
                ["invitations", token, "accept"] => Route::AcceptInvitation(token),
                ["api-keys"] => Route::ApiKeys,
                ["api-keys", id] => Route::ApiKey(id),
                ["monitors"] => Route::Monitors,
                // Before `monitors/{id}`: no monitor id is `summary`.
                ["monitors", "summary"] => Route::MonitorSummary,
                ["monitors", id] => Route::Monitor(id),
                ["monitors", id, "pause"] => Route::PauseMonitor(id),
                ["monitors", id, "resume"] => Route::ResumeMonitor(id),
                ["monitors", id, "checks"] => Route::MonitorChecks(id),
                ["monitors", id, "incidents"] => Route::MonitorIncidents(id),
                ["monitors", id, "uptime"] => Route::MonitorUptime(id),
                ["monitors", id, "pings"] => Route::MonitorPings(id),
                ["monitors", id, "rotate-token"] => Route::RotateToken(id),
                ["status-pages"] => Route::StatusPages,
                ["status-pages", id] => Route::StatusPage(id),
                ["incidents"] => Route::Incidents,
                ["incidents", id] => Route::Incident(id),
                ["incidents", id, "updates"] => Route::IncidentUpdates(id),
                ["channels"] => Route::Channels,
                ["channels", id] => Route::Channel(id),
                ["channels", id, "test"] => Route::TestChannel(id),
                ["channels", id, "rotate-secret"] => Route::RotateChannelSecret(id),
                ["channels", id, "deliveries"] => Route::ChannelDeliveries(id),
                ["deliveries", id, "retry"] => Route::RetryDelivery(id),
                ["maintenances"] => Route::Maintenances,
                ["apply"] => Route::Apply,
                ["export"] => Route::Export,
                ["maintenances", id] => Route::Maintenance(id),
                ["audit-log"] => Route::AuditLog,
                ["dns"] => Route::DnsQuery,
                ["services"] => Route::Services,
                ["services", id, "history"] => Route::ServiceHistory(id),
                ["services", id, "threads"] => Route::ServiceThreads(id),
                ["account", "me"] => Route::AccountMe,
                ["forum", "threads"] => Route::ForumThreads,
                ["forum", "threads", id] => Route::ForumThread(id),
                ["forum", "threads", id, "posts"] => Route::ForumReplies(id),
                ["forum", "threads", id, "accept"] => Route::ForumAccept(id),
                ["forum", "posts", id] => Route::ForumPost(id),
                ["forum", "posts", id, "vote"] => Route::ForumVote(id),
                ["forum", "posts", id, "report"] => Route::ForumReport(id),
                ["forum", "reports"] => Route::ForumReports,
                ["forum", "reports", id] => Route::ForumReportItem(id),
                ["status", host] => Route::HostStatus(host),
                ["checks"] => Route::LiveCheck,
                ["metrics"] => Route::Metrics,
                _ => return None,
            },
            _ => return None,
        })
    }

    /// The methods the route answers, as an `Allow` header.
    fn allow(&self) -> &'static str {
        match self {
            Route::Health
            | Route::Me
            | Route::MonitorSummary
            | Route::MonitorChecks(_)
            | Route::MonitorIncidents(_)
            | Route::MonitorUptime(_)
            | Route::MonitorPings(_)
            | Route::ChannelDeliveries(_)
            | Route::PublicPage(_)
            | Route::PublicPageJson(_)
            | Route::PageBadge(_)
            | Route::MonitorBadge(..)
            | Route::Live
            | Route::PageLive(_)
            | Route::DnsQuery
            | Route::Services
            | Route::ServiceHistory(_)
            | Route::HostStatus(_)
            | Route::Export
            | Route::Metrics
            | Route::AuditLog
            | Route::HcChecks
            | Route::HcCheck(_)
            | Route::HcPings(_)
            | Route::AccountMe
            | Route::ForumReports
            | Route::ServiceThreads(_) => "GET",
            Route::ForumThreads => "GET, POST",
            Route::ForumThread(_) => "GET, PATCH",
            Route::ForumReplies(_) | Route::ForumAccept(_) | Route::ForumReport(_) => "POST",
            Route::ForumPost(_) => "PATCH, DELETE",
            Route::ForumVote(_) => "POST, DELETE",
            Route::ForumReportItem(_) => "DELETE",
            Route::DnsLookup | Route::PortScan | Route::LiveCheck | Route::Mcp | Route::Apply => "POST",
            Route::StatusPages | Route::Invitations(_) => "GET, POST",
            Route::StatusPage(_) => "GET, PATCH, DELETE",
            Route::RotateToken(_) => "POST",
            Route::Ping(..) | Route::HcPing(..) | Route::HcSlugPing(..) => "GET, POST, HEAD",
            Route::HcPause(_)
            | Route::HcResume(_)
            | Route::PingKey(_)
            | Route::ImportHealthchecks
            | Route::ImportUptimeKuma => "POST",
            Route::Register
            | Route::Login
            | Route::PauseMonitor(_)
            | Route::ResumeMonitor(_)
            | Route::IncidentUpdates(_)
            | Route::TestChannel(_)
            | Route::RotateChannelSecret(_)
            | Route::RetryDelivery(_)
            | Route::AcceptInvitation(_) => "POST",
            Route::Members(_)
            | Route::ApiKeys
            | Route::Monitors
            | Route::Incidents
            | Route::Channels
            | Route::Maintenances => "GET, POST",
            Route::Incident(_) => "GET, PATCH",
            Route::Member(..) => "PATCH, DELETE",
            Route::ApiKey(_) | Route::Invitation(..) => "DELETE",
            Route::Session => "POST, DELETE",
            Route::Monitor(_) | Route::Channel(_) | Route::Maintenance(_) => "GET, PATCH, DELETE",
        }
    }
}

async fn dispatch(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let path = req.path();
    let route = Route::parse(&path).ok_or(ApiError::NotFound("route"))?;
    use Method::*;
    match (&route, req.method()) {
        (Route::Health, Get) => api::health::check(ctx).await,
        (Route::Register, Post) => api::auth::register(ctx, req).await,
        (Route::Login, Post) => api::auth::login(ctx, req).await,
        (Route::Session, Post) => api::auth::open_session(ctx, req).await,
        (Route::Session, Delete) => api::auth::close_session(),
        (Route::Me, Get) => api::me::show(ctx, req).await,
        (Route::Members(org), Get) => api::members::index(ctx, req, org).await,
        (Route::Members(org), Post) => api::members::add_is_gone(org),
        (Route::Member(org, user), Patch) => api::members::update(ctx, req, org, user).await,
        (Route::Member(org, user), Delete) => api::members::remove(ctx, req, org, user).await,
        (Route::Invitations(org), Get) => api::invitations::index(ctx, req, org).await,
        (Route::Invitations(org), Post) => api::invitations::create(ctx, req, org).await,
        (Route::Invitation(org, id), Delete) => api::invitations::revoke(ctx, req, org, id).await,
        (Route::AcceptInvitation(token), Post) => api::invitations::accept(ctx, req, token).await,
        (Route::ApiKeys, Get) => api::api_keys::index(ctx, req).await,
        (Route::ApiKeys, Post) => api::api_keys::create(ctx, req).await,
        (Route::ApiKey(id), Delete) => api::api_keys::revoke(ctx, req, id).await,
        (Route::Monitors, Get) => api::monitors::index(ctx, req).await,
        (Route::Monitors, Post) => api::monitors::create(ctx, req).await,
        (Route::MonitorSummary, Get) => api::monitors::summary(ctx, req).await,
        (Route::Monitor(id), Get) => api::monitors::show(ctx, req, id).await,
        (Route::Monitor(id), Patch) => api::monitors::update(ctx, req, id).await,
        (Route::Monitor(id), Delete) => api::monitors::delete(ctx, req, id).await,
        (Route::PauseMonitor(id), Post) => api::monitors::set_paused(ctx, req, id, true).await,
        (Route::ResumeMonitor(id), Post) => api::monitors::set_paused(ctx, req, id, false).await,
        (Route::MonitorChecks(id), Get) => api::checks::index(ctx, req, id).await,
        (Route::MonitorIncidents(id), Get) => api::incidents::of_monitor(ctx, req, id).await,
        (Route::MonitorUptime(id), Get) => api::checks::uptime(ctx, req, id).await,
        (Route::MonitorPings(id), Get) => api::heartbeats::index(ctx, req, id).await,
        (Route::RotateToken(id), Post) => api::heartbeats::rotate_token(ctx, req, id).await,
        (Route::Ping(token, suffix), Get | Post | Head) => api::heartbeats::ingest(ctx, req, token, *suffix).await,
        (Route::HcPing(code, next), Get | Post | Head) => {
            api::healthchecks::ping(
                ctx,
                req,
                &[Some(*code), *next].into_iter().flatten().collect::<Vec<_>>(),
            )
            .await
        }
        (Route::HcSlugPing(key, slug, suffix), Get | Post | Head) => {
            api::healthchecks::ping(ctx, req, &[*key, *slug, *suffix]).await
        }
        (Route::HcChecks, Get) => api::healthchecks::index(ctx, req).await,
        (Route::HcCheck(uuid), Get) => api::healthchecks::show(ctx, req, uuid).await,
        (Route::HcPause(uuid), Post) => api::healthchecks::set_paused(ctx, req, uuid, true).await,
        (Route::HcResume(uuid), Post) => api::healthchecks::set_paused(ctx, req, uuid, false).await,
        (Route::HcPings(uuid), Get) => api::healthchecks::pings(ctx, req, uuid).await,
        (Route::PingKey(org), Post) => api::healthchecks::rotate_ping_key(ctx, req, org).await,
        (Route::ImportHealthchecks, Post) => {
            api::import::healthchecks(ctx, req, |ctx, req| Box::pin(dispatch(ctx, req))).await
        }
        (Route::ImportUptimeKuma, Post) => {
            api::import::uptime_kuma(ctx, req, |ctx, req| Box::pin(dispatch(ctx, req))).await
        }
        (Route::Apply, Post) => api::apply::apply(ctx, req, |ctx, req| Box::pin(dispatch(ctx, req))).await,
        (Route::Export, Get) => api::apply::export(ctx, req).await,
        (Route::Maintenances, Get) => api::maintenances::index(ctx, req).await,
        (Route::Maintenances, Post) => api::maintenances::create(ctx, req).await,
        (Route::Maintenance(id), Get) => api::maintenances::show(ctx, req, id).await,
        (Route::Maintenance(id), Patch) => api::maintenances::update(ctx, req, id).await,
        (Route::Maintenance(id), Delete) => api::maintenances::delete(ctx, req, id).await,
        (Route::AuditLog, Get) => api::audit_log::index(ctx, req).await,
        (Route::StatusPages, Get) => api::status_pages::index(ctx, req).await,
        (Route::StatusPages, Post) => api::status_pages::create(ctx, req).await,
        (Route::StatusPage(id), Get) => api::status_pages::show(ctx, req, id).await,
        (Route::StatusPage(id), Patch) => api::status_pages::update(ctx, req, id).await,
        (Route::StatusPage(id), Delete) => api::status_pages::delete(ctx, req, id).await,
        (Route::PublicPage(slug), Get) => api::public_pages::serve(ctx, req, slug, View::Html).await,
        (Route::PublicPageJson(slug), Get) => api::public_pages::serve(ctx, req, slug, View::Json).await,
        (Route::PageBadge(slug), Get) => {
            api::public_pages::serve(ctx, req, slug, View::Badge { monitor_id: None }).await
        }
        (Route::MonitorBadge(slug, id), Get) => {
            api::public_pages::serve(ctx, req, slug, View::Badge { monitor_id: Some(id) }).await
        }
        (Route::Live, Get) => api::live::member_stream(ctx, req).await,
        (Route::PageLive(slug), Get) => api::live::page_stream(ctx, req, slug).await,
        (Route::DnsLookup, Post) => api::tools::dns_lookup(ctx, req).await,
        (Route::DnsQuery, Get) => api::tools::dns_query(ctx, req).await,
        (Route::PortScan, Post) => api::tools::port_scan(ctx, req).await,
        (Route::Mcp, Post) => api::mcp::handle(ctx, req, |ctx, req| Box::pin(dispatch(ctx, req))).await,
        (Route::Services, Get) => api::catalogue::index(ctx, req).await,
        (Route::ServiceHistory(id), Get) => api::catalogue::history(ctx, id).await,
        (Route::HostStatus(host), Get) => api::hosts::status(ctx, host).await,
        (Route::LiveCheck, Post) => api::hosts::check(ctx, req).await,
        (Route::Incidents, Get) => api::incidents::index(ctx, req).await,
        (Route::Incidents, Post) => api::incidents::create(ctx, req).await,
        (Route::Incident(id), Get) => api::incidents::show(ctx, req, id).await,
        (Route::Incident(id), Patch) => api::incidents::update(ctx, req, id).await,
        (Route::IncidentUpdates(id), Post) => api::incidents::add_update(ctx, req, id).await,
        (Route::Channels, Get) => api::channels::index(ctx, req).await,
        (Route::Channels, Post) => api::channels::create(ctx, req).await,
        (Route::Channel(id), Get) => api::channels::show(ctx, req, id).await,
        (Route::Channel(id), Patch) => api::channels::update(ctx, req, id).await,
        (Route::Channel(id), Delete) => api::channels::delete(ctx, req, id).await,
        (Route::TestChannel(id), Post) => api::channels::test(ctx, req, id).await,
        (Route::RotateChannelSecret(id), Post) => api::channels::rotate_secret(ctx, req, id).await,
        (Route::ChannelDeliveries(id), Get) => api::channels::deliveries(ctx, req, id).await,
        (Route::RetryDelivery(id), Post) => api::channels::retry_delivery(ctx, req, id).await,
        (Route::Metrics, Get) => api::metrics::show(ctx, req).await,
        (Route::AccountMe, Get) => api::account::me(ctx, req).await,
        (Route::ForumThreads, Get) => api::forum::index(ctx, req).await,
        (Route::ForumThreads, Post) => api::forum::create(ctx, req).await,
        (Route::ForumThread(id), Get) => api::forum::show(ctx, req, id).await,
        (Route::ForumThread(id), Patch) => api::forum::update(ctx, req, id).await,
        (Route::ServiceThreads(id), Get) => api::forum::of_service(ctx, req, id).await,
        (Route::ForumReplies(id), Post) => api::forum_posts::reply(ctx, req, id).await,
        (Route::ForumAccept(id), Post) => api::forum_posts::accept(ctx, req, id).await,
        (Route::ForumPost(id), Patch) => api::forum_posts::edit(ctx, req, id).await,
        (Route::ForumPost(id), Delete) => api::forum_posts::delete(ctx, req, id).await,
        (Route::ForumVote(id), Post) => api::forum_posts::vote(ctx, req, id).await,
        (Route::ForumVote(id), Delete) => api::forum_posts::unvote(ctx, req, id).await,
        (Route::ForumReport(id), Post) => api::forum_posts::report(ctx, req, id).await,
        (Route::ForumReports, Get) => api::forum_reports::index(ctx, req).await,
        (Route::ForumReportItem(id), Delete) => api::forum_reports::dismiss(ctx, req, id).await,
        _ => Err(ApiError::MethodNotAllowed(route.allow())),
    }
}

/// Dispatches within the rate limits (`api::limits`): a request with no
/// credential spends from its address's before anything else runs; one with
/// a credential, from its key's or user's when it is authenticated. One the
/// handler never authenticated counts against its address afterwards, so
/// every API answer carries the headers.
async fn limited_dispatch(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let path = req.path();
    if !api::limits::is_limited(&path) {
        return dispatch(ctx, req).await;
    }
    let address = api::limits::address(&req);
    if crate::api::credentials::credential(&req).is_none() {
        api::limits::admit_ip(ctx, &address).await?;
    }
    let result = dispatch(ctx, req).await;
    if ctx.rate.borrow().is_none() {
        // Only the headers are at stake now: the work is done.
        let _ = api::limits::admit_ip(ctx, &address).await;
    }
    result
}

/// A caller's own `X-Request-Id` (when short and plain) is kept, so logs on
/// both sides line up; otherwise one is made.
fn request_id(req: &Request) -> String {
    req.headers()
        .get("X-Request-Id")
        .ok()
        .flatten()
        .filter(|id| {
            !id.is_empty() && id.len() <= 64 && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        })
        .unwrap_or_else(|| format!("req_{}", random_base62(16)))
}

pub async fn handle(req: Request, env: Env, worker_ctx: Context) -> Response {
    let started = crate::meter::start();
    let request_id = request_id(&req);
    let cost_event = cost_event(&req.path());
    let mut d1_usage = (0, 0.0);
    let mut rate = None;
    let result = if req.method() == Method::Options {
        preflight()
    } else {
        match context(env.clone(), worker_ctx) {
            Ok(ctx) => {
                let result = limited_dispatch(&ctx, req).await;
                d1_usage = ctx.db.usage();
                rate = ctx.rate.take();
                result
            }
            Err(error) => Err(error),
        }
    };
    crate::meter::flush(&env, "worker", cost_event, started);
    let mut response = result.unwrap_or_else(|error| error_response(&error, &request_id));
    if let Some(decision) = &rate {
        let _ = api::limits::set_headers(&mut response, decision);
    }
    finish(response, &request_id, d1_usage)
        .unwrap_or_else(|_| Response::error("internal error", 500).unwrap_or_else(|_| Response::empty().unwrap()))
}

/// Which kind of request this is, for the cost log.
fn cost_event(path: &str) -> &'static str {
    match path {
        _ if path.starts_with("/p/") || path.starts_with("/ping/") => "ping",
        _ if path.starts_with("/api/") => "api",
        _ => "page",
    }
}

fn context(env: Env, worker_ctx: Context) -> ApiResult<Ctx> {
    let config = Config::from_env(&env).map_err(ApiError::Internal)?;
    let db = Db::of(&env).map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(Ctx::new(env, db, config, worker_ctx))
}

fn error_response(error: &ApiError, request_id: &str) -> Response {
    if let ApiError::Internal(detail) | ApiError::Unavailable(detail) = error {
        worker::console_error!("{request_id}: {detail}");
    }
    let mut response = Response::from_json(&error.body(request_id))
        .map(|r| r.with_status(error.status()))
        .unwrap_or_else(|_| Response::empty().unwrap().with_status(500));
    match error {
        ApiError::MethodNotAllowed(allow) => {
            let _ = response.headers_mut().set("Allow", allow);
        }
        ApiError::UpgradeRequired => {
            let _ = response.headers_mut().set("Upgrade", "websocket");
        }
        ApiError::RateLimited {
            retry_after_seconds, ..
        } => {
            let _ = response
                .headers_mut()
                .set("Retry-After", &retry_after_seconds.to_string());
        }
        _ => {}
    }
    response
}

fn preflight() -> ApiResult<Response> {
    let mut response = Response::empty()?.with_status(204);
    let headers = response.headers_mut();
    headers.set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS")?;
    headers.set(
        "Access-Control-Allow-Headers",
        "Authorization, Content-Type, X-Api-Key, X-Organization-Id, X-Request-Id",
    )?;
    headers.set("Access-Control-Max-Age", "86400")?;
    Ok(response)
}

/// `d1_usage`: the queries the request ran and their milliseconds.
fn finish(mut response: Response, request_id: &str, (queries, ms): (u32, f64)) -> worker::Result<Response> {
    let headers = response.headers_mut();
    headers.set("X-Request-Id", request_id)?;
    headers.set("Server-Timing", &server_timing::d1_entry(queries, ms))?;
    headers.set("Access-Control-Allow-Origin", "*")?;
    headers.set(
        "Access-Control-Expose-Headers",
        "X-Request-Id, Retry-After, Server-Timing",
    )?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    //! The OpenAPI document (`openapi.json`, written by scripts/openapi.py)
    //! and the router agree: every documented operation is routed, and
    //! every route is documented with each method it answers.
    use super::Route;
    use serde_json::Value;

    fn document() -> Value {
        serde_json::from_str(include_str!("../web/api/openapi.json")).expect("openapi.json is JSON")
    }

    /// A concrete path for a documented template.
    fn sample(template: &str) -> String {
        template
            .replace("{suffix}", "start")
            .replace("{slug}", "acme")
            .replace("{host}", "example.com")
            .split('/')
            .map(|segment| if segment.starts_with('{') { "x_1" } else { segment })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The documented template of a route: a new route cannot compile
    /// without one.
    fn template(route: &Route) -> &'static str {
        match route {
            Route::Health => "/api/health",
            Route::Register => "/api/v1/auth/register",
            Route::Login => "/api/v1/auth/login",
            Route::Session => "/api/v1/auth/session",
            Route::Me => "/api/v1/me",
            Route::Members(_) => "/api/v1/organizations/{org_id}/members",
            Route::Member(..) => "/api/v1/organizations/{org_id}/members/{user_id}",
            Route::Invitations(_) => "/api/v1/organizations/{org_id}/invitations",
            Route::Invitation(..) => "/api/v1/organizations/{org_id}/invitations/{id}",
            Route::AcceptInvitation(_) => "/api/v1/invitations/{token}/accept",
            Route::ApiKeys => "/api/v1/api-keys",
            Route::ApiKey(_) => "/api/v1/api-keys/{id}",
            Route::Monitors => "/api/v1/monitors",
            Route::MonitorSummary => "/api/v1/monitors/summary",
            Route::Monitor(_) => "/api/v1/monitors/{id}",
            Route::PauseMonitor(_) => "/api/v1/monitors/{id}/pause",
            Route::ResumeMonitor(_) => "/api/v1/monitors/{id}/resume",
            Route::MonitorChecks(_) => "/api/v1/monitors/{id}/checks",
            Route::MonitorIncidents(_) => "/api/v1/monitors/{id}/incidents",
            Route::MonitorUptime(_) => "/api/v1/monitors/{id}/uptime",
            Route::MonitorPings(_) => "/api/v1/monitors/{id}/pings",
            Route::RotateToken(_) => "/api/v1/monitors/{id}/rotate-token",
            Route::StatusPages => "/api/v1/status-pages",
            Route::StatusPage(_) => "/api/v1/status-pages/{id}",
            Route::Incidents => "/api/v1/incidents",
            Route::Incident(_) => "/api/v1/incidents/{id}",
            Route::IncidentUpdates(_) => "/api/v1/incidents/{id}/updates",
            Route::Channels => "/api/v1/channels",
            Route::Channel(_) => "/api/v1/channels/{id}",
            Route::TestChannel(_) => "/api/v1/channels/{id}/test",
            Route::RotateChannelSecret(_) => "/api/v1/channels/{id}/rotate-secret",
            Route::ChannelDeliveries(_) => "/api/v1/channels/{id}/deliveries",
            Route::RetryDelivery(_) => "/api/v1/deliveries/{id}/retry",
            Route::PublicPage(_) => "/status/{slug}",
            Route::PublicPageJson(_) => "/status/{slug}.json",
            Route::PageBadge(_) => "/status/{slug}/badge.svg",
            Route::MonitorBadge(..) => "/status/{slug}/monitors/{id}/badge.svg",
            Route::Ping(_, None) => "/p/{token}",
            Route::Ping(_, Some(_)) => "/p/{token}/{suffix}",
            Route::Live => "/api/v1/live",
            Route::PageLive(_) => "/status/{slug}/live",
            Route::DnsLookup => "/api/dns-lookup",
            Route::DnsQuery => "/api/v1/dns",
            Route::PortScan => "/api/port-scan",
            Route::Mcp => "/mcp",
            Route::Services => "/api/v1/services",
            Route::ServiceHistory(_) => "/api/v1/services/{id}/history",
            Route::HostStatus(_) => "/api/v1/status/{host}",
            Route::LiveCheck => "/api/v1/checks",
            Route::Maintenances => "/api/v1/maintenances",
            Route::Maintenance(_) => "/api/v1/maintenances/{id}",
            Route::Apply => "/api/v1/apply",
            Route::Export => "/api/v1/export",
            Route::Metrics => "/api/v1/metrics",
            Route::AuditLog => "/api/v1/audit-log",
            Route::HcPing(_, None) => "/ping/{uuid}",
            Route::HcPing(_, Some(_)) => "/ping/{code}/{suffix}",
            Route::HcSlugPing(..) => "/ping/{ping_key}/{slug}/{suffix}",
            Route::HcChecks => "/api/v3/checks/",
            Route::HcCheck(_) => "/api/v3/checks/{uuid}",
            Route::HcPause(_) => "/api/v3/checks/{uuid}/pause",
            Route::HcResume(_) => "/api/v3/checks/{uuid}/resume",
            Route::HcPings(_) => "/api/v3/checks/{uuid}/pings/",
            Route::PingKey(_) => "/api/v1/organizations/{org_id}/ping-key",
            Route::ImportHealthchecks => "/api/v1/import/healthchecks",
            Route::ImportUptimeKuma => "/api/v1/import/uptime-kuma",
            Route::AccountMe => "/api/v1/account/me",
            Route::ForumThreads => "/api/v1/forum/threads",
            Route::ForumThread(_) => "/api/v1/forum/threads/{id}",
            Route::ForumReplies(_) => "/api/v1/forum/threads/{id}/posts",
            Route::ForumAccept(_) => "/api/v1/forum/threads/{id}/accept",
            Route::ForumPost(_) => "/api/v1/forum/posts/{id}",
            Route::ForumVote(_) => "/api/v1/forum/posts/{id}/vote",
            Route::ForumReport(_) => "/api/v1/forum/posts/{id}/report",
            Route::ForumReports => "/api/v1/forum/reports",
            Route::ForumReportItem(_) => "/api/v1/forum/reports/{id}",
            Route::ServiceThreads(_) => "/api/v1/services/{id}/threads",
        }
    }

    fn methods(route: &Route) -> Vec<String> {
        route
            .allow()
            .split(", ")
            .filter(|m| *m != "HEAD")
            .map(str::to_lowercase)
            .collect()
    }

    /// Documented paths that Workers static assets answer before the
    /// Worker runs (`web/`): the document itself.
    const STATIC: &[&str] = &["/api/openapi.json"];

    #[test]
    fn every_documented_operation_is_routed() {
        let document = document();
        let paths = document["paths"].as_object().unwrap();
        for (template, operations) in paths.iter().filter(|(t, _)| !STATIC.contains(&t.as_str())) {
            let path = sample(template);
            let route = Route::parse(&path).unwrap_or_else(|| panic!("{template} ({path}) is not routed"));
            for method in operations.as_object().unwrap().keys() {
                assert!(methods(&route).contains(method), "{method} {template} is not allowed");
            }
        }
    }

    /// One of each route (with `template` above, which the compiler keeps
    /// complete: add a new route to both).
    fn every_route() -> Vec<Route<'static>> {
        use Route::*;
        vec![
            Health,
            Register,
            Login,
            Me,
            Members("o"),
            Member("o", "u"),
            Invitations("o"),
            Invitation("o", "i"),
            AcceptInvitation("t"),
            ApiKeys,
            ApiKey("k"),
            Monitors,
            Monitor("m"),
            PauseMonitor("m"),
            ResumeMonitor("m"),
            MonitorChecks("m"),
            MonitorIncidents("m"),
            MonitorUptime("m"),
            MonitorPings("m"),
            RotateToken("m"),
            StatusPages,
            StatusPage("p"),
            Incidents,
            Incident("i"),
            IncidentUpdates("i"),
            Channels,
            Channel("c"),
            TestChannel("c"),
            RotateChannelSecret("c"),
            ChannelDeliveries("c"),
            RetryDelivery("d"),
            PublicPage("s"),
            PublicPageJson("s"),
            PageBadge("s"),
            MonitorBadge("s", "m"),
            Ping("t", None),
            Ping("t", Some("start")),
            Live,
            PageLive("s"),
            DnsLookup,
            DnsQuery,
            PortScan,
            Mcp,
            Services,
            ServiceHistory("s"),
            HostStatus("h"),
            LiveCheck,
            Metrics,
            AuditLog,
            HcPing("u", None),
            HcPing("u", Some("start")),
            HcSlugPing("k", "s", "start"),
            HcChecks,
            HcCheck("u"),
            HcPause("u"),
            HcResume("u"),
            HcPings("u"),
            PingKey("o"),
            ImportHealthchecks,
            ImportUptimeKuma,
            AccountMe,
            ForumThreads,
            ForumThread("t"),
            ForumReplies("t"),
            ForumAccept("t"),
            ForumPost("p"),
            ForumVote("p"),
            ForumReport("p"),
            ForumReports,
            ForumReportItem("r"),
            ServiceThreads("s"),
        ]
    }

    #[test]
    fn every_route_is_documented_with_each_method() {
        let document = document();
        for route in every_route() {
            let own = template(&route);
            let documented = &document["paths"][own];
            assert!(documented.is_object(), "{own} is not documented");
            for method in methods(&route) {
                assert!(
                    documented.get(&method).is_some(),
                    "{} {own} is not documented",
                    method.to_uppercase()
                );
            }
        }
    }
}
