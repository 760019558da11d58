//! The dashboard's session (`/app`): the user's JWT in an `HttpOnly` cookie
//! that page scripts cannot read, and a second, readable cookie whose value
//! each state-changing request repeats in `X-CSRF-Token` (a double submit:
//! another site can make the browser send the cookies, but cannot read them
//! to write the header). `SameSite=Lax` keeps both off other sites' posts
//! and subrequests too.

use crate::error::{ApiError, ApiResult};
use worker::{Method, Request};

pub const SESSION_COOKIE: &str = "pw_session";
pub const CSRF_COOKIE: &str = "pw_csrf";
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// The value of the cookie `name`, if the request carries it.
pub fn cookie(req: &Request, name: &str) -> ApiResult<Option<String>> {
    Ok(req.headers().get("Cookie")?.and_then(|header| {
        header.split(';').find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name && !value.is_empty()).then(|| value.to_string())
        })
    }))
}

/// The session's token, when the request carries the cookie: for a request
/// that changes state, only with the CSRF header and from our own origin.
pub fn credential(req: &Request, our_origin: &str) -> ApiResult<Option<String>> {
    let Some(token) = cookie(req, SESSION_COOKIE)? else {
        return Ok(None);
    };
    if matches!(req.method(), Method::Get | Method::Head | Method::Options) {
        return Ok(Some(token));
    }
    require_same_origin(req, our_origin)?;
    let expected = cookie(req, CSRF_COOKIE)?;
    let sent = req.headers().get(CSRF_HEADER)?;
    match (expected, sent) {
        (Some(expected), Some(sent)) if expected == sent => Ok(Some(token)),
        _ => Err(ApiError::Forbidden {
            code: "csrf_failed",
            message: format!("a request signed in by cookie must repeat the {CSRF_COOKIE} cookie in {CSRF_HEADER}"),
            field: None,
        }),
    }
}

/// Refuses a request that a page of another origin sent (browsers name the
/// page's origin in `Origin` on every POST and WebSocket handshake).
pub fn require_same_origin(req: &Request, our_origin: &str) -> ApiResult<()> {
    match req.headers().get("Origin")? {
        Some(origin) if origin != our_origin.trim_end_matches('/') => Err(ApiError::Forbidden {
            code: "cross_origin",
            message: "the session cookie is accepted only from this site's own pages".into(),
            field: None,
        }),
        _ => Ok(()),
    }
}

/// The `Set-Cookie` values that open a session for `max_age_s` seconds.
pub fn open(token: &str, csrf: &str, max_age_s: i64) -> [String; 2] {
    [
        format!("{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age_s}; HttpOnly; Secure; SameSite=Lax"),
        format!("{CSRF_COOKIE}={csrf}; Path=/; Max-Age={max_age_s}; Secure; SameSite=Lax"),
    ]
}

/// The `Set-Cookie` values that end it.
pub fn close() -> [String; 2] {
    [
        format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"),
        format!("{CSRF_COOKIE}=; Path=/; Max-Age=0; Secure; SameSite=Lax"),
    ]
}
