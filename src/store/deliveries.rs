//! An organization hub's deliveries, in that Durable Object's own SQLite
//! storage: one row per event and channel (the pair is unique, so an event
//! told twice is enqueued once), one row per attempt, and the reminders of
//! incidents still open (one per incident and channel).

use super::object_sql::ObjectSql;
use crate::domain::time::DAY_MS;
use serde::{Deserialize, Serialize};
use worker::{Result, SqlStorage, SqlStorageValue};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    status TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    next_retry_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (event_id, channel_id)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_retry_at);
CREATE INDEX IF NOT EXISTS deliveries_by_channel ON deliveries (channel_id, created_at, id);
CREATE TABLE IF NOT EXISTS attempts (
    delivery_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    status_code INTEGER,
    latency_ms INTEGER NOT NULL,
    error TEXT,
    answer TEXT
);
CREATE INDEX IF NOT EXISTS attempts_by_delivery ON attempts (delivery_id, at);
CREATE TABLE IF NOT EXISTS reminders (
    incident_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    event TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    PRIMARY KEY (incident_id, channel_id)
);
";

/// How long settled deliveries are kept.
const RETENTION_MS: i64 = 30 * DAY_MS;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub id: String,
    pub channel_id: String,
    pub event_id: String,
    /// JSON of `domain::notify::Event`.
    pub event: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made in the current round (a manual retry starts a new one).
    pub tries: i64,
    pub next_retry_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An open incident a channel is reminded of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReminderRow {
    pub incident_id: String,
    pub channel_id: String,
    /// JSON of the `domain::notify::Event` that opened it.
    pub event: String,
    /// Reminders sent so far.
    pub sent: i64,
    pub next_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttemptRow {
    pub delivery_id: String,
    pub at: i64,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub answer: Option<String>,
}

pub struct Deliveries {
    sql: ObjectSql,
}

fn int(n: i64) -> SqlStorageValue {
    SqlStorageValue::Integer(n)
}

fn opt(n: Option<i64>) -> SqlStorageValue {
    n.map_or(SqlStorageValue::Null, int)
}

impl Deliveries {
    pub fn open(sql: SqlStorage) -> Result<Deliveries> {
        let sql = ObjectSql::new(sql);
        sql.run(SCHEMA, None)?;
        Ok(Deliveries { sql })
    }

    /// Enqueues a delivery; false when this event was already enqueued for the channel.
    pub fn insert(&self, row: &DeliveryRow) -> Result<bool> {
        let written = self.sql.run(
            "INSERT OR IGNORE INTO deliveries (id, channel_id, event_id, event, status, tries, next_retry_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                row.id.as_str().into(),
                row.channel_id.as_str().into(),
                row.event_id.as_str().into(),
                row.event.as_str().into(),
                row.status.as_str().into(),
                int(row.tries),
                opt(row.next_retry_at),
                int(row.created_at),
                int(row.updated_at),
            ],
        )?;
        Ok(written > 0)
    }

    pub fn get(&self, id: &str) -> Result<Option<DeliveryRow>> {
        let rows: Vec<DeliveryRow> = self
            .sql
            .rows("SELECT * FROM deliveries WHERE id = ?", vec![id.into()])?;
        Ok(rows.into_iter().next())
    }

    /// Pending deliveries due by `now`, oldest due first.
    pub fn due(&self, now: i64, limit: u32) -> Result<Vec<DeliveryRow>> {
        self.sql.rows(
            "SELECT * FROM deliveries WHERE status = 'pending' AND next_retry_at <= ? ORDER BY next_retry_at LIMIT ?",
            vec![int(now), int(i64::from(limit))],
        )
    }

    /// When the hub next has work: a pending delivery or a reminder.
    pub fn next_due(&self) -> Result<Option<i64>> {
        #[derive(Deserialize)]
        struct Next {
            at: Option<i64>,
        }
        let rows: Vec<Next> = self.sql.rows(
            "SELECT MIN(at) AS at FROM (
                    SELECT MIN(next_retry_at) AS at FROM deliveries WHERE status = 'pending'
                    UNION ALL SELECT MIN(next_at) FROM reminders)",
            None,
        )?;
        Ok(rows.first().and_then(|r| r.at))
    }

    /// Starts (or restarts) reminding a channel of an open incident.
    pub fn remind(&self, incident_id: &str, channel_id: &str, event: &str, next_at: i64) -> Result<()> {
        self.sql.run(
            "INSERT OR REPLACE INTO reminders (incident_id, channel_id, event, sent, next_at) VALUES (?, ?, ?, 0, ?)",
            vec![incident_id.into(), channel_id.into(), event.into(), int(next_at)],
        )?;
        Ok(())
    }

    /// Stops the reminders of an incident: on every channel, or on one.
    pub fn stop_reminders(&self, incident_id: &str, channel_id: Option<&str>) -> Result<()> {
        self.sql.run(
            "DELETE FROM reminders WHERE incident_id = ? AND (? IS NULL OR channel_id = ?)",
            vec![incident_id.into(), channel_id.into(), channel_id.into()],
        )?;
        Ok(())
    }

    pub fn due_reminders(&self, now: i64) -> Result<Vec<ReminderRow>> {
        self.sql.rows(
            "SELECT * FROM reminders WHERE next_at <= ? ORDER BY next_at",
            vec![int(now)],
        )
    }

    /// Records a reminder sent, and when the next one is.
    pub fn reminded(&self, incident_id: &str, channel_id: &str, next_at: i64) -> Result<()> {
        self.sql.run(
            "UPDATE reminders SET sent = sent + 1, next_at = ? WHERE incident_id = ? AND channel_id = ?",
            vec![int(next_at), incident_id.into(), channel_id.into()],
        )?;
        Ok(())
    }

    /// Holds a delivery while an attempt is under way, so that an alarm
    /// firing meanwhile does not send it twice; if the object is evicted
    /// mid-attempt, the lease runs out and the delivery is due again.
    pub fn lease(&self, id: &str, until: i64) -> Result<()> {
        self.sql.run(
            "UPDATE deliveries SET next_retry_at = ? WHERE id = ?",
            vec![int(until), id.into()],
        )?;
        Ok(())
    }

    /// Records an attempt and what follows: `next_retry_at` for another
    /// try, or none with the final status.
    pub fn record(&self, attempt: &AttemptRow, status: &str, next_retry_at: Option<i64>) -> Result<()> {
        self.sql.run(
            "INSERT INTO attempts (delivery_id, at, status_code, latency_ms, error, answer) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                attempt.delivery_id.as_str().into(),
                int(attempt.at),
                opt(attempt.status_code),
                int(attempt.latency_ms),
                attempt.error.clone().into(),
                attempt.answer.clone().into(),
            ],
        )?;
        self.sql.run(
            "UPDATE deliveries SET status = ?, tries = tries + 1, next_retry_at = ?, updated_at = ? WHERE id = ?",
            vec![
                status.into(),
                opt(next_retry_at),
                int(attempt.at),
                attempt.delivery_id.as_str().into(),
            ],
        )?;
        Ok(())
    }

    /// Makes a settled delivery pending again, due now, with a fresh round of tries.
    pub fn restart(&self, id: &str, now: i64) -> Result<()> {
        self.sql.run(
            "UPDATE deliveries SET status = 'pending', tries = 0, next_retry_at = ?, updated_at = ? WHERE id = ?",
            vec![int(now), int(now), id.into()],
        )?;
        Ok(())
    }

    /// A channel's deliveries, newest first, after the cursor `(created_at, id)`.
    pub fn page(&self, channel_id: &str, after: Option<(i64, String)>, limit: u32) -> Result<Vec<DeliveryRow>> {
        let (sql, args) = match after {
            Some((at, id)) => (
                "SELECT * FROM deliveries WHERE channel_id = ? AND (created_at < ? OR (created_at = ? AND id < ?))
                 ORDER BY created_at DESC, id DESC LIMIT ?",
                vec![channel_id.into(), int(at), int(at), id.into(), int(i64::from(limit))],
            ),
            None => (
                "SELECT * FROM deliveries WHERE channel_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                vec![channel_id.into(), int(i64::from(limit))],
            ),
        };
        self.sql.rows(sql, args)
    }

    /// The attempts of a delivery, oldest first.
    pub fn attempts(&self, delivery_id: &str) -> Result<Vec<AttemptRow>> {
        self.sql.rows(
            "SELECT * FROM attempts WHERE delivery_id = ? ORDER BY at",
            vec![delivery_id.into()],
        )
    }

    /// Forgets settled deliveries (and their attempts) past retention.
    pub fn prune(&self, now: i64) -> Result<()> {
        let before = now - RETENTION_MS;
        self.sql.run(
            "DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE status <> 'pending' AND updated_at < ?)",
            vec![int(before)],
        )?;
        self.sql.run(
            "DELETE FROM deliveries WHERE status <> 'pending' AND updated_at < ?",
            vec![int(before)],
        )?;
        Ok(())
    }
}
