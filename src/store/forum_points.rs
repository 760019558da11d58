//! `forum_points` (D1): the Knowledge Points ledger, one row per grant that
//! earned points, and each account's total in `users.forum_points`, kept
//! in step by the statements here, which run in their callers' batches.

use super::{first, statement, Arg, Db};
use crate::domain::points::DAILY_GIVING_CAP;
use serde_json::Value;
use worker::{D1PreparedStatement, Result};

/// A grant to record: `points` to the post's author, from `giver_id`.
pub struct Grant<'a> {
    pub post_id: &'a str,
    pub giver_id: &'a str,
    /// `vote` or `accept` (`domain::points::Grant::as_str`).
    pub reason: &'a str,
    /// Zero when the grant earns nothing (`domain::points::award`).
    pub points: i64,
    /// The UTC day, for the giver's daily cap.
    pub day: &'a str,
}

/// Whether the grant may be recorded, as the batch runs (D1 runs batches one
/// at a time, so grants sent at once cannot pass the cap together): within
/// the giver's daily cap, not recorded already, and an accept only for its
/// thread's accepted answer.
const GRANTABLE: &str =
    "(SELECT COALESCE(SUM(points), 0) FROM forum_points WHERE giver_id = ?2 AND day = ?5) + ?4 <= ?6
    AND NOT EXISTS (SELECT 1 FROM forum_points WHERE post_id = ?1 AND giver_id = ?2 AND reason = ?3)
    AND (?3 <> 'accept' OR EXISTS (SELECT 1 FROM forum_threads WHERE accepted_post_id = ?1))";

/// The statements that add the grant's points to the author's total and
/// record it, both under `GRANTABLE` (checked on the same state); the last
/// statement's `changes` tell whether it was recorded.
pub fn grant(db: &Db, grant: &Grant<'_>) -> Result<Vec<D1PreparedStatement>> {
    let args = [
        grant.post_id.into(),
        grant.giver_id.into(),
        grant.reason.into(),
        grant.points.into(),
        grant.day.into(),
        DAILY_GIVING_CAP.into(),
    ];
    Ok(vec![
        statement(
            db,
            &format!(
                "UPDATE users SET forum_points = forum_points + ?4
                 WHERE id = (SELECT author_id FROM forum_posts WHERE id = ?1) AND {GRANTABLE}"
            ),
            &args,
        )?,
        statement(
            db,
            &format!(
                "INSERT INTO forum_points (post_id, giver_id, reason, points, day)
                 SELECT ?1, ?2, ?3, ?4, ?5 WHERE {GRANTABLE}"
            ),
            &args,
        )?,
    ])
}

/// The statements that take back what a post earned: every grant, or only
/// one giver's of one reason. Taking back twice takes nothing the second time.
pub fn revoke(db: &Db, post_id: &str, only: Option<(&str, &str)>) -> Result<Vec<D1PreparedStatement>> {
    let (giver, reason) = only.unzip();
    revoke_where(
        db,
        "l.post_id = ?1 AND (?2 IS NULL OR (l.giver_id = ?2 AND l.reason = ?3))",
        &[post_id.into(), giver.into(), reason.into()],
    )
}

/// The statements that take back every point a thread's posts earned.
pub fn revoke_thread(db: &Db, thread_id: &str) -> Result<Vec<D1PreparedStatement>> {
    revoke_where(db, "p.thread_id = ?1", &[thread_id.into()])
}

/// The statements that take back what the thread's author gave for accepts
/// in the thread, but for its accepted answer as the batch runs (so an
/// accept that did not happen, the thread locked meanwhile, revokes nothing).
pub fn revoke_replaced_accepts(db: &Db, thread_id: &str, giver_id: &str) -> Result<Vec<D1PreparedStatement>> {
    revoke_where(
        db,
        "p.thread_id = ?1 AND l.giver_id = ?2 AND l.reason = 'accept'
         AND l.post_id IS NOT (SELECT accepted_post_id FROM forum_threads WHERE id = ?1)",
        &[thread_id.into(), giver_id.into()],
    )
}

/// Subtracts the grants `which` selects (over the ledger `l` joined to
/// their posts `p`) from their authors' totals, then deletes them.
fn revoke_where(db: &Db, which: &str, args: &[Arg<'_>]) -> Result<Vec<D1PreparedStatement>> {
    let selected = format!("FROM forum_points l JOIN forum_posts p ON p.id = l.post_id WHERE {which}");
    Ok(vec![
        statement(
            db,
            &format!(
                "UPDATE users SET forum_points = forum_points
                    - (SELECT COALESCE(SUM(l.points), 0) {selected} AND p.author_id = users.id)
                 WHERE id IN (SELECT p.author_id {selected})"
            ),
            args,
        )?,
        statement(
            db,
            &format!(
                "DELETE FROM forum_points WHERE (post_id, giver_id, reason) IN
                    (SELECT l.post_id, l.giver_id, l.reason {selected})"
            ),
            args,
        )?,
    ])
}

/// The points `giver_id` has given on `day`.
pub async fn given_on(db: &Db, giver_id: &str, day: &str) -> Result<i64> {
    let row: Option<Value> = first(
        db,
        "SELECT COALESCE(SUM(points), 0) AS points FROM forum_points WHERE giver_id = ?1 AND day = ?2",
        &[giver_id.into(), day.into()],
    )
    .await?;
    Ok(row.and_then(|r| r["points"].as_i64()).unwrap_or(0))
}
