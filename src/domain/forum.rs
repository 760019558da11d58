//! The community forums' rules: categories, listing orders, what a thread
//! and a post may hold, who may change what and until when, and who the
//! moderators are. Bodies are markdown (`domain::markdown`); points are
//! `domain::points`.

use super::validation::{trimmed_text, FieldError, Fields};
use serde_json::{Map, Value};

/// A post's body, in characters: longer ones are refused (422 `body`).
pub const MAX_BODY_CHARS: usize = 20_000;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MIN_TITLE_CHARS: usize = 3;
/// How long an author may edit a post (and a thread's title) after writing it.
pub const EDIT_WINDOW_MS: i64 = 60 * 60_000;
/// A report's reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;
/// A title search's text, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    General,
    Outages,
    Configurations,
}

impl Category {
    pub fn parse(text: &str) -> Option<Category> {
        match text {
            "general" => Some(Category::General),
            "outages" => Some(Category::Outages),
            "configurations" => Some(Category::Configurations),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::General => "general",
            Category::Outages => "outages",
            Category::Configurations => "configurations",
        }
    }

    fn from_field(value: &str) -> Result<Category, FieldError> {
        Category::parse(value)
            .ok_or_else(|| FieldError::new("category", "category must be one of general, outages, configurations"))
    }
}

/// A thread list's order; pinned threads come first in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// The latest threads first.
    Newest,
    /// The threads with the latest posts first.
    Active,
    /// Threads without a reply, the latest first.
    Unanswered,
}

impl Sort {
    pub fn parse(text: Option<&str>) -> Result<Sort, FieldError> {
        match text {
            None | Some("newest") => Ok(Sort::Newest),
            Some("active") => Ok(Sort::Active),
            Some("unanswered") => Ok(Sort::Unanswered),
            Some(_) => Err(FieldError::new(
                "sort",
                "sort must be one of newest, active, unanswered",
            )),
        }
    }
}

/// A thread list's filters, from its query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadFilter {
    pub category: Option<Category>,
    /// Text the title contains.
    pub title: Option<String>,
    pub service_id: Option<String>,
    pub incident_id: Option<String>,
    pub host: Option<String>,
}

impl ThreadFilter {
    /// Reads `category`, `q`, `service_id`, `incident_id` and `host`.
    pub fn parse<'a>(param: impl Fn(&str) -> Option<&'a str>) -> Result<ThreadFilter, FieldError> {
        let text = |name: &str| param(name).map(str::trim).filter(|v| !v.is_empty());
        let category = text("category").map(Category::from_field).transpose()?;
        let title = text("q")
            .map(|q| trimmed_text("q", q, 1, MAX_QUERY_CHARS))
            .transpose()?;
        Ok(ThreadFilter {
            category,
            title,
            service_id: text("service_id").map(str::to_string),
            incident_id: text("incident_id").map(str::to_string),
            host: text("host").map(normalized_host),
        })
    }
}

/// A host as threads are linked to it and looked up by: lower case, no final dot.
pub fn normalized_host(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// A new thread, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewThread {
    pub title: String,
    pub body: String,
    pub category: Category,
    /// A catalogue service, an incident and a host the thread is about.
    pub service_id: Option<String>,
    pub incident_id: Option<String>,
    pub host: Option<String>,
}

impl NewThread {
    /// From a request body; links are checked to exist by the caller.
    pub fn from_input(input: &Map<String, Value>) -> Result<NewThread, FieldError> {
        let mut fields = Fields::new(input);
        let title = title(fields.string("title")?.ok_or_else(|| required("title"))?)?;
        let body = body(fields.string("body")?.ok_or_else(|| required("body"))?)?;
        let category = Category::from_field(fields.string("category")?.ok_or_else(|| required("category"))?)?;
        let link = |fields: &mut Fields, name: &'static str| -> Result<Option<String>, FieldError> {
            fields.string(name)?.map(|v| trimmed_text(name, v, 1, 253)).transpose()
        };
        let service_id = link(&mut fields, "service_id")?;
        let incident_id = link(&mut fields, "incident_id")?;
        let host = link(&mut fields, "host")?
            .map(|host| {
                let host = normalized_host(&host);
                super::target::is_valid_host(&host)
                    .then_some(host)
                    .ok_or_else(|| FieldError::new("host", "host must be a host name or an IP address"))
            })
            .transpose()?;
        fields.finish(&[], "a thread")?;
        Ok(NewThread {
            title,
            body,
            category,
            service_id,
            incident_id,
            host,
        })
    }
}

/// A change to a thread: its title and category (its author, within the
/// edit window, or a moderator), pinned and locked (moderators).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadChange {
    pub title: Option<String>,
    pub category: Option<Category>,
    pub pinned: Option<bool>,
    pub locked: Option<bool>,
}

impl ThreadChange {
    pub fn from_input(input: &Map<String, Value>) -> Result<ThreadChange, FieldError> {
        let mut fields = Fields::new(input);
        let change = ThreadChange {
            title: fields.string("title")?.map(title).transpose()?,
            category: fields.string("category")?.map(Category::from_field).transpose()?,
            pinned: fields.bool("pinned")?,
            locked: fields.bool("locked")?,
        };
        fields.finish(&["id", "author", "created_at", "reply_count"], "a thread")?;
        Ok(change)
    }

