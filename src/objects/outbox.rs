//! The outbox side of `MonitorObject`: a change of status is decided and
//! saved here first, then its effects on D1 (the monitor's status, its
//! automatic incident, the day's rollup) are kept as pending work until D1
//! has acknowledged them. A failed D1 write is retried at the object's next
//! alarm and at the reconciler's next visit; every effect is idempotent
//! (ids chosen once, writes guarded by what D1 already holds), so applying
//! one twice changes nothing. Whoever sent the check or ping that caused the
//! change is answered once the object has saved it, whatever D1 does.

use super::hub::HubEvent;
use super::monitor::MonitorObject;
use super::stub::{self, ObjectConfig};
use crate::domain::monitor::MonitorStatus;
use crate::domain::notify::transition::{deletion_event, transition_event, Transition};
use crate::domain::notify::{Event, EventKind, IncidentFacts, MonitorFacts};
use crate::domain::time::{day_of, DAY_MS};
use crate::store::status_changes::PendingFlip;
use crate::store::{first_of, monitors, page_cache, rollups, Db};
use std::collections::BTreeSet;
use worker::{console_error, Error, Result};

/// Storage key: the changes D1 has not acknowledged yet, oldest first.
const OUTBOX: &str = "outbox";
/// Storage key: events D1 has and the organization's hub has not
/// acknowledged yet, oldest first.
const HUB_OUTBOX: &str = "hub_outbox";
/// Storage key: the incident the latest change to `down` opened, which the
/// change back to `up` resolves.
const OPEN_INCIDENT: &str = "open_incident";
/// Storage key: when the monitor's D1 row was last seen to exist.
const CONFIRMED_AT: &str = "confirmed_at";
/// How often a steady monitor makes sure its D1 row still exists.
const CONFIRM_EVERY_MS: i64 = 3_600_000;

/// What applying the outbox found out.
pub enum Applied {
    /// D1 has every change (or there was none).
    Done,
    /// The monitor's D1 row is gone: the monitor was deleted.
    MonitorGone,
}

impl MonitorObject {
    async fn outbox(&self) -> Result<Vec<PendingFlip>> {
        let text: Option<String> = self.storage().get(OUTBOX).await?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default())
    }

    /// Keeps a change of status until D1 acknowledges it.
    pub(super) async fn enqueue(&self, flip: PendingFlip) -> Result<()> {
        let mut pending = self.outbox().await?;
        pending.push(flip);
        self.storage().put(OUTBOX, serde_json::to_string(&pending)?).await
    }

    /// Applies every pending change to D1 in one batch (a transaction), with
    /// the rollup of each day they fall on, and forgets them once D1 has
    /// them. Changes enqueued meanwhile stay for the next time.
    pub(super) async fn apply_outbox(&self, config: &ObjectConfig, now: i64) -> Result<Applied> {
        let pending = self.outbox().await?;
        if pending.is_empty() {
            return Ok(Applied::Done);
        }
        let db = Db::of(&self.env)?;
        let mut statements = Vec::new();
        for flip in &pending {
            statements.extend(flip.statements(&db, &config.monitor_id, &config.org_id)?);
        }
        let history = self.history()?;
        let days: BTreeSet<i64> = pending.iter().map(|f| f.at_ms.div_euclid(DAY_MS) * DAY_MS).collect();
        let flips = history.flips_since(days.first().copied().unwrap_or(now))?;
        for &day_start in &days {
            // `now + 1`: the window is half-open, and a check taken at `now` may have flipped.
            let to = (now + 1).min(day_start + DAY_MS);
            let stats = super::monitor::day_stats(config, &history, &flips, day_start, to)?;
            statements.extend(rollups::upsert(&db, &config.monitor_id, &day_of(day_start), &stats)?);
        }
        statements.push(self.lease_with_change(&db, config, now)?);
        statements.push(monitors::existence(&db, &config.monitor_id)?);
        let results = db.batch(statements).await?;
        let exists = results
            .last()
            .and_then(|r| r.results::<monitors::Existence>().ok())
            .and_then(|rows| rows.first().map(|row| row.n > 0))
            .unwrap_or(true);

        let applied: Vec<&PendingFlip> = pending.iter().collect();
        let left: Vec<PendingFlip> = self
            .outbox()
            .await?
            .into_iter()
            .filter(|flip| !applied.contains(&flip))
            .collect();
        let storage = self.storage();
        if left.is_empty() {
            storage.delete(OUTBOX).await?;
        } else {
            storage.put(OUTBOX, serde_json::to_string(&left)?).await?;
        }
        self.change_recorded(&days, now).await?;
        // Notifications first, so that they do not wait for the cache; the
        // pages are dropped whatever the hub did.
        let handed = if exists {
            self.hand_to_hub(config, &pending).await
        } else {
            Ok(())
        };
        page_cache::org_changed(&db, &config.org_id).await;
        handed?;
        Ok(if exists { Applied::Done } else { Applied::MonitorGone })
    }

    /// Applies the outbox where the caller must not fail for it (a check, a
    /// ping): a D1 error is logged and the changes wait for the next try.
    /// True while the monitor still exists.
    pub(super) async fn try_apply_outbox(&self, config: &ObjectConfig, now: i64) -> Result<bool> {
        self.tell_hub(config).await?;
        match self.apply_outbox(config, now).await {
            Ok(Applied::Done) => Ok(true),
            Ok(Applied::MonitorGone) => {
                self.bury().await?;
                Ok(false)
            }
            Err(error) => {
                console_error!(
                    "D1 did not take the status change of {}; retried later: {error}",
                    config.monitor_id
                );
                Ok(true)
            }
        }
    }

    /// Once an hour, a monitor that never changes status (so never writes
    /// to D1) makes sure its row still exists; an object whose monitor was
    /// deleted behind its back stops and clears itself. True while it exists.
    pub(super) async fn confirm_exists(&self, config: &ObjectConfig, now: i64) -> Result<bool> {
        let storage = self.storage();
        let confirmed: Option<i64> = storage.get(CONFIRMED_AT).await?;
        if confirmed.is_some_and(|at| now - at < CONFIRM_EVERY_MS) {
            return Ok(true);
        }
        let db = Db::of(&self.env)?;
        let row: Option<monitors::Existence> = first_of(&db, monitors::existence(&db, &config.monitor_id)?).await?;
        if row.is_some_and(|r| r.n == 0) {
            self.bury().await?;
            return Ok(false);
        }
        storage.put(CONFIRMED_AT, now).await?;
        Ok(true)
    }

    /// The changes of status D1 has not acknowledged, for the reconciler to
    /// tell whether a D1 row that disagrees is only lagging.
    pub(super) async fn has_pending_changes(&self) -> Result<bool> {
        Ok(!self.outbox().await?.is_empty())
    }
}

