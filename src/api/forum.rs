//! The community forums' threads: `GET,POST /api/v1/forum/threads`,
//! `GET,PATCH /api/v1/forum/threads/{id}` and a catalogue service's linked
//! discussions, `GET /api/v1/services/{id}/threads`; and what the forums'
//! handlers share: who writes (`member`), the posting limit, and how
//! threads, posts and their authors are shown. Reading is public; writing
//! takes any signed-in account, whatever its organization. The rules are
//! `domain::forum` and `domain::points`.

use super::{created, limits, list, next_page, ok, page_params, query, read_json, Ctx};
use crate::api::credentials::authenticate;
use crate::domain::access::{Actor, Denied, KeyScopes, Principal};
use crate::domain::forum::{may_change_thread, NewThread, Refusal, Sort, Standing, ThreadChange, ThreadFilter};
use crate::domain::ids::new_id;
use crate::domain::markdown;
use crate::domain::points::{badge, verified};
use crate::domain::rate_limit::{Bucket, Rule, HOUR_MS};
use crate::domain::time::millis_from_iso;
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::store::forum_threads::{self, Thread};
use crate::store::{self, users::User};
use serde_json::{json, Value};
use std::collections::HashMap;
use worker::{Request, Response};

/// Who writes in the forums: a user, signed in with their token or with a
/// read-write API key they made.
pub struct Member {
    pub user: User,
    pub moderator: bool,
}

impl Member {
    pub fn standing(&self, author_id: &str) -> Standing {
        Standing::of(&self.user.id, author_id, self.moderator)
    }

    pub fn require_moderator(&self) -> ApiResult<()> {
        if self.moderator {
            Ok(())
        } else {
            Err(Refusal::NotModerator.into())
        }
    }
}

/// The request's member; a read-only key may not write.
pub async fn member(ctx: &Ctx, req: &Request) -> ApiResult<Member> {
    let principal = authenticate(ctx, req, None).await?;
    if let Actor::Key {
        scopes: KeyScopes::Read,
        ..
    } = principal.actor
    {
        return Err(Denied::ReadOnlyKey.into());
    }
    let user = user_of(ctx, &principal).await?;
    let moderator = ctx.config.is_moderator(&user.email);
    Ok(Member { user, moderator })
}

/// The user a credential speaks for: a token's, or the maker of a key.
pub async fn user_of(ctx: &Ctx, principal: &Principal) -> ApiResult<User> {
    let user = match &principal.actor {
        Actor::User { user_id, .. } => store::users::by_id(&ctx.db, user_id).await?,
        Actor::Key { key_id, .. } => store::users::by_key(&ctx.db, key_id).await?,
    };
    user.ok_or_else(|| {
        ApiError::forbidden(
            "user_required",
            "this credential speaks for no user: use a user's token or a key a user made",
        )
    })
}

/// Spends one of the member's forum posts of the hour (threads, replies,
/// reports): 429 with `Retry-After` past `PW_FORUM_POSTS_PER_HOUR`.
pub async fn spend_post(ctx: &Ctx, member: &Member) -> ApiResult<()> {
    let rule = Rule::new("forum_posts", ctx.config.forum_posts_per_hour, HOUR_MS, 1);
    limits::spend(ctx, &Bucket::User(member.user.id.clone()), vec![rule]).await?;
    Ok(())
}

/// When something was written, in epoch ms (0 if the stored time is unreadable).
pub fn millis(iso: &str) -> i64 {
    millis_from_iso(iso).unwrap_or(0)
}

/// A thread or post as shown: its author's points earn `verified` and a
/// `badge`, shown next to their name (never their e-mail address).
pub fn shown(mut item: Value) -> Value {
    let points = item["author"]["points"].as_i64().unwrap_or(0);
    item["author"]["verified"] = json!(verified(points));
    item["author"]["badge"] = json!(badge(points));
    item
}

/// A shown thread, or 404.
pub async fn thread(ctx: &Ctx, id: &str) -> ApiResult<Thread> {
    forum_threads::get(&ctx.db, id)
        .await?
        .ok_or(ApiError::NotFound("thread"))
}

/// `GET /api/v1/forum/threads`: `sort` (newest, active, unanswered),
/// `category`, `q` (in the title), `service_id`, `incident_id`, `host`.
pub async fn index(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    threads(ctx, &req, None).await
}

/// `GET /api/v1/services/{id}/threads`: the discussions linked to a catalogue service.
pub async fn of_service(ctx: &Ctx, req: Request, service_id: &str) -> ApiResult<Response> {
    store::catalogue::get(&ctx.db, service_id)
        .await?
        .ok_or(ApiError::NotFound("service"))?;
    threads(ctx, &req, Some(service_id)).await
}