    /// Whether the change needs a moderator.
    pub fn moderates(&self) -> bool {
        self.pinned.is_some() || self.locked.is_some()
    }
}

/// A post's body from a request (`{"body": …}`), validated.
pub fn body_of(input: &Map<String, Value>) -> Result<String, FieldError> {
    let mut fields = Fields::new(input);
    let text = fields.string("body")?.ok_or_else(|| required("body"))?;
    fields.finish(&[], "a post")?;
    body(text)
}

/// A report's reason (`{"reason": …}`), validated.
pub fn reason_of(input: &Map<String, Value>) -> Result<String, FieldError> {
    let mut fields = Fields::new(input);
    let reason = fields.string("reason")?.ok_or_else(|| required("reason"))?;
    fields.finish(&[], "a report")?;
    trimmed_text("reason", reason, 1, MAX_REASON_CHARS)
}

/// The post an accept names (`{"post_id": …}`).
pub fn accepted_post_of(input: &Map<String, Value>) -> Result<String, FieldError> {
    let mut fields = Fields::new(input);
    let post_id = fields.string("post_id")?.ok_or_else(|| required("post_id"))?;
    fields.finish(&[], "an accept")?;
    Ok(post_id.to_string())
}

fn required(field: &str) -> FieldError {
    FieldError::new(field, format!("{field} is required and must be a string"))
}

fn title(text: &str) -> Result<String, FieldError> {
    trimmed_text("title", text, MIN_TITLE_CHARS, MAX_TITLE_CHARS)
}

/// Markdown, so line breaks and tabs are welcome; other control characters are not.
fn body(text: &str) -> Result<String, FieldError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_BODY_CHARS {
        return Err(FieldError::new(
            "body",
            format!("body must be 1 to {MAX_BODY_CHARS} characters long"),
        ));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(FieldError::new("body", "body must not contain control characters"));
    }
    Ok(text.to_string())
}

/// Who acts on a post or thread, as far as changing it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Author,
    Moderator,
    Other,
}

impl Standing {
    /// The author first: a moderator's own post is theirs to edit.
    pub fn of(actor_id: &str, author_id: &str, moderator: bool) -> Standing {
        match (actor_id == author_id, moderator) {
            (true, _) => Standing::Author,
            (false, true) => Standing::Moderator,
            (false, false) => Standing::Other,
        }
    }
}

/// Why a change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not the author (nor, where it would do, a moderator).
    NotAuthor,
    /// Only moderators pin and lock.
    NotModerator,
    /// The author's edit window has closed.
    EditWindowClosed,
    /// A locked thread takes no posts, edits, votes or accepts.
    Locked,
    /// The thread has replies: its author may no longer delete it (with it
    /// would go the replies and the points they earned); a moderator may.
    HasReplies,
}

/// Whether `standing` may edit what was written at `created_ms`: its
/// author, within the edit window, and not in a locked thread. Moderators
/// remove; they do not rewrite others' words.
pub fn may_edit(standing: Standing, created_ms: i64, now_ms: i64, locked: bool) -> Result<(), Refusal> {
    match standing {
        Standing::Author if locked => Err(Refusal::Locked),
        Standing::Author if now_ms - created_ms > EDIT_WINDOW_MS => Err(Refusal::EditWindowClosed),
        Standing::Author => Ok(()),
        Standing::Moderator | Standing::Other => Err(Refusal::NotAuthor),
    }
}

/// Whether `standing` may make a thread change: pinning and locking are
/// for moderators; a title or category, for its author within the edit
/// window, or a moderator at any time.
pub fn may_change_thread(
    standing: Standing,
    moderator: bool,
    change: &ThreadChange,
    created_ms: i64,
    now_ms: i64,
    locked: bool,
) -> Result<(), Refusal> {
    if moderator {
        return Ok(());
    }
    if change.moderates() {
        return Err(Refusal::NotModerator);
    }
    may_edit(standing, created_ms, now_ms, locked)
}

/// Whether `standing` may delete (remove) a post: its author or a moderator,
/// at any time, locked or not; but a thread's opening post, which takes the
/// thread along, only a moderator once the thread has replies.
pub fn may_remove(standing: Standing, thread_with_replies: bool) -> Result<(), Refusal> {
    match standing {
        Standing::Author if thread_with_replies => Err(Refusal::HasReplies),
        Standing::Author | Standing::Moderator => Ok(()),
        Standing::Other => Err(Refusal::NotAuthor),
    }
}

/// The moderators' e-mail addresses, from `PW_MODERATOR_EMAILS` (comma separated).
pub fn moderator_emails(list: &str) -> Vec<String> {
    list.split(',')
        .map(|email| email.trim().to_ascii_lowercase())
        .filter(|email| !email.is_empty())
        .collect()
}

/// A thread's place in a list ordered by `at` (an ISO time), pinned
/// threads first: `1` or `0`, then the time, so one descending text column
/// (and its index) gives both.
pub fn rank(pinned: bool, at: &str) -> String {
    format!("{}{at}", u8::from(pinned))
}

#[cfg(test)]
mod tests;
