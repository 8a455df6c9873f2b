//! The one HTTP client for provider APIs (reqwest over rustls, built once per container on
//! first use, with connect and total timeouts) and the bounded retry loop around it.

use std::sync::OnceLock;
use std::time::Duration;

use super::policy::{RetryPolicy, Verdict};
use crate::domain::SmsProvider;
use crate::{Error, Result};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(10);

/// The container's client. Built lazily (no I/O at init); a build failure is a send that
/// may be retried, not a panic.
pub fn client() -> Result<&'static reqwest::Client> {
    static CLIENT: OnceLock<std::result::Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(TOTAL_TIMEOUT)
                .user_agent("frontdesk/1")
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::SendUnavailable(format!("the provider HTTP client: {e}")))
}

/// Sends one request built by `build` (called again for each attempt) and reads the answer
/// with `verdict`, retrying what the provider says is retryable within `policy`. A
/// connection that could not be made is retried too (nothing was sent); a timeout after
/// sending is not (the message may have gone), it is `SendUnavailable`.
pub async fn send_with_retry(
    provider: SmsProvider,
    policy: &RetryPolicy,
    build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    verdict: fn(u16, Option<&str>, &[u8]) -> Verdict,
) -> Result<String> {
    let client = client()?;
    let mut attempt = 1;
    loop {
        let outcome = match build(client).send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let retry_after = resp
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let body = resp.bytes().await.map_err(|_| {
                    Error::SendUnavailable(format!("{provider}: the answer could not be read"))
                })?;
                verdict(status, retry_after.as_deref(), &body)
            }
            Err(e) if e.is_connect() => Verdict::Retry {
                retry_after: None,
                code: "connect".into(),
                status: 0,
            },
            Err(e) if e.is_timeout() => {
                tracing::warn!(%provider, attempt, "provider send timed out");
                return Err(Error::SendUnavailable(format!("{provider}: timed out")));
            }
            Err(_) => {
                tracing::warn!(%provider, attempt, "provider send failed");
                return Err(Error::SendUnavailable(format!(
                    "{provider}: the request failed"
                )));
            }
        };
        match outcome {
            Verdict::Sent(id) => {
                tracing::debug!(%provider, attempt, "sms accepted by provider");
                return Ok(id);
            }
            Verdict::Retry {
                retry_after,
                ref code,
                status,
            } => match policy.next_delay(attempt, retry_after, rand::random::<f64>()) {
                Some(wait) => {
                    tracing::info!(%provider, attempt, status, code = %code, wait_ms = wait.as_millis() as u64, "provider asked to retry");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                None => {
                    let err = outcome.into_error(provider);
                    tracing::warn!(%provider, attempt, error = ?err, "provider still unavailable");
                    return Err(err.unwrap_or_else(|| Error::SendUnavailable(provider.to_string())));
                }
            },
            reject @ Verdict::Reject { .. } => {
                let err = reject.into_error(provider);
                tracing::warn!(%provider, attempt, error = ?err, "provider refused the sms");
                return Err(err.unwrap_or_else(|| Error::SendRejected(provider.to_string())));
            }
        }
    }
}
