//! The live side of `MonitorObject`: while a member of the organization
//! listens to its live stream, each check result and ping is reported to
//! the organization's hub (one more object request per result), and not
//! otherwise. The hub says when the first member starts listening (through
//! the Worker, which tells every monitor) and answers each report with
//! whether anyone still does; the flag is stored, so it survives eviction.
//! A monitor created, edited or resumed reports once to find out.

use super::monitor::MonitorObject;
use super::stub::{self, ObjectConfig};
use crate::domain::live::{Report, StatusChange, Tick};
use crate::domain::monitor::MonitorStatus;
use crate::domain::probe::ProbeResult;
use worker::{console_error, Response, Result};

/// Storage key: whether a member listens (absent: no).
const LIVE: &str = "live";

impl MonitorObject {
    async fn is_live(&self) -> Result<bool> {
        if let Some(live) = self.live.get() {
            return Ok(live);
        }
        let live = self.storage().get::<bool>(LIVE).await?.unwrap_or(false);
        self.live.set(Some(live));
        Ok(live)
    }

    async fn remember_live(&self, listening: bool) -> Result<()> {
        if self.is_live().await? != listening {
            self.storage().put(LIVE, listening).await?;
            self.live.set(Some(listening));
        }
        Ok(())
    }

    /// Created, edited or resumed: report the next result, whose answer
    /// says whether anyone listens (a monitor made while a member listens
    /// was not among those told when the first one came).
    pub(super) async fn assume_live(&self) -> Result<()> {
        self.remember_live(true).await
    }

    /// `PUT /live` with whether a member listens now.
    pub(super) async fn set_live(&self, listening: bool) -> Result<Response> {
        if self.stored_config().await?.is_some() {
            self.remember_live(listening).await?;
        }
        Response::empty()
    }

    /// A check's results (one per region), and the change of status from
    /// `before` they made, for whoever listens.
    pub(super) async fn report_checks(
        &self,
        config: &ObjectConfig,
        results: &[(String, ProbeResult)],
        before: MonitorStatus,
        reason: &str,
        now: i64,
    ) {
        let ticks = results
            .iter()
            .map(|(region, result)| check_tick(config, region, result, now))
            .collect();
        self.report(config, ticks, change(config, before, reason, now)).await;
    }

    /// A ping of `kind` (or a `missed` deadline), and the change of status
    /// (from the status before it, for this reason) it made.
    pub(super) async fn report_ping(
        &self,
        config: &ObjectConfig,
        kind: &str,
        duration_ms: Option<i64>,
        (before, reason): (MonitorStatus, &str),
        now: i64,
    ) {
        let tick = ping_tick(config, kind, duration_ms, now);
        self.report(config, vec![tick], change(config, before, reason, now))
            .await;
    }

    /// Tells the hub of these results, if anyone listens. A failure is only
    /// logged: the stream is live, not a record (the history is).
    async fn report(&self, config: &ObjectConfig, ticks: Vec<Tick>, change: Option<StatusChange>) {
        let work = async {
            if !self.is_live().await? {
                return Ok(());
            }
            let report = Report {
                org_id: config.org_id.clone(),
                ticks,
                change,
            };
            let listening = stub::hub_report(&self.env, &report).await?;
            if !listening {
                self.remember_live(false).await?;
            }
            Ok::<_, worker::Error>(())
        };
        if let Err(error) = work.await {
            console_error!("the live report of {} failed: {error}", config.monitor_id);
        }
    }
}

fn tick(config: &ObjectConfig, kind: &str, status: &str, now: i64) -> Tick {
    Tick {
        monitor_id: config.monitor_id.clone(),
        name: config.name.clone(),
        monitor_type: config.spec.settings.kind().to_string(),
        kind: kind.to_string(),
        status: status.to_string(),
        monitor_status: config.status.as_str().to_string(),
        latency_ms: None,
        duration_ms: None,
        region: None,
        status_code: None,
        error: None,
        at_ms: now,
    }
}

/// One region's check result (`config` already holds the verdict).
fn check_tick(config: &ObjectConfig, region: &str, result: &ProbeResult, now: i64) -> Tick {
    Tick {
        latency_ms: Some(i64::from(result.timings.total_ms)),
        region: Some(region.to_string()).filter(|r| !r.is_empty()),
        status_code: result.status_code.map(i64::from),
        error: result.failure.as_ref().map(|f| f.hint()),
        ..tick(config, "check", if result.is_up() { "up" } else { "down" }, now)
    }
}

/// A ping of `kind`, or a `missed` deadline; its status is the monitor's after it.
fn ping_tick(config: &ObjectConfig, kind: &str, duration_ms: Option<i64>, now: i64) -> Tick {
    Tick {
        duration_ms,
        ..tick(config, kind, config.status.as_str(), now)
    }
}

/// The change of status, if there was one.
fn change(config: &ObjectConfig, from: MonitorStatus, reason: &str, now: i64) -> Option<StatusChange> {
    (from != config.status).then(|| StatusChange {
        monitor_id: config.monitor_id.clone(),
        name: config.name.clone(),
        from: from.as_str().to_string(),
        to: config.status.as_str().to_string(),
        reason: reason.to_string(),
        at_ms: now,
    })
}
