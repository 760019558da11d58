//! Monitors: their kinds, statuses and settings, and the validation that turns
//! a JSON body into settings or names the first field that is wrong.

use super::healthchecks;
use super::heartbeat::{parse_schedule, parse_timezone, Period};
use super::secrets;
use super::target::{is_valid_host, is_valid_hostname, refusal, url_refusal};
use super::validation::{trimmed_text, FieldError, Fields};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MonitorStatus {
    Pending,
    Up,
    Down,
    Paused,
}

impl MonitorStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MonitorStatus::Pending => "pending",
            MonitorStatus::Up => "up",
            MonitorStatus::Down => "down",
            MonitorStatus::Paused => "paused",
        }
    }

    pub fn parse(value: &str) -> Option<MonitorStatus> {
        [
            MonitorStatus::Pending,
            MonitorStatus::Up,
            MonitorStatus::Down,
            MonitorStatus::Paused,
        ]
        .into_iter()
        .find(|status| status.as_str() == value)
    }
}

pub const KINDS: [&str; 4] = ["http", "tcp", "dns", "heartbeat"];
pub const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
pub const RECORD_TYPES: [&str; 6] = ["A", "AAAA", "MX", "TXT", "CNAME", "NS"];
/// Cloudflare's Durable Object location hints.
pub const REGIONS: [&str; 9] = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"];

const MAX_ACTIVE_INTERVAL: u32 = 86_400;
const MAX_HEARTBEAT_PERIOD: u32 = 31_536_000;
const MAX_TAGS: usize = 20;
const MAX_HEADERS: usize = 20;
const MAX_MONITOR_BODY_BYTES: usize = 10 * 1024;
const MAX_TIMEOUT_MS: u32 = 30_000;
/// Fields the server sets; a client sending them gets told so.
const READ_ONLY: [&str; 4] = ["id", "status", "created_at", "updated_at"];

/// What a monitor is, as created and changed through the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorSpec {
    pub name: String,
    pub interval_seconds: u32,
    pub tags: Vec<String>,
    #[serde(flatten)]
    pub settings: Settings,
}

/// The settings of each kind; serialised with its `type` as the tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Settings {
    Http(HttpSettings),
    Tcp(TcpSettings),
    Dns(DnsSettings),
    Heartbeat(HeartbeatSettings),
}

impl Settings {
    pub fn kind(&self) -> &'static str {
        match self {
            Settings::Http(_) => "http",
            Settings::Tcp(_) => "tcp",
            Settings::Dns(_) => "dns",
            Settings::Heartbeat(_) => "heartbeat",
        }
    }

    /// The options of an actively probed kind; none for heartbeats.
    pub fn probe_options(&self) -> Option<&ProbeOptions> {
        match self {
            Settings::Http(http) => Some(&http.probe),
            Settings::Tcp(tcp) => Some(&tcp.probe),
            Settings::Dns(dns) => Some(&dns.probe),
            Settings::Heartbeat(_) => None,
        }
    }

    pub fn is_heartbeat(&self) -> bool {
        matches!(self, Settings::Heartbeat(_))
    }

    pub fn heartbeat(&self) -> Option<&HeartbeatSettings> {
        match self {
            Settings::Heartbeat(beat) => Some(beat),
            _ => None,
        }
    }

    /// The host the monitor watches, in lower case: its URL's host, or its
    /// TCP or DNS host; none for a heartbeat.
    pub fn watched_host(&self) -> Option<String> {
        match self {
            Settings::Http(http) => url::Url::parse(&http.url)
                .ok()
                .and_then(|url| url.host_str().map(str::to_ascii_lowercase)),
            Settings::Tcp(tcp) => Some(tcp.host.to_ascii_lowercase()),
            Settings::Dns(dns) => Some(dns.host.to_ascii_lowercase()),
            Settings::Heartbeat(_) => None,
        }
    }

    pub fn failure_threshold(&self) -> u32 {
        self.probe_options().map_or(1, |p| p.failure_threshold)
    }

    pub fn regions(&self) -> &[String] {
        self.probe_options().map_or(&[], |p| &p.regions)
    }

    pub fn apdex_threshold_ms(&self) -> u32 {
        self.probe_options()
            .map_or(DEFAULT_APDEX_THRESHOLD_MS, |p| p.apdex_threshold_ms)
    }
}

