//! The forums' posts: replies (`POST /api/v1/forum/threads/{id}/posts`),
//! edits and deletions (`PATCH,DELETE /api/v1/forum/posts/{id}`), votes
//! (`POST,DELETE /api/v1/forum/posts/{id}/vote`), accepted answers
//! (`POST /api/v1/forum/threads/{id}/accept`) and reports
//! (`POST /api/v1/forum/posts/{id}/report`). Who may do what is
//! `domain::forum`; what earns points, `domain::points`.

use super::forum::{member, millis, shown, spend_post, thread, Member};
use super::{created, no_content, ok, read_json, Ctx};
use crate::domain::forum::{accepted_post_of, body_of, may_edit, may_remove, reason_of, Refusal, Standing};
use crate::domain::ids::new_id;
use crate::domain::markdown;
use crate::domain::points::{award, may_vote, Giving, Grant, Unearned};
use crate::domain::time::{day_of, millis_from_iso};
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::store::forum_posts::{self, NewReply, Post};
use crate::store::forum_threads::{self, Thread};
use crate::store::{forum_points, forum_reports, forum_votes};
use serde_json::json;
use worker::{Request, Response};

/// A shown post, or 404.
async fn post(ctx: &Ctx, id: &str) -> ApiResult<Post> {
    forum_posts::get(&ctx.db, id).await?.ok_or(ApiError::NotFound("post"))
}

/// A shown post and its thread.
async fn post_in_thread(ctx: &Ctx, id: &str) -> ApiResult<(Post, Thread)> {
    let post = post(ctx, id).await?;
    let thread = thread(ctx, post.thread_id()).await?;
    Ok((post, thread))
}

/// `POST /api/v1/forum/threads/{id}/posts`: a reply (`body`, markdown).
pub async fn reply(ctx: &Ctx, mut req: Request, thread_id: &str) -> ApiResult<Response> {
    let member = member(ctx, &req).await?;
    let body = body_of(&read_json(&mut req).await?)?;
    let thread = thread(ctx, thread_id).await?;
    if thread.locked() {
        return Err(Refusal::Locked.into());
    }
    spend_post(ctx, &member).await?;
    let (id, now, body_html) = (new_id("pst"), ctx.now(), markdown::render(&body));
    let reply = NewReply {
        id: &id,
        thread_id,
        author_id: &member.user.id,
        body: &body,
        body_html: &body_html,
        now: &now,
    };
    if !forum_posts::reply(&ctx.db, &reply).await? {
        // Locked or removed since it was read.
        return Err(Refusal::Locked.into());
    }
    created(shown(post(ctx, &id).await?.0))
}

/// `PATCH /api/v1/forum/posts/{id}`: a new `body`, by its author within the edit window.
pub async fn edit(ctx: &Ctx, mut req: Request, id: &str) -> ApiResult<Response> {
    let member = member(ctx, &req).await?;
    let (post, thread) = post_in_thread(ctx, id).await?;
    may_edit(
        member.standing(post.author_id()),
        millis(post.created_at()),
        ctx.now_ms,
        thread.locked(),
    )?;
    let body = body_of(&read_json(&mut req).await?)?;
    if !forum_posts::edit(&ctx.db, id, &body, &markdown::render(&body), &ctx.now()).await? {
        return Err(ApiError::NotFound("post"));
    }
    ok(shown(self::post(ctx, id).await?.0))
}

/// `DELETE /api/v1/forum/posts/{id}`: its author deletes it, or a moderator
/// removes it; a thread's opening post takes its thread along. The points
/// it (or its thread) earned are revoked.
pub async fn delete(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let member = member(ctx, &req).await?;
    let (post, thread) = post_in_thread(ctx, id).await?;
    let standing = member.standing(post.author_id());
    may_remove(standing, post.opening() && thread.reply_count() > 0)?;
    let removed_by = if standing == Standing::Author {
        "author"
    } else {
        "moderator"
    };
    let now = ctx.now();
    if post.opening() {
        forum_threads::remove(&ctx.db, post.thread_id(), id, removed_by, &now).await?;
    } else {
        forum_posts::remove_reply(&ctx.db, id, removed_by, &now).await?;
    }
    no_content()
}

