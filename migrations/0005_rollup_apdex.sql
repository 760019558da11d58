-- Apdex counts per day against the monitor's own `apdex_threshold_ms`, so the
-- 90-day Apdex is a sum over rollups like the 90-day uptime. The table is
-- rebuilt (rather than altered) to keep its primary key last.
ALTER TABLE daily_rollups RENAME TO daily_rollups_before_apdex;
CREATE TABLE daily_rollups (
    monitor_id TEXT NOT NULL,
    day TEXT NOT NULL,
    checks INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    downtime_seconds INTEGER NOT NULL,
    observed_seconds INTEGER NOT NULL,
    avg_response_ms INTEGER,
    p95_response_ms INTEGER,
    apdex_satisfied INTEGER NOT NULL DEFAULT 0,
    apdex_tolerating INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (monitor_id, day)
);
INSERT INTO daily_rollups (monitor_id, day, checks, failures, downtime_seconds, observed_seconds, avg_response_ms, p95_response_ms)
    SELECT monitor_id, day, checks, failures, downtime_seconds, observed_seconds, avg_response_ms, p95_response_ms
    FROM daily_rollups_before_apdex;
DROP TABLE daily_rollups_before_apdex;
-- Pruning by age.
CREATE INDEX daily_rollups_by_day ON daily_rollups (day);
