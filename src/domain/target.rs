//! What a monitor may point at. A public deployment must not become a way to
//! probe the network it runs in, so loopback, private, link-local and other
//! non-public addresses are refused unless `PW_ALLOW_PRIVATE_TARGETS` is set.
//! Names are checked as written; a public name that resolves to a private
//! address is left to the platform, whose outbound requests reach only the
//! public internet.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `host` (a name or an IP address, IPv6 with or without brackets)
/// designates this machine or a non-public network.
pub fn is_private_host(host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") || host.ends_with(".local") || host.ends_with(".internal") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => is_private_v4(ip),
        Ok(IpAddr::V6(ip)) => is_private_v6(ip),
        Err(_) => false,
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT, 100.64.0.0/10
}

fn is_private_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_private_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local, fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local, fe80::/10
}

/// A DNS host name: dot-separated labels of letters, digits and hyphens.
pub fn is_valid_hostname(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        })
}

/// A host for a TCP monitor: a host name or an IP address.
pub fn is_valid_host(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok()
        || is_valid_hostname(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_private() {
        for host in [
            "localhost",
            "api.localhost",
            "printer.local",
            "127.0.0.1",
            "127.8.9.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "[::1]",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "LOCALHOST.",
        ] {
            assert!(is_private_host(host), "{host}");
        }
    }

    #[test]
    fn public_addresses_and_names_are_not() {
        for host in [
            "example.com",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "8.8.8.8",
        ] {
            assert!(!is_private_host(host), "{host}");
        }
    }

    #[test]
    fn host_names_are_checked_label_by_label() {
        assert!(is_valid_hostname("api.example.com"));
        assert!(is_valid_hostname("example.com."));
        assert!(!is_valid_hostname("bad host.com"));
        assert!(!is_valid_hostname("-x.com"));
        assert!(!is_valid_hostname(""));
        assert!(!is_valid_hostname(&format!("{}.com", "a".repeat(64))));
        assert!(is_valid_host("::1") && is_valid_host("10.0.0.1") && !is_valid_host("a b"));
    }
}
