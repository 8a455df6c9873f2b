//! The function's one error type, and how it reaches the Lambda runtime (`Diagnostic`).
//! Messages carry no patient data: ids and counts only.

use lambda_runtime::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// The invocation is not a usable EventBridge scheduled event.
    #[error("the event is not a scheduled event with an RFC 3339 `time`: {0}")]
    Event(#[source] frontdesk::Error),

    /// The sweep could not start (the cursor could not be read).
    #[error("the sweep could not run: {0}; it runs again on the next schedule")]
    Sweep(#[source] frontdesk::Error),

    /// Work was found but none of it could be handled: claimed items come back after their
    /// lease, unclaimed ones stay due.
    #[error(
        "every due item failed ({failures} failures, first: {first}); check DynamoDB and the \
         senders, the work is retried on the next run"
    )]
    AllFailed { failures: usize, first: String },

    /// The report could not be turned into JSON (never expected).
    #[error("the sweep report could not be serialised: {0}")]
    Report(String),
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Event(_) => "NoShows.BadEvent",
            Error::Sweep(_) => "NoShows.SweepFailed",
            Error::AllFailed { .. } => "NoShows.AllFailed",
            Error::Report(_) => "NoShows.Report",
        }
    }
}

impl From<Error> for Diagnostic {
    fn from(e: Error) -> Self {
        Diagnostic {
            error_type: e.code().to_string(),
            error_message: e.to_string(),
        }
    }
}
