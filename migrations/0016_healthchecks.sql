-- Healthchecks-compatible pings (`domain::healthchecks`): a heartbeat may
-- carry the UUID of the Healthchecks check it replaces (`/ping/{uuid}`),
-- unique across the deployment as that URL names no organization, and a
-- slug pinged under its organization's ping key (`/ping/{ping_key}/{slug}`).
-- Both are copies of the monitor's settings, kept for these lookups. The
-- ping key is shown to the organization's members, like Healthchecks' own.
ALTER TABLE monitors ADD COLUMN hc_uuid TEXT;
ALTER TABLE monitors ADD COLUMN slug TEXT;
CREATE UNIQUE INDEX monitors_by_hc_uuid ON monitors (hc_uuid);
CREATE INDEX monitors_by_slug ON monitors (org_id, slug) WHERE slug IS NOT NULL;
ALTER TABLE organizations ADD COLUMN ping_key TEXT;
CREATE UNIQUE INDEX organizations_by_ping_key ON organizations (ping_key);