/// `POST /api/v1/forum/posts/{id}/vote`: one upvote per account and post,
/// never on one's own. It earns the author points when `domain::points`
/// says so; the answer tells what it earned, or why nothing.
pub async fn vote(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let member = member(ctx, &req).await?;
    let (post, thread) = post_in_thread(ctx, id).await?;
    if !may_vote(&member.user.id, post.author_id()) {
        return Err(ApiError::forbidden("own_post", "you cannot vote on your own post"));
    }
    if thread.locked() {
        return Err(Refusal::Locked.into());
    }
    let day = day_of(ctx.now_ms);
    let (points, unearned) = earned(ctx, &member, Grant::Upvote, &post, &day).await?;
    let grant = forum_points::Grant {
        post_id: id,
        giver_id: &member.user.id,
        reason: Grant::Upvote.as_str(),
        points,
        day: &day,
    };
    let Some(awarded) = forum_votes::vote(&ctx.db, &grant, &ctx.now()).await? else {
        return Err(ApiError::conflict(
            "already_voted",
            "you have voted on this post already",
        ));
    };
    // Other grants of the voter's, recorded meanwhile, reached the cap first.
    let unearned = unearned.or((awarded < points).then_some(Unearned::DailyCapReached.as_str()));
    let score = forum_votes::score(&ctx.db, id).await?;
    created(json!({ "post_id": id, "score": score, "points_awarded": awarded, "unearned": unearned }))
}

/// What a grant by the member earns the post's author today, and why
/// nothing when it earns nothing.
async fn earned(
    ctx: &Ctx,
    member: &Member,
    grant: Grant,
    post: &Post,
    day: &str,
) -> ApiResult<(i64, Option<&'static str>)> {
    let giving = Giving {
        grant,
        to_reply: !post.opening(),
        giver_id: &member.user.id,
        author_id: post.author_id(),
        // An unreadable time counts as new: the age rule fails closed.
        giver_created_ms: millis_from_iso(&member.user.created_at).unwrap_or(ctx.now_ms),
        now_ms: ctx.now_ms,
        given_today: forum_points::given_on(&ctx.db, &member.user.id, day).await?,
    };
    Ok(match award(&giving, ctx.config.forum_min_account_age_hours) {
        Ok(points) => (points, None),
        Err(why) => (0, Some(why.as_str())),
    })
}

/// `DELETE /api/v1/forum/posts/{id}/vote`: takes one's vote back, and the points it earned.
pub async fn unvote(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let member = member(ctx, &req).await?;
    post(ctx, id).await?;
    if !forum_votes::unvote(&ctx.db, id, &member.user.id, Grant::Upvote.as_str()).await? {
        return Err(ApiError::NotFound("vote"));
    }
    no_content()
}

/// `POST /api/v1/forum/threads/{id}/accept` (`post_id`): the thread's author
/// accepts a reply as its answer, in place of any accepted before (whose
/// points are revoked).
pub async fn accept(ctx: &Ctx, mut req: Request, thread_id: &str) -> ApiResult<Response> {
    let member = member(ctx, &req).await?;
    let thread = thread(ctx, thread_id).await?;
    let post_id = accepted_post_of(&read_json(&mut req).await?)?;
    if member.user.id != thread.author_id() {
        return Err(Refusal::NotAuthor.into());
    }
    if thread.locked() {
        return Err(Refusal::Locked.into());
    }
    let not_a_reply = || FieldError::new("post_id", "post_id must name a reply in this thread");
    let post = forum_posts::get(&ctx.db, &post_id)
        .await?
        .filter(|p| p.thread_id() == thread.id() && !p.opening())
        .ok_or_else(not_a_reply)?;
    if thread.accepted_post_id() == Some(post.id()) {
        return ok(shown(thread.0));
    }
    let day = day_of(ctx.now_ms);
    let (points, _) = earned(ctx, &member, Grant::Accept, &post, &day).await?;
    let grant = forum_points::Grant {
        post_id: post.id(),
        giver_id: &member.user.id,
        reason: Grant::Accept.as_str(),
        points,
        day: &day,
    };
    if !forum_threads::accept(&ctx.db, thread_id, &grant).await? {
        return Err(Refusal::Locked.into());
    }
    ok(shown(self::thread(ctx, thread_id).await?.0))
}

/// `POST /api/v1/forum/posts/{id}/report` (`reason`): for the moderators'
/// list; once per account and post.
pub async fn report(ctx: &Ctx, mut req: Request, id: &str) -> ApiResult<Response> {
    let member = member(ctx, &req).await?;
    let reason = reason_of(&read_json(&mut req).await?)?;
    post(ctx, id).await?;
    spend_post(ctx, &member).await?;
    let (report_id, now) = (new_id("rpt"), ctx.now());
    if !forum_reports::create(&ctx.db, &report_id, id, &member.user.id, &reason, &now).await? {
        return Err(ApiError::conflict(
            "already_reported",
            "you have reported this post already",
        ));
    }
    created(json!({ "id": report_id, "post_id": id, "reason": reason, "created_at": now }))
}
