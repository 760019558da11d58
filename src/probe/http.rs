//! HTTP(S) probe: one request with the monitor's method, headers and body,
//! redirects followed or not; up when the status is expected and the keyword
//! rule holds on the first 1 MiB of the body (never more is read).
//! Redirects are followed here, hop by hop (`domain::redirect`), never by
//! the runtime, so that each hop's host is checked before it is sent to.
//! Each hop goes over sockets (`sockets`), which time DNS, connect, TLS and
//! first byte, unless sockets cannot carry it (`domain::http1`) or its host
//! resolves into Cloudflare's own networks: then through `fetch`.

use super::{add_phase, network_failure, now_ms, sockets, Outcome, ProbeContext};
use crate::domain::http1::{hop_headers, sockets_may_carry};
use crate::domain::monitor::{HttpSettings, KeywordMode};
use crate::domain::probe::Failure;
use crate::domain::redirect::Hop;
use crate::domain::target::is_cloudflare;
use futures_util::StreamExt;
use worker::{AbortController, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

/// The most of a body read for the keyword rule.
const KEYWORD_SCAN_BYTES: usize = 1024 * 1024;

/// One hop's answer, whichever way it came.
struct Answer {
    status: u16,
    location: Option<String>,
    body: Body,
}

/// An answer's unread body. Dropping it closes its connection (a redirect's
/// body is never read; neither is the rest of a body past the cap).
enum Body {
    Fetched(worker::Response, AbortOnDrop),
    Socket(sockets::UnreadBody),
}

impl Body {
    /// The first `cap` bytes; the rest is never downloaded.
    async fn prefix(self, cap: usize) -> Result<Vec<u8>, Failure> {
        match self {
            Body::Fetched(mut response, _abort) => read_prefix(&mut response, cap).await.map_err(network_failure),
            Body::Socket(body) => body.prefix(cap).await,
        }
    }
}

fn request(settings: &HttpSettings, hop: &Hop) -> worker::Result<Request> {
    // The runtime drops a URL's `user:pass@`: it is sent as Basic auth, like
    // any `Authorization`, only as far as the hop may send that header.
    let (url, sent) = hop_headers(settings, hop);
    let headers = Headers::new();
    for (name, value) in &sent {
        headers.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(hop.method.clone()))
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if let Some(body) = settings.body.as_ref().filter(|_| hop.with_body) {
        init.with_body(Some(body.as_str().into()));
    }
    Request::new_with_init(&url, &init)
}

/// Sends one hop through `fetch`, which shows only when the answer came.
async fn fetch(settings: &HttpSettings, hop: &Hop, outcome: &mut Outcome) -> Result<Answer, Failure> {
    let request = request(settings, hop).map_err(|error| Failure::Other {
        detail: format!("invalid request: {error}"),
    })?;
    crate::meter::subrequest();
    let started = now_ms();
    let abort = AbortOnDrop(AbortController::default());
    let response = Fetch::Request(request)
        .send_with_signal(&abort.0.signal())
        .await
        .map_err(network_failure)?;
    add_phase(&mut outcome.ttfb_ms, started);
    Ok(Answer {
        status: response.status_code(),
        location: response.headers().get("Location").ok().flatten(),
        body: Body::Fetched(response, abort),
    })
}

/// Sends one hop over sockets where they can go, else through `fetch`.
async fn send(
    settings: &HttpSettings,
    hop: &Hop,
    context: &ProbeContext,
    outcome: &mut Outcome,
) -> Result<Answer, Failure> {
    if sockets_may_carry(&hop.url, settings.timing) {
        let address = sockets::resolve(hop, context, outcome).await?;
        // `connect()` refuses Cloudflare's own addresses.
        if !is_cloudflare(address) {
            let (head, body) = sockets::send(settings, hop, address, outcome).await?;
            return Ok(Answer {
                status: head.status,
                location: head.location,
                body: Body::Socket(body),
            });
        }
    }
    fetch(settings, hop, outcome).await
}

pub(super) async fn probe(settings: &HttpSettings, context: &ProbeContext) -> Outcome {
    let mut hop = match url::Url::parse(&settings.url) {
        Ok(url) => Hop::first(url, &settings.method),
        Err(error) => {
            return Outcome::failed(Failure::Other {
                detail: format!("invalid request: {error}"),
            })
        }
    };
    if let Some(refused) = hop.refused().filter(|_| !context.allow_private_targets) {
        return Outcome::failed(refused);
    }
    let mut outcome = Outcome::default();
    // A redirect's answer is dropped, so its connection closed, when the
    // next hop starts; the last one's when the probe ends or is dropped at
    // its timeout, so that no unread body keeps downloading.
    let answer = loop {
        let answer = match send(settings, &hop, context, &mut outcome).await {
            Ok(answer) => answer,
            Err(failure) => {
                outcome.failure = Some(failure);
                return outcome;
            }
        };
        // The latest answer's: a redirect's, if the hop it leads to fails.
        outcome.status_code = Some(answer.status);
        if !settings.follow_redirects {
            break answer;
        }
        match hop.next(answer.status, answer.location.as_deref(), context.allow_private_targets) {
            Ok(Some(next)) => hop = next,
            Ok(None) => break answer,
            Err(failure) => {
                outcome.failure = Some(failure);
                return outcome;
            }
        }
    };
    let code = answer.status;
    if !settings.expected_status_codes.iter().any(|rule| rule.matches(code)) {
        outcome.failure = Some(Failure::HttpStatus { code });
        return outcome;
    }
    if let Some(keyword) = &settings.keyword {
        let body = match answer.body.prefix(KEYWORD_SCAN_BYTES).await {
            Ok(body) => body,
            Err(failure) => {
                outcome.failure = Some(failure);
                return outcome;
            }
        };
        let found = String::from_utf8_lossy(&body).contains(keyword.as_str());
        outcome.failure = match (settings.keyword_mode, found) {
            (KeywordMode::Contains, false) => Some(Failure::KeywordMissing {
                keyword: keyword.clone(),
            }),
            (KeywordMode::Absent, true) => Some(Failure::KeywordPresent {
                keyword: keyword.clone(),
            }),
            _ => None,
        };
    }
    outcome
}

/// The first `cap` bytes of the body; the rest is never downloaded.
async fn read_prefix(response: &mut worker::Response, cap: usize) -> worker::Result<Vec<u8>> {
    let mut stream = response.stream()?;
    let mut body = Vec::new();
    while body.len() < cap {
        match stream.next().await {
            Some(chunk) => body.extend_from_slice(&chunk?),
            None => break,
        }
    }
    body.truncate(cap);
    Ok(body)
}

struct AbortOnDrop(AbortController);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        std::mem::take(&mut self.0).abort();
    }
}
