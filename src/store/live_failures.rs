//! An organization hub's recent failures by region, in that Durable
//! Object's own SQLite storage, for telling a region-wide shift: a row per
//! monitor failing in a region, written when a check fails and deleted when
//! one succeeds, so a healthy organization writes nothing here.

use super::object_sql::ObjectSql;
use serde::Deserialize;
use worker::{Result, SqlStorage, SqlStorageValue};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS live_failures (
    region TEXT NOT NULL,
    monitor_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (region, monitor_id)
) WITHOUT ROWID;
";

pub struct LiveFailures {
    sql: ObjectSql,
}

/// How long a failure is remembered without a newer check.
const FORGET_AFTER_MS: i64 = 3_600_000;

#[derive(Deserialize)]
struct Failing {
    monitor_id: String,
    at: i64,
}

fn text(value: &str) -> SqlStorageValue {
    SqlStorageValue::String(value.to_string())
}

impl LiveFailures {
    pub fn open(sql: SqlStorage) -> Result<LiveFailures> {
        let sql = ObjectSql::new(sql);
        sql.run(SCHEMA, None)?;
        Ok(LiveFailures { sql })
    }

    /// Records a check of `monitor_id` in `region`: a failure at `at`, or a success.
    pub fn record(&self, region: &str, monitor_id: &str, failed: bool, at: i64) -> Result<()> {
        if failed {
            self.sql.run(
                "INSERT INTO live_failures (region, monitor_id, at) VALUES (?, ?, ?)
                 ON CONFLICT (region, monitor_id) DO UPDATE SET at = excluded.at",
                vec![text(region), text(monitor_id), SqlStorageValue::Integer(at)],
            )?;
        } else {
            self.sql.run(
                "DELETE FROM live_failures WHERE region = ? AND monitor_id = ?",
                vec![text(region), text(monitor_id)],
            )?;
        }
        Ok(())
    }

    /// The monitors whose latest check in `region` failed, with when;
    /// failures older than an hour (a monitor deleted or paused while
    /// failing) are forgotten.
    pub fn failing(&self, region: &str, now: i64) -> Result<Vec<(String, i64)>> {
        self.sql.run(
            "DELETE FROM live_failures WHERE region = ? AND at < ?",
            vec![text(region), SqlStorageValue::Integer(now - FORGET_AFTER_MS)],
        )?;
        let rows: Vec<Failing> = self.sql.rows(
            "SELECT monitor_id, at FROM live_failures WHERE region = ? ORDER BY monitor_id",
            vec![text(region)],
        )?;
        Ok(rows.into_iter().map(|r| (r.monitor_id, r.at)).collect())
    }
}
