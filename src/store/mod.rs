//! Storage: the only place with SQL. One file per table, each a few functions
//! over D1 that take and return plain values.

pub mod api_keys;
pub mod applied_keys;
pub mod audit_log;
pub mod catalogue;
pub mod channels;
pub mod deliveries;
pub mod forum_points;
pub mod forum_posts;
pub mod forum_reports;
pub mod forum_threads;
pub mod forum_votes;
pub mod history;
pub mod hosts;
pub mod incidents;
pub mod invitations;
pub mod live_failures;
pub mod maintenances;
pub mod memberships;
pub mod metrics;
pub mod monitors;
mod object_sql;
pub mod organizations;
pub mod page_cache;
pub mod rollups;
pub mod status_changes;
pub mod status_pages;
pub mod users;

use crate::domain::page::Cursor;
use serde::de::DeserializeOwned;
use std::cell::Cell;
use std::future::Future;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Env, Result};

/// D1 as one request (or one object's task) uses it: every query goes
/// through here, counted and timed, so that each API answer can report its
/// D1 work in `Server-Timing` (tests and benchmarks read it there).
pub struct Db {
    d1: D1Database,
    queries: Cell<u32>,
    elapsed_ms: Cell<f64>,
}

impl Db {
    pub fn new(d1: D1Database) -> Db {
        Db {
            d1,
            queries: Cell::new(0),
            elapsed_ms: Cell::new(0.0),
        }
    }

    /// The `DB` binding.
    pub fn of(env: &Env) -> Result<Db> {
        env.d1("DB").map(Db::new)
    }

    /// Runs `queries` statements' worth of work, counting them and their time.
    async fn timed<T>(&self, queries: usize, work: impl Future<Output = Result<T>>) -> Result<T> {
        let started = js_sys::Date::now();
        let outcome = work.await;
        self.queries.set(self.queries.get() + queries as u32);
        self.elapsed_ms
            .set(self.elapsed_ms.get() + (js_sys::Date::now() - started));
        outcome
    }

    /// Runs the statements in one transaction; each counts as a query.
    pub async fn batch(&self, statements: Vec<D1PreparedStatement>) -> Result<Vec<D1Result>> {
        let count = statements.len();
        let results = self.timed(count, self.d1.batch(statements)).await?;
        results.iter().for_each(metered);
        Ok(results)
    }

    /// Runs one statement for all its rows.
    async fn all(&self, statement: D1PreparedStatement) -> Result<D1Result> {
        let result = self.timed(1, statement.all()).await?;
        metered(&result);
        Ok(result)
    }

    /// How many queries ran so far, and their time in milliseconds.
    pub fn usage(&self) -> (u32, f64) {
        (self.queries.get(), self.elapsed_ms.get())
    }
}

/// Adds the rows a query read and wrote, as D1 reports them, to the cost tally.
fn metered(result: &D1Result) {
    let meta = result.meta().ok().flatten();
    let count = |n: Option<usize>| n.unwrap_or(0);
    crate::meter::d1(
        count(meta.as_ref().and_then(|m| m.rows_read)),
        count(meta.as_ref().and_then(|m| m.rows_written)),
    );
}

/// A bound parameter: text, a whole number, or NULL.
pub enum Arg<'a> {
    Text(&'a str),
    Int(i64),
    Null,
}

impl From<&Arg<'_>> for JsValue {
    fn from(arg: &Arg<'_>) -> JsValue {
        match arg {
            Arg::Text(text) => JsValue::from_str(text),
            // JavaScript numbers hold integers exactly up to 2^53, far above any count or size here.
            Arg::Int(n) => JsValue::from_f64(*n as f64),
            Arg::Null => JsValue::NULL,
        }
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Arg::Text(text)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Self {
        Arg::Text(text)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(n: Option<i64>) -> Self {
        n.map_or(Arg::Null, Arg::Int)
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(text: Option<&'a str>) -> Self {
        text.map_or(Arg::Null, Arg::Text)
    }
}

pub fn statement(db: &Db, sql: &str, args: &[Arg<'_>]) -> Result<D1PreparedStatement> {
    let values: Vec<JsValue> = args.iter().map(JsValue::from).collect();
    db.d1.prepare(sql).bind(&values)
}

pub async fn first<T: DeserializeOwned>(db: &Db, sql: &str, args: &[Arg<'_>]) -> Result<Option<T>> {
    first_of(db, statement(db, sql, args)?).await
}

/// The first row of a prepared statement's answer.
pub async fn first_of<T: DeserializeOwned>(db: &Db, statement: D1PreparedStatement) -> Result<Option<T>> {
    Ok(db.all(statement).await?.results::<T>()?.into_iter().next())
}

pub async fn all<T: DeserializeOwned>(db: &Db, sql: &str, args: &[Arg<'_>]) -> Result<Vec<T>> {
    db.all(statement(db, sql, args)?).await?.results::<T>()
}

/// Runs a write and returns how many rows it changed.
pub async fn execute(db: &Db, sql: &str, args: &[Arg<'_>]) -> Result<usize> {
    let result = db.all(statement(db, sql, args)?).await?;
    Ok(changes(Some(&result)))
}

/// The JSON that a query built with SQLite's JSON functions (kept as text
/// in `column` of each row), parsed: what the API shows, made without code
/// of ours (the Worker's bundle has a size limit).
pub fn json_in(rows: &[serde_json::Value], column: &str) -> Result<Vec<serde_json::Value>> {
    rows.iter()
        .map(|row| Ok(serde_json::from_str(row[column].as_str().unwrap_or("null"))?))
        .collect()
}

/// Whether D1 answers a trivial query: the health check.
pub async fn answers(db: &Db) -> Result<bool> {
    Ok(first::<serde_json::Value>(db, "SELECT 1 AS ok", &[]).await?.is_some())
}

/// How many rows a write changed, for one result of a batch (none: 0).
pub fn changes(result: Option<&D1Result>) -> usize {
    result
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|meta| meta.changes)
        .unwrap_or(0)
}

/// Whether a D1 error is a UNIQUE constraint refusing a duplicate.
pub fn is_unique_violation(error: &worker::Error) -> bool {
    error.to_string().contains("UNIQUE constraint failed")
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// Ends a list query ordered by `(sort_column, id)`: the rows after `cursor`,
/// in order, at most `limit`.
pub fn page_after<'a>(
    sql: &mut String,
    args: &mut Vec<Arg<'a>>,
    sort_column: &str,
    descending: bool,
    cursor: Option<&'a Cursor>,
    limit: u32,
) {
    let (after, order) = if descending { ("<", " DESC") } else { (">", "") };
    if let Some(cursor) = cursor {
        sql.push_str(&format!(
            " AND ({sort_column} {after} ? OR ({sort_column} = ? AND id {after} ?))"
        ));
        args.extend([
            (&cursor.after_key).into(),
            (&cursor.after_key).into(),
            (&cursor.after_id).into(),
        ]);
    }
    sql.push_str(&format!(" ORDER BY {sort_column}{order}, id{order} LIMIT ?"));
    args.push(i64::from(limit).into());
}
