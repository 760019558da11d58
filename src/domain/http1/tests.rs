use super::*;
use crate::domain::monitor::{KeywordMode, ProbeOptions};
use std::collections::BTreeMap;

fn settings(headers: &[(&str, &str)], timing: Timing) -> HttpSettings {
    HttpSettings {
        url: "https://example.com/".into(),
        method: "GET".into(),
        headers: headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect::<BTreeMap<_, _>>(),
        body: None,
        expected_status_codes: vec![],
        keyword: None,
        keyword_mode: KeywordMode::Contains,
        follow_redirects: true,
        timing,
        probe: ProbeOptions {
            timeout_ms: 1000,
            failure_threshold: 1,
            regions: vec![],
            apdex_threshold_ms: 500,
        },
    }
}

fn hop(url: &str, method: &str) -> Hop {
    Hop::first(Url::parse(url).unwrap(), method)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

#[test]
fn a_request_is_written_from_the_method_url_headers_and_body() {
    let headers = vec![
        ("User-Agent".to_string(), "probe".to_string()),
        ("X-Api-Key".to_string(), "k".to_string()),
        // The probe's own framing wins over the monitor's.
        ("Connection".to_string(), "keep-alive".to_string()),
        ("content-length".to_string(), "99".to_string()),
        ("Accept-Encoding".to_string(), "gzip".to_string()),
    ];
    let url = Url::parse("https://user:pw@example.com:8443/a/b?x=1&y=%20#frag").unwrap();
    assert_eq!(
        text(request("POST", &url, &headers, Some("{\"a\":1}"))),
        "POST /a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.com:8443\r\nUser-Agent: probe\r\nX-Api-Key: k\r\n\
         Content-Length: 7\r\nConnection: close\r\n\r\n{\"a\":1}"
    );
    let url = Url::parse("http://example.com/").unwrap();
    assert_eq!(
        text(request("GET", &url, &[], None)),
        "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"
    );
    // A POST without a body still says so, or some servers answer 411.
    assert!(text(request("POST", &url, &[], None)).contains("\r\nContent-Length: 0\r\n"));
}

#[test]
fn a_hop_sends_the_monitors_headers_over_the_defaults() {
    let (url, headers) = hop_headers(&settings(&[], Timing::Sockets), &hop("https://u:p@example.com/", "GET"));
    assert_eq!(url, "https://example.com/");
    let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["User-Agent", "Authorization"]);
    assert_eq!(headers[1].1, "Basic dTpw");

    let own = settings(
        &[("authorization", "Bearer t"), ("user-agent", "mine")],
        Timing::Sockets,
    );
    let (_, headers) = hop_headers(&own, &hop("https://u:p@example.com/", "GET"));
    assert_eq!(
        headers,
        [
            ("authorization".to_string(), "Bearer t".to_string()),
            ("user-agent".to_string(), "mine".to_string())
        ]
    );
    // Once a redirect leaves the origin, no Authorization of either kind.
    let away = hop("https://u:p@example.com/", "GET")
        .next(302, Some("https://u:p@other.example/"), true)
        .unwrap()
        .unwrap();
    let (_, headers) = hop_headers(&own, &away);
    assert!(headers
        .iter()
        .all(|(name, _)| !name.eq_ignore_ascii_case("authorization")));
}

#[test]
fn sockets_carry_every_hop_but_port_25_and_monitors_that_ask_for_fetch() {
    // (url, timing, over sockets)
    let cases = [
        ("https://example.com/", Timing::Sockets, true),
        ("http://example.com:8080/", Timing::Sockets, true),
        ("http://mail.example.com:25/", Timing::Sockets, false),
        ("https://example.com/", Timing::Fetch, false),
    ];
    for (url, timing, sockets) in cases {
        assert_eq!(sockets_may_carry(&Url::parse(url).unwrap(), timing), sockets, "{url}");
    }
}

#[test]
fn tls_is_started_for_the_urls_name_while_the_socket_goes_to_the_checked_address() {
    let cases = [
        ("https://example.com/", Some("example.com")),
        ("https://Example.COM:8443/x", Some("example.com")),
        ("https://[2001:db8::1]/", Some("2001:db8::1")),
        ("https://192.0.2.1/", Some("192.0.2.1")),
        ("http://example.com/", None),
    ];
    for (url, name) in cases {
        assert_eq!(tls_server_name(&Url::parse(url).unwrap()).as_deref(), name, "{url}");
    }
    assert_eq!(socket_host("192.0.2.1".parse().unwrap()), "192.0.2.1");
    assert_eq!(socket_host("2001:db8::1".parse().unwrap()), "[2001:db8::1]");
}

