//! `forum_votes` (D1): one vote per account and post (the table's key),
//! written with the points it earned (`forum_points`) in one batch.

use super::{changes, first, forum_points, is_unique_violation, statement, Db};
use serde_json::Value;
use worker::Result;

/// Records the vote and its grant (when it earns points): the points the
/// grant earned (none when the daily cap was reached meanwhile), or None
/// when the voter had voted on the post already.
pub async fn vote(db: &Db, grant: &forum_points::Grant<'_>, now: &str) -> Result<Option<i64>> {
    let mut statements = vec![statement(
        db,
        "INSERT INTO forum_votes (post_id, voter_id, created_at) VALUES (?1, ?2, ?3)",
        &[grant.post_id.into(), grant.giver_id.into(), now.into()],
    )?];
    if grant.points > 0 {
        statements.extend(forum_points::grant(db, grant)?);
    }
    match db.batch(statements).await {
        Ok(results) => Ok(Some(if changes(results.get(1)) == 1 { grant.points } else { 0 })),
        Err(error) if is_unique_violation(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Takes the vote back with the points it earned; false when there was none.
pub async fn unvote(db: &Db, post_id: &str, voter_id: &str, reason: &str) -> Result<bool> {
    let mut statements = forum_points::revoke(db, post_id, Some((voter_id, reason)))?;
    statements.push(statement(
        db,
        "DELETE FROM forum_votes WHERE post_id = ?1 AND voter_id = ?2",
        &[post_id.into(), voter_id.into()],
    )?);
    let results = db.batch(statements).await?;
    Ok(changes(results.last()) == 1)
}

/// The post's votes.
pub async fn score(db: &Db, post_id: &str) -> Result<i64> {
    let row: Option<Value> = first(
        db,
        "SELECT COUNT(*) AS score FROM forum_votes WHERE post_id = ?1",
        &[post_id.into()],
    )
    .await?;
    Ok(row.and_then(|r| r["score"].as_i64()).unwrap_or(0))
}
