//! The `Store` port on [`DynamoStore`]: each call forwards to the read or write module
//! that implements it (`reads`, `list_reads`, `change_reads`, `writes`, ...).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{
    DueWork, EmailAddress, Message, Patient, PatientId, PhoneNumber, PracticeId, Sweep, Task,
};
use crate::ports::{
    DuePartition, Fetched, Item, Key, LeasedClaim, Page, PatientLease, Store, Write,
};
use crate::Result;

use super::{change_reads, codec, DynamoStore};

#[async_trait]
impl Store for DynamoStore {
    async fn get_many(&self, practice_id: &PracticeId, keys: &[Key]) -> Result<Fetched> {
        self.read_many(practice_id, keys).await
    }

    async fn patients_by_phone(
        &self,
        practice_id: &PracticeId,
        phone: &PhoneNumber,
    ) -> Result<Vec<Patient>> {
        self.read_patients_by_phone(practice_id, phone).await
    }

    async fn patients_by_email(
        &self,
        practice_id: &PracticeId,
        email: &EmailAddress,
    ) -> Result<Vec<Patient>> {
        self.read_patients_by_email(practice_id, email).await
    }

    async fn practice_for_number(&self, number: &PhoneNumber) -> Result<Option<PracticeId>> {
        self.read_number_route(number).await
    }

    async fn timeline(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        self.read_timeline(practice_id, patient_id, cursor, limit)
            .await
    }

