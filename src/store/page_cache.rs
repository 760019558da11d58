//! Where public status pages are kept between changes, found by what the
//! request names alone (slug, view, monitor, metric), so that a cached page
//! or badge costs no D1 or KV read. Two tiers:
//! - this isolate's memory, bounded (`MEMORY_BYTES`, least recently used out
//!   first), kept `MEMORY_TTL_MS`: the answers as sent, and each slug's page
//!   (or that it has none);
//! - the Cache API, this data center's, kept `EDGE_TTL_S`: each slug's page
//!   as JSON (or `null`). It answers only on a custom domain: on
//!   `workers.dev` a put is dropped and every match misses, so there the
//!   memory is the only tier.
//!
//! A change deletes its organization's pages from both tiers where it is
//! made (`forget`): the very next request sees it when it comes to that
//! isolate and data center (always under `wrangler dev`, one process).
//! What a deletion cannot reach (other isolates, other data centers, and a
//! monitor object's own isolate for status changes) expires on its own: a
//! page is at most `MEMORY_TTL_MS` old in memory and `EDGE_TTL_S` at the
//! edge, as with the KV epoch this replaces (KV's edge copies lag up to 60 s).

use super::Db;
use crate::domain::status_page::PublicPage;
use lru::LruCache;
use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use worker::{console_error, Cache, Response};

/// Memory an isolate gives to cached pages (an isolate has 128 MB).
const MEMORY_BYTES: usize = 8 * 1024 * 1024;
/// What an entry costs besides its key and payload (the map's node): so
/// that a flood of unknown slugs, each a tiny entry, stays within the budget.
const ENTRY_BYTES: usize = 128;
/// Short, because a deletion reaches only the isolate that made the change.
const MEMORY_TTL_MS: i64 = 10_000;
/// As the KV epoch allowed before: a status change made by a monitor
/// object cannot delete the entries of the data centers pages are read in.
const EDGE_TTL_S: u32 = 60;

/// A 200 answer as sent, rendered once per change.
#[derive(Debug)]
pub struct Answer {
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub etag: String,
}

/// A slug's page: `None` when no page has that slug.
pub type Page = Option<Rc<PublicPage>>;

#[derive(Clone)]
enum Kept {
    Page(Page),
    Answer(Rc<Answer>),
}

struct Held {
    at_ms: i64,
    bytes: usize,
    kept: Kept,
}

/// (slug, view): the view is empty for the slug's page itself.
type Key = (String, String);

const BUCKETS: usize = 256;

fn bucket(slug: &str) -> usize {
    let mut hasher = DefaultHasher::new();
    slug.hash(&mut hasher);
    hasher.finish() as usize % BUCKETS
}

/// What an entry of `payload` bytes under `key` takes in memory, about.
fn size(key: &Key, payload: usize) -> usize {
    key.0.len() + key.1.len() + payload + ENTRY_BYTES
}

/// Entries up to a total size, each for a time; the least recently used
/// goes first when a new one does not fit.
struct Memory {
    entries: LruCache<Key, Held>,
    bytes: usize,
    budget: usize,
    ttl_ms: i64,
    /// Counts the `forget` calls of the slugs of each bucket (by a hash of
    /// the slug): what was read of a slug while it was forgotten (from D1 or
    /// the edge) may be older than the change, and is not kept. A slug that
    /// shares the bucket only loses that one keep, never gets a stale page.
    generations: [u64; BUCKETS],
}

impl Memory {
    fn new(budget: usize, ttl_ms: i64) -> Memory {
        Memory {
            entries: LruCache::unbounded(),
            bytes: 0,
            budget,
            ttl_ms,
            generations: [0; BUCKETS],
        }
    }

    fn get(&mut self, key: &Key, now_ms: i64) -> Option<Kept> {
        let fresh = self.entries.get(key).map(|held| now_ms - held.at_ms < self.ttl_ms)?;
        if fresh {
            return self.entries.get(key).map(|held| held.kept.clone());
        }
        self.remove(key);
        None
    }

