//! HTTP/1.1 as the socket probe writes and reads it, so that every phase of
//! a check can be timed: the request written from the monitor's method,
//! headers and body; the answer's head, parsed by `httparse`; and its body,
//! framed by `Content-Length`, chunked or the connection's end, never kept
//! beyond a cap. Also which hops sockets may carry, and the TLS server name.

use super::monitor::{HttpSettings, Timing};
use super::redirect::Hop;
use super::secrets;
use std::net::IpAddr;
use url::{Position, Url};

const USER_AGENT: &str = concat!("Pingwarden/", env!("CARGO_PKG_VERSION"), " (uptime monitor)");

/// Headers the socket probe writes itself, so a monitor's own are not
/// written: the framing is the probe's (one request, then the connection
/// closes), and a body it cannot decompress would hide the keyword.
const PROBE_HEADERS: [&str; 5] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "accept-encoding",
];

/// The most an answer's head may take; real ones are a few KB.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The longest chunk size line (size and extensions) read.
const MAX_CHUNK_SIZE_LINE: usize = 4096;

/// The URL to send a hop to, without its `user:pass@`, and the headers it
/// carries, whichever way it is sent: the User-Agent, the URL's credentials
/// as Basic auth, and the monitor's headers that this hop sends (its own
/// `User-Agent` and `Authorization` win over those).
pub fn hop_headers(settings: &HttpSettings, hop: &Hop) -> (String, Vec<(String, String)>) {
    let (url, basic_auth) = secrets::basic_auth(hop.url.as_str());
    let own: Vec<(String, String)> = settings
        .headers
        .iter()
        .filter(|(name, _)| hop.sends_header(name))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let defaults = [
        Some(("User-Agent", USER_AGENT.to_string())),
        basic_auth
            .filter(|_| hop.sends_header("Authorization"))
            .map(|basic| ("Authorization", basic)),
    ];
    let mut headers: Vec<(String, String)> = defaults
        .into_iter()
        .flatten()
        .filter(|(name, _)| !own.iter().any(|(own, _)| own.eq_ignore_ascii_case(name)))
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    headers.extend(own);
    (url, headers)
}

/// Whether sockets may carry a hop: not when the monitor asks for `fetch`,
/// and not to port 25, which `connect()` refuses.
pub fn sockets_may_carry(url: &Url, timing: Timing) -> bool {
    timing == Timing::Sockets && url.port_or_known_default() != Some(25)
}

/// The name TLS is started for (SNI and the certificate check) on an
/// https hop: the URL's host, while the socket itself goes to the address
/// the probe resolved and checked.
pub fn tls_server_name(url: &Url) -> Option<String> {
    (url.scheme() == "https").then(|| url.host_str().unwrap_or_default().trim_matches(['[', ']']).to_string())
}

/// An address as `connect()` reads a host: IPv6 in brackets.
pub fn socket_host(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// The request's bytes: request line, `Host`, the given headers but the
/// probe's own, a `Content-Length` when there is a body or the method
/// expects one, and `Connection: close`.
pub fn request(method: &str, url: &Url, headers: &[(String, String)], body: Option<&str>) -> Vec<u8> {
    let target = &url[Position::BeforePath..Position::AfterQuery];
    let host = &url[Position::BeforeHost..Position::BeforePath];
    let mut text = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        if !PROBE_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    if body.is_some() || matches!(method, "POST" | "PUT" | "PATCH") {
        text.push_str(&format!("Content-Length: {}\r\n", body.map_or(0, str::len)));
    }
    text.push_str("Connection: close\r\n\r\n");
    text.push_str(body.unwrap_or_default());
    text.into_bytes()
}

/// How an answer's body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body: a HEAD request's answer, 204 or 304.
    Empty,
    Length(u64),
    Chunked,
    /// When the server closes the connection.
    UntilClose,
}

/// What the probe needs of an answer's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    pub location: Option<String>,
    pub framing: Framing,
}

