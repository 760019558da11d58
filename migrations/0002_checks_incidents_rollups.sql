-- The check engine: when a monitor's status last changed, incidents with
-- their timeline and monitors, and daily rollups of each monitor's checks.

ALTER TABLE monitors ADD COLUMN status_changed_at TEXT;

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
    PRIMARY KEY (monitor_id, day)
);
-- Pruning by age.
CREATE INDEX daily_rollups_by_day ON daily_rollups (day);
