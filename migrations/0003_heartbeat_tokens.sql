-- Heartbeat monitors are pinged at /p/{token}; the token is stored as its
-- SHA-256 and looked up by it on every ping.
ALTER TABLE monitors ADD COLUMN ping_token_hash TEXT;
CREATE UNIQUE INDEX monitors_by_ping_token ON monitors (ping_token_hash);
