//! A monitor's raw history, in its Durable Object's own SQLite storage:
//! check results (one row per result and region), status flips, pings and
//! the maintenance spans of windows no longer held.

use super::object_sql::ObjectSql;
use crate::domain::maintenance::Span;
use crate::domain::monitor::MonitorStatus;
use crate::domain::uptime::Flip;
use serde::{Deserialize, Serialize};
use worker::{Result, SqlStorage, SqlStorageValue};

/// Results are clustered by time (`WITHOUT ROWID`, keyed on `checked_at`,
/// `id`) with no other index: storing one writes one row, and Cloudflare
/// bills every index entry written as a row of its own. Every read is by time
/// anyway; a region's latest results are found among the newest rows.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS checks (
    checked_at INTEGER NOT NULL,
    id TEXT NOT NULL,
    up INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    region TEXT NOT NULL,
    dns_ms INTEGER, connect_ms INTEGER, tls_ms INTEGER, ttfb_ms INTEGER,
    total_ms INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    PRIMARY KEY (checked_at, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS flips (at INTEGER NOT NULL, old TEXT NOT NULL, new TEXT NOT NULL, reason TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS flips_by_time ON flips (at);
CREATE TABLE IF NOT EXISTS pings (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    exit_code INTEGER,
    duration_ms INTEGER,
    method TEXT,
    source_ip TEXT,
    user_agent TEXT,
    body TEXT,
    body_truncated INTEGER NOT NULL DEFAULT 0,
    body_binary INTEGER NOT NULL DEFAULT 0,
    rid TEXT,
    expected_at INTEGER,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pings_by_kind ON pings (kind, seq);
CREATE TABLE IF NOT EXISTS maintenance (
    window_id TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    PRIMARY KEY (window_id, start_ms)
) WITHOUT ROWID;
";
// `maintenance` keeps the spans of windows that were edited or deleted:
// the windows the object holds give their own spans, and an edit must not
// give back to the uptime arithmetic the time an earlier version took out.
// `pings.seq` has no AUTOINCREMENT, which writes a counter row on every
// insert (a row billed like any other): pruning never deletes the newest
// ping, so SQLite's next rowid still only grows.

/// One stored ping (or missed ping) of a heartbeat monitor.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PingRow {
    #[serde(default)]
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub exit_code: Option<i64>,
    pub duration_ms: Option<i64>,
    pub method: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub body: Option<String>,
    pub body_truncated: i64,
    pub body_binary: i64,
    pub rid: Option<String>,
    pub expected_at: Option<i64>,
    pub at: i64,
}

/// The phases a check result times, as columns of `checks`.
pub const PHASES: [&str; 5] = ["dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "total_ms"];

/// One stored check result. `region` is empty for a monitor without regions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultRow {
    pub id: String,
    pub up: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub region: String,
    pub dns_ms: Option<i64>,
    pub connect_ms: Option<i64>,
    pub tls_ms: Option<i64>,
    pub ttfb_ms: Option<i64>,
    pub total_ms: i64,
    pub checked_at: i64,
    pub due_at: i64,
}

#[derive(Debug, Deserialize)]
struct FlipRow {
    at: i64,
    new: String,
}

/// Aggregates of the results in a time window.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct WindowRow {
    pub checks: i64,
    pub failures: Option<i64>,
    pub avg_ms: Option<f64>,
    pub satisfied: Option<i64>,
    pub tolerating: Option<i64>,
}

/// Which results a page holds.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Page {
    pub up: Option<bool>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub after: Option<(i64, String)>,
    pub limit: u32,
}

pub struct History {
    sql: ObjectSql,
}

fn int(n: i64) -> SqlStorageValue {
    SqlStorageValue::Integer(n)
}

/// Objects made before the `checks` table kept their results in `results`,
/// with three indexes: moved over once, then dropped.
const MOVE_OLD_RESULTS: &str = "
INSERT OR IGNORE INTO checks (checked_at, id, up, status_code, error, region, dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, due_at)
    SELECT checked_at, id, up, status_code, error, region, dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, due_at FROM results;
DROP TABLE results;
";

