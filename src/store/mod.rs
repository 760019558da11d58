//! Storage: the only place with SQL. One file per table, each a few functions
//! over D1 that take and return plain values.

pub mod api_keys;
pub mod channels;
pub mod deliveries;
pub mod history;
pub mod incidents;
pub mod invitations;
pub mod memberships;
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
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Result};

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

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(text: Option<&'a str>) -> Self {
        text.map_or(Arg::Null, Arg::Text)
    }
}

pub fn statement(db: &D1Database, sql: &str, args: &[Arg<'_>]) -> Result<D1PreparedStatement> {
    let values: Vec<JsValue> = args.iter().map(JsValue::from).collect();
    db.prepare(sql).bind(&values)
}

pub async fn first<T: DeserializeOwned>(db: &D1Database, sql: &str, args: &[Arg<'_>]) -> Result<Option<T>> {
    statement(db, sql, args)?.first::<T>(None).await
}

pub async fn all<T: DeserializeOwned>(db: &D1Database, sql: &str, args: &[Arg<'_>]) -> Result<Vec<T>> {
    statement(db, sql, args)?.all().await?.results::<T>()
}

/// Runs a write and returns how many rows it changed.
pub async fn execute(db: &D1Database, sql: &str, args: &[Arg<'_>]) -> Result<usize> {
    let result = statement(db, sql, args)?.run().await?;
    Ok(changes(Some(&result)))
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
