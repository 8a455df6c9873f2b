//! The one error type of the core library. Function crates map it to responses in one place.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// Input that fails validation. The reason says how to fix it.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },

    #[error("{what}: {reason}")]
    InvalidId {
        what: &'static str,
        reason: &'static str,
    },

    #[error("an appointment cannot go from {from} to {to}")]
    IllegalTransition {
        from: &'static str,
        to: &'static str,
    },

    /// A conditional write lost: the item exists already, or changed since it was read.
    #[error("a conflicting write happened first; re-read and retry")]
    Conflict,

    /// The store could not be reached or refused the request.
    #[error("storage unavailable: {0}")]
    Storage(String),

    /// A stored item could not be decoded. Never caused by request input.
    #[error("stored item could not be read: {0}")]
    Corrupt(String),

    /// The provider refused the message for good (bad number, unverified sender…).
    #[error("message rejected by provider: {0}")]
    SendRejected(String),

    /// The provider could not be reached; the send may be retried.
    #[error("provider unavailable: {0}")]
    SendUnavailable(String),

    /// A secret or an encryption key could not be used (Secrets Manager or KMS unreachable
    /// or refusing); retried on the next request or run.
    #[error("secret or key unavailable: {0}")]
    KeyUnavailable(String),

    /// Missing or bad configuration at start-up.
    #[error("configuration: {0}")]
    Config(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
