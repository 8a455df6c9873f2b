//! Reads of sign-in items: the email index, invitations, sessions and failure counters.
//! GetItems by key and one Query on the practice's `SESSION#` items; never a Scan.

use serde::Deserialize;

use super::super::codec::{self, kind, Attrs};
use super::super::errors::storage;
use super::super::DynamoStore;
use crate::domain::{EmailAddress, Failures, Invitation, PracticeId, Session, StaffId};
use crate::keys;
use crate::Result;

#[derive(Deserialize)]
struct LoginRow {
    practice_id: PracticeId,
    staff_id: StaffId,
}

impl DynamoStore {
    async fn get_one(&self, pk: String, sk: String) -> Result<Option<Attrs>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(codec::key_attrs(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| storage("GetItem", &e))?;
        Ok(out.item)
    }

    pub(in crate::dynamo) async fn read_staff_login(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<(PracticeId, StaffId)>> {
        let item = self
            .get_one(keys::staff_login_pk(email), keys::STAFF_LOGIN_SK.into())
            .await?;
        let row: Option<LoginRow> = item
            .map(|i| codec::decode(i, kind::STAFF_LOGIN))
            .transpose()?;
        Ok(row.map(|r| (r.practice_id, r.staff_id)))
    }

    pub(in crate::dynamo) async fn read_invitation(
        &self,
        practice_id: &PracticeId,
        token_hash: &str,
    ) -> Result<Option<Invitation>> {
        self.get_one(
            keys::practice_pk(practice_id),
            keys::invitation_sk(token_hash),
        )
        .await?
        .map(|i| codec::decode(i, kind::INVITATION))
        .transpose()
    }

    pub(in crate::dynamo) async fn read_session(
        &self,
        practice_id: &PracticeId,
        token_hash: &str,
    ) -> Result<Option<Session>> {
        self.get_one(keys::practice_pk(practice_id), keys::session_sk(token_hash))
            .await?
            .map(|i| codec::decode(i, kind::SESSION))
            .transpose()
    }

    pub(in crate::dynamo) async fn read_sessions(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<Session>> {
        self.query_prefix_all(
            keys::practice_pk(practice_id),
            keys::SESSION_PREFIX,
            kind::SESSION,
        )
        .await
    }

    pub(in crate::dynamo) async fn read_sign_in_failures(
        &self,
        scope_key: &str,
    ) -> Result<Option<Failures>> {
        self.get_one(
            keys::sign_in_failures_pk(scope_key),
            keys::SIGN_IN_FAILURES_SK.into(),
        )
        .await?
        .map(|i| codec::decode(i, kind::SIGN_IN_FAILURES))
        .transpose()
    }
}
