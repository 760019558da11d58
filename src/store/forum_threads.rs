//! `forum_threads` (D1): the forums' threads, each written together with its
//! opening post in `forum_posts`, listed by `domain::forum::Sort` with
//! pinned threads first (the `*_rank` columns), filtered by category,
//! title, or what they are linked to.

use super::{all, changes, execute, forum_points, json_in, like_pattern, page_after, statement, Arg, Db};
use crate::domain::forum::{rank, Sort, ThreadChange, ThreadFilter};
use crate::domain::page::Cursor;
use serde_json::Value;
use worker::Result;

/// A thread as the API shows it, made by SQLite's JSON functions rather
/// than by code of ours (the Worker's bundle has a size limit): its author
/// by id, name and points (the API adds what the points earn).
pub struct Thread(pub Value);

impl Thread {
    fn text(&self, field: &str) -> &str {
        self.0[field].as_str().unwrap_or_default()
    }

    pub fn id(&self) -> &str {
        self.text("id")
    }

    pub fn author_id(&self) -> &str {
        self.0["author"]["id"].as_str().unwrap_or_default()
    }

    pub fn created_at(&self) -> &str {
        self.text("created_at")
    }

    pub fn locked(&self) -> bool {
        self.0["locked"] == Value::Bool(true)
    }

    pub fn accepted_post_id(&self) -> Option<&str> {
        self.0["accepted_post_id"].as_str()
    }

    pub fn reply_count(&self) -> i64 {
        self.0["reply_count"].as_i64().unwrap_or(0)
    }
}

const THREAD_JSON: &str = "json_object('id', t.id, 'title', t.title, 'category', t.category,
    'author', json_object('id', u.id, 'name', u.name, 'points', u.forum_points),
    'service_id', t.service_id, 'incident_id', t.incident_id, 'host', t.host,
    'created_at', t.created_at, 'last_activity_at', t.last_activity_at, 'reply_count', t.reply_count,
    'accepted_post_id', t.accepted_post_id,
    'pinned', json(iif(t.pinned, 'true', 'false')), 'locked', json(iif(t.locked, 'true', 'false')))";

/// Rows of `{"thread": <THREAD_JSON text>, …}`, each thread parsed.
fn parsed(rows: &[Value]) -> Result<Vec<Thread>> {
    Ok(json_in(rows, "thread")?.into_iter().map(Thread).collect())
}

/// A thread and its opening post, to write.
pub struct NewThread<'a> {
    pub id: &'a str,
    pub post_id: &'a str,
    pub category: &'a str,
    pub title: &'a str,
    pub author_id: &'a str,
    pub service_id: Option<&'a str>,
    pub incident_id: Option<&'a str>,
    pub host: Option<&'a str>,
    pub body: &'a str,
    pub body_html: &'a str,
    pub now: &'a str,
}

/// Writes the thread and its opening post in one batch.
pub async fn create(db: &Db, thread: &NewThread<'_>) -> Result<()> {
    let t = thread;
    let rank = rank(false, t.now);
    db.batch(vec![
        statement(
            db,
            "INSERT INTO forum_threads (id, category, title, author_id, service_id, incident_id, host,
                created_at, last_activity_at, newest_rank, active_rank)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?9)",
            &[
                t.id.into(),
                t.category.into(),
                t.title.into(),
                t.author_id.into(),
                t.service_id.into(),
                t.incident_id.into(),
                t.host.into(),
                t.now.into(),
                (&rank).into(),
            ],
        )?,
        statement(
            db,
            "INSERT INTO forum_posts (id, thread_id, author_id, opening, body, body_html, created_at)
             VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6)",
            &[
                t.post_id.into(),
                t.id.into(),
                t.author_id.into(),
                t.body.into(),
                t.body_html.into(),
                t.now.into(),
            ],
        )?,
    ])
    .await?;
    Ok(())
}

/// A thread that is not removed.
pub async fn get(db: &Db, id: &str) -> Result<Option<Thread>> {
    let sql = format!(
        "SELECT {THREAD_JSON} AS thread FROM forum_threads t JOIN users u ON u.id = t.author_id
         WHERE t.id = ?1 AND t.removed_at IS NULL"
    );
    Ok(parsed(&all(db, &sql, &[id.into()]).await?)?.pop())
}

/// The column a list in `sort`'s order is ordered by.
fn sort_column(sort: Sort) -> &'static str {
    match sort {
        Sort::Newest | Sort::Unanswered => "newest_rank",
        Sort::Active => "active_rank",
    }
}

