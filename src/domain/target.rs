//! What Pingwarden may reach out to. A public deployment must not become a
//! way to probe the network it runs in, so every feature that connects to a
//! user-given host (monitors, and later notification channels, public tools
//! and importers) asks [`refusal`] or [`url_refusal`] first, unless
//! `PW_ALLOW_PRIVATE_TARGETS` is set.
//!
//! The refused networks are one table: every block of the IANA IPv4 and IPv6
//! special-purpose address registries, multicast, and the deprecated IPv6
//! site-local block. An IPv6 address that embeds an IPv4 one is judged by
//! that IPv4 address as well. A host is read the way the runtime will read
//! it: by the WHATWG host parser (which `fetch` uses), so `2130706433`,
//! `0x7f.1`, `0177.0.0.1` and `127.1` are all 127.0.0.1, as they are to an
//! inet_aton-style parser behind `connect()`.
//!
//! Names are judged as written: `fetch` and `connect()` resolve names inside
//! the runtime, so a public name that resolves to a private address can only
//! be caught where the probe resolves and connects by itself.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// A refused network: its first address, prefix length and registry name,
/// and for an IPv6 block that carries an IPv4 address, how far that address
/// sits from the right end (in bits).
struct Block<A: 'static> {
    network: A,
    prefix: u8,
    name: &'static str,
    embeds_v4_at: Option<u32>,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8, name: &'static str) -> Block<Ipv4Addr> {
    Block {
        network: Ipv4Addr::new(a, b, c, d),
        prefix,
        name,
        embeds_v4_at: None,
    }
}

const fn v6(s: [u16; 8], prefix: u8, name: &'static str) -> Block<Ipv6Addr> {
    Block {
        network: Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
        prefix,
        name,
        embeds_v4_at: None,
    }
}

/// An IPv6 block whose addresses carry an IPv4 address `at` bits from the right.
const fn v6_embedding(s: [u16; 8], prefix: u8, name: &'static str, at: u32) -> Block<Ipv6Addr> {
    Block {
        embeds_v4_at: Some(at),
        ..v6(s, prefix, name)
    }
}

/// The IANA IPv4 special-purpose registry, plus multicast (224.0.0.0/4).
const REFUSED_V4: &[Block<Ipv4Addr>] = &[
    v4(0, 0, 0, 0, 8, "\"this network\""),
    v4(10, 0, 0, 0, 8, "private-use"),
    v4(100, 64, 0, 0, 10, "shared address space (carrier-grade NAT)"),
    v4(127, 0, 0, 0, 8, "loopback"),
    v4(169, 254, 0, 0, 16, "link-local"),
    v4(172, 16, 0, 0, 12, "private-use"),
    v4(192, 0, 0, 0, 24, "IETF protocol assignments"),
    v4(192, 0, 2, 0, 24, "documentation (TEST-NET-1)"),
    v4(192, 31, 196, 0, 24, "AS112"),
    v4(192, 52, 193, 0, 24, "AMT"),
    v4(192, 88, 99, 0, 24, "6to4 relay anycast"),
    v4(192, 168, 0, 0, 16, "private-use"),
    v4(192, 175, 48, 0, 24, "AS112 direct delegation"),
    v4(198, 18, 0, 0, 15, "benchmarking"),
    v4(198, 51, 100, 0, 24, "documentation (TEST-NET-2)"),
    v4(203, 0, 113, 0, 24, "documentation (TEST-NET-3)"),
    v4(224, 0, 0, 0, 4, "multicast"),
    v4(240, 0, 0, 0, 4, "reserved"),
    v4(255, 255, 255, 255, 32, "limited broadcast"),
];

/// The IANA IPv6 special-purpose registry, plus the blocks it leaves to
/// other registries: IPv4-compatible (deprecated), site-local (deprecated)
/// and multicast.
const REFUSED_V6: &[Block<Ipv6Addr>] = &[
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified"),
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback"),
    v6_embedding([0, 0, 0, 0, 0, 0, 0, 0], 96, "IPv4-compatible", 0),
    v6_embedding([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, "IPv4-mapped", 0),
    v6_embedding([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96, "IPv4/IPv6 translation (NAT64)", 0),
    v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, "local-use IPv4/IPv6 translation"),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only"),
    v6([0x100, 0, 0, 1, 0, 0, 0, 0], 64, "dummy prefix"),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23, "IETF protocol assignments"),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, "Teredo"),
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "documentation"),
    v6_embedding([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4", 80),
    v6([0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0], 48, "AS112 direct delegation"),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation"),
    v6([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16, "segment routing (SRv6) SIDs"),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique-local"),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local"),
    v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, "site-local (deprecated)"),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast"),
];

