//! The maintenance side of `MonitorObject`: it holds the windows that cover
//! its monitor (in its configuration, so a check or a ping reads nothing
//! more to learn of them), keeps the past spans of a window that is edited
//! or deleted, and works out the spans the uptime arithmetic leaves out.
//! While a window is on, a result that would take the monitor down leaves
//! its status as it was: no incident, no notification. A monitor still
//! failing when the window ends goes down at its next check.

use super::monitor::MonitorObject;
use super::stub::ObjectConfig;
use crate::domain::maintenance::{active_at, merge, Span, Window};
use crate::domain::monitor::MonitorStatus;
use crate::domain::time::DAY_MS;
use crate::store::history::History;
use worker::{Response, Result};

/// How far back the spans of a replaced window are kept: the raw history's
/// reach (the 30-day uptime, and rollups caught up for 31 days).
const KEPT_DAYS: i64 = 31;

impl MonitorObject {
    /// `PUT /maintenance` with the windows that now cover the monitor. An
    /// object not configured yet learns them at the reconciler's visit.
    pub(super) async fn set_maintenance(&self, windows: Vec<Window>) -> Result<Response> {
        if let Some(mut config) = self.stored_config().await? {
            self.adopt_windows(&mut config, Some(windows))?;
            self.save_config(&config).await?;
            if config.spec.settings.is_heartbeat() && config.status != MonitorStatus::Paused {
                // A deadline may now fall in (or out of) a window.
                match self.heartbeat_deadline(&config, &self.history()?)? {
                    Some(deadline) => self.storage().set_alarm(super::at(deadline)).await?,
                    None => self.storage().delete_alarm().await?,
                }
            }
        }
        Response::empty()
    }

    /// Takes `incoming` windows into `config` (`None` keeps what it holds).
    /// A window held before and not held the same way now leaves its spans
    /// so far in the history: an edit does not rewrite the past.
    pub(super) fn adopt_windows(&self, config: &mut ObjectConfig, incoming: Option<Vec<Window>>) -> Result<()> {
        let Some(incoming) = incoming else {
            return Ok(());
        };
        let now = Self::now();
        let history = self.history()?;
        for old in config.windows().iter().filter(|old| !incoming.contains(old)) {
            // Merged spans: a window on every minute keeps one row, not thousands.
            history.keep_maintenance(&old.id, &old.spans(now - KEPT_DAYS * DAY_MS, now))?;
        }
        config.maintenance = Some(incoming);
        Ok(())
    }

    /// The status a verdict leaves the monitor in: a window holds off going
    /// down (recovering is always news worth hearing).
    pub(super) fn held_in_maintenance(config: &ObjectConfig, verdict: MonitorStatus, now: i64) -> MonitorStatus {
        let going_down = verdict == MonitorStatus::Down && config.status != MonitorStatus::Down;
        if going_down && active_at(config.windows(), now).is_some() {
            config.status
        } else {
            verdict
        }
    }

    /// The maintenance within `[from_ms, to_ms)`, merged: the windows held
    /// now, and the kept spans of those that were replaced.
    pub(super) fn maintenance_spans(
        config: &ObjectConfig,
        history: &History,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Span>> {
        let mut spans = history.kept_maintenance(from_ms, to_ms)?;
        spans.extend(config.windows().iter().flat_map(|w| w.spans(from_ms, to_ms)));
        Ok(merge(spans))
    }
}