/// One page of threads that are not removed, in `sort`'s order, after
/// `cursor`, each with its rank (for the next cursor). Each filter narrows
/// to an index of its own (see schema.sql); the title search reads that
/// index's rows in order until the page is full.
pub async fn list(
    db: &Db,
    sort: Sort,
    filter: &ThreadFilter,
    cursor: Option<&Cursor>,
    limit: u32,
) -> Result<Vec<(Thread, String)>> {
    let mut page = String::from("SELECT * FROM forum_threads WHERE removed_at IS NULL");
    let mut args: Vec<Arg> = Vec::new();
    if sort == Sort::Unanswered {
        // Written as a literal: only then does SQLite use the partial indexes.
        page.push_str(" AND reply_count = 0");
    }
    let title = filter.title.as_deref().map(like_pattern);
    let category = filter.category.map(|c| c.as_str());
    for (condition, value) in [
        (" AND category = ?", category),
        (" AND service_id = ?", filter.service_id.as_deref()),
        (" AND incident_id = ?", filter.incident_id.as_deref()),
        (" AND host = ?", filter.host.as_deref()),
        (" AND title LIKE ? ESCAPE '\\'", title.as_deref()),
    ] {
        if let Some(value) = value {
            page.push_str(condition);
            args.push(value.into());
        }
    }
    let column = sort_column(sort);
    page_after(&mut page, &mut args, column, true, cursor, limit);
    let sql = format!(
        "SELECT {THREAD_JSON} AS thread, t.{column} AS rank FROM ({page}) t JOIN users u ON u.id = t.author_id
         ORDER BY t.{column} DESC, t.id DESC"
    );
    let rows: Vec<Value> = all(db, &sql, &args).await?;
    let ranks = rows
        .iter()
        .map(|row| row["rank"].as_str().unwrap_or_default().to_string());
    Ok(parsed(&rows)?.into_iter().zip(ranks).collect())
}

/// Changes a thread that is not removed; false when there is none. Pinning
/// moves it in the lists: the rank's first character.
pub async fn change(db: &Db, id: &str, change: &ThreadChange) -> Result<bool> {
    let pinned = change.pinned.map(i64::from);
    let locked = change.locked.map(i64::from);
    let category = change.category.map(|c| c.as_str());
    let sql = "UPDATE forum_threads SET title = COALESCE(?2, title), category = COALESCE(?3, category),
            locked = COALESCE(?4, locked), pinned = COALESCE(?5, pinned),
            newest_rank = COALESCE(?5, pinned) || substr(newest_rank, 2),
            active_rank = COALESCE(?5, pinned) || substr(active_rank, 2)
        WHERE id = ?1 AND removed_at IS NULL";
    let args = [
        id.into(),
        change.title.as_deref().into(),
        category.into(),
        locked.map_or(Arg::Null, Arg::Int),
        pinned.map_or(Arg::Null, Arg::Int),
    ];
    Ok(execute(db, sql, &args).await? == 1)
}

/// Removes the thread: it is no longer shown, and every point its posts
/// earned is revoked, and their reports are resolved.
pub async fn remove(db: &Db, id: &str, opening_post_id: &str, removed_by: &str, now: &str) -> Result<bool> {
    let in_thread = "SELECT id FROM forum_posts WHERE thread_id = ?1";
    // The points first: they are found through the posts' authors.
    let mut statements = forum_points::revoke_thread(db, id)?;
    statements.extend([
        statement(
            db,
            "UPDATE forum_threads SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL",
            &[id.into(), now.into()],
        )?,
        statement(
            db,
            "UPDATE forum_posts SET removed_at = ?2, removed_by = ?3 WHERE id = ?1 AND removed_at IS NULL",
            &[opening_post_id.into(), now.into(), removed_by.into()],
        )?,
        statement(
            db,
            &format!(
                "UPDATE forum_reports SET resolved_at = ?2 WHERE resolved_at IS NULL AND post_id IN ({in_thread})"
            ),
            &[id.into(), now.into()],
        )?,
    ]);
    let results = db.batch(statements).await?;
    Ok(changes(results.get(2)) == 1)
}

/// Makes the grant's post the thread's accepted answer in place of any
/// before (whose accept points are revoked, however many accepts ran at
/// once), recording the grant when it earns points; false when the thread
/// is gone or locked meanwhile.
pub async fn accept(db: &Db, id: &str, grant: &forum_points::Grant<'_>) -> Result<bool> {
    let mut statements = vec![statement(
        db,
        "UPDATE forum_threads SET accepted_post_id = ?2 WHERE id = ?1 AND removed_at IS NULL AND locked = 0",
        &[id.into(), grant.post_id.into()],
    )?];
    statements.extend(forum_points::revoke_replaced_accepts(db, id, grant.giver_id)?);
    if grant.points > 0 {
        statements.extend(forum_points::grant(db, grant)?);
    }
    let results = db.batch(statements).await?;
    Ok(changes(results.first()) == 1)
}
