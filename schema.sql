-- The whole schema, as the migrations in migrations/ leave it. A test keeps
-- the two equal: change the schema with a new migration, then update this file.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    plan TEXT NOT NULL,
    created_at TEXT NOT NULL,
    ping_key TEXT
);
-- The key of slug pings, `/ping/{ping_key}/{slug}`.
CREATE UNIQUE INDEX organizations_by_ping_key ON organizations (ping_key);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    personal_org_id TEXT NOT NULL REFERENCES organizations(id),
    created_at TEXT NOT NULL,
    forum_points INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
-- A user's organizations (auth, /me).
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
-- The key list and the active-key count of an organization.
CREATE INDEX api_keys_by_org ON api_keys (org_id, revoked_at, created_at);

CREATE TABLE monitors (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'up', 'down', 'paused')),
    interval_seconds INTEGER NOT NULL,
    tags TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    status_changed_at TEXT,
    ping_token_hash TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    cost INTEGER NOT NULL DEFAULT 1,
    host TEXT,
    checks_recorded INTEGER NOT NULL DEFAULT 0,
    failures_recorded INTEGER NOT NULL DEFAULT 0,
    hc_uuid TEXT,
    slug TEXT,
    last_ping_ms INTEGER
);
-- checks_recorded and failures_recorded: the checks and failures counted so
-- far, added with each rollup write and never lowered (the metrics' counters).
-- last_ping_ms: a heartbeat's latest ping, written with the lease (at a
-- change of status, with the hourly rollup), not with every ping.
-- The monitor list (and its count), unfiltered or filtered by type or status.
CREATE INDEX monitors_by_org ON monitors (org_id, created_at, id);
CREATE INDEX monitors_by_org_type ON monitors (org_id, type, created_at, id);
CREATE INDEX monitors_by_org_status ON monitors (org_id, status, created_at, id);
-- A heartbeat's ping token (its SHA-256), looked up on every ping.
CREATE UNIQUE INDEX monitors_by_ping_token ON monitors (ping_token_hash);
-- A heartbeat's Healthchecks UUID (/ping/{uuid}) and slug (/ping/{ping_key}/{slug}),
-- copied from its settings.
CREATE UNIQUE INDEX monitors_by_hc_uuid ON monitors (hc_uuid);
CREATE INDEX monitors_by_slug ON monitors (org_id, slug) WHERE slug IS NOT NULL;
-- The reconciler's scan: active monitors whose lease (until when the
-- monitor's object promised to write again, ms; domain::lease) ran out.
CREATE INDEX monitors_by_lease ON monitors (lease_until) WHERE status <> 'paused';
-- The monitors of a host (its URL's host, or its TCP or DNS host): a live
-- check's "monitored", a host's public status.
CREATE INDEX monitors_by_host ON monitors (host) WHERE host IS NOT NULL;

CREATE TABLE monitor_tags (
    monitor_id TEXT NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    org_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (monitor_id, tag)
);
-- The `tag` filter of the monitor list.
CREATE INDEX monitor_tags_by_org_tag ON monitor_tags (org_id, tag);

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    impact TEXT NOT NULL CHECK (impact IN ('none', 'minor', 'major', 'critical')),
    kind TEXT NOT NULL CHECK (kind IN ('automatic', 'manual')),
    cause TEXT,
    started_at TEXT NOT NULL,
    resolved_at TEXT,
    updated_at TEXT NOT NULL
);
-- The incident list, newest first, unfiltered or by status.
CREATE INDEX incidents_by_org ON incidents (org_id, started_at, id);
CREATE INDEX incidents_by_org_status ON incidents (org_id, status, started_at, id);

-- Which monitors an incident concerns. Not a foreign key to monitors: an
-- incident stays in the history after its monitor is deleted.
CREATE TABLE incident_monitors (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    monitor_id TEXT NOT NULL,
    PRIMARY KEY (incident_id, monitor_id)
);
-- A monitor's open incident, and the monitor_id filter.
CREATE INDEX incident_monitors_by_monitor ON incident_monitors (monitor_id, incident_id);