/// Cloudflare's own networks (https://www.cloudflare.com/ips/), which
/// `connect()` refuses to reach from a Worker: an HTTP probe sends a hop to
/// one of them through `fetch` instead (see `domain::http1`).
const CLOUDFLARE_V4: &[Block<Ipv4Addr>] = &[
    v4(173, 245, 48, 0, 20, "Cloudflare"),
    v4(103, 21, 244, 0, 22, "Cloudflare"),
    v4(103, 22, 200, 0, 22, "Cloudflare"),
    v4(103, 31, 4, 0, 22, "Cloudflare"),
    v4(141, 101, 64, 0, 18, "Cloudflare"),
    v4(108, 162, 192, 0, 18, "Cloudflare"),
    v4(190, 93, 240, 0, 20, "Cloudflare"),
    v4(188, 114, 96, 0, 20, "Cloudflare"),
    v4(197, 234, 240, 0, 22, "Cloudflare"),
    v4(198, 41, 128, 0, 17, "Cloudflare"),
    v4(162, 158, 0, 0, 15, "Cloudflare"),
    v4(104, 16, 0, 0, 13, "Cloudflare"),
    v4(104, 24, 0, 0, 14, "Cloudflare"),
    v4(172, 64, 0, 0, 13, "Cloudflare"),
    v4(131, 0, 72, 0, 22, "Cloudflare"),
];

const CLOUDFLARE_V6: &[Block<Ipv6Addr>] = &[
    v6([0x2400, 0xcb00, 0, 0, 0, 0, 0, 0], 32, "Cloudflare"),
    v6([0x2606, 0x4700, 0, 0, 0, 0, 0, 0], 32, "Cloudflare"),
    v6([0x2803, 0xf800, 0, 0, 0, 0, 0, 0], 32, "Cloudflare"),
    v6([0x2405, 0xb500, 0, 0, 0, 0, 0, 0], 32, "Cloudflare"),
    v6([0x2405, 0x8100, 0, 0, 0, 0, 0, 0], 32, "Cloudflare"),
    v6([0x2a06, 0x98c0, 0, 0, 0, 0, 0, 0], 29, "Cloudflare"),
    v6([0x2c0f, 0xf248, 0, 0, 0, 0, 0, 0], 32, "Cloudflare"),
];

/// Whether `address` is in one of Cloudflare's own networks.
pub fn is_cloudflare(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(ip) => most_specific(CLOUDFLARE_V4, ip).is_some(),
        IpAddr::V6(ip) => most_specific(CLOUDFLARE_V6, ip).is_some(),
    }
}

/// Special-use names (RFC 6761, 6762, 8375; ICANN's `.internal`) that only
/// ever mean this machine or a local network: the name and its subdomains.
const REFUSED_NAMES: &[(&str, &str)] = &[
    ("localhost", "loopback"),
    ("local", "multicast DNS (link-local)"),
    ("home.arpa", "home network"),
    ("internal", "private-use"),
];

/// Why a host is refused, in words for an error message or a check failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An address in a special-purpose block, e.g. `127.0.0.0/8 (loopback)`.
    Network { block: String, name: &'static str },
    /// A special-use name, e.g. `localhost`.
    Name { suffix: &'static str, name: &'static str },
    /// A host the URL host parser cannot read: refused, since what the
    /// runtime would make of it is unknown.
    Unreadable,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Network { block, name } => {
                write!(f, "is in {block} ({name}), a network this deployment does not reach")
            }
            Refusal::Name { suffix, name } => {
                write!(f, "is a .{suffix} name ({name}), which this deployment does not reach")
            }
            Refusal::Unreadable => f.write_str("cannot be read as a host name or an IP address"),
        }
    }
}

