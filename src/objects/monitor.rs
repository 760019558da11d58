//! `MonitorObject`: one per monitor, addressed by `id_from_name(monitor_id)`.
//! It owns the monitor's schedule (an alarm per check, to the second), its
//! raw history (results and status flips, in its own SQLite storage) and the
//! verdict up/down. For a monitor with regions it asks one object per region
//! (`monitor_id@region`, placed with that location hint) to run the probe,
//! and decides by majority. D1 is written only when the status changes
//! (through the outbox, `outbox.rs`) and once an hour, to renew its lease
//! and refresh today's rollup (`lease.rs`). A deleted
//! monitor's object keeps only a tombstone, so nothing can start it again.

use super::at;
use super::storage::Storage;
use super::stub::{EnsureRequest, ObjectConfig, ProbeRequest};
use crate::config::Config;
use crate::domain::ids::new_id;
use crate::domain::maintenance::covered_ms;
use crate::domain::monitor::MonitorStatus;
use crate::domain::probe::ProbeResult;
use crate::domain::schedule::{current_due, next_due};
use crate::domain::status::{next_status, RegionTally};
use crate::domain::time::{day_of, duration_words, DAY_MS};
use crate::domain::uptime::{outside_maintenance, uptime_pct, Apdex, Flip};
use crate::probe::{self, ProbeContext};
use crate::store::history::{History, Page, ResultRow, PHASES};
use crate::store::rollups;
use crate::store::status_changes::PendingFlip;
use serde_json::{json, Value};
use std::cell::{Cell, OnceCell};
use worker::{console_error, durable_object, DurableObject, Env, Method, Request, Response, Result, State};

/// Storage key: set when the monitor is deleted. Requests that would start
/// the object again (a late reconciler visit, a ping already on its way)
/// find it and are answered 410.
const TOMBSTONE: &str = "deleted";

#[durable_object]
pub struct MonitorObject {
    pub(super) state: State,
    pub(super) env: Env,
    /// Whether this instance has created its history's schema.
    schema_ready: Cell<bool>,
    /// Whether a member listens to the live stream, once read (`telemetry.rs`).
    pub(super) live: Cell<Option<bool>>,
    /// This minute's pings: the window's start and the count (`heartbeat.rs`).
    pub(super) pings_this_minute: Cell<(i64, u32)>,
    /// The deployment's settings, read once per instance (a ping reads one).
    settings: OnceCell<Config>,
}

impl DurableObject for MonitorObject {
    fn new(state: State, env: Env) -> Self {
        MonitorObject {
            state,
            env,
            schema_ready: Cell::new(false),
            live: Cell::new(None),
            pings_this_minute: Cell::new((0, 0)),
            settings: OnceCell::new(),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let started = crate::meter::start();
        let path = req.path();
        let answer = self.route(req, &path).await;
        crate::meter::flush(&self.env, "monitor", &path, started);
        answer
    }

    async fn alarm(&self) -> Result<Response> {
        let started = crate::meter::start();
        self.run_alarm().await;
        crate::meter::flush(&self.env, "monitor", "alarm", started);
        Response::ok("")
    }
}

impl MonitorObject {
    async fn route(&self, mut req: Request, path: &str) -> Result<Response> {
        if self.is_buried().await? {
            return Response::error("this monitor was deleted", 410);
        }
        match (req.method(), path) {
            (Method::Put, "/config") => self.configure(req.json().await?, None).await,
            (Method::Post, "/ensure") => {
                let EnsureRequest { config, scheduled_ms } = req.json().await?;
                self.configure(config, Some(scheduled_ms)).await
            }
            (Method::Post, "/pause") => self.pause().await,
            (Method::Delete, "/") => self.bury().await.and_then(|()| Response::empty()),
            (Method::Post, "/checks") => self.checks(req.json().await?),
            (Method::Get, "/uptime") => self.uptime(&req).await,
            (Method::Post, "/probe") => self.probe_here(req.json().await?).await,
            (Method::Post, "/ping") => self.ping(req.json().await?).await,
            (Method::Put, "/ping-token") => self.set_ping_token(req.json().await?).await,
            (Method::Put, "/ping-key") => self.set_ping_key(req.json().await?).await,
            (Method::Post, "/pings") => self.pings(req.json().await?),
            (Method::Put, "/live") => self.set_live(req.json().await?).await,
            (Method::Put, "/maintenance") => self.set_maintenance(req.json().await?).await,
            _ => Response::error("no such object route", 404),
        }
    }

