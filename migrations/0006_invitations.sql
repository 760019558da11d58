-- Invitations to join an organization: one e-mail address, one role, single
-- use, open for 7 days. Only the SHA-256 of the token is kept; the token
-- itself is shown once, to the inviter.
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