/// What every actively probed kind shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeOptions {
    pub timeout_ms: u32,
    /// Consecutive failures before the monitor is `down`.
    pub failure_threshold: u32,
    /// Location hints to probe from; empty means one probe, placed by the platform.
    pub regions: Vec<String>,
    /// A success this fast satisfies, up to 4× as fast is tolerated (Apdex);
    /// daily rollups count against it, so the 90-day Apdex is cheap.
    #[serde(default = "default_apdex_threshold_ms")]
    pub apdex_threshold_ms: u32,
}

pub const DEFAULT_APDEX_THRESHOLD_MS: u32 = 500;
pub const MAX_APDEX_THRESHOLD_MS: u32 = 60_000;

fn utc() -> String {
    "UTC".into()
}

fn default_apdex_threshold_ms() -> u32 {
    DEFAULT_APDEX_THRESHOLD_MS
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpSettings {
    pub url: String,
    pub method: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub expected_status_codes: Vec<StatusCodeRule>,
    pub keyword: Option<String>,
    pub keyword_mode: KeywordMode,
    pub follow_redirects: bool,
    /// Monitors stored before the option existed are timed over sockets too.
    #[serde(default)]
    pub timing: Timing,
    #[serde(flatten)]
    pub probe: ProbeOptions,
}

impl HttpSettings {
    /// These settings as every answer shows them (see `secrets`). Every
    /// header value counts as secret, not only `Authorization` and `Cookie`:
    /// any custom header may carry a key, and the names still say what is
    /// sent. So does the whole body: a POST probe's body is often a login,
    /// and which part of it is the password cannot be told.
    fn masked(&self) -> HttpSettings {
        HttpSettings {
            url: secrets::mask_url(&self.url),
            headers: self
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), secrets::mask(value)))
                .collect(),
            body: self.body.as_deref().map(secrets::mask),
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeywordMode {
    Contains,
    Absent,
}

/// How an HTTP check is sent: over `connect()` sockets, which time every
/// phase (DNS, connect, TLS, first byte), or through the runtime's `fetch`,
/// which hides all but the first byte (see `domain::http1`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Timing {
    #[default]
    Sockets,
    Fetch,
}

/// An expected status: one code (`200`) or a class (`"2xx"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatusCodeRule {
    Code(u16),
    Class(String),
}

impl StatusCodeRule {
    fn parse(value: &Value) -> Option<StatusCodeRule> {
        match value {
            Value::Number(n) => n
                .as_u64()
                .filter(|c| (100..=599).contains(c))
                .map(|c| StatusCodeRule::Code(c as u16)),
            Value::String(text) => {
                let text = text.trim().to_ascii_lowercase();
                if let Ok(code) = text.parse::<u64>() {
                    return StatusCodeRule::parse(&Value::from(code));
                }
                let bytes = text.as_bytes();
                (bytes.len() == 3 && (b'1'..=b'5').contains(&bytes[0]) && &bytes[1..] == b"xx")
                    .then_some(StatusCodeRule::Class(text))
            }
            _ => None,
        }
    }

