//! SNS SMS adapter: `Publish` straight to a phone number, transactional, from the
//! practice's origination number. Also holds the send-error classification shared with
//! the SES adapter.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_sns::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sns::types::MessageAttributeValue;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use crate::ports::{Sms, SmsSender};
use crate::{Error, Result};

const SMS_TYPE: &str = "AWS.SNS.SMS.SMSType";
const ORIGINATION_NUMBER: &str = "AWS.MM.SMS.OriginationNumber";

/// Sends SMS through SNS `Publish`. Cheap to clone; build it once per container.
#[derive(Debug, Clone)]
pub struct SnsSms {
    client: aws_sdk_sns::Client,
}

impl SnsSms {
    pub fn new(client: aws_sdk_sns::Client) -> Self {
        Self { client }
    }

    /// Builds the client from the shared SDK configuration. No I/O.
    pub fn from_conf(config: &SdkConfig) -> Self {
        Self::new(aws_sdk_sns::Client::new(config))
    }
}

fn string_attribute(value: &str) -> Result<MessageAttributeValue> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|_| {
            Error::SendRejected("SNS Publish: a message attribute could not be built".into())
        })
}

#[async_trait]
impl SmsSender for SnsSms {
    async fn send_sms(&self, sms: &Sms) -> Result<String> {
        let mut request = self
            .client
            .publish()
            .phone_number(sms.to.as_str())
            .message(&sms.body)
            .message_attributes(SMS_TYPE, string_attribute("Transactional")?);
        if let Some(from) = &sms.from {
            request =
                request.message_attributes(ORIGINATION_NUMBER, string_attribute(from.as_str())?);
        }
        let out = request
            .send()
            .await
            .map_err(|e| send_error("SNS Publish", &e))?;
        let id = out.message_id.unwrap_or_default();
        if id.is_empty() {
            tracing::warn!("SNS accepted an SMS without returning a message id");
        }
        tracing::debug!(
            with_origination_number = sms.from.is_some(),
            "sms published"
        );
        Ok(id)
    }
}

/// Error codes that mean "try again later", across AWS services.
const RETRYABLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "Throttled",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "KMSThrottling",
    "KMSThrottlingException",
    "LimitExceededException",
    "SendingPausedException",
    "InternalError",
    "InternalErrorException",
    "InternalFailure",
    "InternalServiceErrorException",
    "ServiceUnavailable",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// Classifies a provider failure: `SendUnavailable` when a later retry may succeed
/// (throttling, 5xx, network, timeouts), `SendRejected` when it will not (invalid
/// parameter, unverified sender, opted-out number, other 4xx). The message names the
/// operation, the error code and the HTTP status only: never the provider's text, which
/// can echo phone numbers or addresses.
pub(crate) fn send_error<E>(operation: &'static str, err: &SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata,
{
    let error = match err {
        SdkError::ConstructionFailure(_) => {
            Error::SendRejected(format!("{operation}: the request could not be built"))
        }
        SdkError::TimeoutError(_) => Error::SendUnavailable(format!("{operation}: timed out")),
        SdkError::DispatchFailure(_) => {
            Error::SendUnavailable(format!("{operation}: the service could not be reached"))
        }
        SdkError::ResponseError(_) => {
            Error::SendUnavailable(format!("{operation}: the response could not be read"))
        }
        SdkError::ServiceError(ctx) => {
            let code = ctx.err().code().unwrap_or("UnknownError");
            let status = ctx.raw().status().as_u16();
            let what = format!("{operation}: {code} (HTTP {status})");
            if status == 429 || status >= 500 || RETRYABLE_CODES.contains(&code) {
                Error::SendUnavailable(what)
            } else {
                Error::SendRejected(what)
            }
        }
        _ => Error::SendUnavailable(format!("{operation}: unknown failure")),
    };
    tracing::warn!(operation, error = %error, "send failed");
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sns::operation::publish::PublishError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn service_error(code: &str, status: u16) -> SdkError<PublishError, HttpResponse> {
        let err = PublishError::generic(
            ErrorMetadata::builder()
                .code(code)
                .message("Invalid parameter: PhoneNumber +14155550123")
                .build(),
        );
        let raw = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        SdkError::service_error(err, raw)
    }

    #[test]
    fn invalid_parameters_are_rejected_for_good() {
        let e = send_error("SNS Publish", &service_error("InvalidParameter", 400));
        assert!(matches!(e, Error::SendRejected(_)), "{e:?}");
    }

    #[test]
    fn throttling_and_server_errors_may_be_retried() {
        for (code, status) in [
            ("Throttling", 400),
            ("Whatever", 429),
            ("InternalError", 500),
        ] {
            let e = send_error("SNS Publish", &service_error(code, status));
            assert!(matches!(e, Error::SendUnavailable(_)), "{code}: {e:?}");
        }
    }

    #[test]
    fn provider_messages_never_reach_the_error() {
        let e = send_error("SNS Publish", &service_error("InvalidParameter", 400));
        assert!(!e.to_string().contains("+1415"), "{e}");
    }
}
