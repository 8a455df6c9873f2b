//! The consent history read: one Query on `begins_with(SK, CONSENT#<patient>#)`, oldest
//! first, paged like the timeline (R17 in `docs/data-model.md`).

use super::codec::kind;
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
        self.query_prefix_page(
            keys::practice_pk(practice_id),
            keys::consent_prefix(patient_id),
            cursor,
            limit,
            kind::CONSENT_EVENT,
        )
        .await
    }
}
