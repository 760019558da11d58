//! HTTP(S) probe: one request with the monitor's method, headers and body,
//! redirects followed or not; up when the status is expected and the keyword
//! rule holds on the first 1 MiB of the body (never more is read).
//! Redirects are followed here, hop by hop (`domain::redirect`), never by
//! the runtime, so that each hop's host is checked before it is sent to.

use super::{elapsed_since, network_failure, Outcome};
use crate::domain::monitor::{HttpSettings, KeywordMode};
use crate::domain::probe::Failure;
use crate::domain::redirect::Hop;
use crate::domain::secrets;
use futures_util::StreamExt;
use worker::{AbortController, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

/// The most of a body read for the keyword rule.
const KEYWORD_SCAN_BYTES: usize = 1024 * 1024;

fn request(settings: &HttpSettings, hop: &Hop) -> worker::Result<Request> {
    // The runtime drops a URL's `user:pass@`: it is sent as Basic auth, like
    // any `Authorization`, only as far as the hop may send that header.
    let (url, basic_auth) = secrets::basic_auth(hop.url.as_str());
    let basic_auth = basic_auth.filter(|_| hop.sends_header("Authorization"));
    let headers = Headers::new();
    headers.set(
        "User-Agent",
        concat!("Pingwarden/", env!("CARGO_PKG_VERSION"), " (uptime monitor)"),
    )?;
    // Before the monitor's headers, so that its own `Authorization` wins.
    if let Some(basic_auth) = basic_auth {
        headers.set("Authorization", &basic_auth)?;
    }
    for (name, value) in settings.headers.iter().filter(|(name, _)| hop.sends_header(name)) {
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

/// Sends one hop, aborted when `abort` is dropped.
async fn send(settings: &HttpSettings, hop: &Hop, abort: &AbortOnDrop) -> Result<worker::Response, Failure> {
    let request = request(settings, hop).map_err(|error| Failure::Other {
        detail: format!("invalid request: {error}"),
    })?;
    crate::meter::subrequest();
    Fetch::Request(request)
        .send_with_signal(&abort.0.signal())
        .await
        .map_err(network_failure)
}

pub(super) async fn probe(settings: &HttpSettings, allow_private_targets: bool, started: f64) -> Outcome {
    let mut hop = match url::Url::parse(&settings.url) {
        Ok(url) => Hop::first(url, &settings.method),
        Err(error) => {
            return Outcome::failed(Failure::Other {
                detail: format!("invalid request: {error}"),
            })
        }
    };
    if let Some(refused) = hop.refused().filter(|_| !allow_private_targets) {
        return Outcome::failed(refused);
    }
    // One per hop, replaced (so aborted) when the next hop starts, so that an
    // unread redirect body closes its connection; the last is aborted when
    // the probe ends or is dropped at its timeout, so that no unread body
    // keeps downloading.
    let mut abort;
    let mut response = loop {
        abort = AbortOnDrop(AbortController::default());
        let response = match send(settings, &hop, &abort).await {
            Ok(response) => response,
            Err(failure) => return Outcome::failed(failure),
        };
        if !settings.follow_redirects {
            break response;
        }
        let location = response.headers().get("Location").ok().flatten();
        match hop.next(response.status_code(), location.as_deref(), allow_private_targets) {
            Ok(Some(next)) => hop = next,
            Ok(None) => break response,
            Err(failure) => {
                return Outcome {
                    failure: Some(failure),
                    status_code: Some(response.status_code()),
                    ttfb_ms: Some(elapsed_since(started)),
                    ..Outcome::default()
                }
            }
        }
    };
    let code = response.status_code();
    let mut outcome = Outcome {
        status_code: Some(code),
        ttfb_ms: Some(elapsed_since(started)),
        ..Outcome::default()
    };
    if !settings.expected_status_codes.iter().any(|rule| rule.matches(code)) {
        outcome.failure = Some(Failure::HttpStatus { code });
        return outcome;
    }
    if let Some(keyword) = &settings.keyword {
        let body = match read_prefix(&mut response).await {
            Ok(body) => body,
            Err(error) => {
                return Outcome {
                    failure: Some(network_failure(error)),
                    ..outcome
                }
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

/// The first MiB of the body; the rest is never downloaded.
async fn read_prefix(response: &mut worker::Response) -> worker::Result<Vec<u8>> {
    let mut stream = response.stream()?;
    let mut body = Vec::new();
    while body.len() < KEYWORD_SCAN_BYTES {
        match stream.next().await {
            Some(chunk) => body.extend_from_slice(&chunk?),
            None => break,
        }
    }
    body.truncate(KEYWORD_SCAN_BYTES);
    Ok(body)
}

struct AbortOnDrop(AbortController);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        std::mem::take(&mut self.0).abort();
    }
}
