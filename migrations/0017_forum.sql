-- The community forums (`domain::forum`): threads, each opened by its first
-- post, replies, votes, reports, and Knowledge Points (`domain::points`).
-- Nothing is deleted: a removed thread or post keeps its row with
-- `removed_at` (reports and moderation need it) and is no longer shown.
-- `newest_rank` and `active_rank`: '1' for a pinned thread ('0' otherwise)
-- then its creation or its latest post's time, so that a list ordered by
-- one of them shows pinned threads first and reads one index.
CREATE TABLE forum_threads (
    id TEXT PRIMARY KEY,
    category TEXT NOT NULL CHECK (category IN ('general', 'outages', 'configurations')),
    title TEXT NOT NULL,
    author_id TEXT NOT NULL,
    service_id TEXT,
    incident_id TEXT,
    host TEXT,
    created_at TEXT NOT NULL,
    last_activity_at TEXT NOT NULL,
    reply_count INTEGER NOT NULL DEFAULT 0,
    accepted_post_id TEXT,
    pinned INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0,
    newest_rank TEXT NOT NULL,
    active_rank TEXT NOT NULL,
    removed_at TEXT
);
-- The lists (newest, active, unanswered), of every category and of one.
-- A title search (`q`) filters the rows of these in order, up to a page.
CREATE INDEX forum_threads_newest ON forum_threads (newest_rank, id) WHERE removed_at IS NULL;
CREATE INDEX forum_threads_active ON forum_threads (active_rank, id) WHERE removed_at IS NULL;
CREATE INDEX forum_threads_unanswered ON forum_threads (newest_rank, id)
    WHERE removed_at IS NULL AND reply_count = 0;
CREATE INDEX forum_threads_newest_by_category ON forum_threads (category, newest_rank, id)
    WHERE removed_at IS NULL;
CREATE INDEX forum_threads_active_by_category ON forum_threads (category, active_rank, id)
    WHERE removed_at IS NULL;
CREATE INDEX forum_threads_unanswered_by_category ON forum_threads (category, newest_rank, id)
    WHERE removed_at IS NULL AND reply_count = 0;
-- The discussions linked to a catalogue service, an incident, a host.
CREATE INDEX forum_threads_by_service ON forum_threads (service_id, newest_rank, id) WHERE service_id IS NOT NULL;
CREATE INDEX forum_threads_by_incident ON forum_threads (incident_id, newest_rank, id) WHERE incident_id IS NOT NULL;
CREATE INDEX forum_threads_by_host ON forum_threads (host, newest_rank, id) WHERE host IS NOT NULL;

-- A thread's posts, its opening post (`opening` = 1) first. `body` is the
-- markdown as written, `body_html` its safe rendering (`domain::markdown`),
-- made once when written. `removed_by`: 'author' or 'moderator'.
CREATE TABLE forum_posts (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL REFERENCES forum_threads(id),
    author_id TEXT NOT NULL,
    opening INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at TEXT NOT NULL,
    edited_at TEXT,
    removed_at TEXT,
    removed_by TEXT CHECK (removed_by IN ('author', 'moderator'))
);
CREATE INDEX forum_posts_by_thread ON forum_posts (thread_id, created_at, id);

-- One vote per account and post: the key refuses a second.
CREATE TABLE forum_votes (
    post_id TEXT NOT NULL REFERENCES forum_posts(id),
    voter_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (post_id, voter_id)
) WITHOUT ROWID;

-- The Knowledge Points ledger: each grant that earned points (`reason`
-- 'vote' or 'accept'), always to the post's author, by `giver_id` on the
-- UTC `day`. The points are added to (and, when the vote is taken back or
-- the post removed, taken from) `users.forum_points` in the same batch.
CREATE TABLE forum_points (
    post_id TEXT NOT NULL,
    giver_id TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('vote', 'accept')),
    points INTEGER NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (post_id, giver_id, reason)
) WITHOUT ROWID;
-- The points a giver gave today (the daily cap).
CREATE INDEX forum_points_by_giver ON forum_points (giver_id, day, points);
ALTER TABLE users ADD COLUMN forum_points INTEGER NOT NULL DEFAULT 0;

-- Reports of posts, one per account and post; open until a moderator
-- removes the post or dismisses the report.
CREATE TABLE forum_reports (
    id TEXT PRIMARY KEY,
    post_id TEXT NOT NULL REFERENCES forum_posts(id),
    reporter_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    resolved_at TEXT
);
CREATE UNIQUE INDEX forum_reports_by_post ON forum_reports (post_id, reporter_id);
-- The moderators' list: open reports, newest first.
CREATE INDEX forum_reports_open ON forum_reports (created_at, id) WHERE resolved_at IS NULL;
