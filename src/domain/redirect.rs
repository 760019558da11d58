//! Redirects, followed by the probe itself rather than by the runtime's
//! `fetch`, so that every hop's host passes the target guard before
//! anything is sent to it. The rules are the fetch standard's
//! (HTTP-redirect fetch), so a monitor sees what `redirect: "follow"` gave
//! it before: only http and https; the Location resolved against the
//! current URL; a POST answered by 301 or 302, and anything but GET or HEAD
//! answered by 303, becomes a GET without body; 307 and 308 keep method and
//! body; `Authorization` is not sent on once the chain leaves the origin.

use super::probe::Failure;
use super::target::{refused_address, url_refusal};
use std::net::IpAddr;
use url::Url;

/// At most this many redirects per check. Real chains are short (http →
/// https → www → a locale path is three), and every hop is one more request
/// inside the monitor's timeout and the Worker's six connections; the fetch
/// standard's 20 is sized for browsers navigating the web.
pub const MAX_REDIRECTS: u32 = 10;

/// Headers that describe a body, dropped with it (the fetch standard's
/// request-body-header names).
const BODY_HEADERS: [&str; 4] = [
    "content-encoding",
    "content-language",
    "content-location",
    "content-type",
];

/// One request of a check: the monitor's own, or one a redirect leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub url: Url,
    pub method: String,
    /// Whether the monitor's body, and the headers describing it, are sent.
    pub with_body: bool,
    /// Whether the monitor's `Authorization` header is sent.
    pub with_authorization: bool,
    /// How many redirects led here.
    pub redirects: u32,
}

impl Hop {
    /// The monitor's own request.
    pub fn first(url: Url, method: &str) -> Hop {
        Hop {
            url,
            method: method.to_string(),
            with_body: true,
            with_authorization: true,
            redirects: 0,
        }
    }

    /// Whether the monitor's header `name` goes with this request.
    pub fn sends_header(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        (self.with_body || !BODY_HEADERS.contains(&name.as_str()))
            && (self.with_authorization || name != "authorization")
    }

    /// Why this request must not be sent when private targets are not
    /// allowed: its host is in a refused network or has a refused name.
    pub fn refused(&self) -> Option<Failure> {
        let reason = format!("host {} {}", self.url.host_str()?, url_refusal(&self.url)?);
        Some(self.refusal(reason))
    }

    /// Why this request must not be sent when private targets are not
    /// allowed, though its host passed: one of the addresses the probe
    /// resolved it to is in a refused network (a public name pointed at a
    /// private address).
    pub fn refused_address(&self, addresses: &[IpAddr]) -> Option<Failure> {
        let (address, why) = refused_address(addresses)?;
        let host = self.url.host_str()?;
        Some(self.refusal(format!("host {host} resolves to {address}, which {why}")))
    }

    fn refusal(&self, reason: String) -> Failure {
        if self.redirects == 0 {
            Failure::TargetRefused { reason }
        } else {
            Failure::RedirectRefused {
                to: shown(&self.url),
                reason,
            }
        }
    }

    /// Where an answer with `status` and `location` leads: `Ok(None)` when
    /// it is not a redirect, or one without a Location, which is then the
    /// answer (as in fetch). Unless `allow_private_targets`, a hop to a
    /// refused host is an error.
    pub fn next(
        &self,
        status: u16,
        location: Option<&str>,
        allow_private_targets: bool,
    ) -> Result<Option<Hop>, Failure> {
        let Some(location) = location.filter(|_| matches!(status, 301 | 302 | 303 | 307 | 308)) else {
            return Ok(None);
        };
        let url = self.url.join(location.trim()).map_err(|_| Failure::RedirectRefused {
            to: "an unreadable Location".into(),
            reason: format!("{location:?} is not a URL"),
        })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(Failure::RedirectRefused {
                to: shown(&url),
                reason: "only http and https are followed".into(),
            });
        }
        if self.redirects >= MAX_REDIRECTS {
            return Err(Failure::TooManyRedirects { limit: MAX_REDIRECTS });
        }
        let becomes_get = (matches!(status, 301 | 302) && self.method == "POST")
            || (status == 303 && self.method != "GET" && self.method != "HEAD");
        let next = Hop {
            method: if becomes_get { "GET".into() } else { self.method.clone() },
            with_body: self.with_body && !becomes_get,
            with_authorization: self.with_authorization && url.origin() == self.url.origin(),
            redirects: self.redirects + 1,
            url,
        };
        match next.refused().filter(|_| !allow_private_targets) {
            Some(refused) => Err(refused),
            None => Ok(Some(next)),
        }
    }
}

