//! The public tools' rules: which ports a scan may name and what usually
//! listens there, what a target or a domain may be, and the refusal of a
//! target any of whose addresses is in a refused network.

use super::target::{is_valid_hostname, refusal, refused_address};
use super::validation::FieldError;
use serde::Serialize;
use serde_json::Value;
use std::net::IpAddr;
use url::Host;

/// Ports one scan may name.
pub const MAX_PORTS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PortState {
    Open,
    Closed,
    Filtered,
}

/// The service usually on a port (IANA's names, as PingFlow shows them).
pub fn service_name(port: u16) -> &'static str {
    match port {
        20 | 21 => "ftp",
        22 => "ssh",
        23 => "telnet",
        25 | 465 | 587 => "smtp",
        53 => "dns",
        80 | 8080 => "http",
        110 => "pop3",
        143 => "imap",
        443 | 8443 => "https",
        993 => "imaps",
        995 => "pop3s",
        1433 => "mssql",
        1521 => "oracle",
        2375 | 2376 => "docker",
        3306 => "mysql",
        3389 => "rdp",
        5432 => "postgresql",
        5672 => "amqp",
        6379 => "redis",
        6443 => "kubernetes",
        8883 | 1883 => "mqtt",
        9000 => "http-alt",
        9200 => "elasticsearch",
        11211 => "memcached",
        27017 => "mongodb",
        _ => "unknown",
    }
}

/// A scan's `ports`: 1 to 20 port numbers, each 1–65535, duplicates dropped.
pub fn scan_ports(value: Option<&Value>) -> Result<Vec<u16>, FieldError> {
    let invalid = || {
        FieldError::new(
            "ports",
            format!("ports must be a list of 1 to {MAX_PORTS} port numbers (1-65535)"),
        )
    };
    let items = value.and_then(Value::as_array).ok_or_else(invalid)?;
    let mut ports = Vec::new();
    for item in items {
        let port = item
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p > 0)
            .ok_or_else(invalid)?;
        if !ports.contains(&port) {
            ports.push(port);
        }
    }
    if ports.is_empty() || ports.len() > MAX_PORTS {
        return Err(invalid());
    }
    Ok(ports)
}

/// An address written as one, in any spelling the URL parser reads
/// (`2130706433`, `0x7f.1`, `[::ffff:127.0.0.1]`, a trailing dot).
pub fn literal_address(host: &str) -> Option<IpAddr> {
    let host = host.trim().trim_end_matches('.');
    let parsed = if host.contains(':') && !host.starts_with('[') {
        Host::parse(&format!("[{host}]"))
    } else {
        Host::parse(host)
    };
    match parsed.ok()? {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    }
}

/// A target to reach: an address or a host name (`field` names it in errors).
pub fn target_host(field: &str, value: Option<&Value>) -> Result<String, FieldError> {
    let text = value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| FieldError::new(field, format!("{field} is required: a host name or an IP address")))?;
    if literal_address(text).is_some() || is_valid_hostname(text.trim_end_matches('.')) {
        Ok(text.to_string())
    } else {
        Err(FieldError::new(
            field,
            format!("{field} must be a host name or an IP address"),
        ))
    }
}

/// A DNS lookup's `domain`: a host name.
pub fn lookup_domain(value: Option<&str>) -> Result<String, FieldError> {
    let domain = value
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| FieldError::new("domain", "domain is required"))?;
    let bare = domain.trim_end_matches('.').to_ascii_lowercase();
    if is_valid_hostname(&bare) {
        Ok(bare)
    } else {
        Err(FieldError::new(
            "domain",
            "domain must be a host name such as example.com",
        ))
    }
}

/// A live check's target (`url`, pingy's field: a URL or a bare host) and
/// `mode` (`http`, the default, or `ping`: a TCP connection to the URL's
/// port): the host, and the monitor fields to probe it with.
pub fn live_check(
    url: Option<&Value>,
    mode: Option<&Value>,
) -> Result<(String, serde_json::Map<String, Value>), FieldError> {
    let text = url
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| FieldError::new("url", "url is required: a URL or a host name"))?;
    let full = if text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    };
    let parsed = url::Url::parse(&full).map_err(|_| FieldError::new("url", "url must be a URL or a host name"))?;
    let host = parsed
        .host_str()
        .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .ok_or_else(|| FieldError::new("url", "url must name a host"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FieldError::new("url", "url must be http or https"));
    }
    let fields = match mode.map(|m| m.as_str()) {
        None | Some(Some("http")) => serde_json::json!({ "type": "http", "url": full }),
        Some(Some("ping")) => serde_json::json!({
            "type": "tcp", "host": host, "port": parsed.port_or_known_default().unwrap_or(443),
        }),
        Some(_) => return Err(FieldError::new("mode", "mode must be http or ping")),
    };
    let mut fields = fields.as_object().cloned().unwrap_or_default();
    fields.insert("name".into(), Value::from(format!("live check of {host}")));
    fields.insert("interval_seconds".into(), Value::from(3600));
    Ok((host, fields))
}

