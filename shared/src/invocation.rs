//! What the functions' Lambda entry points share: a failed invocation's [`Diagnostic`]
//! and reading an SNS event (inbound texts and delivery reports both arrive by SNS).

use aws_lambda_events::sns::SnsEvent;
use lambda_runtime::Diagnostic;
use serde_json::Value;

/// A failed invocation's report: `error_type` names the failure for alarms and logs.
pub fn diagnostic(error_type: &str, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        error_type: error_type.to_string(),
        error_message: message.into(),
    }
}

/// The payload as an SNS event, or an `InvalidSnsEvent` diagnostic saying where it stops
/// matching (the position only: the payload may hold a message body).
pub fn sns_event(payload: Value) -> Result<SnsEvent, Diagnostic> {
    serde_json::from_value(payload).map_err(|e| {
        tracing::error!(error_kind = ?e.classify(), "an SNS event could not be read");
        diagnostic(
            "InvalidSnsEvent",
            format!(
                "the SNS event does not have the expected shape (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })
}
