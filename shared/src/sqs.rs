//! The sweeps' work-unit queue on SQS ([`UnitQueue`]): `SendMessageBatch` ten at a time,
//! and, for the local drain and the tests, `ReceiveMessage` and `DeleteMessage` (deployed,
//! the event source mapping receives and deletes).

use async_trait::async_trait;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

use crate::sweep::fanout::{Queued, Received, UnitQueue};
use crate::sweep::worker::SWEEP_QUEUE_URL_ENV;
use crate::{Error, Result};

/// SQS's most messages per batch call.
const BATCH: usize = 10;

#[derive(Clone, Debug)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsQueue {
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }

    /// The queue `SWEEP_QUEUE_URL` names, if set (and not blank). No I/O.
    pub fn from_env(clients: &crate::aws::Clients) -> Option<Self> {
        std::env::var(SWEEP_QUEUE_URL_ENV)
            .ok()
            .filter(|u| !u.trim().is_empty())
            .map(|url| Self::new(clients.sqs.clone(), url))
    }
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Storage(format!(
        "the work-unit queue refused {what} ({e}); check SWEEP_QUEUE_URL and the queue policy"
    ))
}

#[async_trait]
impl UnitQueue for SqsQueue {
    async fn enqueue(&self, units: Vec<Queued>) -> Result<()> {
        for chunk in units.chunks(BATCH) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(q.unit.body())
                        .delay_seconds(i32::try_from(q.delay_seconds.min(900)).unwrap_or(900))
                        .build()
                        .map_err(|e| unavailable("a unit", e))
                })
                .collect::<Result<Vec<_>>>()?;
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| unavailable("a batch", aws_sdk_sqs::error::DisplayErrorContext(e)))?;
            if let Some(first) = out.failed().first() {
                return Err(unavailable(
                    &format!("{} of {} units", out.failed().len(), chunk.len()),
                    first.code(),
                ));
            }
        }
        Ok(())
    }

    async fn receive(&self, max: usize) -> Result<Vec<Received>> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(i32::try_from(max.clamp(1, BATCH)).unwrap_or(10))
            .send()
            .await
            .map_err(|e| unavailable("a receive", aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        Ok(out
            .messages()
            .iter()
            .map(|m| Received {
                id: m.message_id().unwrap_or_default().to_string(),
                body: m.body().unwrap_or_default().to_string(),
                receipt: m.receipt_handle().unwrap_or_default().to_string(),
            })
            .collect())
    }

    async fn delete(&self, receipt: &str) -> Result<()> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(|e| unavailable("a delete", aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        Ok(())
    }
}
