//! The public catalogue: well-known services watched for everyone, as data
//! (`web/catalogue/real.json`, 235 real services; `web/catalogue/demo.json`,
//! three loopback targets for `make dev`), each checked by ordinary monitors owned
//! by the catalogue's own organization. Here: reading a catalogue, the
//! monitors it wants, and a service's status and 40-tick history from its
//! targets' results.

use super::ids::sha256_hex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The organization that owns the catalogue's monitors.
pub const CATALOGUE_ORG: &str = "org_catalogue";
/// Ticks a service's history shows (PingFlow's 40).
pub const HISTORY_TICKS: usize = 40;
/// How often the catalogue's monitors check.
pub const INTERVAL_SECONDS: u32 = 60;

pub const DEMO: &str = include_str!("../../web/catalogue/demo.json");
/// Where the Worker reads the real catalogue: a static file (48 KB, kept
/// out of the bundle), through the `ASSETS` binding.
pub const REAL_PATH: &str = "/catalogue/real.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub category: String,
    /// Each a monitor's fields (`type` and that type's own), the first the primary.
    pub targets: Vec<Map<String, Value>>,
}

/// Where a catalogue's JSON is.
#[derive(Debug, PartialEq)]
pub enum Source<'a> {
    Text(&'a str),
    /// The static file at `REAL_PATH`.
    Real,
}

/// The catalogue `PW_CATALOGUE` names (`demo`, `real`, `off`), or the JSON
/// of `PW_CATALOGUE_JSON` (a deployment's own, or a test's).
pub fn chosen<'a>(name: Option<&str>, inline: Option<&'a str>) -> Result<Source<'a>, String> {
    Ok(match (inline, name.unwrap_or("off")) {
        (Some(json), _) => Source::Text(json),
        (None, "demo") => Source::Text(DEMO),
        (None, "real") => Source::Real,
        (None, "off") => Source::Text("[]"),
        (None, other) => return Err(format!("PW_CATALOGUE must be demo, real or off, not {other:?}")),
    })
}

pub fn parse(text: &str) -> Result<Vec<Service>, String> {
    let services: Vec<Service> = serde_json::from_str(text).map_err(|e| format!("the catalogue is not valid: {e}"))?;
    for (i, service) in services.iter().enumerate() {
        let valid_id = !service.id.is_empty()
            && service.id.len() <= 40
            && service
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_id || service.targets.is_empty() {
            return Err(format!(
                "catalogue entry {i} ({}): an id of a-z, 0-9 and - and at least one target are required",
                service.id
            ));
        }
        if services[..i].iter().any(|other| other.id == service.id) {
            return Err(format!("catalogue id {} appears twice", service.id));
        }
    }
    Ok(services)
}

/// The id of the monitor of a service's `index`th target: the same on every
/// deployment and every sync, so a sync finds what it made before.
pub fn monitor_id(service_id: &str, index: usize) -> String {
    format!("mon_{}", &sha256_hex(&format!("catalogue/{service_id}/{index}"))[..20])
}

/// The monitor fields of a service's target: the target's own, named after
/// the service, at the catalogue's interval unless it sets one.
pub fn monitor_fields(service: &Service, index: usize) -> Map<String, Value> {
    let mut fields = service.targets[index].clone();
    let name = if service.targets.len() == 1 {
        service.name.clone()
    } else {
        format!("{} ({})", service.name, index + 1)
    };
    fields.insert("name".into(), Value::from(name));
    // A target may set its own (a test's catalogue checks every second).
    fields
        .entry("interval_seconds")
        .or_insert(Value::from(INTERVAL_SECONDS));
    fields.insert("tags".into(), Value::from(vec![format!("catalogue:{}", service.id)]));
    fields
}

/// One of a target's results: when, whether it was up, how long it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    pub at_ms: i64,
    pub online: bool,
    pub latency_ms: i64,
}

/// `operational`, `degraded` (some targets failing, or the primary's
/// latest latency above 3× the median of its ticks) or `outage` (all
/// failing), from each target's ticks, oldest first; `unknown` with none.
pub fn current_status(targets: &[Vec<Tick>]) -> &'static str {
    let latest: Vec<&Tick> = targets.iter().filter_map(|ticks| ticks.last()).collect();
    if latest.is_empty() {
        return "unknown";
    }
    let failing = latest.iter().filter(|t| !t.online).count();
    if failing == latest.len() {
        return "outage";
    }
    if failing > 0 {
        return "degraded";
    }
    let slow = targets.first().is_some_and(|primary| {
        let mut latencies: Vec<i64> = primary.iter().filter(|t| t.online).map(|t| t.latency_ms).collect();
        latencies.sort_unstable();
        let median = latencies.get(latencies.len() / 2).copied().unwrap_or(0);
        primary
            .last()
            .is_some_and(|last| latencies.len() >= 3 && last.latency_ms > 3 * median.max(1))
    });
    if slow {
        "degraded"
    } else {
        "operational"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(online: bool, latency_ms: i64) -> Tick {
        Tick {
            at_ms: 0,
            online,
            latency_ms,
        }
    }

    #[test]
    fn the_shipped_catalogues_are_valid_and_the_real_one_is_large() {
        assert!(parse(DEMO).unwrap().len() >= 3);
        let real = parse(include_str!("../../web/catalogue/real.json")).unwrap();
        assert!(real.len() >= 100, "{} services", real.len());
        assert!(real.iter().all(|s| s.targets.iter().all(|t| t.contains_key("type"))));
        assert_eq!(chosen(None, None), Ok(Source::Text("[]")));
        assert_eq!(chosen(Some("real"), None), Ok(Source::Real));
        assert!(chosen(Some("everything"), None).is_err());
    }

    #[test]
    fn bad_catalogues_are_refused_with_the_entry_named() {
        assert!(
            parse(r#"[{"id":"A B","name":"x","category":"cloud","targets":[{"type":"tcp"}]}]"#)
                .unwrap_err()
                .contains("entry 0")
        );
        assert!(parse(r#"[{"id":"a","name":"x","category":"cloud","targets":[]}]"#).is_err());
        let twice = r#"[{"id":"a","name":"x","category":"c","targets":[{}]},{"id":"a","name":"y","category":"c","targets":[{}]}]"#;
        assert!(parse(twice).unwrap_err().contains("twice"));
    }

    #[test]
    fn monitor_ids_are_stable_and_distinct() {
        assert_eq!(monitor_id("aws", 0), monitor_id("aws", 0));
        assert_ne!(monitor_id("aws", 0), monitor_id("aws", 1));
        assert!(monitor_id("aws", 0).starts_with("mon_") && monitor_id("aws", 0).len() == 24);
    }

    #[test]
    fn status_follows_the_targets_latest_results_and_the_primarys_latency() {
        assert_eq!(current_status(&[]), "unknown");
        assert_eq!(
            current_status(&[vec![tick(true, 40)], vec![tick(true, 10)]]),
            "operational"
        );
        assert_eq!(
            current_status(&[vec![tick(true, 40)], vec![tick(false, 10)]]),
            "degraded"
        );
        assert_eq!(
            current_status(&[vec![tick(false, 40)], vec![tick(false, 10)]]),
            "outage"
        );
        let slow = vec![tick(true, 40), tick(true, 42), tick(true, 41), tick(true, 200)];
        assert_eq!(current_status(&[slow]), "degraded");
        let steady = vec![tick(true, 40), tick(true, 42), tick(true, 41), tick(true, 100)];
        assert_eq!(current_status(&[steady]), "operational");
    }
}