    fn put(&mut self, key: Key, kept: Kept, bytes: usize, now_ms: i64) {
        if bytes > self.budget {
            return;
        }
        if let Some(old) = self.entries.put(
            key,
            Held {
                at_ms: now_ms,
                bytes,
                kept,
            },
        ) {
            self.bytes -= old.bytes;
        }
        self.bytes += bytes;
        while self.bytes > self.budget {
            match self.entries.pop_lru() {
                Some((_, old)) => self.bytes -= old.bytes,
                None => break,
            }
        }
    }

    fn generation(&self, slug: &str) -> u64 {
        self.generations[bucket(slug)]
    }

    /// `put`, unless the key's slug was forgotten since `generation`; true if kept.
    fn put_since(&mut self, generation: u64, key: Key, kept: Kept, bytes: usize, now_ms: i64) -> bool {
        let unchanged = self.generation(&key.0) == generation;
        if unchanged {
            self.put(key, kept, bytes, now_ms);
        }
        unchanged
    }

    fn remove(&mut self, key: &Key) {
        if let Some(old) = self.entries.pop(key) {
            self.bytes -= old.bytes;
        }
    }

    /// Every entry of `slug`: its page and its answers.
    fn forget(&mut self, slug: &str) {
        self.generations[bucket(slug)] += 1;
        let keys: Vec<Key> = self
            .entries
            .iter()
            .filter(|(key, _)| key.0 == slug)
            .map(|(key, _)| key.clone())
            .collect();
        for key in &keys {
            self.remove(key);
        }
    }
}

thread_local! {
    static MEMORY: RefCell<Memory> = RefCell::new(Memory::new(MEMORY_BYTES, MEMORY_TTL_MS));
}

fn edge_key(slug: &str) -> String {
    format!("https://pingwarden.cache/status/{slug}")
}

/// The answer kept for this view of `slug`.
pub fn answer(slug: &str, view: &str, now_ms: i64) -> Option<Rc<Answer>> {
    let key = (slug.to_string(), view.to_string());
    match MEMORY.with(|m| m.borrow_mut().get(&key, now_ms))? {
        Kept::Answer(answer) => Some(answer),
        Kept::Page(_) => None,
    }
}

/// Keeps an answer rendered from what was read since `generation`.
pub fn keep_answer(slug: &str, view: &str, answer: Rc<Answer>, generation: u64, now_ms: i64) {
    let key = (slug.to_string(), view.to_string());
    let bytes = size(&key, answer.body.len());
    MEMORY.with(|m| {
        m.borrow_mut()
            .put_since(generation, key, Kept::Answer(answer), bytes, now_ms)
    });
}

/// Where the cache stands for `slug`, taken before reading anything to keep.
pub fn generation(slug: &str) -> u64 {
    MEMORY.with(|m| m.borrow().generation(slug))
}

/// The page kept for `slug`, from memory or else from the edge; `None`
/// when neither has it (it must be read from D1).
pub async fn page(slug: &str, generation: u64, now_ms: i64) -> Option<Page> {
    let key = (slug.to_string(), String::new());
    if let Some(Kept::Page(page)) = MEMORY.with(|m| m.borrow_mut().get(&key, now_ms)) {
        return Some(page);
    }
    let text = match Cache::default().get(edge_key(slug).as_str(), false).await {
        Ok(Some(mut hit)) => hit.text().await.ok()?,
        Ok(None) => return None,
        Err(error) => {
            console_error!("reading the cached page {slug}: {error}");
            return None;
        }
    };
    let page: Page = serde_json::from_str::<Option<PublicPage>>(&text).ok()?.map(Rc::new);
    let bytes = size(&key, text.len());
    MEMORY.with(|m| {
        m.borrow_mut()
            .put_since(generation, key, Kept::Page(page.clone()), bytes, now_ms)
    });
    Some(page)
}

/// Keeps a page read from D1 since `generation` in memory now; `json` (the
/// page as JSON, or `null`) is what the returned future puts at the edge.
/// Nothing is kept if a change was forgotten meanwhile: the read may predate it.
pub fn keep_page(
    slug: &str,
    page: Page,
    json: String,
    generation: u64,
    now_ms: i64,
) -> impl std::future::Future<Output = ()> {
    let key = (slug.to_string(), String::new());
    let bytes = size(&key, json.len());
    let unchanged = MEMORY.with(|m| {
        m.borrow_mut()
            .put_since(generation, key, Kept::Page(page), bytes, now_ms)
    });
    let slug = slug.to_string();
    async move {
        if !unchanged {
            return;
        }
        let stored = async {
            let mut response = Response::ok(json)?;
            response
                .headers_mut()
                .set("Cache-Control", &format!("public, max-age={EDGE_TTL_S}"))?;
            Cache::default().put(edge_key(&slug).as_str(), response).await
        };
        if let Err(error) = stored.await {
            console_error!("caching the page {slug}: {error}");
        }
    }
}

