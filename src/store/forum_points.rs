//! `forum_points` (D1): the Knowledge Points ledger, one row per grant that
//! earned points, and each account's total in `users.forum_points`, kept
//! in step by the statements here, which run in their callers' batches.

use super::{first, statement, Db};
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

/// The statements that record the grant and add its points to the author's total.
pub fn grant(db: &Db, grant: &Grant<'_>) -> Result<Vec<D1PreparedStatement>> {
    Ok(vec![
        statement(
            db,
            "INSERT INTO forum_points (post_id, giver_id, reason, points, day) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[grant.post_id.into(), grant.giver_id.into(), grant.reason.into(), grant.points.into(), grant.day.into()],
        )?,
        statement(
            db,
            "UPDATE users SET forum_points = forum_points + ?2 WHERE id = (SELECT author_id FROM forum_posts WHERE id = ?1)",
            &[grant.post_id.into(), grant.points.into()],
        )?,
    ])
}

/// The statements that take back what a post earned: every grant, or only
/// one giver's of one reason. Taking back twice takes nothing the second time.
pub fn revoke(db: &Db, post_id: &str, only: Option<(&str, &str)>) -> Result<Vec<D1PreparedStatement>> {
    let (giver, reason) = only.unzip();
    let which = "post_id = ?1 AND (?2 IS NULL OR (giver_id = ?2 AND reason = ?3))";
    let args = [post_id.into(), giver.into(), reason.into()];
    Ok(vec![
        statement(
            db,
            &format!(
                "UPDATE users SET forum_points = forum_points - (SELECT COALESCE(SUM(points), 0) FROM forum_points WHERE {which})
                 WHERE id = (SELECT author_id FROM forum_posts WHERE id = ?1)"
            ),
            &args,
        )?,
        statement(db, &format!("DELETE FROM forum_points WHERE {which}"), &args)?,
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
