-- Monitors as code (`domain::apply`): the key a document gave each
-- resource `apply` created, so that the next apply finds it again.
CREATE TABLE applied_keys (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    PRIMARY KEY (org_id, kind, key)
);
