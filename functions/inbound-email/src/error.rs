//! The one error type of inbound-email, with what to do next.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum EmailError {
    /// The notification is not an SES receipt we can act on (dropped, logged).
    #[error("not an SES receipt notification: {0}")]
    BadEvent(String),
    /// The stored email cannot be read as MIME (kept in S3; a staff task is raised).
    #[error("the email could not be read: {0}")]
    Unreadable(&'static str),
    /// The raw email could not be fetched from S3 (SES retries the invocation).
    #[error("the stored email could not be fetched: {0}; SES retries the delivery")]
    Fetch(String),
    #[error(transparent)]
    Store(#[from] frontdesk::Error),
}

impl From<EmailError> for lambda_runtime::Diagnostic {
    fn from(e: EmailError) -> Self {
        let error_type = match &e {
            EmailError::BadEvent(_) => "BadEvent",
            EmailError::Unreadable(_) => "Unreadable",
            EmailError::Fetch(_) => "Fetch",
            EmailError::Store(_) => "Store",
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.into(),
            error_message: e.to_string(),
        }
    }
}

impl EmailError {
    /// Whether a retry may succeed (the Lambda invocation then fails, so it is retried).
    pub fn is_transient(&self) -> bool {
        match self {
            EmailError::Fetch(_) => true,
            EmailError::Store(e) => matches!(e, frontdesk::Error::Storage(_)),
            EmailError::BadEvent(_) | EmailError::Unreadable(_) => false,
        }
    }
}