async fn threads(ctx: &Ctx, req: &Request, service_id: Option<&str>) -> ApiResult<Response> {
    let params = query(req)?;
    let param = |name: &str| params.get(name).map(String::as_str);
    let sort = Sort::parse(param("sort")).map_err(|e| ApiError::bad_query(&e))?;
    let mut filter = ThreadFilter::parse(param).map_err(|e| ApiError::bad_query(&e))?;
    if let Some(service_id) = service_id {
        filter.service_id = Some(service_id.to_string());
    }
    let (limit, cursor) = page_params(&params)?;
    let mut rows = forum_threads::list(&ctx.db, sort, &filter, cursor.as_ref(), limit + 1).await?;
    let next_cursor = next_page(&mut rows, limit, |(last, rank)| (rank.clone(), last.id().to_string()));
    list(
        rows.into_iter().map(|(thread, _)| shown(thread.0)).collect(),
        next_cursor,
    )
}

/// `POST /api/v1/forum/threads`: `title`, `body` (markdown), `category`,
/// and optionally the `service_id`, `incident_id` or `host` it is about.
pub async fn create(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    let member = member(ctx, &req).await?;
    let input = NewThread::from_input(&read_json(&mut req).await?)?;
    check_links(ctx, &input, &member.user.id).await?;
    spend_post(ctx, &member).await?;
    let (id, post_id, now) = (new_id("thr"), new_id("pst"), ctx.now());
    let body_html = markdown::render(&input.body);
    let new = forum_threads::NewThread {
        id: &id,
        post_id: &post_id,
        category: input.category.as_str(),
        title: &input.title,
        author_id: &member.user.id,
        service_id: input.service_id.as_deref(),
        incident_id: input.incident_id.as_deref(),
        host: input.host.as_deref(),
        body: &input.body,
        body_html: &body_html,
        now: &now,
    };
    forum_threads::create(&ctx.db, &new).await?;
    created(with_posts(ctx, thread(ctx, &id).await?, &Default::default()).await?)
}

/// A linked service must be in the catalogue, and an incident one the
/// author's organizations have or a public status page shows (another's
/// private incident answers as one that does not exist).
async fn check_links(ctx: &Ctx, input: &NewThread, author_id: &str) -> ApiResult<()> {
    if let Some(service_id) = &input.service_id {
        if store::catalogue::get(&ctx.db, service_id).await?.is_none() {
            return Err(FieldError::new("service_id", "service_id names no service of the catalogue").into());
        }
    }
    if let Some(incident_id) = &input.incident_id {
        if !store::incidents::linkable(&ctx.db, incident_id, author_id).await? {
            return Err(FieldError::new("incident_id", "incident_id names no incident").into());
        }
    }
    Ok(())
}

/// `GET /api/v1/forum/threads/{id}`: the thread with a page of its posts,
/// the opening post first (`limit`, `cursor`; `posts_next_cursor` when more remain).
pub async fn show(ctx: &Ctx, req: Request, id: &str) -> ApiResult<Response> {
    let params = query(&req)?;
    ok(with_posts(ctx, thread(ctx, id).await?, &params).await?)
}

async fn with_posts(ctx: &Ctx, thread: Thread, params: &HashMap<String, String>) -> ApiResult<Value> {
    let (limit, cursor) = page_params(params)?;
    let mut posts = store::forum_posts::of_thread(&ctx.db, thread.id(), cursor.as_ref(), limit + 1).await?;
    let next_cursor = next_page(&mut posts, limit, |last| {
        (last.created_at().to_string(), last.id().to_string())
    });
    let mut thread = shown(thread.0);
    thread["posts"] = posts.into_iter().map(|post| shown(post.0)).collect();
    thread["posts_next_cursor"] = json!(next_cursor);
    Ok(thread)
}

/// `PATCH /api/v1/forum/threads/{id}`: `title` and `category` (its author
/// within the edit window, or a moderator), `pinned` and `locked` (moderators).
pub async fn update(ctx: &Ctx, mut req: Request, id: &str) -> ApiResult<Response> {
    let member = member(ctx, &req).await?;
    let thread = thread(ctx, id).await?;
    let change = ThreadChange::from_input(&read_json(&mut req).await?)?;
    may_change_thread(
        member.standing(thread.author_id()),
        member.moderator,
        &change,
        millis(thread.created_at()),
        ctx.now_ms,
        thread.locked(),
    )?;
    if !forum_threads::change(&ctx.db, id, &change).await? {
        return Err(ApiError::NotFound("thread"));
    }
    ok(shown(self::thread(ctx, id).await?.0))
}
