//! Probes, one file per kind. A probe never fails and never hangs: every
//! error becomes a failed result, and every probe is raced against its
//! monitor's timeout.

pub mod dns;
mod http;
pub mod scan;
mod sockets;
mod tcp;

use crate::domain::monitor::Settings;
use crate::domain::probe::{Failure, ProbeResult, Timings};
use futures_util::future::{select, Either};
use std::future::Future;
use std::time::Duration;
use worker::{Date, Delay};

/// The deployment's settings that probes depend on.
pub struct ProbeContext {
    /// Where DNS monitors send their queries (`PW_DNS_RESOLVER`).
    pub dns_resolver: String,
    /// Whether HTTP and TCP probes may reach private and special-purpose
    /// networks (`PW_ALLOW_PRIVATE_TARGETS`). Checked again at every probe and
    /// every redirect, since the setting may change after a monitor is saved.
    pub allow_private_targets: bool,
}

/// What one kind's probe found; `total_ms` is added around it. HTTP probes
/// time consecutive phases, each its own duration (summed over redirect
/// hops), so `total_ms` is at least their sum; a phase `fetch` hides is
/// `null` and its time falls into the first byte's.
#[derive(Debug, Default)]
struct Outcome {
    failure: Option<Failure>,
    status_code: Option<u16>,
    /// DNS probes: until the resolver's answer arrived. HTTP over sockets:
    /// the name's A and AAAA lookups.
    dns_ms: Option<u32>,
    /// TCP probes: until the connection was open (the runtime's name lookup
    /// included). HTTP over sockets: until the socket to the address was open.
    connect_ms: Option<u32>,
    /// HTTP over sockets, https: the TLS handshake.
    tls_ms: Option<u32>,
    /// HTTP probes: from sending the request to the answer's first byte
    /// (through `fetch`: from the start of the hop).
    ttfb_ms: Option<u32>,
}

impl Outcome {
    fn failed(failure: Failure) -> Outcome {
        Outcome {
            failure: Some(failure),
            ..Outcome::default()
        }
    }
}

pub async fn run(settings: &Settings, context: &ProbeContext) -> ProbeResult {
    let started = now_ms();
    let outcome = match settings {
        Settings::Http(http) => within(http.probe.timeout_ms, http::probe(http, context)).await,
        Settings::Tcp(tcp) => {
            within(
                tcp.probe.timeout_ms,
                tcp::probe(tcp, context.allow_private_targets, started),
            )
            .await
        }
        Settings::Dns(dns) => within(dns.probe.timeout_ms, dns::probe(dns, &context.dns_resolver, started)).await,
        // Heartbeats are not probed: their pings arrive on their own.
        Settings::Heartbeat(_) => Outcome::failed(Failure::Other {
            detail: "heartbeat monitors are not probed".into(),
        }),
    };
    let timings = Timings {
        dns_ms: outcome.dns_ms,
        connect_ms: outcome.connect_ms,
        tls_ms: outcome.tls_ms,
        ttfb_ms: outcome.ttfb_ms,
        total_ms: elapsed_since(started),
    };
    ProbeResult {
        failure: outcome.failure,
        status_code: outcome.status_code,
        timings,
    }
}

/// Runs `work`, or gives up with a timeout failure after `timeout_ms`.
async fn within(timeout_ms: u32, work: impl Future<Output = Outcome>) -> Outcome {
    deadline(timeout_ms, work)
        .await
        .unwrap_or_else(|| Outcome::failed(Failure::Timeout { after_ms: timeout_ms }))
}

/// What `work` gives, or `None` once `timeout_ms` have passed.
pub async fn deadline<T>(timeout_ms: u32, work: impl Future<Output = T>) -> Option<T> {
    let work = std::pin::pin!(work);
    let delay = std::pin::pin!(Delay::from(Duration::from_millis(u64::from(timeout_ms))));
    match select(work, delay).await {
        Either::Left((outcome, _)) => Some(outcome),
        Either::Right(_) => None,
    }
}

pub fn now_ms() -> f64 {
    Date::now().as_millis() as f64
}

fn elapsed_since(started: f64) -> u32 {
    (now_ms() - started).max(0.0) as u32
}

/// Adds the time since `started` to a phase: one met on several redirect
/// hops counts each time.
fn add_phase(phase: &mut Option<u32>, started: f64) {
    *phase = Some(phase.unwrap_or(0) + elapsed_since(started));
}

/// A platform error as a failure (see `Failure::from_platform_message`).
fn network_failure(error: impl std::fmt::Display) -> Failure {
    Failure::from_platform_message(&error.to_string())
}