/// The answer's head, once `bytes` hold all of it, with the number of bytes
/// it took; `Ok(None)` while more must be read. Interim 1xx answers (such as
/// 103 Early Hints) are skipped, as `fetch` does.
pub fn parse_head(bytes: &[u8], method: &str) -> Result<Option<(Head, usize)>, String> {
    let mut start = 0;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 100];
        let mut response = httparse::Response::new(&mut headers);
        let length = match response.parse(&bytes[start..]) {
            Ok(httparse::Status::Complete(length)) => length,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(error) => return Err(format!("invalid HTTP response: {error}")),
        };
        let status = response.code.unwrap_or_default();
        start += length;
        if status < 200 {
            continue;
        }
        let header = |name: &str| {
            response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
        };
        let chunked = header("transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().ends_with("chunked"));
        let framing = if method == "HEAD" || status == 204 || status == 304 {
            Framing::Empty
        } else if chunked {
            Framing::Chunked
        } else if let Some(length) = header("content-length") {
            Framing::Length(
                length
                    .parse()
                    .map_err(|_| "invalid HTTP response: bad Content-Length")?,
            )
        } else {
            Framing::UntilClose
        };
        let head = Head {
            status,
            location: header("location"),
            framing,
        };
        return Ok(Some((head, start)));
    }
}

/// Where a chunked body's decoder is (RFC 9112 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    Size,
    Data(u64),
    /// The CRLF after a chunk's data.
    DataEnd,
    Done,
}

/// An answer's body as it arrives, decoded and kept up to `cap` bytes.
#[derive(Debug)]
pub struct Body {
    framing: Framing,
    cap: usize,
    chunk: Chunk,
    /// Chunked bytes not decoded yet (a size line cut in two).
    pending: Vec<u8>,
    bytes: Vec<u8>,
}

impl Body {
    pub fn new(framing: Framing, cap: usize) -> Body {
        Body {
            framing,
            cap,
            chunk: Chunk::Size,
            pending: Vec::new(),
            bytes: Vec::new(),
        }
    }

    /// Takes bytes as they arrive; `true` once the body is complete or the
    /// cap is reached, so that no more need be read.
    pub fn push(&mut self, data: &[u8]) -> Result<bool, String> {
        match self.framing {
            Framing::Empty => {}
            Framing::Length(_) | Framing::UntilClose => self.bytes.extend_from_slice(data),
            Framing::Chunked => {
                self.pending.extend_from_slice(data);
                let used = self.dechunk()?;
                self.pending.drain(..used);
            }
        }
        let complete = match self.framing {
            Framing::Empty => true,
            Framing::Length(length) => self.bytes.len() as u64 >= length,
            Framing::Chunked => self.chunk == Chunk::Done,
            Framing::UntilClose => false,
        };
        Ok(complete || self.bytes.len() >= self.cap)
    }

    /// The body read, at most `cap` bytes of it.
    pub fn into_bytes(mut self) -> Vec<u8> {
        let length = match self.framing {
            Framing::Length(length) => length.min(self.cap as u64) as usize,
            _ => self.cap,
        };
        self.bytes.truncate(length);
        self.bytes
    }

    /// Decodes what `pending` holds; the number of its bytes used.
    fn dechunk(&mut self) -> Result<usize, String> {
        let mut at = 0;
        loop {
            let left = &self.pending[at..];
            match self.chunk {
                Chunk::Size => match httparse::parse_chunk_size(left) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        at += used;
                        self.chunk = if size == 0 { Chunk::Done } else { Chunk::Data(size) };
                    }
                    // httparse takes any bytes of a chunk extension until the
                    // CRLF: a target that never sends one would have `pending`
                    // grow (and be parsed again) until the timeout.
                    Ok(httparse::Status::Partial) if left.len() > MAX_CHUNK_SIZE_LINE => {
                        return Err("invalid HTTP response: chunk size line too long".into())
                    }
                    Ok(httparse::Status::Partial) => return Ok(at),
                    Err(_) => return Err("invalid HTTP response: bad chunk size".into()),
                },
                Chunk::Data(size) => {
                    let take = size.min(left.len() as u64) as usize;
                    self.bytes.extend_from_slice(&left[..take]);
                    at += take;
                    if (take as u64) < size {
                        self.chunk = Chunk::Data(size - take as u64);
                        return Ok(at);
                    }
                    self.chunk = Chunk::DataEnd;
                }
                Chunk::DataEnd if left.len() < 2 => return Ok(at),
                Chunk::DataEnd if left.starts_with(b"\r\n") => {
                    at += 2;
                    self.chunk = Chunk::Size;
                }
                Chunk::DataEnd => return Err("invalid HTTP response: chunk without its CRLF".into()),
                // Trailers, if any, are not read: the connection closes.
                Chunk::Done => return Ok(at),
            }
        }
    }
}

#[cfg(test)]
mod tests;
