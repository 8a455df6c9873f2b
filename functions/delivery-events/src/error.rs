//! The crate's one error type. Messages never carry addresses, numbers or bodies.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum EventError {
    #[error("the event is not one this function reads: {0}")]
    Unreadable(String),
    #[error("no practice owns the event's sender or number; nothing was stored")]
    Unroutable,
    #[error("storage is unavailable; the event will be retried: {0}")]
    Storage(String),
}

impl EventError {
    pub fn code(&self) -> &'static str {
        match self {
            EventError::Unreadable(_) => "unreadable",
            EventError::Unroutable => "unroutable",
            EventError::Storage(_) => "storage",
        }
    }

    /// Whether a retry may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, EventError::Storage(_))
    }
}

impl From<frontdesk::Error> for EventError {
    fn from(e: frontdesk::Error) -> Self {
        EventError::Storage(e.to_string())
    }
}
