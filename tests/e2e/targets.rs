//! Real targets on loopback for the check engine's tests: an HTTP server
//! whose answers a test controls, and TCP ports open or closed.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The size of `/big`: far more than a probe may read.
pub const BIG_BODY_BYTES: u64 = 50 * 1024 * 1024;

/// An HTTP server on 127.0.0.1 (or another local address) for one test,
/// running until the process ends. Paths: `/ok` (200 "all systems healthy"),
/// `/status/{code}`, `/slow/{ms}` (and `/slow/{ms}?{location}`, a slow
/// 302 to that location), `/big` (50 MB), `/redirect` (302 to
/// `/ok`), `/redirect?{location}` (302 to that location), `/loop` (302 to
/// itself), `/switch` (answers with the code set by `set_switch`) and
/// `/chunked` ("all systems healthy" in chunks that split "healthy"). It
/// records each request's `Authorization`.
#[derive(Clone)]
pub struct HttpTarget {
    pub port: u16,
    ip: String,
    requests: Arc<AtomicUsize>,
    authorizations: Arc<Mutex<Vec<Option<String>>>>,
    big_bytes_sent: Arc<AtomicU64>,
    switch: Arc<AtomicU16>,
}

impl HttpTarget {
    pub fn start() -> HttpTarget {
        HttpTarget::start_on("127.0.0.1")
    }

    /// On `ip`, such as the stand-in public address `PW_TEST_PUBLIC_IP`.
    pub fn start_on(ip: &str) -> HttpTarget {
        let listener = TcpListener::bind((ip, 0)).expect("a local port");
        let target = HttpTarget {
            port: listener.local_addr().unwrap().port(),
            ip: ip.to_string(),
            requests: Arc::default(),
            authorizations: Arc::default(),
            big_bytes_sent: Arc::default(),
            switch: Arc::new(AtomicU16::new(200)),
        };
        let shared = target.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let target = shared.clone();
                thread::spawn(move || target.serve(stream));
            }
        });
        target
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}:{}{path}", self.ip, self.port)
    }

    /// The URL by the test zone's name for 127.0.0.1 (scripts/e2e.sh).
    pub fn url_by_name(&self, path: &str) -> String {
        format!("http://web.test:{}{path}", self.port)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The `Authorization` header of each request so far, in order.
    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.authorizations.lock().unwrap().clone()
    }

    pub fn big_bytes_sent(&self) -> u64 {
        self.big_bytes_sent.load(Ordering::SeqCst)
    }

    pub fn set_switch(&self, code: u16) {
        self.switch.store(code, Ordering::SeqCst);
    }

    fn serve(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().expect("a stream"));
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            return;
        }
        // Only `Authorization` of the headers is kept; the probes send no body we need.
        let (mut line, mut authorization) = (String::new(), None);
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("authorization") {
                    authorization = Some(value.trim().to_string());
                }
            }
            line.clear();
        }
        self.authorizations.lock().unwrap().push(authorization);
        self.requests.fetch_add(1, Ordering::SeqCst);
        let target = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut stream = stream;
        let _ = match segments.as_slice() {
            ["ok"] => respond(&mut stream, 200, "all systems healthy", &[]),
            ["status", code] => respond(&mut stream, code.parse().unwrap_or(500), "status as asked", &[]),
            ["slow", ms] => {
                thread::sleep(Duration::from_millis(ms.parse().unwrap_or(1000)));
                match query {
                    "" => respond(&mut stream, 200, "slow but healthy", &[]),
                    location => respond(&mut stream, 302, "slowly, see there", &[("Location", location)]),
                }
            }
            ["redirect"] if !query.is_empty() => respond(&mut stream, 302, "see there", &[("Location", query)]),
            ["redirect"] => respond(&mut stream, 302, "see /ok", &[("Location", "/ok")]),
            ["loop"] => respond(&mut stream, 302, "see /loop", &[("Location", "/loop")]),
            ["switch"] => respond(&mut stream, self.switch.load(Ordering::SeqCst), "switched", &[]),
            ["big"] => self.send_big(&mut stream),
            ["chunked"] => write!(
                stream,
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
                 c\r\nall systems \r\n4\r\nheal\r\n3\r\nthy\r\n0\r\n\r\n"
            ),
            _ => respond(&mut stream, 404, "no such path", &[]),
        };
    }

    /// 50 MB of filler with a needle at the very end; counts what was sent
    /// before the client hung up.
    fn send_big(&self, stream: &mut TcpStream) -> std::io::Result<()> {
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            BIG_BODY_BYTES + 6
        )?;
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0u64;
        while sent < BIG_BODY_BYTES {
            stream.write_all(&chunk)?;
            sent += chunk.len() as u64;
            self.big_bytes_sent.store(sent, Ordering::SeqCst);
        }
        stream.write_all(b"needle")
    }
}

fn respond(stream: &mut TcpStream, code: u16, body: &str, headers: &[(&str, &str)]) -> std::io::Result<()> {
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(stream, "HTTP/1.1 {code} Status\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}", body.len())
}

/// A TCP port that accepts connections for as long as the test runs.
pub fn open_tcp_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || for _ in listener.incoming() {});
    port
}

/// A loopback port with nothing listening on it.
pub fn closed_tcp_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.local_addr().unwrap().port()
}

/// A loopback port whose listener never accepts and whose queue is full, so
/// that a new connection's SYN is dropped: a "filtered" port. Keep the
/// returned connections open for as long as the port must stay so.
pub fn dropping_tcp_port() -> (u16, TcpListener, Vec<TcpStream>) {
    extern "C" {
        fn listen(fd: i32, backlog: i32) -> i32;
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    // Listening again with a backlog of 0 shrinks the queue to one connection.
    let fd = std::os::fd::AsRawFd::as_raw_fd(&listener);
    assert_eq!(unsafe { listen(fd, 0) }, 0, "listen(0)");
    let port = listener.local_addr().unwrap().port();
    let filling = (0..2)
        .filter_map(|_| TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)).ok())
        .collect();
    (port, listener, filling)
}