    pub fn matches(&self, status: u16) -> bool {
        match self {
            StatusCodeRule::Code(code) => *code == status,
            StatusCodeRule::Class(class) => class.as_bytes()[0] - b'0' == (status / 100) as u8,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TcpSettings {
    pub host: String,
    pub port: u16,
    #[serde(flatten)]
    pub probe: ProbeOptions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DnsSettings {
    pub host: String,
    pub record_type: String,
    pub expected_values: Vec<String>,
    #[serde(flatten)]
    pub probe: ProbeOptions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatSettings {
    /// How long past the expected ping before the monitor is `down`.
    pub grace_seconds: u32,
    /// A cron expression (5 fields or `@daily`-style) for jobs that run on a
    /// calendar; without it, a ping is expected every `interval_seconds`.
    pub schedule: Option<String>,
    /// The IANA zone the schedule is read in (UTC for heartbeats stored
    /// before schedules existed).
    #[serde(default = "utc")]
    pub timezone: String,
    /// What the job is, for people (a Healthchecks check's `desc`).
    #[serde(default)]
    pub description: Option<String>,
    /// The Healthchecks check this heartbeat replaces: `/ping/{hc_uuid}`
    /// reaches it (`domain::healthchecks`).
    #[serde(default)]
    pub hc_uuid: Option<String>,
    /// Its name in `/ping/{ping_key}/{slug}` pings.
    #[serde(default)]
    pub slug: Option<String>,
}

impl HeartbeatSettings {
    /// When pings are expected. The schedule and zone were validated when saved.
    pub fn period(&self, interval_seconds: u32) -> Period {
        let scheduled = self.schedule.as_deref().and_then(|s| parse_schedule(s).ok());
        match (scheduled, parse_timezone(&self.timezone)) {
            (Some(cron), Ok(zone)) => Period::Schedule {
                cron: Box::new(cron),
                zone,
            },
            _ => Period::Every {
                seconds: interval_seconds,
            },
        }
    }
}

/// The deployment's rules that validation depends on.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub allow_private_targets: bool,
    pub min_grace_seconds: u32,
}

impl MonitorSpec {
    /// The spec as every answer shows it: its input form with each secret masked.
    pub fn shown(&self) -> Map<String, Value> {
        let mut shown = self.clone();
        if let Settings::Http(http) = &mut shown.settings {
            *http = http.masked();
        }
        shown.to_input()
    }

    /// The spec with a PATCH's fields applied: a field left out keeps its
    /// value, `null` resets it, and a secret sent as the mask keeps the
    /// stored one.
    pub fn patched(&self, patch: Map<String, Value>, rules: &Rules) -> Result<MonitorSpec, FieldError> {
        if patch
            .get("type")
            .is_some_and(|t| t.as_str() != Some(self.settings.kind()))
        {
            return Err(FieldError::new(
                "type",
                "type cannot be changed; create a new monitor instead",
            ));
        }
        let mut input = self.to_input();
        input.extend(patch);
        MonitorSpec::parse(&input, rules, Some(&self.settings))
    }

    /// Validates a creation's JSON body; a mask stands for nothing here.
    pub fn from_input(input: &Map<String, Value>, rules: &Rules) -> Result<MonitorSpec, FieldError> {
        MonitorSpec::parse(input, rules, None)
    }

    /// The spec as the JSON fields a client would send, secrets in clear: the
    /// base a PATCH applies onto, never an answer (that is `shown`).
    fn to_input(&self) -> Map<String, Value> {
        let mut input = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        // A schedule's interval is derived from it, not set; without a
        // schedule, the zone means nothing and is not sent back either.
        if let Settings::Heartbeat(beat) = &self.settings {
            input.remove(if beat.schedule.is_some() {
                "interval_seconds"
            } else {
                "timezone"
            });
        }
        input
    }

    /// Validates a whole JSON body (a creation, or a stored spec with a PATCH
    /// applied), taking the stored settings' secrets where the mask was sent.
    fn parse(input: &Map<String, Value>, rules: &Rules, stored: Option<&Settings>) -> Result<MonitorSpec, FieldError> {
        let mut fields = Fields::new(input);
        let kind = fields.string("type")?.ok_or_else(|| one_of("type", &KINDS))?;
        let name = fields
            .string("name")?
            .ok_or_else(|| FieldError::new("name", "name is required"))?;
        let name = trimmed_text("name", name, 1, 100)?;
        let tags = tags(fields.string_list("tags", MAX_TAGS, 50)?.unwrap_or_default());
        let (settings, default_interval, max_interval) = match kind {
            "http" => (
                Settings::Http(http(&mut fields, rules, stored)?),
                300,
                MAX_ACTIVE_INTERVAL,
            ),
            "tcp" => (Settings::Tcp(tcp(&mut fields, rules)?), 300, MAX_ACTIVE_INTERVAL),
            "dns" => (Settings::Dns(dns(&mut fields)?), 300, MAX_ACTIVE_INTERVAL),
            "heartbeat" => (
                Settings::Heartbeat(heartbeat(&mut fields, rules)?),
                86_400,
                MAX_HEARTBEAT_PERIOD,
            ),
            _ => return Err(one_of("type", &KINDS)),
        };
        let interval_seconds = match &settings {
            Settings::Heartbeat(beat) if beat.schedule.is_some() => {
                if fields.get("interval_seconds").is_some() {
                    return Err(FieldError::new(
                        "interval_seconds",
                        "give either interval_seconds or schedule, not both (send interval_seconds: null to switch to a schedule)",
                    ));
                }
                beat.period(default_interval)
                    .typical_seconds()
                    .ok_or_else(|| FieldError::new("schedule", "schedule never comes round (e.g. 30 February)"))?
            }
            _ => fields
                .uint("interval_seconds", 1, max_interval)?
                .unwrap_or(default_interval),
        };
        fields.finish(&READ_ONLY, "this monitor type")?;
        Ok(MonitorSpec {
            name,
            interval_seconds,
            tags,
            settings,
        })
    }
}

fn http(fields: &mut Fields, rules: &Rules, stored: Option<&Settings>) -> Result<HttpSettings, FieldError> {
    let stored = match stored {
        Some(Settings::Http(http)) => Some(http),
        _ => None,
    };
    let url = fields
        .string("url")?
        .ok_or_else(|| FieldError::new("url", "url is required"))?;
    let url = http_url(&secrets::restore_url(url, stored.map(|s| s.url.as_str()))?, rules)?;
    let method = match fields.string("method")? {
        None => "GET".to_string(),
        Some(m) => Some(m.to_ascii_uppercase())
            .filter(|m| METHODS.contains(&m.as_str()))
            .ok_or_else(|| one_of("method", &METHODS))?,
    };
    let headers = headers(fields.get("headers"), stored.map(|s| &s.headers))?;
    let stored_body = stored.and_then(|s| s.body.as_deref());
    let body = fields
        .string("body")?
        .map(|body| secrets::keep(body, stored_body, "body", "body"))
        .transpose()?;
    if let Some(body) = &body {
        if body.len() > MAX_MONITOR_BODY_BYTES {
            return Err(FieldError::new("body", "body must be at most 10 KB"));
        }
        if method == "GET" || method == "HEAD" {
            return Err(FieldError::new("body", "body cannot be sent with GET or HEAD"));
        }
    }
    let expected_status_codes = match fields.get("expected_status_codes") {
        None => vec![StatusCodeRule::Class("2xx".into()), StatusCodeRule::Class("3xx".into())],
        Some(value) => status_rules(value)?,
    };
    let keyword = fields
        .string("keyword")?
        .map(|k| trimmed_text("keyword", k, 1, 200))
        .transpose()?;
    let keyword_mode = match fields.string("keyword_mode")? {
        None | Some("contains") => KeywordMode::Contains,
        Some("absent") => KeywordMode::Absent,
        Some(_) => return Err(one_of("keyword_mode", &["contains", "absent"])),
    };
    let follow_redirects = fields.bool("follow_redirects")?.unwrap_or(true);
    let timing = match fields.string("timing")? {
        None | Some("sockets") => Timing::Sockets,
        Some("fetch") => Timing::Fetch,
        Some(_) => return Err(one_of("timing", &["sockets", "fetch"])),
    };
    let probe = probe_options(fields, 10_000)?;
    Ok(HttpSettings {
        url,
        method,
        headers,
        body,
        expected_status_codes,
        keyword,
        keyword_mode,
        follow_redirects,
        timing,
        probe,
    })
}

fn tcp(fields: &mut Fields, rules: &Rules) -> Result<TcpSettings, FieldError> {
    let host = target_host(fields, rules, is_valid_host)?;
    let port = fields
        .uint("port", 1, 65_535)?
        .ok_or_else(|| FieldError::new("port", "port is required"))? as u16;
    Ok(TcpSettings {
        host,
        port,
        probe: probe_options(fields, 5_000)?,
    })
}

fn dns(fields: &mut Fields) -> Result<DnsSettings, FieldError> {
    // The name to look up, not a machine to connect to: any public or private
    // name may be asked of the configured resolver.
    let host = fields
        .string("host")?
        .ok_or_else(|| FieldError::new("host", "host is required"))?;
    if !is_valid_hostname(host) {
        return Err(FieldError::new("host", "host must be a DNS name such as example.com"));
    }
    let record_type = match fields.string("record_type")? {
        None => "A".to_string(),
        Some(t) => Some(t.to_ascii_uppercase())
            .filter(|t| RECORD_TYPES.contains(&t.as_str()))
            .ok_or_else(|| one_of("record_type", &RECORD_TYPES))?,
    };
    let expected_values = fields.string_list("expected_values", 20, 255)?.unwrap_or_default();
    Ok(DnsSettings {
        host: host.to_ascii_lowercase(),
        record_type,
        expected_values,
        probe: probe_options(fields, 5_000)?,
    })
}

fn heartbeat(fields: &mut Fields, rules: &Rules) -> Result<HeartbeatSettings, FieldError> {
    let grace_seconds = fields
        .uint("grace_seconds", rules.min_grace_seconds, MAX_HEARTBEAT_PERIOD)?
        .unwrap_or(3_600);
    let schedule = fields
        .string("schedule")?
        .map(|s| parse_schedule(s).map(|_| s.trim().to_string()))
        .transpose()?;
    let timezone = match fields.string("timezone")? {
        None => "UTC".to_string(),
        Some(_) if schedule.is_none() => {
            return Err(FieldError::new(
                "timezone",
                "timezone applies to a schedule; give a schedule too",
            ))
        }
        Some(zone) => parse_timezone(zone)?.name(),
    };
    let description = fields
        .string("description")?
        .map(|d| trimmed_text("description", d, 0, 500))
        .transpose()?
        .filter(|d| !d.is_empty());
    let hc_uuid = fields.string("hc_uuid")?.map(healthchecks::parse_uuid).transpose()?;
    let slug = fields.string("slug")?.map(healthchecks::parse_slug).transpose()?;
    Ok(HeartbeatSettings {
        grace_seconds,
        schedule,
        timezone,
        description,
        hc_uuid,
        slug,
    })
}

fn probe_options(fields: &mut Fields, default_timeout_ms: u32) -> Result<ProbeOptions, FieldError> {
    let timeout_ms = fields
        .uint("timeout_ms", 100, MAX_TIMEOUT_MS)?
        .unwrap_or(default_timeout_ms);
    let failure_threshold = fields.uint("failure_threshold", 1, 10)?.unwrap_or(2);
    let apdex_threshold_ms = fields
        .uint("apdex_threshold_ms", 1, MAX_APDEX_THRESHOLD_MS)?
        .unwrap_or(DEFAULT_APDEX_THRESHOLD_MS);
    let regions = fields.string_list("regions", REGIONS.len(), 10)?.unwrap_or_default();
    let mut seen = BTreeSet::new();
    for region in &regions {
        if !REGIONS.contains(&region.as_str()) {
            return Err(one_of("regions", &REGIONS));
        }
        if !seen.insert(region) {
            return Err(FieldError::new("regions", format!("region {region} is listed twice")));
        }
    }
    Ok(ProbeOptions {
        timeout_ms,
        failure_threshold,
        regions,
        apdex_threshold_ms,
    })
}

fn http_url(raw: &str, rules: &Rules) -> Result<String, FieldError> {
    let invalid = |why: &str| FieldError::new("url", format!("url {why}"));
    if raw.len() > 2048 {
        return Err(invalid("must be at most 2048 characters"));
    }
    let url = url::Url::parse(raw.trim()).map_err(|_| invalid("must be an absolute http:// or https:// URL"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid("must use http or https"));
    }
    let host = url.host_str().ok_or_else(|| invalid("must have a host"))?;
    if let Some(why) = url_refusal(&url).filter(|_| !rules.allow_private_targets) {
        return Err(invalid(&format!("host {host} {why}")));
    }
    Ok(url.to_string())
}

fn target_host(fields: &mut Fields, rules: &Rules, valid: fn(&str) -> bool) -> Result<String, FieldError> {
    let host = fields
        .string("host")?
        .ok_or_else(|| FieldError::new("host", "host is required"))?
        .trim();
    if !valid(host) {
        return Err(FieldError::new("host", "host must be a host name or an IP address"));
    }
    if let Some(why) = refusal(host).filter(|_| !rules.allow_private_targets) {
        return Err(FieldError::new("host", format!("host {host} {why}")));
    }
    Ok(host.to_ascii_lowercase())
}

/// The headers sent, each one sent as the mask keeping the stored value of
/// the header of that name (names are case-insensitive, as in HTTP).
fn headers(
    value: Option<&Value>,
    stored: Option<&BTreeMap<String, String>>,
) -> Result<BTreeMap<String, String>, FieldError> {
    let Some(value) = value else {
        return Ok(BTreeMap::new());
    };
    let map = value
        .as_object()
        .ok_or_else(|| FieldError::new("headers", "headers must be an object of name: value strings"))?;
    if map.len() > MAX_HEADERS {
        return Err(FieldError::new(
            "headers",
            format!("headers may hold at most {MAX_HEADERS} entries"),
        ));
    }
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    map.iter()
        .map(|(name, value)| {
            let field = format!("headers.{name}");
            if name.is_empty() || name.len() > 100 || !name.chars().all(token) {
                return Err(FieldError::new(
                    field,
                    format!("header name {name:?} is not a valid HTTP header name"),
                ));
            }
            let value = value
                .as_str()
                .ok_or_else(|| FieldError::new(&field, format!("header {name} must be a string")))?;
            let stored = stored
                .and_then(|s| s.iter().find(|(stored, _)| stored.eq_ignore_ascii_case(name)))
                .map(|(_, value)| value.as_str());
            let value = secrets::keep(value, stored, &field, &format!("header {name}"))?;
            if value.len() > 1000 || value.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
                return Err(FieldError::new(
                    field,
                    format!("header {name} must be one line of at most 1000 characters"),
                ));
            }
            Ok((name.clone(), value))
        })
        .collect()
}

fn status_rules(value: &Value) -> Result<Vec<StatusCodeRule>, FieldError> {
    let invalid = || {
        FieldError::new(
            "expected_status_codes",
            r#"expected_status_codes must be a list of 1 to 20 codes (200) or classes ("2xx")"#,
        )
    };
    let list = value
        .as_array()
        .filter(|l| !l.is_empty() && l.len() <= 20)
        .ok_or_else(invalid)?;
    list.iter()
        .map(|item| StatusCodeRule::parse(item).ok_or_else(invalid))
        .collect()
}

/// Trimmed, without duplicates, in the order given.
fn tags(raw: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    raw.into_iter().filter(|tag| seen.insert(tag.clone())).collect()
}

fn one_of(field: &str, allowed: &[&str]) -> FieldError {
    FieldError::new(field, format!("{field} must be one of {}", allowed.join(", ")))
}

#[cfg(test)]
mod tests;
