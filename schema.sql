-- The whole schema, as the migrations in migrations/ leave it. A test keeps
-- the two equal: change the schema with a new migration, then update this file.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    plan TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    personal_org_id TEXT NOT NULL REFERENCES organizations(id),
    created_at TEXT NOT NULL
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
    host TEXT
);
-- The monitor list (and its count), unfiltered or filtered by type or status.
CREATE INDEX monitors_by_org ON monitors (org_id, created_at, id);
CREATE INDEX monitors_by_org_type ON monitors (org_id, type, created_at, id);
CREATE INDEX monitors_by_org_status ON monitors (org_id, status, created_at, id);
-- A heartbeat's ping token (its SHA-256), looked up on every ping.
CREATE UNIQUE INDEX monitors_by_ping_token ON monitors (ping_token_hash);
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
