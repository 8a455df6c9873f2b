//! Reads of webhook items: a practice's subscriptions (R30) and the outbox due across
//! practices (R31).

use chrono::{DateTime, Utc};

use super::super::codec::kind;
use super::super::DynamoStore;
use crate::domain::PracticeId;
use crate::keys;
use crate::webhooks::{OutboxEvent, WebhookEndpoint};
use crate::Result;

impl DynamoStore {
    /// R30: `begins_with(SK, WEBHOOK#)` in the practice's partition, every page.
    pub(in crate::dynamo) async fn read_webhook_endpoints(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<WebhookEndpoint>> {
        self.query_prefix_all(
            keys::practice_pk(practice_id),
            keys::WEBHOOK_PREFIX,
            kind::WEBHOOK_ENDPOINT,
        )
        .await
    }

    /// R31: one Query per shard of GSI1 `DUE#webhooks#<n>`, due at or before `until`,
    /// oldest first, at most `limit` items each.
    pub(in crate::dynamo) async fn read_webhook_events_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxEvent>> {
        let mut out: Vec<OutboxEvent> = self
            .due_in_shards(
                (0..keys::WEBHOOK_SHARDS).map(keys::webhook_due_shard_pk),
                until,
                limit,
                kind::WEBHOOK_EVENT,
            )
            .await?;
        out.sort_by_key(|e: &OutboxEvent| e.next_at);
        Ok(out)
    }
}
