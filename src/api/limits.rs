//! Rate limits on the API: every `/api` request spends one unit of its
//! caller's `requests` rule: a key's or a user's (at their plan's rate, once
//! the credential is known) or, without a valid credential, the address's.
//! Heavier work spends from a budget of its own besides (`spend`): live
//! checks, port scans, sign-ins. The arithmetic is `domain::rate_limit`; the
//! counts are a `RateLimiter` object per bucket. Heartbeat pings are limited
//! inside their monitor's object instead, so a ping costs no extra request.

use super::Ctx;
use crate::domain::access::{Actor, Principal};
use crate::domain::rate_limit::{client_ip, Bucket, Decision, Rule, MINUTE_MS};
use crate::error::{ApiError, ApiResult};
use crate::objects::stub;
use worker::{Request, Response};

/// Whether a path's requests are rate limited here: the API, but not the
/// heartbeat alias of `/p/` (limited per token in the monitor's object).
pub fn is_limited(path: &str) -> bool {
    path.starts_with("/api/") && !path.starts_with("/api/v1/heartbeat/")
}

/// The caller's address (`domain::rate_limit::client_ip`).
pub fn address(req: &Request) -> String {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    client_ip(
        header("CF-Connecting-IP").as_deref(),
        header("X-Forwarded-For").as_deref(),
    )
}

/// Spends from `rules` in `bucket`, all or none: 429 with `Retry-After` when
/// one is used up.
pub async fn spend(ctx: &Ctx, bucket: &Bucket, rules: Vec<Rule>) -> ApiResult<Decision> {
    let decision = stub::limiter_take(&ctx.env, &bucket.name(), &rules).await?;
    refused_unless_allowed(ctx, &decision, &rules)?;
    Ok(decision)
}

fn refused_unless_allowed(ctx: &Ctx, decision: &Decision, rules: &[Rule]) -> ApiResult<()> {
    if decision.allowed {
        return Ok(());
    }
    let window_ms = rules
        .iter()
        .find(|r| r.name == decision.rule)
        .map_or(MINUTE_MS, |r| r.window_ms);
    let retry_after_seconds = decision.retry_after_seconds(ctx.now_ms);
    Err(ApiError::RateLimited {
        message: format!(
            "rate limit reached: {} {} per {} minutes; retry in {retry_after_seconds} s",
            decision.limit,
            decision.rule.replace('_', " "),
            window_ms / MINUTE_MS
        ),
        retry_after_seconds,
    })
}

/// Spends the request's unit from `bucket` at `per_minute`, once per
/// request; the decision is kept for the `X-RateLimit-*` headers.
async fn admit(ctx: &Ctx, bucket: Bucket, per_minute: u32) -> ApiResult<()> {
    if ctx.rate.borrow().is_some() {
        return Ok(());
    }
    let rules = [Rule::new("requests", per_minute, MINUTE_MS, 1)];
    let decision = stub::limiter_take(&ctx.env, &bucket.name(), &rules).await?;
    *ctx.rate.borrow_mut() = Some(decision.clone());
    refused_unless_allowed(ctx, &decision, &rules)
}

/// A request without a valid credential, by its address.
pub async fn admit_anonymous(ctx: &Ctx, req: &Request) -> ApiResult<()> {
    admit_ip(ctx, &address(req)).await
}

pub async fn admit_ip(ctx: &Ctx, address: &str) -> ApiResult<()> {
    let bucket = Bucket::Ip(address.to_string());
    admit(ctx, bucket, ctx.config.anonymous_requests_per_minute).await
}

/// An authenticated request, by its key or user, at its plan's rate.
pub async fn admit_principal(ctx: &Ctx, principal: &Principal) -> ApiResult<()> {
    let bucket = bucket_of(principal);
    let per_minute = ctx.config.requests_per_minute(&ctx.plan(&principal.plan));
    admit(ctx, bucket, per_minute).await
}

/// `X-RateLimit-Limit`, `-Remaining` and `-Reset` (epoch seconds).
pub fn set_headers(response: &mut Response, decision: &Decision) -> worker::Result<()> {
    let headers = response.headers_mut();
    headers.set("X-RateLimit-Limit", &decision.limit.to_string())?;
    headers.set("X-RateLimit-Remaining", &decision.remaining.to_string())?;
    headers.set("X-RateLimit-Reset", &decision.reset_seconds().to_string())
}

/// The bucket a principal's requests count against: its key or its user.
pub fn bucket_of(principal: &Principal) -> Bucket {
    match &principal.actor {
        Actor::Key { key_id, .. } => Bucket::Key(key_id.clone()),
        Actor::User { user_id, .. } => Bucket::User(user_id.clone()),
    }
}
