//! The API's one error type, mapped to `{"error":{"code","message"}}` responses here and
//! nowhere else. Internal causes are logged, never returned.

use http::StatusCode;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("send `Authorization: Bearer <api key>`; the key given is missing or not valid")]
    Unauthorized,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The methods this path allows, for the `Allow` header ("GET, PUT").
    #[error("method not allowed on this route; it allows {0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    /// A staff reply that cannot go out on the patient's channel: why, and what to do.
    #[error("{message}")]
    ReplyRefused { code: &'static str, message: String },
    /// A state the request cannot change (a waitlist slot already taken or closed): a 409
    /// with a stable code of its own.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// The provider refused or could not take a staff reply (recorded as failed).
    #[error("{0}")]
    ReplyFailed(String),
    /// `If-Match` named another version than the stored one.
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// The Content-Type the request named instead of JSON.
    #[error("send the body as JSON with `Content-Type: application/json` (got {0})")]
    UnsupportedMediaType(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// This practice's per-practice request limit: retry after the given seconds.
    #[error("this practice is over its request limit; retry after {0} s (spread bulk syncs out, or use the :batch routes)")]
    RateLimited(u64),
    #[error("the service is temporarily unavailable; retry shortly")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::ReplyRefused { .. } | ApiError::Refused { .. } => {
                StatusCode::CONFLICT
            }
            ApiError::ReplyFailed(_) => StatusCode::BAD_GATEWAY,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::ReplyRefused { code, .. } | ApiError::Refused { code, .. } => code,
            ApiError::ReplyFailed(_) => "reply_failed",
            ApiError::PreconditionFailed(_) => "precondition_failed",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Invalid { .. } => "invalid_field",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The JSON body. Internal details stay out of it.
    pub fn body(&self) -> serde_json::Value {
        let mut error = serde_json::json!({ "code": self.code(), "message": self.to_string() });
        if let ApiError::Invalid { field, .. } = self {
            error["field"] = serde_json::Value::String(field.clone());
        }
        serde_json::json!({ "error": error })
    }
}

impl From<frontdesk::Error> for ApiError {
    fn from(e: frontdesk::Error) -> Self {
        use frontdesk::Error as E;
        match e {
            E::Invalid { field, reason } => ApiError::invalid(field, reason),
            E::InvalidId { what, reason } => ApiError::invalid(what, reason),
            E::IllegalTransition { .. } => ApiError::Conflict(e.to_string()),
            E::Conflict => ApiError::Conflict(
                "the item changed while this request ran; read it again and retry".into(),
            ),
            E::Storage(m) => ApiError::Unavailable(m),
            E::SendUnavailable(m) | E::KeyUnavailable(m) => ApiError::Unavailable(m),
            E::Corrupt(m) | E::SendRejected(m) | E::Config(m) => ApiError::Internal(m),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
