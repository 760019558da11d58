//! One HTTP hop over `connect()` sockets, so that its phases can be timed:
//! the host resolved with the DNS code (and every address checked against
//! the refused networks), the connection to the checked address, TLS
//! started for the URL's name, and the request written and answered in
//! HTTP/1.1 (`domain::http1`).

use super::{add_phase, dns, network_failure, now_ms, Outcome, ProbeContext};
use crate::domain::http1::{self, hop_headers, parse_head, socket_host, tls_server_name, Head, MAX_HEAD_BYTES};
use crate::domain::monitor::HttpSettings;
use crate::domain::probe::Failure;
use crate::domain::redirect::Hop;
use js_sys::{Object, Reflect};
use std::net::IpAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::{connect, Socket as RawSocket};
use worker::Socket;

#[wasm_bindgen]
extern "C" {
    /// A socket, seen for `startTls` with its options, which workers-rs'
    /// `start_tls` does not pass: `expectedServerHostname` names the server
    /// for SNI and the certificate check while the socket stays on the
    /// checked address.
    type Upgradable;
    #[wasm_bindgen(method, catch, js_name = startTls)]
    fn start_tls(this: &Upgradable, options: &Object) -> Result<RawSocket, JsValue>;
}

/// Read this much at a time.
const READ_BYTES: usize = 16 * 1024;

/// The hop's host resolved (timed, unless it is an address already) and,
/// unless private targets are allowed, every address it has checked: the
/// first one, which the socket will go to.
pub(super) async fn resolve(hop: &Hop, context: &ProbeContext, outcome: &mut Outcome) -> Result<IpAddr, Failure> {
    let host = hop.url.host_str().unwrap_or_default();
    let started = now_ms();
    let addresses = dns::addresses(&context.dns_resolver, host)
        .await
        .map_err(|detail| Failure::Other { detail })?;
    if matches!(hop.url.host(), Some(url::Host::Domain(_))) {
        add_phase(&mut outcome.dns_ms, started);
    }
    if let Some(refused) = hop
        .refused_address(&addresses)
        .filter(|_| !context.allow_private_targets)
    {
        return Err(refused);
    }
    Ok(addresses[0])
}

/// Sends one hop to `address`, timing connect, TLS and first byte: the
/// answer's head, and its body unread.
pub(super) async fn send(
    settings: &HttpSettings,
    hop: &Hop,
    address: IpAddr,
    outcome: &mut Outcome,
) -> Result<(Head, UnreadBody), Failure> {
    let port = hop.url.port_or_known_default().unwrap_or(80);
    let server_name = tls_server_name(&hop.url);
    crate::meter::subrequest();
    let started = now_ms();
    let mut connection = Connection::open(address, port, server_name.is_some()).map_err(js_failure)?;
    opened(&connection.0).await?;
    add_phase(&mut outcome.connect_ms, started);
    // The runtime's `opened` of a TLS socket does not wait for the
    // handshake, but a write does: the TLS phase ends once the request is
    // written (a few bytes into the runtime's buffer), the first byte's
    // wait starts there.
    let mut tls = None;
    if let Some(name) = server_name {
        let started = now_ms();
        let options = Object::new();
        Reflect::set(&options, &"expectedServerHostname".into(), &name.as_str().into()).map_err(js_failure)?;
        // The field, not the `Connection`, is replaced: closing the plain
        // socket would close the connection TLS now runs over.
        connection.0 = connection
            .0
            .unchecked_ref::<Upgradable>()
            .start_tls(&options)
            .map_err(js_failure)?;
        tls = Some((name, started));
    }
    let mut socket = Socket::from(connection.0.clone());
    let (_, headers) = hop_headers(settings, hop);
    let body = settings.body.as_deref().filter(|_| hop.with_body);
    let written = socket
        .write_all(&http1::request(&hop.method, &hop.url, &headers, body))
        .await;
    match tls {
        Some((name, started)) => {
            written.map_err(|error| tls_failure(&name, error))?;
            add_phase(&mut outcome.tls_ms, started);
        }
        None => written.map_err(network_failure)?,
    }
    let started = now_ms();
    let mut received = Vec::new();
    let mut buffer = vec![0; READ_BYTES];
    let (head, length) = loop {
        let read = socket.read(&mut buffer).await.map_err(network_failure)?;
        if read == 0 {
            return Err(Failure::Other {
                detail: "the connection closed before a complete HTTP answer".into(),
            });
        }
        if received.is_empty() {
            add_phase(&mut outcome.ttfb_ms, started);
        }
        received.extend_from_slice(&buffer[..read]);
        if let Some(parsed) = parse_head(&received, &hop.method).map_err(|detail| Failure::Other { detail })? {
            break parsed;
        }
        if received.len() > MAX_HEAD_BYTES {
            return Err(Failure::Other {
                detail: "invalid HTTP response: its head is over 64 KiB".into(),
            });
        }
    };
    received.drain(..length);
    let body = UnreadBody {
        socket,
        _connection: connection,
        framing: head.framing,
        received,
    };
    Ok((head, body))
}

/// The body of an answer over a socket, its first bytes already received.
pub(super) struct UnreadBody {
    socket: Socket,
    _connection: Connection,
    framing: http1::Framing,
    received: Vec<u8>,
}

impl UnreadBody {
    /// The first `cap` bytes of the body, decoded; the rest is never read.
    pub async fn prefix(mut self, cap: usize) -> Result<Vec<u8>, Failure> {
        let mut body = http1::Body::new(self.framing, cap);
        let invalid = |detail| Failure::Other { detail };
        let mut complete = body.push(&self.received).map_err(invalid)?;
        let mut buffer = vec![0; READ_BYTES];
        while !complete {
            let read = self.socket.read(&mut buffer).await.map_err(network_failure)?;
            if read == 0 {
                break;
            }
            complete = body.push(&buffer[..read]).map_err(invalid)?;
        }
        Ok(body.into_bytes())
    }
}

/// A socket closed when dropped: at the end of the hop, or when the probe
/// is dropped at its timeout (workers-rs' `Socket` does not close itself).
struct Connection(RawSocket);

impl Connection {
    fn open(address: IpAddr, port: u16, tls: bool) -> Result<Connection, JsValue> {
        let target = Object::new();
        Reflect::set(&target, &"hostname".into(), &socket_host(address).into())?;
        Reflect::set(&target, &"port".into(), &port.into())?;
        let options = Object::new();
        let transport = if tls { "starttls" } else { "off" };
        Reflect::set(&options, &"secureTransport".into(), &transport.into())?;
        connect(target.into(), options.into()).map(Connection)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self.0.close();
    }
}

/// Waits until the runtime reports the socket open.
async fn opened(socket: &RawSocket) -> Result<(), Failure> {
    let promise = socket.opened().map_err(js_failure)?;
    JsFuture::from(promise).await.map(drop).map_err(js_failure)
}

/// A handshake that failed: workerd gives no reason ("internal error"), and
/// a certificate the runtime does not accept is the usual one.
fn tls_failure(name: &str, error: std::io::Error) -> Failure {
    match network_failure(error) {
        Failure::Other { .. } => Failure::Other {
            detail: format!(
                "TLS handshake with {name} failed (an expired or untrusted certificate, or one for another name, is the usual cause)"
            ),
        },
        failure => failure,
    }
}

fn js_failure(error: JsValue) -> Failure {
    network_failure(worker::Error::from(error))
}