    async fn open_tasks(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Task>> {
        self.read_open_tasks(practice_id, cursor, limit).await
    }

    async fn due_page(
        &self,
        sweep: Sweep,
        partition: DuePartition,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<DueWork>> {
        self.read_due_page(sweep, partition, from, until, cursor, limit)
            .await
    }

    async fn get_across(&self, keys: &[(PracticeId, Key)]) -> Result<Vec<Item>> {
        self.read_across(keys).await
    }

    async fn claim_due(
        &self,
        due: &DueWork,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<DueWork>> {
        self.claim(due, lease_until).await
    }

    async fn claim_due_leased(
        &self,
        due: &DueWork,
        lease_until: DateTime<Utc>,
        lease: &PatientLease,
    ) -> Result<LeasedClaim> {
        self.claim_leased(due, lease_until, lease).await
    }

    async fn sweep_cursor(&self, sweep: Sweep) -> Result<Option<DateTime<Utc>>> {
        self.read_sweep_cursor(sweep).await
    }

    async fn appointments_for_patient(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        from: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::domain::Appointment>> {
        self.read_patient_appointments(practice_id, patient_id, from, limit)
            .await
    }

    async fn write(&self, writes: Vec<Write>) -> Result<()> {
        self.apply(writes).await
    }

    async fn waiting(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::domain::Waiting>> {
        self.read_waiting(practice_id, cursor, limit).await
    }

    async fn resolved_tasks(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Task>> {
        self.read_resolved_tasks(practice_id, cursor, limit).await
    }

    async fn broadcast_recipients(
        &self,
        practice_id: &PracticeId,
        broadcast: &crate::domain::BroadcastId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::domain::Recipient>> {
        self.query_prefix_page(
            crate::keys::practice_pk(practice_id),
            crate::keys::recipient_prefix(broadcast),
            cursor,
            limit,
            codec::kind::BROADCAST_RECIPIENT,
        )
        .await
    }

    async fn canned_replies(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::CannedReply>> {
        self.read_canned_replies(practice_id).await
    }

    async fn waitlist(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::WaitlistEntry>> {
        self.query_prefix_all(
            crate::keys::practice_pk(practice_id),
            crate::keys::WAITLIST_PREFIX,
            codec::kind::WAITLIST_ENTRY,
        )
        .await
    }

    async fn answers_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::domain::Waiting>> {
        self.read_answers_due(until, limit).await
    }

    async fn notices_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::domain::UrgentNotice>> {
        self.read_notices_due(until, limit).await
    }

    async fn deferred_replies(&self, until: DateTime<Utc>) -> Result<Vec<Message>> {
        self.read_deferred_replies(until).await
    }

    async fn reply_intents_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::ports::ReplyIntent>> {
        self.read_reply_intents_due(until, limit).await
    }

    async fn webhook_endpoints(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::webhooks::WebhookEndpoint>> {
        self.read_webhook_endpoints(practice_id).await
    }

    async fn webhook_events_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::webhooks::OutboxEvent>> {
        self.read_webhook_events_due(until, limit).await
    }

    async fn patient_tasks(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
    ) -> Result<Vec<Task>> {
        self.read_patient_tasks(practice_id, patient_id).await
    }

    async fn staff_member(
        &self,
        practice_id: &PracticeId,
        staff_id: &crate::domain::StaffId,
    ) -> Result<Option<crate::domain::StaffMember>> {
        self.read_staff_member(practice_id, staff_id).await
    }

    async fn staff_members(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::StaffMember>> {
        self.read_staff_members(practice_id).await
    }

    async fn unknown_thread(
        &self,
        practice_id: &PracticeId,
        thread_id: &crate::domain::ThreadId,
    ) -> Result<Option<crate::domain::UnknownThread>> {
        self.read_unknown_thread(practice_id, thread_id).await
    }

    async fn staff_login(
        &self,
        email: &crate::domain::EmailAddress,
    ) -> Result<Option<(PracticeId, crate::domain::StaffId)>> {
        self.read_staff_login(email).await
    }

    async fn invitation(
        &self,
        practice_id: &PracticeId,
        token_hash: &str,
    ) -> Result<Option<crate::domain::Invitation>> {
        self.read_invitation(practice_id, token_hash).await
    }

    async fn session(
        &self,
        practice_id: &PracticeId,
        token_hash: &str,
    ) -> Result<Option<(crate::domain::Session, Option<crate::domain::StaffMember>)>> {
        let Some(session) = self.read_session(practice_id, token_hash).await? else {
            return Ok(None);
        };
        let member = self
            .read_staff_member(practice_id, &session.staff_id)
            .await?;
        Ok(Some((session, member)))
    }

    async fn sessions(&self, practice_id: &PracticeId) -> Result<Vec<crate::domain::Session>> {
        self.read_sessions(practice_id).await
    }

    async fn sign_in_failures(&self, scope_key: &str) -> Result<Option<crate::domain::Failures>> {
        self.read_sign_in_failures(scope_key).await
    }

    async fn unknown_timeline(
        &self,
        practice_id: &PracticeId,
        number: &PhoneNumber,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        self.read_unknown_timeline(practice_id, number, cursor, limit)
            .await
    }

    async fn recent_messages(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        limit: usize,
    ) -> Result<Vec<Message>> {
        self.query_prefix_newest(
            crate::keys::practice_pk(practice_id),
            crate::keys::thread_prefix(Some(patient_id), None),
            limit,
            codec::kind::MESSAGE,
        )
        .await
    }

    async fn sent_message(
        &self,
        practice_id: &PracticeId,
        provider_message_id: &str,
    ) -> Result<Option<crate::domain::Message>> {
        self.read_sent_message(practice_id, provider_message_id)
            .await
    }

    async fn sender_owner(
        &self,
        address: &crate::domain::EmailAddress,
    ) -> Result<Option<PracticeId>> {
        self.read_sender_owner(address).await
    }

    async fn consent_history(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::domain::ConsentEvent>> {
        self.read_consent_history(practice_id, patient_id, cursor, limit)
            .await
    }

    async fn patients_page(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Patient>> {
        self.read_patients_page(practice_id, cursor, limit).await
    }

    async fn appointments_page(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::domain::Appointment>> {
        self.read_appointments_page(practice_id, cursor, limit)
            .await
    }

    async fn changed_since(
        &self,
        practice_id: &PracticeId,
        what: crate::ports::ChangeKind,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Item>> {
        change_reads::page_days(since, until, cursor, limit, |day, after, n| {
            self.read_change_day(practice_id, what, day, after, n)
        })
        .await
    }

    async fn appointments_starting(
        &self,
        practice_id: &PracticeId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::domain::Appointment>> {
        self.read_appointments_starting(practice_id, from, to).await
    }
}