/// Objects made before then numbered pings with AUTOINCREMENT: rebuilt once
/// without it, keeping every ping and its number.
const REBUILD_OLD_PINGS: &str = "
CREATE TABLE pings_rebuilt (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    exit_code INTEGER,
    duration_ms INTEGER,
    method TEXT,
    source_ip TEXT,
    user_agent TEXT,
    body TEXT,
    body_truncated INTEGER NOT NULL DEFAULT 0,
    body_binary INTEGER NOT NULL DEFAULT 0,
    rid TEXT,
    expected_at INTEGER,
    at INTEGER NOT NULL
);
INSERT INTO pings_rebuilt SELECT seq, id, kind, exit_code, duration_ms, method, source_ip, user_agent, body,
    body_truncated, body_binary, rid, expected_at, at FROM pings;
DROP TABLE pings;
ALTER TABLE pings_rebuilt RENAME TO pings;
CREATE INDEX pings_by_kind ON pings (kind, seq);
";

/// What earlier versions left, each found by a query counting it and
/// upgraded once by its script.
const UPGRADES: [(&str, &str); 2] = [
    (
        "SELECT COUNT(*) AS found FROM sqlite_master WHERE type = 'table' AND name = 'results'",
        MOVE_OLD_RESULTS,
    ),
    (
        "SELECT COUNT(*) AS found FROM sqlite_master WHERE type = 'table' AND name = 'pings' AND sql LIKE '%AUTOINCREMENT%'",
        REBUILD_OLD_PINGS,
    ),
];

impl History {
    /// Creates the tables and indexes that are missing, and upgrades what
    /// earlier versions left: once per object instance (`open` does not), as
    /// the DDL costs more than a query.
    pub fn create_schema(sql: &SqlStorage) -> Result<()> {
        let sql = ObjectSql::new(sql.clone());
        sql.run(SCHEMA, None)?;
        #[derive(Deserialize)]
        struct Found {
            found: i64,
        }
        for (find, upgrade) in UPGRADES {
            let old: Vec<Found> = sql.rows(find, None)?;
            if old.first().is_some_and(|t| t.found > 0) {
                sql.run(upgrade, None)?;
            }
        }
        Ok(())
    }

    /// The history of a storage whose schema `create_schema` made.
    pub fn open(sql: SqlStorage) -> History {
        History {
            sql: ObjectSql::new(sql),
        }
    }

