//! HTTP(S) probe: one request with the monitor's method, headers and body,
//! redirects followed or not; up when the status is expected and the keyword
//! rule holds on the first 1 MiB of the body (never more is read).

use super::{elapsed_since, network_failure, Outcome};
use crate::domain::monitor::{HttpSettings, KeywordMode};
use crate::domain::probe::Failure;
use crate::domain::secrets;
use futures_util::StreamExt;
use worker::{AbortController, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

/// The most of a body read for the keyword rule.
const MAX_BODY_BYTES: usize = 1024 * 1024;

fn request(settings: &HttpSettings) -> worker::Result<Request> {
    let (url, basic_auth) = secrets::basic_auth(&settings.url);
    let headers = Headers::new();
    headers.set(
        "User-Agent",
        concat!("Pingwarden/", env!("CARGO_PKG_VERSION"), " (uptime monitor)"),
    )?;
    // Before the monitor's headers, so that its own `Authorization` wins.
    if let Some(basic_auth) = basic_auth {
        headers.set("Authorization", &basic_auth)?;
    }
    for (name, value) in &settings.headers {
        headers.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(settings.method.clone()))
        .with_headers(headers)
        .with_redirect(if settings.follow_redirects {
            RequestRedirect::Follow
        } else {
            RequestRedirect::Manual
        });
    if let Some(body) = &settings.body {
        init.with_body(Some(body.as_str().into()));
    }
    Request::new_with_init(&url, &init)
}

pub(super) async fn probe(settings: &HttpSettings, started: f64) -> Outcome {
    let request = match request(settings) {
        Ok(request) => request,
        Err(error) => {
            return Outcome::failed(Failure::Other {
                detail: format!("invalid request: {error}"),
            })
        }
    };
    // Aborted when the probe ends or is dropped at its timeout, so that the
    // connection closes and no unread body keeps downloading.
    let abort = AbortOnDrop(AbortController::default());
    let mut response = match Fetch::Request(request).send_with_signal(&abort.0.signal()).await {
        Ok(response) => response,
        Err(error) => return Outcome::failed(network_failure(error)),
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
    while body.len() < MAX_BODY_BYTES {
        match stream.next().await {
            Some(chunk) => body.extend_from_slice(&chunk?),
            None => break,
        }
    }
    body.truncate(MAX_BODY_BYTES);
    Ok(body)
}

struct AbortOnDrop(AbortController);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        std::mem::take(&mut self.0).abort();
    }
}
