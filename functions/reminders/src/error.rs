//! The function's one error type, and how it reaches the Lambda runtime. Only failures that
//! make a whole invocation pointless are errors; one item failing is a line in the report.

use lambda_runtime::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// The invocation was not an EventBridge scheduled event with a `time`.
    #[error("not a usable scheduled event ({0}); invoke with an EventBridge scheduled event")]
    BadEvent(#[source] frontdesk::Error),

    /// The sweep could not start (its cursor could not be read).
    #[error("the sweep could not start ({0}); the next scheduled run retries")]
    Sweep(#[source] frontdesk::Error),

    /// Work was there, and every item tried failed: the invocation shows as failed.
    #[error(
        "all {failures} due items tried failed (first: {first}); claimed work comes back when \
         its lease ends, the rest on the next run"
    )]
    AllFailed { failures: usize, first: String },

    /// The report could not be turned into JSON (cannot happen with the report's types).
    #[error("the sweep report could not be serialised: {0}")]
    Report(String),
}

impl Error {
    fn error_type(&self) -> &'static str {
        match self {
            Error::BadEvent(_) => "Reminders.BadEvent",
            Error::Sweep(_) => "Reminders.SweepFailed",
            Error::AllFailed { .. } => "Reminders.AllFailed",
            Error::Report(_) => "Reminders.Report",
        }
    }
}

impl From<Error> for Diagnostic {
    fn from(e: Error) -> Self {
        Diagnostic {
            error_type: e.error_type().to_string(),
            error_message: e.to_string(),
        }
    }
}
