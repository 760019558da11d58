//! Plans: how many monitors (status pages, channels) an organization may have and how often they may
//! run. An organization gets `PW_DEFAULT_PLAN` when it is created. A monitor
//! probed from several regions costs one check per region toward the
//! monitor limit: that is the work it makes.

use super::monitor::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub name: &'static str,
    /// Monitors, each counted at its `monitor_cost`.
    pub max_monitors: i64,
    /// The shortest check interval and heartbeat period, in seconds.
    pub min_interval_seconds: u32,
    pub max_status_pages: i64,
    /// Notification channels.
    pub max_channels: i64,
    /// Live stream connections open at once (status pages' viewers aside).
    pub max_live_connections: usize,
    /// API requests a minute, per key or user (`PW_REQUESTS_PER_MINUTE` overrides).
    pub requests_per_minute: u32,
    /// Live checks of hosts that are not the caller's monitors, an hour
    /// (`PW_LIVE_CHECKS_PER_HOUR` overrides).
    pub live_checks_per_hour: u32,
    /// How long an audit log entry is kept, from when it is written.
    pub audit_retention_days: i64,
}

pub const PLANS: [Plan; 3] = [
    Plan {
        name: "free",
        max_monitors: 20,
        min_interval_seconds: 60,
        max_status_pages: 1,
        max_channels: 3,
        max_live_connections: 5,
        requests_per_minute: 60,
        live_checks_per_hour: 3,
        audit_retention_days: 30,
    },
    Plan {
        name: "pro",
        max_monitors: 200,
        min_interval_seconds: 30,
        max_status_pages: 10,
        max_channels: 20,
        max_live_connections: 50,
        requests_per_minute: 600,
        live_checks_per_hour: 30,
        audit_retention_days: 365,
    },
    Plan {
        name: "business",
        max_monitors: 2000,
        min_interval_seconds: 10,
        max_status_pages: 100,
        max_channels: 100,
        max_live_connections: 2000,
        requests_per_minute: 1000,
        live_checks_per_hour: 100,
        audit_retention_days: 730,
    },
];

/// What a monitor counts toward `max_monitors`: one check per region it is
/// probed from, or one when the platform places its single probe.
pub fn monitor_cost(settings: &Settings) -> i64 {
    settings.regions().len().max(1) as i64
}

impl Plan {
    pub fn named(name: &str) -> Option<Plan> {
        PLANS.iter().copied().find(|plan| plan.name == name)
    }

    /// The shortest interval allowed: the plan's, unless the deployment sets
    /// `PW_MIN_INTERVAL_SECONDS` (for example 1 for local testing).
    /// The retention of every plan, by name, as JSON (`{"free": 30, …}`):
    /// what the audit log's insert reads its organization's plan against.
    pub fn audit_retention_json() -> String {
        let days: serde_json::Map<String, serde_json::Value> = PLANS
            .iter()
            .map(|plan| (plan.name.to_string(), plan.audit_retention_days.into()))
            .collect();
        serde_json::Value::Object(days).to_string()
    }

    pub fn interval_floor(&self, deployment_floor: Option<u32>) -> u32 {
        deployment_floor.unwrap_or(self.min_interval_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitor::MonitorSpec;
    use serde_json::json;

    #[test]
    fn plans_are_found_by_name() {
        assert_eq!(Plan::named("pro").unwrap().max_monitors, 200);
        assert!(Plan::named("gold").is_none());
    }

    #[test]
    fn a_monitor_costs_one_check_per_region_and_at_least_one() {
        let rules = crate::domain::monitor::Rules {
            allow_private_targets: false,
            min_grace_seconds: 60,
        };
        for (body, cost) in [
            (json!({"type": "http", "name": "x", "url": "https://example.com"}), 1),
            (
                json!({"type": "http", "name": "x", "url": "https://example.com", "regions": ["weur"]}),
                1,
            ),
            (
                json!({"type": "tcp", "name": "x", "host": "example.com", "port": 443, "regions": ["weur", "enam", "apac"]}),
                3,
            ),
            (json!({"type": "heartbeat", "name": "x", "interval_seconds": 3600}), 1),
        ] {
            let spec = MonitorSpec::from_input(body.as_object().unwrap(), &rules).unwrap();
            assert_eq!(monitor_cost(&spec.settings), cost, "{body}");
        }
    }

    #[test]
    fn higher_plans_keep_the_audit_log_longer() {
        let days: Vec<i64> = PLANS.iter().map(|p| p.audit_retention_days).collect();
        assert_eq!(days, [30, 365, 730]);
        assert_eq!(Plan::audit_retention_json(), r#"{"business":730,"free":30,"pro":365}"#);
    }

    #[test]
    fn the_deployment_floor_replaces_the_plans() {
        let free = Plan::named("free").unwrap();
        assert_eq!(free.interval_floor(None), 60);
        assert_eq!(free.interval_floor(Some(1)), 1);
    }
}
