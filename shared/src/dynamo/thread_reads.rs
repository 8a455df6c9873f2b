//! Reads of the staff inbox: the inbox entries (R10), an unknown sender's thread item
//! (R11) and their messages (R12). Queries on the practice's own partition only.

use chrono::{DateTime, Utc};

use super::super::codec::{self, kind, s};
use super::super::cursor::{self, Rule};
use super::super::errors::storage;
use super::super::DynamoStore;
use super::{page, page_request_limit};
use crate::domain::{
    Message, PhoneNumber, PracticeId, ThreadId, UnknownThread, UrgentNotice, Waiting,
};
use crate::dynamo::rules;
use crate::keys;
use crate::ports::Page;
use crate::Result;

impl DynamoStore {
    /// R10: the inbox, oldest waiting first.
    pub(in crate::dynamo) async fn read_waiting(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Waiting>> {
        self.query_prefix_page(
            keys::practice_pk(practice_id),
            keys::WAITING_PREFIX.to_string(),
            cursor,
            limit,
            kind::WAITING,
        )
        .await
    }

    /// R17: inbox entries past their answer deadline, not escalated, across practices:
    /// one Query per shard of GSI1 `DUE#answers#<n>`, deadline first, `limit` per shard
    /// (the sweep takes the rest on its next run).
    pub(in crate::dynamo) async fn read_answers_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Waiting>> {
        self.due_in_shards(
            (0..keys::ANSWER_SHARDS).map(keys::answers_due_shard_pk),
            until,
            limit,
            kind::WAITING,
        )
        .await
    }

    /// R27: notices due of urgent tasks across practices: one Query per shard of GSI1
    /// `DUE#notices#<n>`, oldest first, `limit` per shard.
    pub(in crate::dynamo) async fn read_notices_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<UrgentNotice>> {
        self.due_in_shards(
            (0..keys::NOTICE_SHARDS).map(keys::notices_due_shard_pk),
            until,
            limit,
            kind::NOTICE,
        )
        .await
    }

    /// R12: an unknown sender's messages, oldest first.
    pub(in crate::dynamo) async fn read_unknown_timeline(
        &self,
        practice_id: &PracticeId,
        number: &PhoneNumber,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        self.query_prefix_page(
            keys::practice_pk(practice_id),
            keys::thread_prefix(None, Some(number)),
            cursor,
            limit,
            kind::MESSAGE,
        )
        .await
    }

    /// R13: resolved tasks on GSI2 (`P#<practice>#RESOLVED`), newest first.
    pub(in crate::dynamo) async fn read_resolved_tasks(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::domain::Task>> {
        let resolved_pk = keys::resolved_tasks_pk(practice_id);
        let start = cursor
            .map(|c| {
                cursor::decode(
                    c,
                    &[
                        (keys::PK, Rule::Equals(keys::practice_pk(practice_id))),
                        (keys::SK, Rule::StartsWith("TASK#".into())),
                        (keys::GSI2_PK, Rule::Equals(resolved_pk.clone())),
                        (keys::GSI2_SK, Rule::StartsWith(String::new())),
                    ],
                )
            })
            .transpose()?;
        let limit = rules::page_limit(limit);
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI2)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", keys::GSI2_PK)
            .expression_attribute_values(":pk", s(resolved_pk))
            .scan_index_forward(true)
            .limit(page_request_limit(limit))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| storage("Query", &e))?;
        page(
            out.items.unwrap_or_default(),
            limit,
            out.last_evaluated_key,
            &[keys::PK, keys::SK, keys::GSI2_PK, keys::GSI2_SK],
            kind::TASK,
        )
    }

    /// R11: one GetItem on `THREAD#<thread id>`.
    pub(in crate::dynamo) async fn read_unknown_thread(
        &self,
        practice_id: &PracticeId,
        thread_id: &ThreadId,
    ) -> Result<Option<UnknownThread>> {
        if !matches!(thread_id, ThreadId::Unknown(_)) {
            return Ok(None);
        }
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(codec::key_attrs(
                keys::practice_pk(practice_id),
                keys::unknown_thread_sk(thread_id),
            )))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| storage("GetItem", &e))?;
        out.item
            .map(|item| codec::decode(item, kind::UNKNOWN_THREAD))
            .transpose()
    }
}
