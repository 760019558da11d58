-- A monitor's lease (epoch milliseconds): until when its Durable Object has
-- promised to write again (domain::lease). The cron reconciler visits only
-- active monitors whose lease ran out, oldest first; 0 (a new monitor, or
-- one D1 has not heard from yet) is overdue at once.
ALTER TABLE monitors ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
CREATE INDEX monitors_by_lease ON monitors (lease_until) WHERE status <> 'paused';
