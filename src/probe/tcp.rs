//! TCP probe: up once a connection to host:port is open. `connect()`
//! returns before the port answers, so the probe waits for `opened()`.

use super::{elapsed_since, network_failure, Outcome};
use crate::domain::monitor::TcpSettings;
use crate::domain::probe::Failure;
use crate::domain::target::refusal;
use worker::Socket;

pub(super) async fn probe(settings: &TcpSettings, allow_private_targets: bool, started: f64) -> Outcome {
    if let Some(why) = refusal(&settings.host).filter(|_| !allow_private_targets) {
        return Outcome::failed(Failure::TargetRefused {
            reason: format!("host {} {why}", settings.host),
        });
    }
    crate::meter::subrequest();
    let mut socket = match Socket::builder().connect(settings.host.clone(), settings.port) {
        Ok(socket) => socket,
        Err(error) => return Outcome::failed(network_failure(error)),
    };
    let outcome = match socket.opened().await {
        Ok(_) => Outcome {
            connect_ms: Some(elapsed_since(started)),
            ..Outcome::default()
        },
        Err(error) => Outcome::failed(network_failure(error)),
    };
    let _ = socket.close().await;
    outcome
}
