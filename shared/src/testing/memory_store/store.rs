//! The `Store` port over the in-memory table: each read and write as the DynamoDB adapter
//! does it, with the same keys, conditions, page cursors and request counts.

use super::*;

#[async_trait]
impl Store for MemoryStore {
    async fn get_many(&self, practice_id: &PracticeId, wanted: &[Key]) -> Result<Fetched> {
        self.read_keys(wanted.iter().map(|k| key_of(practice_id, k)))
            .map(Fetched)
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
        self.read_practice_for_number(number).await
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

    async fn recent_messages(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        limit: usize,
    ) -> Result<Vec<Message>> {
        self.read_recent_messages(practice_id, patient_id, limit)
            .await
    }

    async fn sent_message(
        &self,
        practice_id: &PracticeId,
        provider_message_id: &str,
    ) -> Result<Option<Message>> {
        self.read_sent_message(practice_id, provider_message_id)
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

    async fn broadcast_recipients(
        &self,
        practice_id: &PracticeId,
        broadcast: &crate::domain::BroadcastId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::domain::Recipient>> {
        self.read_broadcast_recipients(practice_id, broadcast, cursor, limit)
            .await
    }

    async fn appointments_page(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Appointment>> {
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
        self.read_changed_since(practice_id, what, since, until, cursor, limit)
            .await
    }

    async fn appointments_starting(
        &self,
        practice_id: &PracticeId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Appointment>> {
        self.read_appointments_starting(practice_id, from, to).await
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

    async fn open_tasks(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Task>> {
        self.read_open_tasks(practice_id, cursor, limit).await
    }

    /// As the GSI1 Query: one partition (work stored here is always indexed under its
    /// shard, so the unsharded partitions are empty), sort keys from `from` to `until` at
    /// millisecond precision, in sort-key order, one page.
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

    /// As the GSI2 Query: start-time sort keys from `from` at millisecond precision.
    async fn appointments_for_patient(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        from: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Appointment>> {
        self.read_appointments_for_patient(practice_id, patient_id, from, limit)
            .await
    }

    async fn get_across(&self, wanted: &[(PracticeId, Key)]) -> Result<Vec<Item>> {
        self.read_keys(wanted.iter().map(|(p, k)| key_of(p, k)))
    }

    async fn claim_due(
        &self,
        due: &DueWork,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<DueWork>> {
        self.read_claim_due(due, lease_until).await
    }

    /// As the adapter's transaction: the claim's condition first, then the lease's; both
    /// change, or nothing does.
    async fn claim_due_leased(
        &self,
        due: &DueWork,
        lease_until: DateTime<Utc>,
        lease: &PatientLease,
    ) -> Result<LeasedClaim> {
        self.read_claim_due_leased(due, lease_until, lease).await
    }

    async fn sweep_cursor(&self, sweep: Sweep) -> Result<Option<DateTime<Utc>>> {
        self.read_sweep_cursor(sweep).await
    }

    /// All or nothing, as one transaction: refused as the adapter refuses before sending,
    /// then every write applied in order to a copy that replaces the table only if every
    /// condition held.
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

    async fn canned_replies(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::CannedReply>> {
        self.count(1);
        Ok(staff::canned_replies(&*self.lock()?, practice_id))
    }

    async fn waitlist(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::WaitlistEntry>> {
        self.count(1);
        Ok(super::waitlist::entries(&*self.lock()?, practice_id))
    }

    async fn answers_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::domain::Waiting>> {
        self.count(crate::keys::ANSWER_SHARDS as usize);
        Ok(super::threads::answers_due(&*self.lock()?, until, limit))
    }

    async fn notices_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::domain::UrgentNotice>> {
        self.count(crate::keys::NOTICE_SHARDS as usize);
        Ok(super::threads::notices_due(&*self.lock()?, until, limit))
    }

    async fn deferred_replies(&self, until: DateTime<Utc>) -> Result<Vec<Message>> {
        self.count(1);
        Ok(staff::deferred_replies(&*self.lock()?, until))
    }

    async fn reply_intents_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::ports::ReplyIntent>> {
        self.count(crate::keys::REPLY_INTENT_SHARDS as usize);
        Ok(super::reply_intents::due(&*self.lock()?, until, limit))
    }

    async fn webhook_endpoints(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::webhooks::WebhookEndpoint>> {
        self.count(1);
        Ok(super::webhooks::endpoints(&*self.lock()?, practice_id))
    }

    /// As the GSI4 Query: one round trip, the patient's tasks in task-id order.
    async fn patient_tasks(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
    ) -> Result<Vec<Task>> {
        self.read_patient_tasks(practice_id, patient_id).await
    }

    async fn webhook_events_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::webhooks::OutboxEvent>> {
        self.count(crate::keys::WEBHOOK_SHARDS as usize);
        Ok(super::webhooks::events_due(&*self.lock()?, until, limit))
    }

    async fn staff_member(
        &self,
        practice_id: &PracticeId,
        staff_id: &crate::domain::StaffId,
    ) -> Result<Option<crate::domain::StaffMember>> {
        self.count(1);
        Ok(staff::member(&*self.lock()?, practice_id, staff_id))
    }

    async fn staff_members(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::StaffMember>> {
        self.count(1);
        Ok(staff::members(&*self.lock()?, practice_id))
    }

    async fn staff_login(
        &self,
        email: &crate::domain::EmailAddress,
    ) -> Result<Option<(PracticeId, crate::domain::StaffId)>> {
        self.count(1);
        Ok(sessions::login(&*self.lock()?, email))
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
        self.read_session(practice_id, token_hash).await
    }

    async fn sessions(&self, practice_id: &PracticeId) -> Result<Vec<crate::domain::Session>> {
        self.count(1);
        Ok(sessions::sessions(&*self.lock()?, practice_id))
    }

    async fn sign_in_failures(&self, scope_key: &str) -> Result<Option<crate::domain::Failures>> {
        self.count(1);
        Ok(sessions::failures(&*self.lock()?, scope_key))
    }

    async fn unknown_thread(
        &self,
        practice_id: &PracticeId,
        thread_id: &crate::domain::ThreadId,
    ) -> Result<Option<crate::domain::UnknownThread>> {
        self.read_unknown_thread(practice_id, thread_id).await
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

    async fn write(&self, writes: Vec<Write>) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        // As the DynamoDB adapter: the outbox items of the batch's tasks' news.
        let writes = crate::webhooks::derive::with_task_events(writes);
        rules::check_batch(&writes)?;
        self.count(1);
        let mut t = self.lock()?;
        let mut staged = Staged::new(&mut t);
        for w in writes {
            if let Err(e) = apply::apply(&mut staged, w) {
                staged.rollback();
                return Err(e);
            }
        }
        Ok(())
    }
}
