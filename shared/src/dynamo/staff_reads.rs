//! Reads of staff members (R14, R15), in the practice's own partition.

use super::super::codec::{self, kind};
use super::super::errors::storage;
use super::super::DynamoStore;
use chrono::{DateTime, Utc};

use crate::domain::{Message, PracticeId, StaffId, StaffMember};
use crate::keys;
use crate::Result;

impl DynamoStore {
    /// R14: one GetItem on `STAFF#<staff>`.
    pub(in crate::dynamo) async fn read_staff_member(
        &self,
        practice_id: &PracticeId,
        staff_id: &StaffId,
    ) -> Result<Option<StaffMember>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(codec::key_attrs(
                keys::practice_pk(practice_id),
                keys::staff_sk(staff_id),
            )))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| storage("GetItem", &e))?;
        out.item
            .map(|item| codec::decode(item, kind::STAFF))
            .transpose()
    }

    /// R15: a Query on `begins_with(SK, STAFF#)`, following every page.
    pub(in crate::dynamo) async fn read_staff_members(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<StaffMember>> {
        self.query_prefix_all(
            keys::practice_pk(practice_id),
            keys::STAFF_PREFIX,
            kind::STAFF,
        )
        .await
    }

    /// R18: the practice's canned replies (`REPLY#` items), every page.
    pub(in crate::dynamo) async fn read_canned_replies(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::CannedReply>> {
        self.query_prefix_all(
            keys::practice_pk(practice_id),
            keys::CANNED_REPLY_PREFIX,
            kind::CANNED_REPLY,
        )
        .await
    }

    /// R16: deferred staff replies due at or before `until` (GSI1 `DUE#staff-replies`),
    /// every page.
    pub(in crate::dynamo) async fn read_deferred_replies(
        &self,
        until: DateTime<Utc>,
    ) -> Result<Vec<Message>> {
        let query = self.due_query(keys::DEFERRED_REPLIES_PK.to_string(), until);
        self.every_page(query, kind::DEFERRED_REPLY).await
    }

    /// R16b: reply intents due at or before `until` (GSI1 `DUE#replies#<shard>`), at most
    /// `limit` per shard, oldest first: one Query per shard.
    pub(in crate::dynamo) async fn read_reply_intents_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::ports::ReplyIntent>> {
        let mut out: Vec<crate::ports::ReplyIntent> = self
            .due_in_shards(
                (0..keys::REPLY_INTENT_SHARDS).map(keys::reply_intents_due_shard_pk),
                until,
                limit,
                kind::REPLY_INTENT,
            )
            .await?;
        out.sort_by_key(|i: &crate::ports::ReplyIntent| i.due_at);
        Ok(out)
    }
}