#[test]
fn a_head_is_read_once_complete_with_its_framing() {
    let head = |bytes: &str, method: &str| parse_head(bytes.as_bytes(), method).unwrap();
    assert_eq!(head("HTTP/1.1 200 OK\r\nContent-Le", "GET"), None);
    // (answer, method, status, framing)
    let cases = [
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n",
            "GET",
            200,
            Framing::Length(12),
        ),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\n\r\n",
            "GET",
            200,
            Framing::Chunked,
        ),
        ("HTTP/1.0 503 Busy\r\n\r\n", "GET", 503, Framing::UntilClose),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n",
            "HEAD",
            200,
            Framing::Empty,
        ),
        ("HTTP/1.1 204 No Content\r\n\r\n", "GET", 204, Framing::Empty),
        ("HTTP/1.1 304 Not Modified\r\n\r\n", "GET", 304, Framing::Empty),
        (
            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            "GET",
            200,
            Framing::Length(0),
        ),
    ];
    for (answer, method, status, framing) in cases {
        let (found, used) = head(answer, method).unwrap();
        assert_eq!((found.status, found.framing), (status, framing), "{answer:?}");
        assert_eq!(used, answer.len(), "{answer:?}");
    }
    let (redirect, _) = head("HTTP/1.1 302 Found\r\nlocation:  /next \r\n\r\nbody", "GET").unwrap();
    assert_eq!(redirect.location.as_deref(), Some("/next"));
    for bad in ["SMTP ready\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n"] {
        assert!(parse_head(bad.as_bytes(), "GET").is_err(), "{bad:?}");
    }
}

/// Feeds `parts` one by one; whether the body said it was complete, and what it holds.
fn read(framing: Framing, cap: usize, parts: &[&str]) -> Result<(bool, String), String> {
    let mut body = Body::new(framing, cap);
    let mut complete = false;
    for part in parts {
        complete = body.push(part.as_bytes())?;
    }
    Ok((complete, text(body.into_bytes())))
}

#[test]
fn chunked_bodies_are_decoded_however_the_bytes_arrive() {
    let whole = "4\r\nheal\r\n3;ext=1\r\nthy\r\n0\r\nTrailer: x\r\n\r\n";
    let expected = (true, "healthy".to_string());
    assert_eq!(read(Framing::Chunked, 1024, &[whole]), Ok(expected.clone()));
    // Split at every byte: a size line or a CRLF cut in two still decodes.
    for at in 1..whole.len() {
        assert_eq!(
            read(Framing::Chunked, 1024, &[&whole[..at], &whole[at..]]),
            Ok(expected.clone()),
            "split at {at}"
        );
    }
    assert_eq!(read(Framing::Chunked, 1024, &["4\r\nhe"]), Ok((false, "he".into())));
    for bad in ["zz\r\n", "4\r\nhealXX"] {
        assert!(read(Framing::Chunked, 1024, &[bad]).is_err(), "{bad:?}");
    }
    // A size line whose extension never ends is refused, not kept growing.
    let endless = format!("4;{}", "x".repeat(MAX_CHUNK_SIZE_LINE));
    assert_eq!(
        read(Framing::Chunked, 1024, &[&endless]),
        Err("invalid HTTP response: chunk size line too long".into())
    );
}

#[test]
fn a_body_ends_at_its_length_the_connections_end_or_the_cap() {
    assert_eq!(
        read(Framing::Length(5), 1024, &["he", "llo+extra"]),
        Ok((true, "hello".into()))
    );
    assert_eq!(read(Framing::Length(5), 1024, &["he"]), Ok((false, "he".into())));
    assert_eq!(
        read(Framing::UntilClose, 1024, &["he", "llo"]),
        Ok((false, "hello".into()))
    );
    assert_eq!(read(Framing::Empty, 1024, &["ignored"]), Ok((true, String::new())));
    // Never more than the cap, whatever the framing says.
    assert_eq!(read(Framing::UntilClose, 4, &["abc", "def"]), Ok((true, "abcd".into())));
    assert_eq!(read(Framing::Length(100), 4, &["abcdef"]), Ok((true, "abcd".into())));
    assert_eq!(
        read(Framing::Chunked, 4, &["6\r\nabcdef\r\n"]),
        Ok((true, "abcd".into()))
    );
}
