//! TCP probe: up once a connection to host:port is open. `connect()`
//! returns before the port answers, so the probe waits for `opened()`.

use super::{network_failure, Outcome};
use crate::domain::monitor::TcpSettings;
use worker::Socket;

pub(super) async fn probe(settings: &TcpSettings) -> Outcome {
    let mut socket = match Socket::builder().connect(settings.host.clone(), settings.port) {
        Ok(socket) => socket,
        Err(error) => return Outcome::failed(network_failure(error)),
    };
    let outcome = match socket.opened().await {
        Ok(_) => Outcome::default(),
        Err(error) => Outcome::failed(network_failure(error)),
    };
    let _ = socket.close().await;
    outcome
}