/// Why `host` (a name or an IP address in any spelling, IPv6 with or
/// without brackets) may not be reached, or `None` when it may.
pub fn refusal(host: &str) -> Option<Refusal> {
    let host = host.trim();
    // The URL host parser wants IPv6 in brackets, as in a URL.
    let parsed = if host.contains(':') && !host.starts_with('[') {
        Host::parse(&format!("[{host}]"))
    } else {
        Host::parse(host)
    };
    match parsed {
        Ok(host) => host_refusal(&host),
        Err(_) => Some(Refusal::Unreadable),
    }
}

/// The first of a name's resolved addresses that may not be reached, and
/// why: what probes, live checks and deliveries judge once they resolved it.
pub fn refused_address(addresses: &[IpAddr]) -> Option<(IpAddr, Refusal)> {
    addresses.iter().find_map(|&address| {
        let why = match address {
            IpAddr::V4(ip) => v4_refusal(ip),
            IpAddr::V6(ip) => v6_refusal(ip),
        }?;
        Some((address, why))
    })
}

/// Why the host of an (already parsed) URL may not be reached.
pub fn url_refusal(url: &Url) -> Option<Refusal> {
    url.host().map_or(Some(Refusal::Unreadable), |host| host_refusal(&host))
}

fn host_refusal<S: AsRef<str>>(host: &Host<S>) -> Option<Refusal> {
    match host {
        Host::Ipv4(ip) => v4_refusal(*ip),
        Host::Ipv6(ip) => v6_refusal(*ip),
        Host::Domain(name) => name_refusal(name.as_ref()),
    }
}

fn name_refusal(name: &str) -> Option<Refusal> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    REFUSED_NAMES
        .iter()
        .find(|(suffix, _)| name == *suffix || name.ends_with(&format!(".{suffix}")))
        .map(|&(suffix, name)| Refusal::Name { suffix, name })
}

fn v4_refusal(ip: Ipv4Addr) -> Option<Refusal> {
    most_specific(REFUSED_V4, ip).map(Block::refusal)
}

/// The most specific refused block the address is in. For a block that
/// carries an IPv4 address (mapped, compatible, NAT64, 6to4), that
/// address's own block when it has one: it says more (`loopback` rather
/// than `IPv4-mapped`).
fn v6_refusal(ip: Ipv6Addr) -> Option<Refusal> {
    let block = most_specific(REFUSED_V6, ip)?;
    block
        .embeds_v4_at
        .and_then(|at| v4_refusal(Ipv4Addr::from((ip.bits() >> at) as u32)))
        .or_else(|| Some(block.refusal()))
}