CREATE TABLE incident_updates (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX incident_updates_by_incident ON incident_updates (incident_id, created_at);

-- One row per monitor and UTC day, written by the monitor's Durable Object
-- when its status changes and as each day ends; kept at least 400 days.
-- through_ms: the moment (epoch ms) the figures count up to; NULL in rows
-- written before it was kept.
CREATE TABLE daily_rollups (
    monitor_id TEXT NOT NULL,
    day TEXT NOT NULL,
    checks INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    downtime_seconds INTEGER NOT NULL,
    observed_seconds INTEGER NOT NULL,
    avg_response_ms INTEGER,
    p95_response_ms INTEGER,
    apdex_satisfied INTEGER NOT NULL DEFAULT 0,
    apdex_tolerating INTEGER NOT NULL DEFAULT 0,
    maintenance_seconds INTEGER NOT NULL DEFAULT 0,
    through_ms INTEGER,
    PRIMARY KEY (monitor_id, day)
);
-- Pruning by age.
CREATE INDEX daily_rollups_by_day ON daily_rollups (day);

CREATE TABLE status_pages (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT,
    sections TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- The organization's pages (list and plan limit).
CREATE INDEX status_pages_by_org ON status_pages (org_id, created_at, id);

-- Single-use invitations to an organization; only the token's SHA-256 is kept.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT,
    accepted_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    revoked_at TEXT
);
-- The open invitations of an organization (list, limit), at most one per
-- address: inviting an address again replaces its open invitation.
CREATE UNIQUE INDEX invitations_open_by_org ON invitations (org_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
-- Notification channels. `settings` is the kind's JSON (domain::notify::
-- channel::ChannelSettings); `signing_secret` is a generic webhook's whsec_…
-- secret, kept as given because every delivery must be signed with it, and
-- shown only when created or rotated. Deliveries live in the organization
-- hub's own storage, not here.
CREATE TABLE channels (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    settings TEXT NOT NULL,
    events TEXT NOT NULL DEFAULT '["incident.detected","incident.resolved","incident.updated","test"]',
    monitor_ids TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    remind_every_minutes INTEGER CHECK (remind_every_minutes IS NULL OR remind_every_minutes >= 5),
    signing_secret TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX channels_by_org ON channels (org_id, created_at);
-- Organizations whose hub has deliveries not yet settled: the reconciler
-- re-arms those hubs' alarms (a restart of `wrangler dev` loses them)
-- without waking every hub. Written when a hub's queue fills and empties.
CREATE TABLE hub_backlog (
    org_id TEXT PRIMARY KEY,
    since TEXT NOT NULL
);

-- Live checks (`POST /api/v1/checks`): a host's last-known status.
CREATE TABLE host_checks (
    host TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    id TEXT NOT NULL,
    up INTEGER NOT NULL,
    status_code INTEGER,
    response_ms INTEGER,
    ip_address TEXT,
    error TEXT,
    PRIMARY KEY (host, checked_at, id)
) WITHOUT ROWID;

-- The public catalogue's services, with the monitors that check each.
CREATE TABLE services (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    monitor_ids TEXT NOT NULL,
    position INTEGER NOT NULL
);
-- The catalogue list, by category.
CREATE INDEX services_by_category ON services (category, position);

-- Facts about the deployment itself, such as the catalogue version loaded.
CREATE TABLE deployment_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Maintenance windows: the window as written (JSON of
-- `domain::maintenance::MaintenanceSpec`) and a one-off window's end (ms).
CREATE TABLE maintenances (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    spec TEXT NOT NULL,
    ends_ms INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- The organization's windows: its list, and those that still matter.
CREATE INDEX maintenances_by_org ON maintenances (org_id, created_at, id);

-- Monitors as code: the key a document gave each resource `apply` created.
CREATE TABLE applied_keys (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    PRIMARY KEY (org_id, kind, key)
);
-- The audit log (`domain::audit`): who changed what in an organization, when
-- and from where, with each changed field's masked before and after
-- (`changes`, JSON). `expires_ms`: the entry's time plus its organization's
-- plan's retention when it was written. The actor is a user, an API key,
-- or the organization's ping key (a heartbeat made by `?create=1`).
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actor_type TEXT NOT NULL CHECK (actor_type IN ('user', 'api_key', 'ping_key')),
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    changes TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
);
-- The organization's log, newest first: whole, or of one target.
CREATE INDEX audit_log_by_org ON audit_log (org_id, at, id);
CREATE INDEX audit_log_by_target ON audit_log (org_id, target_id, at, id);
-- Retention: the reconciler deletes the entries that expired, oldest first.
CREATE INDEX audit_log_by_expiry ON audit_log (expires_ms);
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