/// Drops what is kept of these slugs, here and at this data center's edge.
/// Best effort: a failure is logged and the entry expires on its own.
pub async fn forget(slugs: &[String]) {
    for slug in slugs {
        MEMORY.with(|m| m.borrow_mut().forget(slug));
        if let Err(error) = Cache::default().delete(edge_key(slug).as_str(), false).await {
            console_error!("dropping the cached page {slug}: {error}");
        }
    }
}

/// Something an organization's pages show changed (a monitor's status,
/// name or membership of a page, an incident, a page itself): drops every
/// page of it. Best effort, as `forget`, since the change is already stored.
pub async fn org_changed(db: &Db, org_id: &str) {
    match super::status_pages::slugs(db, org_id).await {
        Ok(slugs) => forget(&slugs).await,
        Err(error) => console_error!("listing the status pages of {org_id} to drop from the cache: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(slug: &str, view: &str) -> Key {
        (slug.to_string(), view.to_string())
    }

    fn answer(body: &str) -> Kept {
        Kept::Answer(Rc::new(Answer {
            content_type: "text/plain",
            body: body.as_bytes().to_vec(),
            etag: String::new(),
        }))
    }

    fn body(kept: Option<Kept>) -> Option<String> {
        match kept? {
            Kept::Answer(a) => Some(String::from_utf8_lossy(&a.body).into_owned()),
            Kept::Page(_) => None,
        }
    }

    #[test]
    fn an_entry_is_kept_for_its_time_only() {
        let mut memory = Memory::new(100, 1_000);
        memory.put(key("a", "html"), answer("x"), 1, 0);
        assert_eq!(body(memory.get(&key("a", "html"), 999)), Some("x".into()));
        assert_eq!(body(memory.get(&key("a", "html"), 1_000)), None);
        assert_eq!(memory.bytes, 0);
    }

    #[test]
    fn the_least_recently_used_entries_go_when_the_budget_is_exceeded() {
        let mut memory = Memory::new(10, 1_000);
        memory.put(key("a", "1"), answer("a"), 4, 0);
        memory.put(key("b", "1"), answer("b"), 4, 0);
        memory.get(&key("a", "1"), 1);
        memory.put(key("c", "1"), answer("c"), 4, 2);
        assert!(memory.get(&key("b", "1"), 3).is_none(), "b was used least recently");
        assert!(memory.get(&key("a", "1"), 3).is_some() && memory.get(&key("c", "1"), 3).is_some());
        assert_eq!(memory.bytes, 8);
        memory.put(key("d", "1"), answer("d"), 11, 4);
        assert!(memory.get(&key("d", "1"), 5).is_none(), "larger than the whole budget");
        assert_eq!(memory.bytes, 8);
    }

    #[test]
    fn forgetting_a_slug_drops_its_page_and_every_answer_and_nothing_else() {
        let mut memory = Memory::new(100, 1_000);
        memory.put(key("a", ""), Kept::Page(None), 4, 0);
        memory.put(key("a", "html"), answer("x"), 1, 0);
        memory.put(key("a", "badge-mon_1-status"), answer("y"), 1, 0);
        memory.put(key("ab", "html"), answer("z"), 1, 0);
        memory.forget("a");
        assert!(
            !memory.put_since(0, key("a", ""), Kept::Page(None), 4, 1),
            "read before the change"
        );
        assert!(memory.get(&key("a", ""), 1).is_none());
        assert!(memory.get(&key("a", "html"), 1).is_none());
        assert!(memory.get(&key("a", "badge-mon_1-status"), 1).is_none());
        assert_eq!(body(memory.get(&key("ab", "html"), 1)), Some("z".into()));
        assert_eq!(memory.bytes, 1);
    }
}
