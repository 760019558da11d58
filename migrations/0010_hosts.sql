-- The host a monitor watches (its URL's host, or its TCP or DNS host, in
-- lower case; none for a heartbeat): a live check of a host the caller
-- already monitors is a read, and a host's public status reads the public
-- monitors of that host. Set from now on by `store::monitors`; filled here
-- for the monitors made before.
ALTER TABLE monitors ADD COLUMN host TEXT;
UPDATE monitors SET host = lower(json_extract(settings, '$.host')) WHERE type IN ('tcp', 'dns');
UPDATE monitors SET host = (
    WITH parts(rest) AS (SELECT substr(json_extract(settings, '$.url'), instr(json_extract(settings, '$.url'), '://') + 3)),
    authority(a) AS (SELECT CASE WHEN instr(rest, '/') > 0 THEN substr(rest, 1, instr(rest, '/') - 1) ELSE rest END FROM parts)
    SELECT lower(CASE WHEN instr(a, ':') > 0 AND substr(a, 1, 1) <> '[' THEN substr(a, 1, instr(a, ':') - 1) ELSE a END) FROM authority
) WHERE type = 'http';
CREATE INDEX monitors_by_host ON monitors (host) WHERE host IS NOT NULL;

-- Live checks (`POST /api/v1/checks`), newest last per host: a host's
-- last-known status and its counts for `GET /api/v1/status/{host}`.
CREATE TABLE host_checks (
    host TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    id TEXT NOT NULL,
    up INTEGER NOT NULL,
    status_code INTEGER,
    response_ms INTEGER,
    ip_address TEXT,
    error TEXT,
    PRIMARY KEY (host, checked_at, id)
) WITHOUT ROWID;
