//! Reads of webhook items: a practice's subscriptions (R30) and the outbox due across
//! practices (R31).

use chrono::{DateTime, Utc};

use super::super::codec::{self, kind, s};
use super::super::errors::storage;
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
        let limit = i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000);
        let mut out = Vec::new();
        for shard in 0..keys::WEBHOOK_SHARDS {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::GSI1)
                .key_condition_expression("#pk = :pk AND #sk <= :until")
                .expression_attribute_names("#pk", keys::GSI1_PK)
                .expression_attribute_names("#sk", keys::GSI1_SK)
                .expression_attribute_values(":pk", s(keys::webhook_due_shard_pk(shard)))
                .expression_attribute_values(":until", s(keys::due_sort_until(until)))
                .scan_index_forward(true)
                .limit(limit)
                .send()
                .await
                .map_err(|e| storage("Query", &e))?;
            for item in page.items.unwrap_or_default() {
                out.push(codec::decode(item, kind::WEBHOOK_EVENT)?);
            }
        }
        out.sort_by_key(|e: &OutboxEvent| e.next_at);
        Ok(out)
    }
}
