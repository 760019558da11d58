//! The public tools' network side: a TCP handshake to one port (the port
//! scanner's `open`, `closed` or `filtered`), and a target's addresses,
//! resolved with the DNS code before anything connects, so that every one
//! can be checked against the refused networks (no DNS rebinding inside).

use super::dns::lookup;
use crate::domain::probe::Failure;
use crate::domain::tools::PortState;
use futures_util::future::{join, select, Either};
use std::net::IpAddr;
use std::time::Duration;
use worker::{Delay, Socket};

/// How long a handshake may take before the port counts as filtered.
pub const HANDSHAKE_MS: u64 = 2_000;

/// Opens and closes a connection to `address:port`: `open` when it opened,
/// `closed` when refused, `filtered` when nothing answered in time.
pub async fn port_state(address: IpAddr, port: u16) -> PortState {
    crate::meter::subrequest();
    let Ok(mut socket) = Socket::builder().connect(address.to_string(), port) else {
        return PortState::Filtered;
    };
    let state = {
        let opened = std::pin::pin!(socket.opened());
        let timeout = std::pin::pin!(Delay::from(Duration::from_millis(HANDSHAKE_MS)));
        match select(opened, timeout).await {
            Either::Left((Ok(_), _)) => PortState::Open,
            Either::Left((Err(error), _)) => match Failure::from_platform_message(&error.to_string()) {
                Failure::ConnectionRefused => PortState::Closed,
                _ => PortState::Filtered,
            },
            Either::Right(_) => PortState::Filtered,
        }
    };
    // A handshake that never finished may never close either: not waited for long.
    let _ = super::deadline(500, socket.close()).await;
    state
}

/// The addresses a target names: itself when it is an address (in any
/// spelling the URL parser reads), else its A and AAAA records.
pub async fn addresses(resolver: &str, host: &str) -> Result<Vec<IpAddr>, String> {
    if let Some(address) = crate::domain::tools::literal_address(host) {
        return Ok(vec![address]);
    }
    let ((_, v4), (_, v6)) = join(lookup(resolver, host, "A"), lookup(resolver, host, "AAAA")).await;
    let found: Vec<IpAddr> = [v4, v6]
        .into_iter()
        .flat_map(|answer| answer.unwrap_or_default())
        .filter_map(|text| text.parse().ok())
        .collect();
    if found.is_empty() {
        return Err(format!("{host} does not resolve to any address"));
    }
    Ok(found)
}
