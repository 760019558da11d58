-- A heartbeat's latest ping as D1 last heard of it, for the Prometheus
-- metrics (`pingwarden_heartbeat_last_ping_age_seconds`). Written with the
-- lease, on the writes the monitor's object makes anyway (a change of
-- status, the hourly rollup), never once per ping.
ALTER TABLE monitors ADD COLUMN last_ping_ms INTEGER;
