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
