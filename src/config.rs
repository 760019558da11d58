//! The deployment's settings, read from the Worker's vars and secrets
//! (`PW_*`, defaults in wrangler.toml).

use crate::domain::forum::moderator_emails;
use crate::domain::monitor::Rules;
use crate::domain::notify::channel::NotifyRules;
use crate::domain::notify::delivery::{parse_schedule, DEFAULT_BACKOFF_SECONDS};
use crate::domain::plan::Plan;
use worker::Env;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Live checks an hour from one address without a credential (pingy's 3).
const ANONYMOUS_LIVE_CHECKS_PER_HOUR: u32 = 3;

#[derive(Debug, Clone)]
pub struct Config {
    /// The plan new organizations get (`PW_DEFAULT_PLAN`).
    pub default_plan: Plan,
    /// Replaces every plan's minimum interval when set (`PW_MIN_INTERVAL_SECONDS`).
    pub min_interval_seconds: Option<u32>,
    /// The shortest heartbeat grace period (`PW_MIN_GRACE_SECONDS`, default 60).
    pub min_grace_seconds: u32,
    /// Whether monitors may target loopback and private networks (`PW_ALLOW_PRIVATE_TARGETS`).
    pub allow_private_targets: bool,
    /// The HS256 key for user tokens (`PW_JWT_SECRET`, a secret).
    pub jwt_secret: Option<String>,
    /// How long raw check results are kept (`PW_RESULT_RETENTION_DAYS`, default 30).
    pub result_retention_days: u32,
    /// Where DNS monitors send queries: a DNS-over-HTTPS URL or `host:port`
    /// for DNS over TCP (`PW_DNS_RESOLVER`).
    pub dns_resolver: String,
    /// How many pings each heartbeat keeps (`PW_PING_RETENTION`, default 1000).
    pub ping_retention: u32,
    /// The public base URL for ping URLs (`PW_PUBLIC_URL`); without it, the
    /// request's own origin.
    pub public_url: Option<String>,
    /// The waits between delivery attempts, in seconds
    /// (`PW_DELIVERY_BACKOFF_SECONDS`, a comma list; default 30,120,600,3600,21600).
    pub delivery_backoff_seconds: Vec<u64>,
    /// API requests a minute from one address without a credential
    /// (`PW_ANONYMOUS_REQUESTS_PER_MINUTE`, default 30).
    pub anonymous_requests_per_minute: u32,
    /// Replaces every plan's requests a minute when set (`PW_REQUESTS_PER_MINUTE`).
    pub requests_per_minute: Option<u32>,
    /// Replaces every plan's live checks an hour, and the anonymous 3, when
    /// set (`PW_LIVE_CHECKS_PER_HOUR`).
    pub live_checks_per_hour: Option<u32>,
    /// Pings a minute one heartbeat takes before 429 (`PW_PINGS_PER_MINUTE`, default 120).
    pub pings_per_minute: u32,
    /// The forum moderators' addresses, lower case (`PW_MODERATOR_EMAILS`, comma separated).
    pub moderator_emails: Vec<String>,
    /// How old an account must be for its votes and accepts to earn points
    /// (`PW_FORUM_MIN_ACCOUNT_AGE_HOURS`, default 24; `make dev` and the tests use 0).
    pub forum_min_account_age_hours: u32,
    /// Threads, replies and reports one account may post an hour
    /// (`PW_FORUM_POSTS_PER_HOUR`, default 20).
    pub forum_posts_per_hour: u32,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Config, String> {
        let text = |name: &str| {
            env.var(name)
                .ok()
                .map(|v| v.to_string())
                .filter(|v| !v.trim().is_empty())
        };
        let number = |name: &str| -> Result<Option<u32>, String> {
            text(name)
                .map(|v| {
                    v.trim()
                        .parse::<u32>()
                        .map_err(|_| format!("{name} must be a whole number, not {v:?}"))
                })
                .transpose()
        };
        let plan_name = text("PW_DEFAULT_PLAN").unwrap_or_else(|| "free".into());
        let default_plan =
            Plan::named(&plan_name).ok_or_else(|| format!("PW_DEFAULT_PLAN names no plan: {plan_name:?}"))?;
        Ok(Config {
            default_plan,
            min_interval_seconds: number("PW_MIN_INTERVAL_SECONDS")?,
            min_grace_seconds: number("PW_MIN_GRACE_SECONDS")?.unwrap_or(60),
            allow_private_targets: text("PW_ALLOW_PRIVATE_TARGETS").is_some_and(|v| v == "true" || v == "1"),
            jwt_secret: text("PW_JWT_SECRET"),
            result_retention_days: number("PW_RESULT_RETENTION_DAYS")?.unwrap_or(30).max(1),
            ping_retention: number("PW_PING_RETENTION")?.unwrap_or(1000).max(1),
            public_url: text("PW_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string()),
            delivery_backoff_seconds: text("PW_DELIVERY_BACKOFF_SECONDS")
                .map(|v| parse_schedule(&v))
                .transpose()?
                .unwrap_or_else(|| DEFAULT_BACKOFF_SECONDS.to_vec()),
            dns_resolver: text("PW_DNS_RESOLVER").unwrap_or_else(|| "https://cloudflare-dns.com/dns-query".into()),
            anonymous_requests_per_minute: number("PW_ANONYMOUS_REQUESTS_PER_MINUTE")?.unwrap_or(30),
            requests_per_minute: number("PW_REQUESTS_PER_MINUTE")?,
            live_checks_per_hour: number("PW_LIVE_CHECKS_PER_HOUR")?,
            pings_per_minute: number("PW_PINGS_PER_MINUTE")?.unwrap_or(120).max(1),
            moderator_emails: moderator_emails(&text("PW_MODERATOR_EMAILS").unwrap_or_default()),
            forum_min_account_age_hours: number("PW_FORUM_MIN_ACCOUNT_AGE_HOURS")?.unwrap_or(24),
            forum_posts_per_hour: number("PW_FORUM_POSTS_PER_HOUR")?.unwrap_or(20).max(1),
        })
    }

    /// A plan's requests a minute, as this deployment sets them.
    pub fn requests_per_minute(&self, plan: &Plan) -> u32 {
        self.requests_per_minute.unwrap_or(plan.requests_per_minute)
    }

    /// A plan's live checks an hour (`None`: no credential), as this deployment sets them.
    pub fn live_checks_per_hour(&self, plan: Option<&Plan>) -> u32 {
        self.live_checks_per_hour
            .unwrap_or_else(|| plan.map_or(ANONYMOUS_LIVE_CHECKS_PER_HOUR, |p| p.live_checks_per_hour))
    }

    pub fn notify_rules(&self) -> NotifyRules {
        NotifyRules {
            allow_private_targets: self.allow_private_targets,
        }
    }

    /// A provider's API host override, read by the name its kind gives
    /// (`ChannelSettings::api_base_var`), so tests reach loopback receivers.
    pub fn api_base(env: &Env, var: &str) -> Option<String> {
        env.var(var)
            .ok()
            .map(|v| v.to_string())
            .filter(|v| !v.trim().is_empty())
    }

    /// Whether the account with this address moderates the forums.
    pub fn is_moderator(&self, email: &str) -> bool {
        self.moderator_emails.iter().any(|m| m.eq_ignore_ascii_case(email))
    }

    pub fn monitor_rules(&self) -> Rules {
        Rules {
            allow_private_targets: self.allow_private_targets,
            min_grace_seconds: self.min_grace_seconds,
        }
    }
}
