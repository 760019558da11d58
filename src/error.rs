//! The one error type of the HTTP layer, mapped to a status code and the JSON
//! envelope `{"error", "code"[, "field"]}` in one place. Internal errors are
//! logged with the request id and never described to the client.

use crate::domain::access::Denied;
use crate::domain::forum::Refusal;
use crate::domain::validation::FieldError;
use serde_json::{json, Value};

#[derive(Debug)]
pub enum ApiError {
    /// 400: the request itself is malformed (not JSON, bad query parameter).
    BadRequest {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    /// 401: no credential, or one that is invalid, expired or revoked.
    Unauthorized(&'static str),
    /// 403: authenticated, but not allowed (scope, role, plan limit).
    Forbidden {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    /// 404: absent, or another organization's.
    NotFound(&'static str),
    /// 405, with the methods the route allows.
    MethodNotAllowed(&'static str),
    /// 409: the request conflicts with what exists.
    Conflict { code: &'static str, message: String },
    /// 410: no longer there for good (a used or expired invitation, a retired route).
    Gone { code: &'static str, message: String },
    /// 413: the body is over the limit.
    PayloadTooLarge,
    /// 426: a WebSocket route asked without `Upgrade: websocket`.
    UpgradeRequired,
    /// 429: over a limit that frees itself (concurrent connections).
    TooMany { code: &'static str, message: String },
    /// 429: over a rate limit; `Retry-After` says when to come back.
    RateLimited { message: String, retry_after_seconds: i64 },
    /// 422: well-formed, but a field is invalid.
    Invalid(FieldError),
    /// 503: a dependency (D1) is down.
    Unavailable(String),
    /// 500: a bug or a platform failure; the detail goes to the log only.
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn gone(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Gone {
            code,
            message: message.into(),
        }
    }

    pub fn bad_query(field: &FieldError) -> Self {
        ApiError::BadRequest {
            code: "invalid_query",
            message: field.message.clone(),
            field: Some(field.field.clone()),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. } => 400,
            ApiError::Unauthorized(_) => 401,
            ApiError::Forbidden { .. } => 403,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed(_) => 405,
            ApiError::Conflict { .. } => 409,
            ApiError::Gone { .. } => 410,
            ApiError::PayloadTooLarge => 413,
            ApiError::UpgradeRequired => 426,
            ApiError::TooMany { .. } | ApiError::RateLimited { .. } => 429,
            ApiError::Invalid(_) => 422,
            ApiError::Internal(_) => 500,
            ApiError::Unavailable(_) => 503,
        }
    }

    /// The JSON body; `request_id` lets a user quote a 500 to an operator.
    pub fn body(&self, request_id: &str) -> Value {
        let (code, message, field): (&str, String, Option<&str>) = match self {
            ApiError::BadRequest { code, message, field } => (code, message.clone(), field.as_deref()),
            ApiError::Unauthorized(message) => ("unauthorized", message.to_string(), None),
            ApiError::Forbidden { code, message, field } => (code, message.clone(), field.as_deref()),
            ApiError::NotFound(what) => ("not_found", format!("{what} not found"), None),
            ApiError::MethodNotAllowed(_) => ("method_not_allowed", "method not allowed on this route".into(), None),
            ApiError::Conflict { code, message }
            | ApiError::Gone { code, message }
            | ApiError::TooMany { code, message } => (code, message.clone(), None),
            ApiError::RateLimited { message, .. } => ("rate_limited", message.clone(), None),
            ApiError::UpgradeRequired => (
                "upgrade_required",
                "this route is a WebSocket stream: connect with Upgrade: websocket".into(),
                None,
            ),
            ApiError::PayloadTooLarge => ("payload_too_large", "request body is larger than 1 MiB".into(), None),
            ApiError::Invalid(error) => ("invalid_field", error.message.clone(), Some(&error.field)),
            ApiError::Unavailable(_) => (
                "unavailable",
                "the database is unavailable, try again shortly".into(),
                None,
            ),
            ApiError::Internal(_) => (
                "internal_error",
                format!("internal error, request id {request_id}"),
                None,
            ),
        };
        let mut body = json!({ "error": message, "code": code });
        if let Some(field) = field {
            body["field"] = json!(field);
        }
        body
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError::Invalid(error)
    }
}

impl From<worker::Error> for ApiError {
    fn from(error: worker::Error) -> Self {
        ApiError::Internal(error.to_string())
    }
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::ReadOnlyKey => ApiError::forbidden(
                "insufficient_scope",
                "this API key is read only; this route needs the write scope",
            ),
            Denied::Role => ApiError::forbidden(
                "insufficient_role",
                "your role in this organization does not allow this",
            ),
            Denied::UserOnly => ApiError::forbidden(
                "user_token_required",
                "this route needs a user's token from /api/v1/auth/login, not an API key",
            ),
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            // Posts are public: another's is no secret, so 403 rather than 404.
            Refusal::NotAuthor => ApiError::forbidden("not_author", "only its author may do this"),
            Refusal::NotModerator => ApiError::forbidden("not_moderator", "only the forums' moderators may do this"),
            Refusal::EditWindowClosed => ApiError::forbidden(
                "edit_window_closed",
                "posts can be edited for an hour after they are written",
            ),
            Refusal::Locked => ApiError::conflict("thread_locked", "the thread is locked"),
            Refusal::HasReplies => ApiError::conflict(
                "thread_has_replies",
                "the thread has replies: only a moderator can remove it now",
            ),
        }
    }
}
