-- What a monitor counts toward its plan's monitor limit: one check per
-- region it probes from, one when the platform places it
-- (`domain::plan::monitor_cost`, which sets it from now on).
ALTER TABLE monitors ADD COLUMN cost INTEGER NOT NULL DEFAULT 1;
UPDATE monitors SET cost = MAX(1, COALESCE(json_array_length(settings, '$.regions'), 0));
