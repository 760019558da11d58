//! `forum_reports` (D1): posts reported to the moderators, one report per
//! account and post, open until the post is removed or the report dismissed.

use super::{all, execute, is_unique_violation, json_in, page_after, Arg, Db};
use crate::domain::page::Cursor;
use serde_json::Value;
use worker::Result;

/// Files a report; false when the reporter has reported the post already.
pub async fn create(db: &Db, id: &str, post_id: &str, reporter_id: &str, reason: &str, now: &str) -> Result<bool> {
    let sql = "INSERT INTO forum_reports (id, post_id, reporter_id, reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
    match execute(
        db,
        sql,
        &[id.into(), post_id.into(), reporter_id.into(), reason.into(), now.into()],
    )
    .await
    {
        Ok(_) => Ok(true),
        Err(error) if is_unique_violation(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

/// One page of the open reports, newest first, each as the API shows it
/// (made by SQLite's JSON functions, as `forum_threads::Thread`) with the
/// post it is about.
pub async fn open(db: &Db, cursor: Option<&Cursor>, limit: u32) -> Result<Vec<Value>> {
    let mut page = String::from("SELECT * FROM forum_reports WHERE resolved_at IS NULL");
    let mut args: Vec<Arg> = Vec::new();
    page_after(&mut page, &mut args, "created_at", true, cursor, limit);
    let sql = format!(
        "SELECT json_object('id', r.id, 'reason', r.reason, 'created_at', r.created_at,
                'reporter', json_object('id', u.id, 'name', u.name),
                'post', json_object('id', p.id, 'thread_id', p.thread_id, 'author_id', p.author_id, 'body', p.body)) AS report
         FROM ({page}) r JOIN users u ON u.id = r.reporter_id JOIN forum_posts p ON p.id = r.post_id
         ORDER BY r.created_at DESC, r.id DESC"
    );
    json_in(&all(db, &sql, &args).await?, "report")
}

/// Dismisses an open report; false when there is none.
pub async fn dismiss(db: &Db, id: &str, now: &str) -> Result<bool> {
    let sql = "UPDATE forum_reports SET resolved_at = ?2 WHERE id = ?1 AND resolved_at IS NULL";
    Ok(execute(db, sql, &[id.into(), now.into()]).await? == 1)
}