impl MonitorObject {
    /// Turns the changes D1 now has into events for the organization's hub,
    /// kept until it acknowledges them, then tells it.
    async fn hand_to_hub(&self, config: &ObjectConfig, applied: &[PendingFlip]) -> Result<()> {
        let storage = self.storage();
        let mut events = self.hub_outbox().await?;
        let before = events.len();
        for flip in applied {
            let open: Option<IncidentFacts> = storage
                .get::<String>(OPEN_INCIDENT)
                .await?
                .and_then(|t| serde_json::from_str(&t).ok());
            let Some(event) = flip_event(config, flip, open) else {
                continue;
            };
            if event.kind == EventKind::Detected {
                if let Some(incident) = &event.incident {
                    storage.put(OPEN_INCIDENT, serde_json::to_string(incident)?).await?;
                }
            }
            events.push(HubEvent {
                org_id: config.org_id.clone(),
                monitor_ids: vec![config.monitor_id.clone()],
                event,
            });
        }
        if events.len() > before {
            storage.put(HUB_OUTBOX, serde_json::to_string(&events)?).await?;
        }
        self.tell_hub(config).await
    }

    /// Before the object is wiped: the events the hub has not taken yet and,
    /// when the monitor is down, the resolution of its open incident reach
    /// the hub. If the hub does not take them the burial fails, to be tried
    /// again (by whoever deletes the monitor, or at the next visit), so no
    /// notification is buried with the object.
    pub(super) async fn hand_over_before_burial(&self, now: i64) -> Result<()> {
        let Some(config) = self.stored_config().await? else {
            return Ok(());
        };
        let storage = self.storage();
        let open: Option<IncidentFacts> = storage
            .get::<String>(OPEN_INCIDENT)
            .await?
            .and_then(|t| serde_json::from_str(&t).ok());
        if let Some(open) = open.filter(|_| config.status == MonitorStatus::Down) {
            let mut events = self.hub_outbox().await?;
            events.push(HubEvent {
                org_id: config.org_id.clone(),
                monitor_ids: vec![config.monitor_id.clone()],
                event: deletion_event(&config.org_id, monitor_facts(&config), open, now),
            });
            storage.put(HUB_OUTBOX, serde_json::to_string(&events)?).await?;
        }
        self.tell_hub(&config).await?;
        if self.hub_outbox().await?.is_empty() {
            Ok(())
        } else {
            Err(Error::RustError(format!(
                "the hub of {} did not take the events of monitor {}; not deleted yet",
                config.org_id, config.monitor_id
            )))
        }
    }

    /// The events kept for the hub, oldest first.
    async fn hub_outbox(&self) -> Result<Vec<HubEvent>> {
        Ok(self
            .storage()
            .get::<String>(HUB_OUTBOX)
            .await?
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default())
    }

    /// Hands the kept events to the hub, oldest first; a failure is logged
    /// and they wait for the next alarm or reconciler visit (the hub
    /// enqueues an event once, however often it is told).
    async fn tell_hub(&self, config: &ObjectConfig) -> Result<()> {
        let storage = self.storage();
        let mut events = self.hub_outbox().await?;
        if events.is_empty() {
            return Ok(());
        }
        while let Some(first) = events.first() {
            if let Err(error) = stub::hub_event(&self.env, first).await {
                console_error!(
                    "the hub of {} did not take an event of {}; retried later: {error}",
                    config.org_id,
                    config.monitor_id
                );
                break;
            }
            events.remove(0);
        }
        if events.is_empty() {
            storage.delete(HUB_OUTBOX).await?;
        } else {
            storage.put(HUB_OUTBOX, serde_json::to_string(&events)?).await?;
        }
        Ok(())
    }
}

/// What an event says of the monitor.
fn monitor_facts(config: &ObjectConfig) -> MonitorFacts {
    let shown = config.spec.shown();
    let target = ["url", "host"]
        .iter()
        .find_map(|key| shown.get(*key).and_then(|v| v.as_str()).map(str::to_string));
    MonitorFacts {
        id: config.monitor_id.clone(),
        name: config.name.clone(),
        kind: config.spec.settings.kind().to_string(),
        target,
    }
}

/// The event a change of status is, if any (`domain::notify::transition`).
fn flip_event(config: &ObjectConfig, flip: &PendingFlip, open: Option<IncidentFacts>) -> Option<Event> {
    let monitor = monitor_facts(config);
    let change = Transition {
        from: flip.from,
        to: flip.to,
        at_ms: flip.at_ms,
        incident_id: &flip.incident_id,
        update_id: &flip.update_id,
        title: &flip.title,
        message: &flip.message,
        heartbeat: config.spec.settings.is_heartbeat(),
    };
    transition_event(&config.org_id, monitor, &change, open)
}