    async fn run_alarm(&self) {
        // Errors are logged, not thrown: a throwing alarm is retried, and the
        // next check is already scheduled before any probe runs.
        let work = async {
            let Some(config) = self.stored_config().await? else {
                return Ok(());
            };
            let now = Self::now();
            // Changes D1 missed are retried before anything else happens.
            if !self.try_apply_outbox(&config, now).await? || !self.confirm_exists(&config, now).await? {
                return Ok(());
            }
            match config.status {
                MonitorStatus::Paused => return Ok(()),
                _ if config.spec.settings.is_heartbeat() => self.check_deadline(config).await?,
                _ => self.run_due_check(config).await?,
            }
            self.renew_lease_if_due(now).await
        };
        if let Err(error) = work.await {
            console_error!("monitor check failed: {error}");
        }
    }

    pub(super) fn config_settings(&self) -> Result<&Config> {
        if let Some(settings) = self.settings.get() {
            return Ok(settings);
        }
        let settings = Config::from_env(&self.env).map_err(worker::Error::RustError)?;
        Ok(self.settings.get_or_init(|| settings))
    }

    pub(super) fn storage(&self) -> Storage {
        Storage(self.state.storage())
    }

    pub(super) fn history(&self) -> Result<History> {
        let sql = self.storage().sql();
        if !self.schema_ready.get() {
            History::create_schema(&sql)?;
            self.schema_ready.set(true);
        }
        Ok(History::open(sql))
    }

