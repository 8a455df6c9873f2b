//! The consent history read: one Query on `begins_with(SK, CONSENT#<patient>#)`, oldest
//! first, paged like the timeline (R17 in `docs/data-model.md`).

use super::codec::{kind, s};
use super::cursor;
use super::errors::storage;
use super::paging::{page, page_request_limit};
use super::rules;
use super::DynamoStore;
use crate::domain::{ConsentEvent, PatientId, PracticeId};
use crate::keys;
use crate::ports::Page;
use crate::Result;

impl DynamoStore {
    pub(super) async fn read_consent_history(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<ConsentEvent>> {
        let pk = keys::practice_pk(practice_id);
        let prefix = keys::consent_prefix(patient_id);
        let start = cursor
            .map(|c| cursor::decode(c, &cursor::timeline_rules(&pk, &prefix)))
            .transpose()?;
        let limit = rules::page_limit(limit);
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", keys::PK)
            .expression_attribute_names("#sk", keys::SK)
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix))
            .consistent_read(true)
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
            &[keys::PK, keys::SK],
            kind::CONSENT_EVENT,
        )
    }
}
