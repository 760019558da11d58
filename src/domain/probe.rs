//! What a probe returns, and the root-cause hint in plain words that a
//! failure becomes (shown on the check result and on the incident).

use serde::{Deserialize, Serialize};

/// Milliseconds spent in each phase, where it can be measured: `dns_ms` for
/// DNS monitors (the query's round trip), `connect_ms` for TCP monitors
/// (until the socket is open, the runtime's own name lookup included), every
/// phase for HTTP checks sent over sockets (one after the other, so
/// `total_ms` is at least their sum), and `total_ms` always. An HTTP check
/// sent through `fetch` has its DNS, connect and TLS hidden inside the
/// runtime: `null` rather than guessed, and in its `ttfb_ms`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub dns_ms: Option<u32>,
    pub connect_ms: Option<u32>,
    pub tls_ms: Option<u32>,
    pub ttfb_ms: Option<u32>,
    pub total_ms: u32,
}

/// Why a probe failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// The answer's status code is not an expected one.
    HttpStatus {
        code: u16,
    },
    KeywordMissing {
        keyword: String,
    },
    KeywordPresent {
        keyword: String,
    },
    Timeout {
        after_ms: u32,
    },
    ConnectionRefused,
    Unreachable {
        detail: String,
    },
    /// The DNS server answered with an error code (NXDOMAIN, SERVFAIL, …).
    DnsError {
        rcode: String,
    },
    DnsNoAnswer {
        record_type: String,
    },
    DnsUnexpected {
        expected: Vec<String>,
        got: Vec<String>,
    },
    /// The target is in a network this deployment does not reach (the
    /// setting may have changed since the monitor was saved): not probed.
    TargetRefused {
        reason: String,
    },
    /// A redirect led somewhere the probe does not go: a refused network, a
    /// scheme other than http(s), or no URL at all. `to` is its origin only.
    RedirectRefused {
        to: String,
        reason: String,
    },
    TooManyRedirects {
        limit: u32,
    },
    /// Any other network or protocol error, with the platform's message.
    Other {
        detail: String,
    },
}

impl Failure {
    /// Sorts a platform error into refused, unreachable or something else.
    /// workerd reports a refused connection as "cannot connect to the
    /// specified address" (sockets), a name that does not resolve as an
    /// "internal error" with a reference (fetch), and its other wordings
    /// vary, so this reads the message rather than a code.
    pub fn from_platform_message(message: &str) -> Failure {
        let detail = message.trim_start_matches("Error: ").trim_end_matches('.').to_string();
        let lower = detail.to_lowercase();
        if lower.contains("refused") || lower.contains("cannot connect to the specified address") {
            Failure::ConnectionRefused
        } else if ["unreachable", "no route", "not known", "enotfound"]
            .iter()
            .any(|s| lower.contains(s))
        {
            Failure::Unreachable { detail }
        } else if lower.starts_with("internal error") {
            Failure::Other {
                detail:
                    "connection failed: the runtime gave no reason (a host name that does not resolve is the usual one)"
                        .into(),
            }
        } else {
            Failure::Other {
                detail: format!("connection failed: {lower}"),
            }
        }
    }

    /// The hint in plain words, e.g. `HTTP 503 Service Unavailable`.
    pub fn hint(&self) -> String {
        match self {
            Failure::HttpStatus { code } => {
                let reason = http::StatusCode::from_u16(*code)
                    .ok()
                    .and_then(|s| s.canonical_reason());
                reason.map_or(format!("HTTP {code}"), |reason| format!("HTTP {code} {reason}"))
            }
            Failure::KeywordMissing { keyword } => format!("keyword {keyword:?} not found"),
            Failure::KeywordPresent { keyword } => format!("keyword {keyword:?} found"),
            Failure::Timeout { after_ms } => format!("timed out after {after_ms} ms"),
            Failure::ConnectionRefused => "connection refused".into(),
            Failure::Unreachable { detail } => format!("host unreachable: {detail}"),
            Failure::DnsError { rcode } => format!("DNS {rcode}"),
            Failure::DnsNoAnswer { record_type } => format!("DNS answer has no {record_type} record"),
            Failure::DnsUnexpected { expected, got } => {
                format!("DNS answer {} does not include {}", list(got), list(expected))
            }
            Failure::TargetRefused { reason } => format!("not probed: {reason}"),
            Failure::RedirectRefused { to, reason } => format!("redirect to {to} not followed: {reason}"),
            Failure::TooManyRedirects { limit } => format!("too many redirects (more than {limit})"),
            Failure::Other { detail } => detail.clone(),
        }
    }
}

fn list(values: &[String]) -> String {
    if values.is_empty() {
        "(empty)".into()
    } else {
        values.join(", ")
    }
}

/// One probe's outcome, from one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub failure: Option<Failure>,
    pub status_code: Option<u16>,
    pub timings: Timings,
}

impl ProbeResult {
    pub fn is_up(&self) -> bool {
        self.failure.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_errors_are_sorted_by_their_words() {
        let cases = [
            ("Error: connect ECONNREFUSED 127.0.0.1:9", Failure::ConnectionRefused),
            ("cannot connect to the specified address", Failure::ConnectionRefused),
            (
                "Error: Network is unreachable.",
                Failure::Unreachable {
                    detail: "Network is unreachable".into(),
                },
            ),
            (
                "internal error; reference = ep8e5lgcoo7jpnnernjdrd4c",
                Failure::Other {
                    detail: "connection failed: the runtime gave no reason (a host name that does not resolve is the usual one)".into(),
                },
            ),
            (
                "Network connection lost.",
                Failure::Other {
                    detail: "connection failed: network connection lost".into(),
                },
            ),
        ];
        for (message, failure) in cases {
            assert_eq!(Failure::from_platform_message(message), failure, "{message}");
        }
    }

    #[test]
    fn hints_read_as_plain_words() {
        let cases = [
            (Failure::HttpStatus { code: 503 }, "HTTP 503 Service Unavailable"),
            (Failure::HttpStatus { code: 599 }, "HTTP 599"),
            (
                Failure::KeywordMissing {
                    keyword: "healthy".into(),
                },
                "keyword \"healthy\" not found",
            ),
            (
                Failure::KeywordPresent {
                    keyword: "error".into(),
                },
                "keyword \"error\" found",
            ),
            (Failure::Timeout { after_ms: 10_000 }, "timed out after 10000 ms"),
            (Failure::ConnectionRefused, "connection refused"),
            (
                Failure::DnsError {
                    rcode: "NXDOMAIN".into(),
                },
                "DNS NXDOMAIN",
            ),
            (
                Failure::DnsNoAnswer {
                    record_type: "AAAA".into(),
                },
                "DNS answer has no AAAA record",
            ),
            (
                Failure::DnsUnexpected {
                    expected: vec!["1.2.3.4".into()],
                    got: vec![],
                },
                "DNS answer (empty) does not include 1.2.3.4",
            ),
            (
                Failure::RedirectRefused {
                    to: "http://127.0.0.1:8080".into(),
                    reason: "host 127.0.0.1 is in 127.0.0.0/8 (loopback)".into(),
                },
                "redirect to http://127.0.0.1:8080 not followed: host 127.0.0.1 is in 127.0.0.0/8 (loopback)",
            ),
            (
                Failure::TooManyRedirects { limit: 10 },
                "too many redirects (more than 10)",
            ),
        ];
        for (failure, hint) in cases {
            assert_eq!(failure.hint(), hint);
        }
    }
}