    pub(super) async fn stored_config(&self) -> Result<Option<ObjectConfig>> {
        let text: Option<String> = self.storage().get("config").await?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    pub(super) async fn save_config(&self, config: &ObjectConfig) -> Result<()> {
        self.storage().put("config", serde_json::to_string(config)?).await
    }

    pub(super) fn now() -> i64 {
        worker::Date::now().as_millis() as i64
    }

    /// Takes a monitor's configuration. Without `scheduled_ms` (a create,
    /// edit or resume) the schedule starts now. With it (the reconciler's
    /// visit, at the cron event's time) pending D1 changes are retried, a D1
    /// status that disagrees with the object's is repaired, the alarm is
    /// only re-armed when it is missing or late by more than an interval,
    /// and a new lease is granted with the rollups brought up to that time.
    async fn configure(&self, incoming: ObjectConfig, scheduled_ms: Option<i64>) -> Result<Response> {
        let now = Self::now();
        let stored = self.stored_config().await?;
        if let (Some(_), Some(stored)) = (scheduled_ms, &stored) {
            if !self.visit(stored, incoming.status, now).await? {
                return Response::error("this monitor was deleted", 410);
            }
        }
        let rearmed = self.arm(incoming, stored, now, scheduled_ms.is_none()).await?;
        if scheduled_ms.is_none() {
            self.assume_live().await?;
        }
        if let Some(scheduled_ms) = scheduled_ms {
            // A failure fails the visit: the lease stays overdue, and the next run retries.
            if let Some(config) = self.stored_config().await? {
                self.renew_lease(&config, scheduled_ms).await?;
            }
        }
        Response::from_json(&json!({ "rearmed": rearmed }))
    }

    /// Saves the configuration and sets the alarm, unless (neither a
    /// `restart` nor a new version) the alarm is healthy. True if it set it.
    async fn arm(
        &self,
        mut incoming: ObjectConfig,
        stored: Option<ObjectConfig>,
        now: i64,
        restart: bool,
    ) -> Result<bool> {
        let changed = stored.as_ref().is_none_or(|s| s.version != incoming.version);
        let held_windows = stored.as_ref().and_then(|s| s.maintenance.clone());
        // Holding none is holding an empty list: only a real change re-arms.
        let new_windows = incoming
            .maintenance
            .take()
            .filter(|w| w.as_slice() != held_windows.as_deref().unwrap_or_default());
        if let Some(stored) = stored
            .as_ref()
            .filter(|_| !restart && !changed && new_windows.is_none())
        {
            let interval_ms = i64::from(incoming.spec.interval_seconds) * 1000;
            let alarm = self.storage().get_alarm().await?;
            let healthy = match alarm {
                Some(at) => at >= now - interval_ms,
                // A heartbeat waiting for its first ping has no deadline, hence no alarm.
                None if stored.spec.settings.is_heartbeat() => {
                    self.heartbeat_deadline(stored, &self.history()?)?.is_none()
                }
                None => false,
            };
            if healthy || incoming.status == MonitorStatus::Paused {
                return Ok(false);
            }
        }
        // The object's own status is the latest verdict; D1 may lag by a flip.
        if let Some(stored) = &stored {
            if incoming.status != MonitorStatus::Paused && stored.status != MonitorStatus::Paused && !restart {
                incoming.status = stored.status;
            }
        }
        // The object is the authority on its ping token once it holds one:
        // a rotation tells it before D1.
        if let Some(hash) = stored.as_ref().and_then(|s| s.ping_token_hash.clone()) {
            incoming.ping_token_hash = Some(hash);
        }
        incoming.ping_key_hash = stored.as_ref().and_then(|s| s.ping_key_hash.clone());
        incoming.maintenance = held_windows;
        self.adopt_windows(&mut incoming, new_windows)?;
        incoming.start_ms = if restart || changed {
            now
        } else {
            stored.as_ref().map_or(now, |s| s.start_ms)
        };
        // A resume is recorded like a change of status: paused time is not observed.
        if let Some(stored) = stored.as_ref().filter(|s| s.status == MonitorStatus::Paused) {
            if incoming.status != MonitorStatus::Paused {
                self.history()?
                    .record_flip(now, stored.status, incoming.status, "resumed")?;
            }
        }
        self.save_config(&incoming).await?;
        let next = match incoming.status {
            MonitorStatus::Paused => None,
            _ if incoming.spec.settings.is_heartbeat() => self.heartbeat_deadline(&incoming, &self.history()?)?,
            _ => Some(now.max(incoming.start_ms)),
        };
        match next {
            Some(time) => self.storage().set_alarm(at(time)).await?,
            None => self.storage().delete_alarm().await?,
        }
        Ok(true)
    }

    async fn pause(&self) -> Result<Response> {
        self.storage().delete_alarm().await?;
        if let Some(mut config) = self.stored_config().await? {
            if config.status != MonitorStatus::Paused {
                self.history()?
                    .record_flip(Self::now(), config.status, MonitorStatus::Paused, "paused")?;
            }
            config.status = MonitorStatus::Paused;
            self.save_config(&config).await?;
        }
        Response::empty()
    }

    /// The monitor was deleted (or its object found its D1 row gone): stop,
    /// drop everything, and leave the tombstone.
    pub(super) async fn bury(&self) -> Result<()> {
        self.hand_over_before_burial(Self::now()).await?;
        let storage = self.storage();
        storage.delete_alarm().await?;
        storage.delete_all().await?;
        storage.put(TOMBSTONE, true).await
    }

    async fn is_buried(&self) -> Result<bool> {
        Ok(self.storage().get::<bool>(TOMBSTONE).await?.unwrap_or(false))
    }

    /// The reconciler's visit: D1 gets the changes it missed, and a D1 status
    /// that still disagrees with the object's (with nothing pending) is
    /// repaired as a change of its own. False when the monitor turned out to
    /// be deleted.
    async fn visit(&self, stored: &ObjectConfig, d1_status: MonitorStatus, now: i64) -> Result<bool> {
        if !self.try_apply_outbox(stored, now).await? {
            return Ok(false);
        }
        let active = |status| status != MonitorStatus::Paused;
        if d1_status != stored.status
            && active(d1_status)
            && active(stored.status)
            && !self.has_pending_changes().await?
        {
            let message = format!(
                "{} is {} (its record was repaired)",
                stored.name,
                stored.status.as_str()
            );
            let repair = PendingFlip::new(now, d1_status, stored.status, down_title(stored), message);
            self.enqueue(repair).await?;
            return self.try_apply_outbox(stored, now).await;
        }
        Ok(true)
    }

    async fn run_due_check(&self, mut config: ObjectConfig) -> Result<()> {
        let settings = self.config_settings()?;
        let history = self.history()?;
        let now = Self::now();
        let interval_ms = i64::from(config.spec.interval_seconds) * 1000;
        let due = current_due(config.start_ms, history.latest_due()?, interval_ms, now);
        self.storage().set_alarm(at(next_due(due, interval_ms, now))).await?;

        let results = self.probe_all(&config, settings).await;
        for (region, result) in &results {
            if let Err(error) = history.insert(&result_row(region, result, now, due)) {
                // Deleted while the probe ran: its storage, tables and all, is
                // gone, and the result has nowhere to go.
                return if self.is_buried().await? { Ok(()) } else { Err(error) };
            }
        }
        let threshold = config.spec.settings.failure_threshold();
        let tallies = results
            .iter()
            .map(|(region, _)| {
                history
                    .consecutive_failures(region, threshold)
                    .map(|consecutive_failures| RegionTally { consecutive_failures })
            })
            .collect::<Result<Vec<_>>>()?;
        let status = Self::held_in_maintenance(&config, next_status(config.status, &tallies, threshold), now);
        let before = config.status;
        let reason = regional_failure_hint(&results).unwrap_or_else(|| "checks succeed".into());
        if status != before && !self.flip(&mut config, &history, status, &reason, now).await? {
            return Ok(());
        }
        self.report_checks(&config, &results, before, &reason, now).await;
        Ok(())
    }

    /// Runs the probe here, or in each region's object.
    async fn probe_all(&self, config: &ObjectConfig, settings: &Config) -> Vec<(String, ProbeResult)> {
        let regions = config.spec.settings.regions();
        if regions.is_empty() {
            let context = ProbeContext {
                dns_resolver: settings.dns_resolver.clone(),
                allow_private_targets: settings.allow_private_targets,
            };
            return vec![(String::new(), probe::run(&config.spec.settings, &context).await)];
        }
        let request = ProbeRequest {
            settings: config.spec.settings.clone(),
        };
        let calls = regions
            .iter()
            .map(|region| super::stub::probe_in_region(&self.env, &config.monitor_id, region, &request));
        let results = futures_util::future::join_all(calls).await;
        regions.iter().cloned().zip(results).collect()
    }

    /// Records a change of status here, then in D1 through the outbox
    /// (status, incident, the day's rollup). A D1 failure does not fail the
    /// check or ping that caused it: the outbox retries. False when D1 showed
    /// the monitor deleted: the object has then cleared itself.
    pub(super) async fn flip(
        &self,
        config: &mut ObjectConfig,
        history: &History,
        status: MonitorStatus,
        reason: &str,
        now: i64,
    ) -> Result<bool> {
        let old = config.status;
        history.record_flip(now, old, status, reason)?;
        config.status = status;
        self.save_config(config).await?;
        let message = match status {
            MonitorStatus::Up if old == MonitorStatus::Down => {
                let down_since = history.last_down_before(now)?.unwrap_or(now);
                format!(
                    "{} is back up after {}.",
                    config.name,
                    duration_words((now - down_since) / 1000)
                )
            }
            _ => reason.to_string(),
        };
        self.enqueue(PendingFlip::new(now, old, status, down_title(config), message))
            .await?;
        self.try_apply_outbox(config, now).await
    }

    /// `POST /checks` with a `Page`: newest first.
    fn checks(&self, page: Page) -> Result<Response> {
        Response::from_json(&self.history()?.page(&page)?)
    }

    /// `GET /uptime?apdex_ms=`: 24 h, 7 d and 30 d from raw results, and
    /// today's figures for the 90-day total that D1's rollups complete.
    async fn uptime(&self, req: &Request) -> Result<Response> {
        let apdex_ms = req
            .url()?
            .query_pairs()
            .find(|(k, _)| k == "apdex_ms")
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .unwrap_or(500);
        let Some(config) = self.stored_config().await? else {
            return Response::from_json(&json!({ "windows": {}, "today": null }));
        };
        let history = self.history()?;
        let now = Self::now();
        let flips = history.flips_since(now - 30 * DAY_MS)?;
        let maintenance = Self::maintenance_spans(&config, &history, now - 30 * DAY_MS, now)?;
        let mut windows = serde_json::Map::new();
        for (name, days) in [("24h", 1), ("7d", 7), ("30d", 30)] {
            let from = now - days * DAY_MS;
            let (downtime, observed) = outside_maintenance(&flips, from, now, &maintenance);
            let stats = history.window(from, now, apdex_ms)?;
            let apdex = Apdex {
                satisfied: stats.satisfied.unwrap_or(0) as u64,
                tolerating: stats.tolerating.unwrap_or(0) as u64,
                total: stats.checks as u64,
            };
            windows.insert(
                name.into(),
                json!({
                    "uptime_pct": uptime_pct(downtime, observed),
                    "maintenance_seconds": covered_ms(from, now, &maintenance) / 1000,
                    "checks": stats.checks,
                    "failures": stats.failures.unwrap_or(0),
                    "avg_response_ms": stats.avg_ms.map(f64::round),
                    "apdex": apdex.score(),
                }),
            );
        }
        let phases: serde_json::Map<String, Value> = PHASES
            .iter()
            .zip(history.phase_medians(now - DAY_MS, now)?)
            .map(|(phase, ms)| (phase.to_string(), json!(ms)))
            .collect();
        let day_start = now.div_euclid(DAY_MS) * DAY_MS;
        Response::from_json(&json!({
            "windows": windows,
            "timings_p50_24h": phases,
            "today": day_stats(&config, &history, &flips, day_start, now)?,
            "today_day": day_of(day_start),
        }))
    }

    /// A region's object: run the probe here and answer with the result.
    async fn probe_here(&self, request: ProbeRequest) -> Result<Response> {
        let settings = self.config_settings()?;
        let result = probe::run(
            &request.settings,
            &ProbeContext {
                dns_resolver: settings.dns_resolver.clone(),
                allow_private_targets: settings.allow_private_targets,
            },
        )
        .await;
        Response::from_json(&result)
    }
}

fn result_row(region: &str, result: &ProbeResult, checked_at: i64, due_at: i64) -> ResultRow {
    let ms = |v: Option<u32>| v.map(i64::from);
    ResultRow {
        id: new_id("chk"),
        up: i64::from(result.is_up()),
        status_code: result.status_code.map(i64::from),
        error: result.failure.as_ref().map(|f| f.hint()),
        region: region.to_string(),
        dns_ms: ms(result.timings.dns_ms),
        connect_ms: ms(result.timings.connect_ms),
        tls_ms: ms(result.timings.tls_ms),
        ttfb_ms: ms(result.timings.ttfb_ms),
        total_ms: i64::from(result.timings.total_ms),
        checked_at,
        due_at,
    }
}

/// The failing results' hints, prefixed by region when there are several.
fn regional_failure_hint(results: &[(String, ProbeResult)]) -> Option<String> {
    let hints: Vec<String> = results
        .iter()
        .filter_map(|(region, result)| {
            result.failure.as_ref().map(|f| {
                if region.is_empty() {
                    f.hint()
                } else {
                    format!("{region}: {}", f.hint())
                }
            })
        })
        .collect();
    (!hints.is_empty()).then(|| hints.join("; "))
}

/// The title of the incident a monitor going down opens.
fn down_title(config: &ObjectConfig) -> String {
    format!("{} is down", config.name)
}

pub(super) fn day_stats(
    config: &ObjectConfig,
    history: &History,
    flips: &[Flip],
    from: i64,
    to: i64,
) -> Result<rollups::DayStats> {
    let stats = history.window(from, to, i64::from(config.spec.settings.apdex_threshold_ms()))?;
    let failures = stats.failures.unwrap_or(0);
    let maintenance = MonitorObject::maintenance_spans(config, history, from, to)?;
    let (downtime_ms, observed_ms) = outside_maintenance(flips, from, to, &maintenance);
    Ok(rollups::DayStats {
        checks: stats.checks,
        failures,
        // Rounded up: a sub-second outage still shows on the day's bar.
        downtime_seconds: (downtime_ms + 999).div_euclid(1000),
        observed_seconds: observed_ms / 1000,
        maintenance_seconds: covered_ms(from, to, &maintenance) / 1000,
        avg_response_ms: stats.avg_ms.map(|ms| ms.round() as i64),
        p95_response_ms: history.p95_ms(from, to, stats.checks - failures)?,
        apdex_satisfied: stats.satisfied.unwrap_or(0),
        apdex_tolerating: stats.tolerating.unwrap_or(0),
        through_ms: to,
    })
}
