//! Mapping SDK failures to the core error. Messages carry the operation and the error
//! code only: never the service's message text, which may echo keys or item contents.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::Error;

/// An SDK failure as `Error::Storage`, logged with its operation and code.
pub(super) fn storage<E, R>(operation: &'static str, err: &SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata,
{
    let what: &str = match err {
        SdkError::ConstructionFailure(_) => "the request could not be built",
        SdkError::TimeoutError(_) => "timed out",
        SdkError::DispatchFailure(d) if d.is_timeout() => "timed out connecting",
        SdkError::DispatchFailure(_) => "could not reach DynamoDB",
        SdkError::ResponseError(_) => "the response could not be read",
        SdkError::ServiceError(s) => s.err().code().unwrap_or("unknown service error"),
        _ => "unknown error",
    };
    tracing::warn!(operation, error = what, "dynamodb request failed");
    Error::Storage(format!("DynamoDB {operation}: {what}"))
}

/// A request that could not be assembled (a bug, not an outage).
pub(super) fn build(operation: &'static str, err: aws_sdk_dynamodb::error::BuildError) -> Error {
    tracing::error!(operation, error = %err, "dynamodb request could not be built");
    Error::Storage(format!(
        "DynamoDB {operation}: the request could not be built"
    ))
}

/// Removes double-quoted spans from a decoding error: serde quotes the offending value
/// (`invalid type: string "…", expected u32`), and stored values never leave the store.
pub(super) fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        if c == '"' {
            if quoted {
                out.push_str("…\"");
            } else {
                out.push('"');
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    if quoted {
        out.push_str("…\"");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn decoding_errors_lose_the_values_they_quote() {
        assert_eq!(
            redact(r#"invalid type: string "Ada Lovelace", expected u32"#),
            r#"invalid type: string "…", expected u32"#
        );
        assert_eq!(
            redact("missing field `first_name`"),
            "missing field `first_name`"
        );
        assert_eq!(redact(r#"got "+14155550123"#), r#"got "…""#);
    }
}
