//! The port scanner's network side: a TCP handshake to one port (`open`,
//! `closed` or `filtered`). The target's addresses come from
//! `dns::addresses`, checked before anything connects.

use crate::domain::probe::Failure;
use crate::domain::tools::PortState;
use futures_util::future::{select, Either};
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
