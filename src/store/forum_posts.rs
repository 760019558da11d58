//! `forum_posts` (D1): a thread's posts, its opening post first, with their
//! scores (`forum_votes`); replies, edits and removals. A thread's opening
//! post is written and removed with its thread (`forum_threads`).

use super::{all, changes, execute, forum_points, json_in, page_after, statement, Arg, Db};
use crate::domain::page::Cursor;
use serde_json::Value;
use worker::Result;

/// A post as the API shows it, made by SQLite's JSON functions (as
/// `forum_threads::Thread`): its author by id, name and points, its
/// `score` (votes) and whether it is its thread's accepted answer.
pub struct Post(pub Value);

impl Post {
    fn text(&self, field: &str) -> &str {
        self.0[field].as_str().unwrap_or_default()
    }

    pub fn id(&self) -> &str {
        self.text("id")
    }

    pub fn thread_id(&self) -> &str {
        self.text("thread_id")
    }

    pub fn author_id(&self) -> &str {
        self.0["author"]["id"].as_str().unwrap_or_default()
    }

    pub fn created_at(&self) -> &str {
        self.text("created_at")
    }

    /// Whether it is its thread's opening post rather than a reply.
    pub fn opening(&self) -> bool {
        self.0["opening"] == Value::Bool(true)
    }
}

const POST_JSON: &str = "json_object('id', p.id, 'thread_id', p.thread_id,
    'author', json_object('id', u.id, 'name', u.name, 'points', u.forum_points),
    'opening', json(iif(p.opening, 'true', 'false')),
    'accepted', json(iif(t.accepted_post_id IS p.id, 'true', 'false')),
    'body', p.body, 'body_html', p.body_html,
    'score', (SELECT COUNT(*) FROM forum_votes v WHERE v.post_id = p.id),
    'created_at', p.created_at, 'edited_at', p.edited_at)";

/// Rows of `{"post": <POST_JSON text>}`, each post parsed.
async fn posts(db: &Db, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Post>> {
    let rows: Vec<Value> = all(db, sql, args).await?;
    Ok(json_in(&rows, "post")?.into_iter().map(Post).collect())
}

/// A post that is shown (neither it nor its thread removed).
pub async fn get(db: &Db, id: &str) -> Result<Option<Post>> {
    let sql = format!(
        "SELECT {POST_JSON} AS post FROM forum_posts p JOIN users u ON u.id = p.author_id
            JOIN forum_threads t ON t.id = p.thread_id
         WHERE p.id = ?1 AND p.removed_at IS NULL AND t.removed_at IS NULL"
    );
    Ok(posts(db, &sql, &[id.into()]).await?.pop())
}

/// One page of the thread's shown posts, oldest (the opening post) first.
pub async fn of_thread(db: &Db, thread_id: &str, cursor: Option<&Cursor>, limit: u32) -> Result<Vec<Post>> {
    let mut page = String::from("SELECT * FROM forum_posts WHERE thread_id = ? AND removed_at IS NULL");
    let mut args: Vec<Arg> = vec![thread_id.into()];
    page_after(&mut page, &mut args, "created_at", false, cursor, limit);
    let sql = format!(
        "SELECT {POST_JSON} AS post FROM ({page}) p JOIN users u ON u.id = p.author_id
            JOIN forum_threads t ON t.id = p.thread_id
         ORDER BY p.created_at, p.id"
    );
    posts(db, &sql, &args).await
}

/// A reply to write.
pub struct NewReply<'a> {
    pub id: &'a str,
    pub thread_id: &'a str,
    pub author_id: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
    pub now: &'a str,
}

/// Writes the reply and makes it its thread's latest activity, only if the
/// thread is still shown and unlocked (checked in the insert itself, so a
/// lock that lands meanwhile wins); false otherwise.
pub async fn reply(db: &Db, reply: &NewReply<'_>) -> Result<bool> {
    let r = reply;
    let results = db
        .batch(vec![
            statement(
                db,
                "INSERT INTO forum_posts (id, thread_id, author_id, body, body_html, created_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS
                    (SELECT 1 FROM forum_threads WHERE id = ?2 AND removed_at IS NULL AND locked = 0)",
                &[
                    r.id.into(),
                    r.thread_id.into(),
                    r.author_id.into(),
                    r.body.into(),
                    r.body_html.into(),
                    r.now.into(),
                ],
            )?,
            statement(
                db,
                "UPDATE forum_threads SET reply_count = reply_count + 1, last_activity_at = ?2,
                    active_rank = substr(active_rank, 1, 1) || ?2
                 WHERE id = ?1 AND EXISTS (SELECT 1 FROM forum_posts WHERE id = ?3)",
                &[r.thread_id.into(), r.now.into(), r.id.into()],
            )?,
        ])
        .await?;
    Ok(changes(results.first()) == 1)
}

/// Replaces a shown post's body; false when it is gone.
pub async fn edit(db: &Db, id: &str, body: &str, body_html: &str, now: &str) -> Result<bool> {
    let sql = "UPDATE forum_posts SET body = ?2, body_html = ?3, edited_at = ?4 WHERE id = ?1 AND removed_at IS NULL";
    Ok(execute(db, sql, &[id.into(), body.into(), body_html.into(), now.into()]).await? == 1)
}

/// Removes a reply: it is no longer shown nor counted, stops being its
/// thread's accepted answer, loses the points it earned, and its reports
/// are resolved. False when it was removed already.
pub async fn remove_reply(db: &Db, id: &str, removed_by: &str, now: &str) -> Result<bool> {
    let mut statements = vec![
        // First, while the post still counts: only one removal takes it off its thread.
        statement(
            db,
            "UPDATE forum_threads SET reply_count = reply_count - 1,
                accepted_post_id = CASE WHEN accepted_post_id = ?1 THEN NULL ELSE accepted_post_id END
             WHERE id = (SELECT thread_id FROM forum_posts WHERE id = ?1 AND removed_at IS NULL AND opening = 0)",
            &[id.into()],
        )?,
        statement(
            db,
            "UPDATE forum_posts SET removed_at = ?2, removed_by = ?3 WHERE id = ?1 AND removed_at IS NULL",
            &[id.into(), now.into(), removed_by.into()],
        )?,
        statement(
            db,
            "UPDATE forum_reports SET resolved_at = ?2 WHERE post_id = ?1 AND resolved_at IS NULL",
            &[id.into(), now.into()],
        )?,
    ];
    statements.extend(forum_points::revoke(db, id, None)?);
    let results = db.batch(statements).await?;
    Ok(changes(results.get(1)) == 1)
}