/// Where a redirect leads, without its credentials, path or query (which
/// may hold tokens): `https://example.com:8443`, or `a ftp: URL`.
fn shown(url: &Url) -> String {
    match url.scheme() {
        "http" | "https" => url.origin().ascii_serialization(),
        other => format!("a {other}: URL"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(url: &str, method: &str) -> Hop {
        Hop::first(Url::parse(url).unwrap(), method)
    }

    #[test]
    fn a_location_is_resolved_against_the_current_url() {
        let start = hop("https://example.com/a/b?x=1", "GET");
        let cases = [
            ("/health", "https://example.com/health"),
            ("c", "https://example.com/a/c"),
            ("../up", "https://example.com/up"),
            ("?y=2", "https://example.com/a/b?y=2"),
            ("//cdn.example.net/x", "https://cdn.example.net/x"),
            ("http://example.org/", "http://example.org/"),
            (" https://example.org/ok ", "https://example.org/ok"),
        ];
        for (location, expected) in cases {
            let next = start.next(302, Some(location), true).unwrap().unwrap();
            assert_eq!(next.url.as_str(), expected, "{location}");
            assert_eq!(next.redirects, 1);
        }
    }

    #[test]
    fn methods_and_bodies_change_as_the_fetch_standard_says() {
        // (method, status, method after, body kept)
        let cases = [
            ("GET", 301, "GET", true),
            ("HEAD", 302, "HEAD", true),
            ("POST", 301, "GET", false),
            ("POST", 302, "GET", false),
            ("PUT", 302, "PUT", true),
            ("POST", 303, "GET", false),
            ("PUT", 303, "GET", false),
            ("DELETE", 303, "GET", false),
            ("HEAD", 303, "HEAD", true),
            ("GET", 303, "GET", true),
            ("POST", 307, "POST", true),
            ("PUT", 308, "PUT", true),
        ];
        for (method, status, after, body) in cases {
            let next = hop("https://example.com/", method)
                .next(status, Some("/next"), true)
                .unwrap()
                .unwrap();
            assert_eq!(
                (next.method.as_str(), next.with_body),
                (after, body),
                "{method} {status}"
            );
        }
    }

    #[test]
    fn a_dropped_body_takes_its_headers_and_another_origin_loses_authorization() {
        let start = hop("https://example.com/", "POST");
        let same = start.next(303, Some("/done"), true).unwrap().unwrap();
        assert!(!same.sends_header("Content-Type") && !same.sends_header("content-encoding"));
        assert!(same.sends_header("Authorization") && same.sends_header("X-Api-Key"));

        let other = start
            .next(307, Some("https://other.example.com/"), true)
            .unwrap()
            .unwrap();
        assert!(other.sends_header("Content-Type") && !other.sends_header("authorization"));
        // Once dropped, it stays dropped, even back on the first origin.
        let back = other.next(307, Some("https://example.com/"), true).unwrap().unwrap();
        assert!(!back.sends_header("Authorization"));
        // http → https is another origin too.
        let upgraded = hop("http://example.com/", "GET").next(301, Some("https://example.com/"), true);
        assert!(!upgraded.unwrap().unwrap().sends_header("Authorization"));
    }

    #[test]
    fn answers_that_are_not_redirects_are_the_answer() {
        let start = hop("https://example.com/", "GET");
        for (status, location) in [(200, Some("/x")), (304, Some("/x")), (300, Some("/x")), (302, None)] {
            assert_eq!(start.next(status, location, true), Ok(None), "{status}");
        }
    }

    #[test]
    fn only_http_and_https_locations_are_followed() {
        let start = hop("https://example.com/", "GET");
        for (location, to) in [
            ("ftp://example.com/file", "a ftp: URL"),
            ("file:///etc/passwd", "a file: URL"),
            ("javascript:alert(1)", "a javascript: URL"),
            ("http://[::1", "an unreadable Location"),
        ] {
            match start.next(302, Some(location), true) {
                Err(Failure::RedirectRefused { to: found, .. }) => assert_eq!(found, to, "{location}"),
                other => panic!("{location}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_hop_limit_ends_a_chain() {
        let mut current = hop("https://example.com/", "GET");
        for _ in 0..MAX_REDIRECTS {
            current = current.next(302, Some("/again"), true).unwrap().unwrap();
        }
        assert_eq!(
            current.next(302, Some("/again"), true),
            Err(Failure::TooManyRedirects { limit: MAX_REDIRECTS })
        );
    }

    #[test]
    fn a_public_name_resolving_to_a_private_address_is_refused() {
        let public: IpAddr = "93.184.215.14".parse().unwrap();
        let private: IpAddr = "127.0.0.1".parse().unwrap();
        let start = hop("http://web.example/", "GET");
        assert_eq!(start.refused_address(&[public]), None);
        assert_eq!(
            start.refused_address(&[public, private]),
            Some(Failure::TargetRefused {
                reason: "host web.example resolves to 127.0.0.1, which is in 127.0.0.0/8 (loopback), a network this deployment does not reach".into()
            })
        );
        let next = start
            .next(302, Some("http://other.example:8080/x"), false)
            .unwrap()
            .unwrap();
        assert!(matches!(
            next.refused_address(&[private]),
            Some(Failure::RedirectRefused { to, .. }) if to == "http://other.example:8080"
        ));
    }

    #[test]
    fn a_hop_to_a_refused_host_is_named_without_its_path_or_credentials() {
        assert_eq!(hop("https://example.com/", "GET").refused(), None);
        assert_eq!(
            hop("http://127.0.0.1/", "GET").refused(),
            Some(Failure::TargetRefused {
                reason: "host 127.0.0.1 is in 127.0.0.0/8 (loopback), a network this deployment does not reach".into()
            })
        );
        let location = Some("http://user:pw@2852039166:8080/latest/meta-data?token=x");
        let start = hop("https://example.com/", "GET");
        assert!(start.next(302, location, true).is_ok_and(|next| next.is_some()));
        assert_eq!(
            start.next(302, location, false),
            Err(Failure::RedirectRefused {
                to: "http://169.254.169.254:8080".into(),
                reason:
                    "host 169.254.169.254 is in 169.254.0.0/16 (link-local), a network this deployment does not reach"
                        .into()
            })
        );
    }
}