    pub fn insert(&self, row: &ResultRow) -> Result<()> {
        let opt = |v: Option<i64>| v.map_or(SqlStorageValue::Null, int);
        self.sql.run(
            "INSERT INTO checks (id, up, status_code, error, region, dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, checked_at, due_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                row.id.as_str().into(),
                int(row.up),
                opt(row.status_code),
                row.error.clone().into(),
                row.region.as_str().into(),
                opt(row.dns_ms),
                opt(row.connect_ms),
                opt(row.tls_ms),
                opt(row.ttfb_ms),
                int(row.total_ms),
                int(row.checked_at),
                int(row.due_at),
            ],
        )?;
        Ok(())
    }

    /// The due time of the latest check, from which the schedule continues.
    pub fn latest_due(&self) -> Result<Option<i64>> {
        #[derive(Deserialize)]
        struct Due {
            due_at: i64,
        }
        let rows: Vec<Due> = self.sql.rows(
            "SELECT due_at FROM checks ORDER BY checked_at DESC, id DESC LIMIT 1",
            None,
        )?;
        Ok(rows.first().map(|r| r.due_at))
    }

    /// How many of the region's latest results failed in a row, looking back
    /// at most `limit` results (more would not change the verdict).
    pub fn consecutive_failures(&self, region: &str, limit: u32) -> Result<u32> {
        #[derive(Deserialize)]
        struct Up {
            up: i64,
        }
        let rows: Vec<Up> = self.sql.rows(
            "SELECT up FROM checks WHERE region = ? ORDER BY checked_at DESC LIMIT ?",
            vec![region.into(), int(i64::from(limit))],
        )?;
        Ok(rows.iter().take_while(|r| r.up == 0).count() as u32)
    }

    pub fn record_flip(&self, at_ms: i64, old: MonitorStatus, new: MonitorStatus, reason: &str) -> Result<()> {
        self.sql.run(
            "INSERT INTO flips (at, old, new, reason) VALUES (?, ?, ?, ?)",
            vec![int(at_ms), old.as_str().into(), new.as_str().into(), reason.into()],
        )?;
        Ok(())
    }

    /// The flips from `from_ms` on, oldest first, led by the last one before
    /// it (the status the window starts in): all that figures over a window
    /// starting at `from_ms` need.
    pub fn flips_since(&self, from_ms: i64) -> Result<Vec<Flip>> {
        let rows: Vec<FlipRow> = self.sql.rows(
            "SELECT at, new FROM flips
                 WHERE at >= COALESCE((SELECT MAX(at) FROM flips WHERE at <= ?1), ?1)
                 ORDER BY at",
            vec![int(from_ms)],
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|r| MonitorStatus::parse(&r.new).map(|to| Flip { at_ms: r.at, to }))
            .collect())
    }

    /// When the monitor last went down before `before_ms`.
    pub fn last_down_before(&self, before_ms: i64) -> Result<Option<i64>> {
        #[derive(Deserialize)]
        struct At {
            at: i64,
        }
        let rows: Vec<At> = self.sql.rows(
            "SELECT at FROM flips WHERE new = 'down' AND at < ? ORDER BY at DESC LIMIT 1",
            vec![int(before_ms)],
        )?;
        Ok(rows.first().map(|r| r.at))
    }

    /// A page of results, newest first.
    pub fn page(&self, page: &Page) -> Result<Vec<ResultRow>> {
        let mut sql = String::from("SELECT * FROM checks WHERE 1 = 1");
        let mut args: Vec<SqlStorageValue> = Vec::new();
        if let Some(up) = page.up {
            sql.push_str(" AND up = ?");
            args.push(int(i64::from(up)));
        }
        if let Some(since) = page.since_ms {
            sql.push_str(" AND checked_at >= ?");
            args.push(int(since));
        }
        if let Some(until) = page.until_ms {
            sql.push_str(" AND checked_at < ?");
            args.push(int(until));
        }
        if let Some((at, id)) = &page.after {
            sql.push_str(" AND (checked_at < ? OR (checked_at = ? AND id < ?))");
            args.extend([int(*at), int(*at), id.as_str().into()]);
        }
        sql.push_str(" ORDER BY checked_at DESC, id DESC LIMIT ?");
        args.push(int(i64::from(page.limit)));
        self.sql.rows(&sql, args)
    }

    /// Counts, failures, average response time of successes and Apdex
    /// counts (threshold `apdex_ms`) of the results in `[from, to)`.
    pub fn window(&self, from_ms: i64, to_ms: i64, apdex_ms: i64) -> Result<WindowRow> {
        let rows: Vec<WindowRow> = self.sql.rows(
            "SELECT COUNT(*) AS checks, SUM(1 - up) AS failures,
                        AVG(CASE WHEN up = 1 THEN total_ms END) AS avg_ms,
                        SUM(CASE WHEN up = 1 AND total_ms <= ? THEN 1 ELSE 0 END) AS satisfied,
                        SUM(CASE WHEN up = 1 AND total_ms > ? AND total_ms <= ? THEN 1 ELSE 0 END) AS tolerating
                 FROM checks WHERE checked_at >= ? AND checked_at < ?",
            vec![
                int(apdex_ms),
                int(apdex_ms),
                int(4 * apdex_ms),
                int(from_ms),
                int(to_ms),
            ],
        )?;
        Ok(rows.into_iter().next().unwrap_or_default())
    }

    /// The 95th-percentile response time of the successes in `[from, to)`.
    pub fn p95_ms(&self, from_ms: i64, to_ms: i64, successes: i64) -> Result<Option<i64>> {
        #[derive(Deserialize)]
        struct Ms {
            total_ms: i64,
        }
        if successes <= 0 {
            return Ok(None);
        }
        let rank = ((successes as f64) * 0.95).ceil() as i64;
        let rows: Vec<Ms> = self
            .sql
            .rows(
                "SELECT total_ms FROM checks WHERE up = 1 AND checked_at >= ? AND checked_at < ? ORDER BY total_ms LIMIT 1 OFFSET ?",
                vec![int(from_ms), int(to_ms), int(rank.max(1) - 1)],
            )?;
        Ok(rows.first().map(|r| r.total_ms))
    }

    /// The median (the lower middle value) of each timed phase over the
    /// successes in `[from, to)` that measured it, `None` for a phase none
    /// did, in `PHASES` order.
    pub fn phase_medians(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Option<i64>>> {
        #[derive(Deserialize)]
        struct Ms {
            ms: i64,
        }
        PHASES
            .iter()
            .map(|phase| {
                // `phase` is one of PHASES, never input.
                let timed = format!("up = 1 AND {phase} IS NOT NULL AND checked_at >= ? AND checked_at < ?");
                let rows: Vec<Ms> = self.sql.rows(
                    &format!(
                        "SELECT {phase} AS ms FROM checks WHERE {timed} ORDER BY {phase}
                         LIMIT 1 OFFSET (SELECT (COUNT(*) - 1) / 2 FROM checks WHERE {timed})"
                    ),
                    vec![int(from_ms), int(to_ms), int(from_ms), int(to_ms)],
                )?;
                Ok(rows.first().map(|row| row.ms))
            })
            .collect()
    }

    pub fn insert_ping(&self, ping: &PingRow) -> Result<i64> {
        let opt_int = |v: Option<i64>| v.map_or(SqlStorageValue::Null, int);
        #[derive(Deserialize)]
        struct Seq {
            seq: i64,
        }
        let rows: Vec<Seq> = self
            .sql
            .rows(
                "INSERT INTO pings (id, kind, exit_code, duration_ms, method, source_ip, user_agent, body, body_truncated, body_binary, rid, expected_at, at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
                vec![
                    ping.id.as_str().into(),
                    ping.kind.as_str().into(),
                    opt_int(ping.exit_code),
                    opt_int(ping.duration_ms),
                    ping.method.clone().into(),
                    ping.source_ip.clone().into(),
                    ping.user_agent.clone().into(),
                    ping.body.clone().into(),
                    int(ping.body_truncated),
                    int(ping.body_binary),
                    ping.rid.clone().into(),
                    opt_int(ping.expected_at),
                    int(ping.at),
                ],
            )?;
        Ok(rows.first().map_or(0, |r| r.seq))
    }

    /// The latest ping the job sent (`missed: false`), or the latest missed
    /// entry (`missed: true`).
    pub fn latest_ping(&self, missed: bool) -> Result<Option<PingRow>> {
        // Two texts rather than a bound flag, so that `kind = 'missed'` uses
        // `pings_by_kind` (a job that never misses has no such row to find).
        let sql = if missed {
            "SELECT * FROM pings WHERE kind = 'missed' ORDER BY seq DESC LIMIT 1"
        } else {
            // A log ping says nothing of the job's schedule.
            "SELECT * FROM pings WHERE kind NOT IN ('missed', 'log') ORDER BY seq DESC LIMIT 1"
        };
        let rows: Vec<PingRow> = self.sql.rows(sql, None)?;
        Ok(rows.into_iter().next())
    }

    /// When the run `rid` started, if it has not finished since (`rid` may be absent).
    pub fn open_start(&self, rid: Option<&str>) -> Result<Option<i64>> {
        #[derive(Deserialize)]
        struct At {
            at: i64,
        }
        let rows: Vec<At> = self.sql.rows(
            "SELECT at FROM pings WHERE kind = 'start' AND rid IS ?1 AND seq > COALESCE(
                   (SELECT MAX(seq) FROM pings WHERE kind IN ('success', 'fail') AND rid IS ?1), 0)
                 ORDER BY seq DESC LIMIT 1",
            vec![rid.map(str::to_string).into()],
        )?;
        Ok(rows.first().map(|r| r.at))
    }

    /// A page of pings, newest first, before `before_seq`.
    pub fn pings(&self, kind: Option<&str>, before_seq: Option<i64>, limit: u32) -> Result<Vec<PingRow>> {
        let mut sql = String::from("SELECT * FROM pings WHERE seq < ?");
        let mut args = vec![int(before_seq.unwrap_or(i64::MAX))];
        if let Some(kind) = kind {
            sql.push_str(" AND kind = ?");
            args.push(kind.into());
        }
        sql.push_str(" ORDER BY seq DESC LIMIT ?");
        args.push(int(i64::from(limit)));
        self.sql.rows(&sql, args)
    }

    /// Keeps the latest `keep` pings.
    /// Keeps the latest `keep` rows, and always the latest real ping: the
    /// deadline is counted from it, however many missed entries follow.
    pub fn prune_pings(&self, keep: u32) -> Result<()> {
        self.sql.run(
            "DELETE FROM pings WHERE seq <= (SELECT seq FROM pings ORDER BY seq DESC LIMIT 1 OFFSET ?)
               AND seq <> (SELECT MAX(seq) FROM pings WHERE kind <> 'missed')",
            vec![int(i64::from(keep))],
        )?;
        Ok(())
    }

    /// Keeps a window's past spans: it is being edited or deleted.
    pub fn keep_maintenance(&self, window_id: &str, spans: &[Span]) -> Result<()> {
        for span in spans {
            self.sql.run(
                "INSERT OR REPLACE INTO maintenance (window_id, start_ms, end_ms) VALUES (?, ?, ?)",
                vec![window_id.into(), int(span.start_ms), int(span.end_ms)],
            )?;
        }
        Ok(())
    }

    /// The kept spans overlapping `[from_ms, to_ms)`.
    pub fn kept_maintenance(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>> {
        self.sql.rows(
            "SELECT start_ms, end_ms FROM maintenance WHERE end_ms > ? AND start_ms < ?",
            vec![int(from_ms), int(to_ms)],
        )
    }

    /// Drops the results and flips older than `before_ms`, but the last flip
    /// before it: the status the retained history starts in.
    pub fn prune(&self, before_ms: i64) -> Result<()> {
        self.sql
            .run("DELETE FROM checks WHERE checked_at < ?", vec![int(before_ms)])?;
        self.sql.run(
            "DELETE FROM flips WHERE at < (SELECT MAX(at) FROM flips WHERE at < ?1)",
            vec![int(before_ms)],
        )?;
        self.sql
            .run("DELETE FROM maintenance WHERE end_ms < ?", vec![int(before_ms)])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{SCHEMA, UPGRADES};
    use rusqlite::Connection;

    /// The tables as objects made before the upgrades have them, with a result and two pings.
    const OLD: &str = "
        CREATE TABLE results (id TEXT PRIMARY KEY, up INTEGER NOT NULL, status_code INTEGER, error TEXT,
            region TEXT NOT NULL, dns_ms INTEGER, connect_ms INTEGER, tls_ms INTEGER, ttfb_ms INTEGER,
            total_ms INTEGER NOT NULL, checked_at INTEGER NOT NULL, due_at INTEGER NOT NULL);
        CREATE INDEX results_by_time ON results (checked_at, id);
        INSERT INTO results VALUES ('chk_1', 1, 200, NULL, '', 1, 2, 3, 4, 10, 1000, 990);
        CREATE TABLE pings (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, kind TEXT NOT NULL,
            exit_code INTEGER, duration_ms INTEGER, method TEXT, source_ip TEXT, user_agent TEXT, body TEXT,
            body_truncated INTEGER NOT NULL DEFAULT 0, body_binary INTEGER NOT NULL DEFAULT 0, rid TEXT,
            expected_at INTEGER, at INTEGER NOT NULL);
        CREATE INDEX pings_by_kind ON pings (kind, seq);
        INSERT INTO pings (seq, id, kind, at) VALUES (7, 'png_a', 'success', 500), (9, 'png_b', 'missed', 600);
    ";

    /// What `History::create_schema` does, on a plain SQLite connection.
    fn create_schema(db: &Connection) {
        db.execute_batch(SCHEMA).unwrap();
        for (find, upgrade) in UPGRADES {
            let found: i64 = db.query_row(find, [], |row| row.get(0)).unwrap();
            if found > 0 {
                db.execute_batch(upgrade).unwrap();
            }
        }
    }

    #[test]
    fn an_old_history_is_upgraded_once_and_keeps_every_row() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(OLD).unwrap();
        create_schema(&db);
        create_schema(&db); // a second instance finds nothing left to upgrade
        let result: (String, i64, i64) = db
            .query_row("SELECT id, checked_at, total_ms FROM checks", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(result, ("chk_1".into(), 1000, 10));
        let old_tables: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'results' OR sql LIKE '%AUTOINCREMENT%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old_tables, 0);
        let pings: Vec<(i64, String)> = db
            .prepare("SELECT seq, kind FROM pings ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(pings, vec![(7, "success".into()), (9, "missed".into())]);
        let next: i64 = db
            .query_row(
                "INSERT INTO pings (id, kind, at) VALUES ('png_c', 'success', 700) RETURNING seq",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(next, 10, "numbers keep growing");
        let index: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'pings_by_kind'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(index, 1);
    }
}