fn most_specific<A: Address>(table: &'static [Block<A>], ip: A) -> Option<&'static Block<A>> {
    table
        .iter()
        .filter(|block| {
            // The top `prefix` bits of the address width.
            let all = u128::MAX >> (128 - A::WIDTH);
            let mask = all & !all.checked_shr(u32::from(block.prefix)).unwrap_or(0);
            ip.bits() & mask == block.network.bits()
        })
        .max_by_key(|block| block.prefix)
}

/// IPv4 and IPv6 addresses alike, as numbers to compare under a mask.
trait Address: Copy + fmt::Display {
    const WIDTH: u32;
    fn bits(self) -> u128;
}

impl Address for Ipv4Addr {
    const WIDTH: u32 = 32;
    fn bits(self) -> u128 {
        u32::from(self).into()
    }
}

impl Address for Ipv6Addr {
    const WIDTH: u32 = 128;
    fn bits(self) -> u128 {
        self.into()
    }
}

impl<A: Address> Block<A> {
    fn refusal(&self) -> Refusal {
        Refusal::Network {
            block: format!("{}/{}", self.network, self.prefix),
            name: self.name,
        }
    }
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
        .parse::<std::net::IpAddr>()
        .is_ok()
        || is_valid_hostname(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_refused_address_of_a_name_is_found_as_its_spelling_would_be() {
        let addresses: Vec<IpAddr> = ["93.184.215.14", "::ffff:10.0.0.1", "127.0.0.1"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        let (address, why) = refused_address(&addresses).expect("a private address among them");
        assert_eq!(address, addresses[1]);
        assert_eq!(Some(why), refusal("::ffff:10.0.0.1"));
        assert_eq!(refused_address(&addresses[..1]), None);
    }

    /// Every spelling of a refused host, with the block or name it falls in.
    #[test]
    fn special_purpose_hosts_are_refused_in_every_spelling() {
        let cases = [
            // IPv4 special-purpose registry, one row per block.
            ("0.0.0.0", "0.0.0.0/8"),
            ("0.1.2.3", "0.0.0.0/8"),
            ("10.1.2.3", "10.0.0.0/8"),
            ("100.64.0.1", "100.64.0.0/10"),
            ("100.127.255.255", "100.64.0.0/10"),
            ("127.0.0.1", "127.0.0.0/8"),
            ("127.8.9.1", "127.0.0.0/8"),
            ("169.254.169.254", "169.254.0.0/16"),
            ("172.16.0.1", "172.16.0.0/12"),
            ("172.31.255.255", "172.16.0.0/12"),
            ("192.0.0.9", "192.0.0.0/24"),
            ("192.0.2.1", "192.0.2.0/24"),
            ("192.31.196.1", "192.31.196.0/24"),
            ("192.52.193.1", "192.52.193.0/24"),
            ("192.88.99.1", "192.88.99.0/24"),
            ("192.168.1.1", "192.168.0.0/16"),
            ("192.175.48.1", "192.175.48.0/24"),
            ("198.18.0.1", "198.18.0.0/15"),
            ("198.19.255.255", "198.18.0.0/15"),
            ("198.51.100.7", "198.51.100.0/24"),
            ("203.0.113.7", "203.0.113.0/24"),
            ("224.0.0.1", "224.0.0.0/4"),
            ("239.255.255.250", "224.0.0.0/4"),
            ("240.0.0.1", "240.0.0.0/4"),
            ("255.255.255.254", "240.0.0.0/4"),
            ("255.255.255.255", "255.255.255.255/32"),
            // Evasive IPv4 spellings.
            ("2130706433", "127.0.0.0/8"),
            ("0x7f000001", "127.0.0.0/8"),
            ("0X7F000001", "127.0.0.0/8"),
            ("0x7f.0.0.1", "127.0.0.0/8"),
            ("0177.0.0.1", "127.0.0.0/8"),
            ("0177.1", "127.0.0.0/8"),
            ("127.1", "127.0.0.0/8"),
            ("127.0.1", "127.0.0.0/8"),
            ("10.1", "10.0.0.0/8"),
            ("0", "0.0.0.0/8"),
            ("127.0.0.1.", "127.0.0.0/8"),
            (" 127.0.0.1 ", "127.0.0.0/8"),
            ("0251.0376.0251.0376", "169.254.0.0/16"),
            ("0xa9fea9fe", "169.254.0.0/16"),
            ("2852039166", "169.254.0.0/16"),
            ("127%2e0%2e0%2e1", "127.0.0.0/8"),
            // IPv6 special-purpose registry.
            ("::", "::/128"),
            ("::1", "::1/128"),
            ("[::1]", "::1/128"),
            ("0:0:0:0:0:0:0:1", "::1/128"),
            ("100::1", "100::/64"),
            ("100:0:0:1::1", "100:0:0:1::/64"),
            ("2001::1", "2001::/32"),
            ("2001:2::1", "2001::/23"),
            ("2001:db8::1", "2001:db8::/32"),
            ("2620:4f:8000::1", "2620:4f:8000::/48"),
            ("3fff::1", "3fff::/20"),
            ("5f00::1", "5f00::/16"),
            ("fc00::1", "fc00::/7"),
            ("FD00::1", "fc00::/7"),
            ("fe80::1", "fe80::/10"),
            ("fec0::1", "fec0::/10"),
            ("ff02::1", "ff00::/8"),
            ("64:ff9b:1::1", "64:ff9b:1::/48"),
            // Embedded IPv4, judged by that address.
            ("::ffff:127.0.0.1", "127.0.0.0/8"),
            ("::ffff:7f00:1", "127.0.0.0/8"),
            ("[::FFFF:7F00:1]", "127.0.0.0/8"),
            ("::ffff:a9fe:a9fe", "169.254.0.0/16"),
            ("::127.0.0.1", "127.0.0.0/8"),
            ("::a00:1", "10.0.0.0/8"),
            ("64:ff9b::127.0.0.1", "127.0.0.0/8"),
            ("64:ff9b::a9fe:a9fe", "169.254.0.0/16"),
            ("2002:7f00:1::", "127.0.0.0/8"),
            ("2002:c0a8:101::1", "192.168.0.0/16"),
            // Embedded public IPv4: refused by the IPv6 block itself.
            ("::ffff:8.8.8.8", "::ffff:0.0.0.0/96"),
            ("::8.8.8.8", "::/96"),
            ("64:ff9b::8.8.8.8", "64:ff9b::/96"),
            ("2002:808:808::1", "2002::/16"),
        ];
        for (host, block) in cases {
            match refusal(host) {
                Some(Refusal::Network { block: found, .. }) => assert_eq!(found, block, "{host}"),
                other => panic!("{host}: expected {block}, got {other:?}"),
            }
        }
    }

    #[test]
    fn local_names_are_refused_in_every_spelling() {
        let cases = [
            ("localhost", "localhost"),
            ("LOCALHOST", "localhost"),
            ("localhost.", "localhost"),
            ("api.localhost", "localhost"),
            ("printer.local", "local"),
            ("nas.home.arpa", "home.arpa"),
            ("metadata.google.internal", "internal"),
        ];
        for (host, suffix) in cases {
            match refusal(host) {
                Some(Refusal::Name { suffix: found, .. }) => assert_eq!(found, suffix, "{host}"),
                other => panic!("{host}: expected .{suffix}, got {other:?}"),
            }
        }
    }

    #[test]
    fn hosts_the_parser_cannot_read_are_refused() {
        for host in [
            // Host names are ASCII only (idna_adapter 1.0, Cargo.toml): a
            // full-width spelling of localhost is not mapped to it but refused.
            "ｌｏｃａｌｈｏｓｔ",
            "1.2.3.4.5",
            "256.1.1.1",
            "0x100000000",
            "fe80::1%eth0",
            "[::1",
            "a b",
            "",
        ] {
            assert_eq!(refusal(host), Some(Refusal::Unreadable), "{host}");
        }
    }

    #[test]
    fn public_addresses_and_names_are_allowed() {
        for host in [
            "example.com",
            "example.com.",
            "EXAMPLE.COM",
            "localhost.example.com",
            "local.example.com",
            "internal.example.com",
            "1.1.1.1",
            "8.8.8.8",
            "134744072", // 8.8.8.8
            "0x08080808",
            "9.255.255.255",
            "11.0.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.0.1.1",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700::1111",
            "[2606:4700::1111]",
            "2a00:1450:4001::200e",
            "2001:4860:4860::8888",
            "2001:200::1",
            "2003::1",
        ] {
            assert_eq!(refusal(host), None, "{host}");
        }
    }

    #[test]
    fn a_url_is_judged_by_the_host_its_parser_yields() {
        let cases = [
            ("http://2130706433/", true),
            ("http://0x7f.1:8080/", true),
            ("http://[::ffff:7f00:1]/", true),
            ("http://LocalHost./", true),
            ("https://user:pw@169.254.169.254/latest", true),
            ("https://example.com/health", false),
            ("http://100.128.0.1:8080/", false),
        ];
        for (raw, refused) in cases {
            let url = Url::parse(raw).unwrap();
            assert_eq!(url_refusal(&url).is_some(), refused, "{raw}");
        }
    }

    #[test]
    fn refusals_read_as_plain_words() {
        assert_eq!(
            refusal("0x7f.1").unwrap().to_string(),
            "is in 127.0.0.0/8 (loopback), a network this deployment does not reach"
        );
        assert_eq!(
            refusal("db.internal").unwrap().to_string(),
            "is a .internal name (private-use), which this deployment does not reach"
        );
    }

    #[test]
    fn cloudflares_own_networks_are_known() {
        for (address, cloudflare) in [
            ("104.16.132.229", true),
            ("172.67.1.1", true),
            ("1.1.1.1", false),
            ("2606:4700::6810:84e5", true),
            ("2a06:98c7::1", true),
            ("2a06:98c8::1", false),
            ("93.184.215.14", false),
        ] {
            assert_eq!(is_cloudflare(address.parse().unwrap()), cloudflare, "{address}");
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
