//! `audit_log` (D1): each change to an organization's state, newest first,
//! kept for its organization's plan's retention.

use super::{all, execute, json_in, page_after, Arg, Db};
use crate::domain::audit::{ActionFilter, Filter};
use crate::domain::page::Cursor;
use crate::domain::plan::Plan;
use crate::domain::time::DAY_MS;
use serde_json::Value;
use worker::Result;

/// An entry to write; `changes` is JSON.
pub struct NewEntry<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub at: &'a str,
    pub at_ms: i64,
    pub actor_type: &'a str,
    pub actor_id: &'a str,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub changes: &'a str,
    /// The retention of an organization whose stored plan is no plan's name.
    pub default_retention_days: i64,
}

/// Writes an entry. Its expiry comes from the organization's plan as stored
/// now, read in the same statement: the caller's view of the plan may be
/// another organization's (an invitation is accepted from one's own).
pub async fn insert(db: &Db, entry: &NewEntry<'_>) -> Result<()> {
    let sql = "INSERT INTO audit_log (id, org_id, at, actor_type, actor_id, action, target_type, target_id,
            ip, user_agent, changes, expires_ms)
        SELECT ?1, o.id, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
            ?12 + ?13 * COALESCE(json_extract(?14, '$.' || o.plan), ?15)
        FROM organizations o WHERE o.id = ?2";
    let retention = Plan::audit_retention_json();
    let args = [
        entry.id.into(),
        entry.org_id.into(),
        entry.at.into(),
        entry.actor_type.into(),
        entry.actor_id.into(),
        entry.action.into(),
        entry.target_type.into(),
        entry.target_id.into(),
        entry.ip.into(),
        entry.user_agent.into(),
        entry.changes.into(),
        entry.at_ms.into(),
        DAY_MS.into(),
        (&retention).into(),
        entry.default_retention_days.into(),
    ];
    execute(db, sql, &args).await?;
    Ok(())
}

/// An entry as the API shows it, made by SQLite's JSON functions rather
/// than by code of ours (the Worker's bundle has a size limit): `actor`
/// holds the user's e-mail (a user that still exists) or the key's name (a
/// key, revoked or not); `json_patch` leaves out whichever is null.
const ENTRY_JSON: &str = "json_object('id', a.id, 'action', a.action,
    'actor', json_patch(json_object('type', a.actor_type, 'id', a.actor_id), json_object('email', u.email, 'name', k.name)),
    'target_type', a.target_type, 'target_id', a.target_id, 'at', a.at, 'ip', a.ip, 'user_agent', a.user_agent,
    'changes', json(a.changes))";

/// A page of the organization's entries that pass `filter`, newest first,
/// as the API shows them. The page is chosen on `audit_log` alone (by
/// `audit_log_by_org`, or `audit_log_by_target` for one target), and only
/// its rows are joined to their actors.
pub async fn list(db: &Db, org_id: &str, filter: &Filter, cursor: Option<&Cursor>, limit: u32) -> Result<Vec<Value>> {
    let mut page = String::from("SELECT * FROM audit_log WHERE org_id = ?");
    let mut args: Vec<Arg> = vec![org_id.into()];
    match &filter.action {
        Some(ActionFilter::Exact(action)) => {
            page.push_str(" AND action = ?");
            args.push(action.as_str().into());
        }
        Some(ActionFilter::Prefix(prefix)) => {
            page.push_str(" AND substr(action, 1, ?) = ?");
            args.extend([(prefix.len() as i64).into(), (*prefix).into()]);
        }
        None => {}
    }
    for (column, value) in [
        ("actor_id = ?", &filter.actor_id),
        ("target_id = ?", &filter.target_id),
        ("at >= ?", &filter.since),
        ("at < ?", &filter.until),
    ] {
        if let Some(value) = value {
            page.push_str(" AND ");
            page.push_str(column);
            args.push(value.into());
        }
    }
    page_after(&mut page, &mut args, "at", true, cursor, limit);
    let sql = format!(
        "SELECT {ENTRY_JSON} AS entry FROM ({page}) a
         LEFT JOIN users u ON a.actor_type = 'user' AND u.id = a.actor_id
         LEFT JOIN api_keys k ON a.actor_type = 'api_key' AND k.id = a.actor_id
         ORDER BY a.at DESC, a.id DESC"
    );
    json_in(&all(db, &sql, &args).await?, "entry")
}

/// At most this many expired entries go per run; any more go at the next.
pub const PRUNE_PER_RUN: i64 = 5000;

/// Deletes entries expired at `now_ms`, the oldest first, at most
/// `PRUNE_PER_RUN`: one statement, reading `audit_log_by_expiry` only.
pub async fn prune(db: &Db, now_ms: i64) -> Result<usize> {
    let sql = "DELETE FROM audit_log WHERE id IN
        (SELECT id FROM audit_log WHERE expires_ms <= ?1 ORDER BY expires_ms LIMIT ?2)";
    execute(db, sql, &[now_ms.into(), PRUNE_PER_RUN.into()]).await
}
