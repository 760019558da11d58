-- A third kind of actor in the audit log: 'ping_key', for the heartbeat a
-- slug ping with `?create=1` makes (the organization's ping key acted; the
-- key itself is never recorded). SQLite cannot change a CHECK constraint,
-- so the table is made again, its rows kept aside meanwhile (copied out
-- and back rather than renamed, so that the table's SQL reads as written).
CREATE TABLE audit_log_kept AS SELECT * FROM audit_log;
DROP TABLE audit_log;
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
INSERT INTO audit_log (id, org_id, at, actor_type, actor_id, action, target_type, target_id, ip, user_agent,
    changes, expires_ms)
SELECT id, org_id, at, actor_type, actor_id, action, target_type, target_id, ip, user_agent, changes, expires_ms
FROM audit_log_kept;
DROP TABLE audit_log_kept;
CREATE INDEX audit_log_by_org ON audit_log (org_id, at, id);
CREATE INDEX audit_log_by_target ON audit_log (org_id, target_id, at, id);
CREATE INDEX audit_log_by_expiry ON audit_log (expires_ms);
