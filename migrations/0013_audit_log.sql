-- The audit log (`domain::audit`): each change to an organization's state,
-- by whom (`actor_type` 'user' or 'api_key', and its id), what (`action`,
-- such as 'monitor.updated', on `target_type`/`target_id`), when (`at`,
-- ISO 8601 UTC with ms), from where (`ip`, `user_agent`), and the change
-- itself (`changes`, JSON: each changed field's masked before and after).
-- `expires_ms` is when retention drops the entry: its time plus its
-- organization's plan's retention when it was written.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actor_type TEXT NOT NULL CHECK (actor_type IN ('user', 'api_key')),
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
