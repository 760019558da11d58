//! The lease side of `MonitorObject` (`domain::lease`): the object tells D1
//! until when it will next be heard from, so that the cron reconciler visits
//! only monitors whose lease ran out. A lease is granted with a D1 write the
//! object makes anyway: the change of status's batch, or once an hour the
//! batch that refreshes today's rollup. That hourly write also prunes the
//! history to its retention.

use super::monitor::{day_stats, MonitorObject};
use super::stub::ObjectConfig;
use crate::domain::lease::{lease_until, needs_renewal};
use crate::domain::monitor::{MonitorStatus, Settings};
use crate::domain::time::{day_of, DAY_MS};
use crate::domain::uptime::rollup_days_due;
use crate::store::{monitors, rollups, Db};
use std::collections::BTreeSet;
use worker::{D1PreparedStatement, Result};

/// Storage key: until when D1 holds this object's lease.
const LEASE_UNTIL: &str = "lease_until";
/// Storage key: when today's rollup was last written.
const ROLLUP_AT: &str = "rollup_at";

impl MonitorObject {
    /// At an alarm: renews a lease about to run out, so that an object whose
    /// alarms fire is never visited.
    pub(super) async fn renew_lease_if_due(&self, now: i64) -> Result<()> {
        if !needs_renewal(self.storage().get(LEASE_UNTIL).await?, now) {
            return Ok(());
        }
        match self.stored_config().await? {
            Some(config) if config.status != MonitorStatus::Paused => self.renew_lease(&config, now).await,
            _ => Ok(()),
        }
    }

    /// Grants a new lease from `now` in one D1 batch with the rollups due
    /// (`rollup_days_due`, brought up to `now`), then prunes the history.
    /// The reconciler's visit calls it at the cron event's time.
    pub(super) async fn renew_lease(&self, config: &ObjectConfig, now: i64) -> Result<()> {
        let db = Db::of(&self.env)?;
        let storage = self.storage();
        let mut statements = self.due_rollups(&db, config, now).await?;
        let wrote_rollups = !statements.is_empty();
        let until = lease_until(now);
        statements.push(monitors::set_lease(
            &db,
            &config.monitor_id,
            until,
            self.last_ping_ms(config)?,
        )?);
        db.batch(statements).await?;
        storage.put(LEASE_UNTIL, until).await?;
        if wrote_rollups {
            storage.put(ROLLUP_AT, now).await?;
        }
        let retention_days = i64::from(self.config_settings()?.result_retention_days);
        self.history()?.prune(Self::now() - retention_days * DAY_MS)
    }

    /// After D1 took a change of status (and the rollups of `days_written`,
    /// up to `now`): the lease it granted is held, and today's rollup counts
    /// as refreshed when no other day was due.
    pub(super) async fn change_recorded(&self, days_written: &BTreeSet<i64>, now: i64) -> Result<()> {
        let storage = self.storage();
        storage.put(LEASE_UNTIL, lease_until(now)).await?;
        let due = rollup_days_due(storage.get(ROLLUP_AT).await?, now);
        if due.iter().all(|day| days_written.contains(day)) {
            storage.put(ROLLUP_AT, now).await?;
        }
        Ok(())
    }

    /// Upserts of the rollups due at `now`: today's once an hour, and every
    /// day that ended since the last. Status pages and 90-day figures then
    /// follow a monitor that never changes status, heartbeats included.
    async fn due_rollups(&self, db: &Db, config: &ObjectConfig, now: i64) -> Result<Vec<D1PreparedStatement>> {
        if matches!(config.status, MonitorStatus::Pending | MonitorStatus::Paused) {
            return Ok(Vec::new());
        }
        let due = rollup_days_due(self.storage().get(ROLLUP_AT).await?, now);
        let Some(first) = due.first() else {
            return Ok(Vec::new());
        };
        let history = self.history()?;
        let flips = history.flips_since(*first)?;
        let mut statements = Vec::new();
        for day_start in due {
            let stats = day_stats(config, &history, &flips, day_start, now.min(day_start + DAY_MS))?;
            statements.extend(rollups::upsert(db, &config.monitor_id, &day_of(day_start), &stats)?);
        }
        Ok(statements)
    }

    /// The lease a change of status grants, in the batch that records it.
    pub(super) fn lease_with_change(&self, db: &Db, config: &ObjectConfig, now: i64) -> Result<D1PreparedStatement> {
        monitors::set_lease(db, &config.monitor_id, lease_until(now), self.last_ping_ms(config)?)
    }

    /// A heartbeat's latest ping from its job (a log ping or a missed entry
    /// is not one), which D1 keeps with the lease for the metrics.
    fn last_ping_ms(&self, config: &ObjectConfig) -> Result<Option<i64>> {
        if !matches!(config.spec.settings, Settings::Heartbeat(_)) {
            return Ok(None);
        }
        Ok(self.history()?.latest_ping(false)?.map(|ping| ping.at))
    }
}
