//! The Lambda entry point: an SES receipt notification; each message's raw MIME is read
//! from the S3 bucket the receipt rule stored it in (`<bucket>/<prefix><messageId>`).

use async_trait::async_trait;
use lambda_runtime::LambdaEvent;

use crate::error::EmailError;
use crate::process::{process, Deps};
use crate::receipt;

/// Where the raw messages are.
#[async_trait]
pub trait RawMail: Send + Sync {
    async fn fetch(&self, message_id: &str) -> Result<Vec<u8>, EmailError>;
}

/// S3: `GetObject` on the bucket and prefix of the receipt rule's S3 action.
pub struct S3Mail {
    pub client: aws_sdk_s3::Client,
    pub bucket: String,
    pub prefix: String,
}

#[async_trait]
impl RawMail for S3Mail {
    async fn fetch(&self, message_id: &str) -> Result<Vec<u8>, EmailError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(format!("{}{message_id}", self.prefix))
            .send()
            .await
            .map_err(|e| {
                EmailError::Fetch(format!(
                    "S3 GetObject: {}",
                    aws_sdk_s3::error::DisplayErrorContext(&e)
                ))
            })?;
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| EmailError::Fetch(format!("S3 body: {e}")))?;
        Ok(body.into_bytes().to_vec())
    }
}

/// Handles one notification. A transient failure fails the invocation (SES retries it; the
/// claim makes the retry safe); anything else is logged and acknowledged.
pub async fn handle(
    deps: &Deps,
    mail: &dyn RawMail,
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, EmailError> {
    handle_value(deps, mail, &event.payload).await
}

pub async fn handle_value(
    deps: &Deps,
    mail: &dyn RawMail,
    payload: &serde_json::Value,
) -> Result<serde_json::Value, EmailError> {
    let receipts = match receipt::parse(payload) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "an SES notification was dropped");
            return Ok(serde_json::json!({"handled": 0, "dropped": e.to_string()}));
        }
    };
    let mut outcomes = Vec::new();
    for r in &receipts {
        let raw = mail.fetch(&r.message_id).await?;
        match process(deps, r, &raw).await {
            Ok(o) => {
                tracing::info!(
                    action = o.action,
                    duplicate = o.duplicate,
                    sent = o.sent,
                    "email handled"
                );
                outcomes.push(serde_json::json!({"action": o.action, "duplicate": o.duplicate, "sent": o.sent}));
            }
            Err(e) if e.is_transient() => return Err(e),
            Err(e) => {
                tracing::error!(error = %e, "an email could not be handled");
                outcomes.push(serde_json::json!({"action": "error"}));
            }
        }
    }
    Ok(serde_json::json!({"handled": outcomes.len(), "outcomes": outcomes}))
}
