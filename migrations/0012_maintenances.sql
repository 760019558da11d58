-- Maintenance windows (`domain::maintenance`): the window as written
-- (`spec`, JSON of `MaintenanceSpec`: title, a one-off range or a schedule,
-- the monitors and status pages it covers) and, for a one-off window, when
-- it ends (ms), after which it covers nothing (a schedule's is NULL).
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

-- A day's time in maintenance, left out of its downtime and observed time,
-- so that its bar can say so.
ALTER TABLE daily_rollups ADD COLUMN maintenance_seconds INTEGER NOT NULL DEFAULT 0;
