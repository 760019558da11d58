-- Prometheus metrics (`GET /api/v1/metrics`, domain::metrics) read D1 only,
-- never a monitor's object, so D1 keeps two more figures, written in the
-- batches the monitor's object sends anyway (a change of status, and the
-- hourly rollup):
-- - each monitor's checks and failures counted so far, for the
--   `pingwarden_monitor_checks_total` counter: the sum of its rollups would
--   go down as old days are pruned, which a counter must never do;
-- - the moment each rollup's figures count up to (epoch ms), so that the
--   time since then is added in the monitor's current status, which has
--   not changed since (a change writes the rollup).
ALTER TABLE monitors ADD COLUMN checks_recorded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monitors ADD COLUMN failures_recorded INTEGER NOT NULL DEFAULT 0;
UPDATE monitors SET
    checks_recorded = (SELECT COALESCE(SUM(checks), 0) FROM daily_rollups WHERE monitor_id = monitors.id),
    failures_recorded = (SELECT COALESCE(SUM(failures), 0) FROM daily_rollups WHERE monitor_id = monitors.id);
ALTER TABLE daily_rollups ADD COLUMN through_ms INTEGER;
