-- Public status pages: a slug unique across the deployment, and the layout
-- of the organization's monitors on the page.
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
