//! The function's one error type, mapped to HTTP responses (and to Lambda diagnostics for
//! SNS events) here and nowhere else. Messages never carry phone numbers, names or message
//! text; internal causes are logged, never returned.

use http::StatusCode;
use thiserror::Error;

/// Why a webhook was refused with 403. Logged; the caller always sees the same message, so
/// a refusal does not tell which practices exist or which secrets are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The practice id is malformed or names no practice.
    UnknownPractice,
    /// The practice has not stored this provider's secret (`PATCH /v1/practice`).
    SecretNotConfigured,
    /// The stored secret cannot be used (e.g. a Telnyx key that is not 32 bytes of base64).
    SecretUnusable,
    SignatureMissing,
    SignatureInvalid,
    /// The signed timestamp is missing, unreadable, too old or too far in the future.
    Stale,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::UnknownPractice => "unknown_practice",
            Refusal::SecretNotConfigured => "secret_not_configured",
            Refusal::SecretUnusable => "secret_unusable",
            Refusal::SignatureMissing => "signature_missing",
            Refusal::SignatureInvalid => "signature_invalid",
            Refusal::Stale => "stale",
        }
    }
}

#[derive(Debug, Error)]
pub enum InboundError {
    #[error("no such webhook; use POST /webhooks/sms/{{twilio|telnyx|vonage}}/{{practice_id}}")]
    NotFound,
    #[error("no message of this practice has this provider message id; nothing was stored")]
    UnknownMessage,
    #[error("use POST for this webhook")]
    MethodNotAllowed,
    #[error("the request signature is missing, invalid or stale")]
    Forbidden(Refusal),
    #[error("{0}")]
    BadRequest(String),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("send the body as {0}")]
    UnsupportedMediaType(&'static str),
    /// One or more SNS records could not be processed. `retryable` when any failure was
    /// transient (storage), so a Lambda retry may succeed.
    #[error("{failed} of {total} SNS records failed: {first}")]
    Records {
        failed: usize,
        total: usize,
        first: String,
        retryable: bool,
    },
    #[error("the service is temporarily unavailable; retry shortly")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl InboundError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        InboundError::BadRequest(message.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            InboundError::NotFound | InboundError::UnknownMessage => StatusCode::NOT_FOUND,
            InboundError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            InboundError::Forbidden(_) => StatusCode::FORBIDDEN,
            InboundError::BadRequest(_) => StatusCode::BAD_REQUEST,
            InboundError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            InboundError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            InboundError::Records { retryable, .. } => {
                if *retryable {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::BAD_REQUEST
                }
            }
            InboundError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            InboundError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            InboundError::NotFound => "not_found",
            InboundError::UnknownMessage => "unknown_message",
            InboundError::MethodNotAllowed => "method_not_allowed",
            InboundError::Forbidden(_) => "forbidden",
            InboundError::BadRequest(_) => "bad_request",
            InboundError::PayloadTooLarge(_) => "payload_too_large",
            InboundError::UnsupportedMediaType(_) => "unsupported_media_type",
            InboundError::Records { .. } => "records_failed",
            InboundError::Unavailable(_) => "unavailable",
            InboundError::Internal(_) => "internal",
        }
    }

    /// Whether a retry of the same input may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            InboundError::Unavailable(_) => true,
            InboundError::Records { retryable, .. } => *retryable,
            _ => false,
        }
    }

    /// The JSON error body. Internal details stay out of it.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": { "code": self.code(), "message": self.to_string() } })
    }

    /// The internal cause, for logs only (never contains input values).
    pub fn cause(&self) -> Option<&str> {
        match self {
            InboundError::Unavailable(c) | InboundError::Internal(c) => Some(c),
            InboundError::Forbidden(r) => Some(r.as_str()),
            _ => None,
        }
    }
}

impl From<frontdesk::Error> for InboundError {
    fn from(e: frontdesk::Error) -> Self {
        use frontdesk::Error as E;
        match e {
            E::Invalid { .. } | E::InvalidId { .. } => InboundError::BadRequest(e.to_string()),
            E::Conflict => InboundError::Unavailable(
                "a conflicting write kept winning; the provider will retry".into(),
            ),
            E::Storage(m) | E::SendUnavailable(m) | E::KeyUnavailable(m) => {
                InboundError::Unavailable(m)
            }
            E::Corrupt(m) | E::SendRejected(m) | E::Config(m) => InboundError::Internal(m),
            E::IllegalTransition { .. } => InboundError::Internal(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_looks_the_same_to_the_caller() {
        let a = InboundError::Forbidden(Refusal::UnknownPractice);
        let b = InboundError::Forbidden(Refusal::SignatureInvalid);
        assert_eq!(a.status(), StatusCode::FORBIDDEN);
        assert_eq!(a.body(), b.body());
    }

    #[test]
    fn storage_failures_are_retryable_and_hidden() {
        let e = InboundError::from(frontdesk::Error::Storage("GetItem: Throttling".into()));
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(e.is_transient());
        assert!(!e.body().to_string().contains("Throttling"));
    }
}
