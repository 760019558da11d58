-- The public catalogue (`domain::catalogue`): its services, in the order of
-- the catalogue file, with the monitors that check each (owned by the
-- catalogue's organization, `org_catalogue`, which the first sync creates).
CREATE TABLE services (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    monitor_ids TEXT NOT NULL,
    position INTEGER NOT NULL
);
-- The catalogue list, by category.
CREATE INDEX services_by_category ON services (category, position);

-- Facts about the deployment itself, such as the catalogue version loaded.
CREATE TABLE deployment_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
