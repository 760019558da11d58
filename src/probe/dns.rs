//! DNS probe: one RFC 1035 query to the configured resolver, over
//! DNS-over-HTTPS (`https://…`, the default) or over TCP (`host:port`).
//! Also a target's addresses, resolved here before anything connects, so
//! that every one can be checked against the refused networks (no DNS
//! rebinding inside): the public tools' and the HTTP probe's.

use super::{elapsed_since, network_failure, Outcome};
use crate::domain::dns::{check_expected, decode_answer, encode_query};
use crate::domain::monitor::DnsSettings;
use crate::domain::probe::Failure;
use futures_util::future::join;
use std::net::IpAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use worker::{Fetch, Headers, Method, Request, RequestInit, Socket};

pub(super) async fn probe(settings: &DnsSettings, resolver: &str, started: f64) -> Outcome {
    let (answered, values) = lookup(resolver, &settings.host, &settings.record_type).await;
    // Timed only when the resolver answered (NXDOMAIN and SERVFAIL are answers too).
    let dns_ms = answered.then(|| elapsed_since(started));
    let failure = values
        .and_then(|values| check_expected(values, &settings.expected_values))
        .err();
    Outcome {
        failure,
        dns_ms,
        ..Outcome::default()
    }
}

/// `host`'s records of `kind` from `resolver`, and whether the resolver
/// answered at all (an NXDOMAIN is an answer; a timeout or a network error
/// is not).
pub async fn lookup(resolver: &str, host: &str, kind: &str) -> (bool, Result<Vec<String>, Failure>) {
    let id = query_id();
    let query = match encode_query(id, host, kind) {
        Ok(query) => query,
        Err(detail) => return (false, Err(Failure::Other { detail })),
    };
    let answer = if resolver.starts_with("https://") {
        over_https(resolver, query).await
    } else {
        over_tcp(resolver, &query).await
    };
    (answer.is_ok(), answer.and_then(|bytes| decode_answer(&bytes, id, kind)))
}

fn query_id() -> u16 {
    let mut bytes = [0u8; 2];
    // A fixed id would do over TCP; a random one also guards against a stale answer.
    let _ = getrandom::getrandom(&mut bytes);
    u16::from_be_bytes(bytes)
}

async fn over_https(resolver: &str, query: Vec<u8>) -> Result<Vec<u8>, Failure> {
    let attempt = async {
        let headers = Headers::new();
        headers.set("Content-Type", "application/dns-message")?;
        headers.set("Accept", "application/dns-message")?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(js_sys::Uint8Array::from(query.as_slice()).into()));
        crate::meter::subrequest();
        let mut response = Fetch::Request(Request::new_with_init(resolver, &init)?).send().await?;
        if response.status_code() != 200 {
            return Err(worker::Error::RustError(format!(
                "DNS-over-HTTPS resolver answered HTTP {}",
                response.status_code()
            )));
        }
        response.bytes().await
    };
    attempt.await.map_err(network_failure)
}

/// RFC 1035 §4.2.2: over TCP, each message is preceded by its length.
async fn over_tcp(resolver: &str, query: &[u8]) -> Result<Vec<u8>, Failure> {
    let (host, port) = resolver
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.trim_matches(['[', ']']), p.parse::<u16>().ok()?)))
        .unwrap_or((resolver, 53));
    let mut socket = Socket::builder()
        .connect(host.to_string(), port)
        .map_err(network_failure)?;
    let exchange = async {
        socket
            .opened()
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut message = (query.len() as u16).to_be_bytes().to_vec();
        message.extend_from_slice(query);
        socket.write_all(&message).await?;
        let mut length = [0u8; 2];
        socket.read_exact(&mut length).await?;
        let mut answer = vec![0u8; usize::from(u16::from_be_bytes(length))];
        socket.read_exact(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    let answer = exchange.await.map_err(network_failure);
    let _ = socket.close().await;
    answer
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
