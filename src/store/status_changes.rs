//! A monitor's change of status as D1 must record it (the monitor's status
//! and its automatic incident), kept by the monitor's object in its outbox
//! until D1 has taken it. Its ids are chosen once, so that applying it again
//! inserts nothing new.

use super::incidents::AutomaticIds;
use super::Db;
use crate::domain::ids::new_id;
use crate::domain::monitor::MonitorStatus;
use crate::domain::time::iso_from_millis;
use serde::{Deserialize, Serialize};
use worker::{D1PreparedStatement, Result};

/// One change of status and what it must do in D1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingFlip {
    pub at_ms: i64,
    pub from: MonitorStatus,
    pub to: MonitorStatus,
    /// The incident a change to `down` opens.
    pub incident_id: String,
    /// The timeline entry it writes (the incident's first, or its last).
    pub update_id: String,
    /// The incident's title when it opens.
    pub title: String,
    /// Why it went down, or how long it was down for.
    pub message: String,
}

impl PendingFlip {
    pub fn new(at_ms: i64, from: MonitorStatus, to: MonitorStatus, title: String, message: String) -> PendingFlip {
        PendingFlip {
            at_ms,
            from,
            to,
            incident_id: new_id("inc"),
            update_id: new_id("upd"),
            title,
            message,
        }
    }

    /// The D1 statements of this change for the monitor `id` of `org_id`;
    /// applied twice, they change nothing more.
    pub fn statements(&self, db: &Db, id: &str, org_id: &str) -> Result<Vec<D1PreparedStatement>> {
        let at = iso_from_millis(self.at_ms);
        let mut statements = vec![super::monitors::apply_status_change(
            db,
            id,
            self.from.as_str(),
            self.to.as_str(),
            &at,
        )?];
        match (self.from, self.to) {
            (_, MonitorStatus::Down) => {
                let ids = AutomaticIds {
                    incident_id: &self.incident_id,
                    update_id: &self.update_id,
                };
                statements.extend(super::incidents::open_automatic(
                    db,
                    &ids,
                    org_id,
                    id,
                    &self.title,
                    &self.message,
                    &at,
                )?);
            }
            (MonitorStatus::Down, MonitorStatus::Up) => {
                statements.extend(super::incidents::resolve_automatic(
                    db,
                    id,
                    &self.update_id,
                    &self.message,
                    &at,
                )?);
            }
            _ => {}
        }
        Ok(statements)
    }
}