/// The target is refused (422) when the name itself, or any address it
/// resolves to, is in a refused network, unless private targets are allowed.
pub fn refused_target(field: &str, host: &str, addresses: &[IpAddr]) -> Option<FieldError> {
    let why = refusal(host).or_else(|| refused_address(addresses).map(|(_, why)| why))?;
    Some(FieldError::new(field, format!("{field} {host} {why}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ports_are_a_short_list_of_real_port_numbers() {
        assert_eq!(scan_ports(Some(&json!([80, 443, 80]))).unwrap(), vec![80, 443]);
        for bad in [
            json!([]),
            json!([0]),
            json!([70000]),
            json!(["80"]),
            json!(80),
            json!((1..=21).collect::<Vec<_>>()),
        ] {
            assert_eq!(scan_ports(Some(&bad)).unwrap_err().field, "ports", "{bad}");
        }
        assert_eq!(service_name(3306), "mysql");
        assert_eq!(service_name(4242), "unknown");
    }

    #[test]
    fn evasive_spellings_of_an_address_are_read_as_that_address() {
        for (text, address) in [
            ("2130706433", "127.0.0.1"),
            ("0x7f.1", "127.0.0.1"),
            ("127.0.0.1.", "127.0.0.1"),
            ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
            ("[fd00:ec2::254]", "fd00:ec2::254"),
        ] {
            assert_eq!(literal_address(text).unwrap().to_string(), address, "{text}");
        }
        assert_eq!(literal_address("example.com"), None);
    }

    #[test]
    fn a_target_is_refused_for_its_name_or_any_of_its_addresses() {
        let public: IpAddr = "93.184.216.34".parse().unwrap();
        let metadata: IpAddr = "169.254.169.254".parse().unwrap();
        assert!(refused_target("target", "example.com", &[public]).is_none());
        assert!(refused_target("target", "example.com", &[public, metadata]).is_some());
        assert!(refused_target("target", "localhost", &[]).is_some());
        for evasive in [
            "2130706433",
            "0x7f.1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
            "fd00:ec2::254",
        ] {
            let address = literal_address(evasive).unwrap();
            assert!(refused_target("target", evasive, &[address]).is_some(), "{evasive}");
        }
    }

    #[test]
    fn a_live_check_takes_a_url_or_a_bare_host_and_a_mode() {
        let (host, fields) = live_check(Some(&json!("Example.com")), None).unwrap();
        assert_eq!(host, "example.com");
        assert_eq!(fields["type"], "http");
        assert_eq!(fields["url"], "https://Example.com");
        let (_, tcp) = live_check(Some(&json!("http://example.com:8080/x")), Some(&json!("ping"))).unwrap();
        assert_eq!((tcp["type"].as_str(), tcp["port"].as_u64()), (Some("tcp"), Some(8080)));
        assert_eq!(live_check(None, None).unwrap_err().field, "url");
        assert_eq!(live_check(Some(&json!("ftp://x.com")), None).unwrap_err().field, "url");
        assert_eq!(
            live_check(Some(&json!("x.com")), Some(&json!("dance")))
                .unwrap_err()
                .field,
            "mode"
        );
    }

    #[test]
    fn targets_and_domains_are_checked() {
        assert_eq!(
            target_host("target", Some(&json!("example.com"))).unwrap(),
            "example.com"
        );
        assert!(target_host("target", Some(&json!("not a host"))).is_err());
        assert!(target_host("target", None).is_err());
        assert_eq!(lookup_domain(Some("GitHub.com.")).unwrap(), "github.com");
        assert_eq!(lookup_domain(Some("http://x")).unwrap_err().field, "domain");
        assert_eq!(lookup_domain(None).unwrap_err().field, "domain");
    }
}
