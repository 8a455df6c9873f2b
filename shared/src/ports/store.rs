//! The storage port. Reads are typed lookups within one practice; writes are batches of
//! typed operations applied atomically (one DynamoDB `TransactWriteItems`), so a handler
//! decides its round trips explicitly: typically one `get_many` and one `write`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use super::due::{DuePartition, LeasedClaim, PatientLease, DUE_PAGE};
pub use super::items::{ChangeKind, Fetched, Item, Key, Page};
pub use super::write::{Expect, Write};
use crate::domain::{
    Appointment, ConsentEvent, DueWork, EmailAddress, Message, Patient, PatientId, PhoneNumber,
    Practice, PracticeId, StaffId, StaffMember, Sweep, Task, ThreadId, UnknownThread, Waiting,
};
use crate::{Error, Result};

#[async_trait]
pub trait Store: Send + Sync {
    /// Reads several items of one practice in one round trip. Missing items are left out.
    async fn get_many(&self, practice_id: &PracticeId, keys: &[Key]) -> Result<Fetched>;

    /// The patients of a practice who use this phone number (families share phones).
    async fn patients_by_phone(
        &self,
        practice_id: &PracticeId,
        phone: &PhoneNumber,
    ) -> Result<Vec<Patient>>;

    /// The patients of a practice with this email address (matched case-insensitively):
    /// the sender of an inbound email. One index Query; never another practice's.
    async fn patients_by_email(
        &self,
        practice_id: &PracticeId,
        email: &EmailAddress,
    ) -> Result<Vec<Patient>>;

    /// The practice that owns an origination number (for AWS two-way SMS).
    async fn practice_for_number(&self, number: &PhoneNumber) -> Result<Option<PracticeId>>;

    /// A patient's timeline, oldest first, one page at a time.
    async fn timeline(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>>;

    /// Open tasks, most urgent first, newest first within a priority.
    async fn open_tasks(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Task>>;

    /// One page of due work of `sweep` on one partition, due in `[from, until]`, across
    /// practices, in due order. One Query with `Limit`; `next` continues it. Sweeps stream
    /// these pages, so memory stays bounded however much is due.
    async fn due_page(
        &self,
        sweep: Sweep,
        partition: DuePartition,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<DueWork>>;

    /// Every item of one sweep's 5-minute bucket due at or before `until`: every page of
    /// the bucket's day's shards (the bucket's range only), then of its unsharded
    /// partition. For tests and tools; sweeps stream pages.
    async fn due_in_bucket(
        &self,
        sweep: Sweep,
        bucket: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<DueWork>> {
        super::due::every_due_in_bucket(self, sweep, bucket, until).await
    }

    /// A patient's appointments starting at or after `from`, soonest first (at most
    /// `limit`). One Query on the patient's appointment index.
    async fn appointments_for_patient(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        from: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Appointment>>;

    /// Reads items of several practices in one round trip (sweeps batch their reads).
    /// Missing items are left out.
    async fn get_across(&self, keys: &[(PracticeId, Key)]) -> Result<Vec<Item>>;

    /// Claims due work before acting on it: succeeds only if the item is still exactly as
    /// seen (same `due_at` and `attempts`), and moves it to `lease_until` with `attempts + 1`
    /// so overlapping sweeps act once and a crashed run's work comes back after the lease.
    /// `None` when another run claimed it, or it was re-planned or removed.
    async fn claim_due(&self, due: &DueWork, lease_until: DateTime<Utc>)
        -> Result<Option<DueWork>>;

    /// Claims due work as [`Store::claim_due`] does and, in the same transaction, takes or
    /// renews the patient's sending lease for `lease.holder` (one TransactWriteItems: a
    /// claim costs one round trip either way). Refused with `PatientBusy`, changing
    /// nothing, while another holder's lease lasts past `lease.now`.
    async fn claim_due_leased(
        &self,
        due: &DueWork,
        lease_until: DateTime<Utc>,
        lease: &PatientLease,
    ) -> Result<LeasedClaim>;

    /// The bucket a sweep should start from, if it has run before.
    async fn sweep_cursor(&self, sweep: Sweep) -> Result<Option<DateTime<Utc>>>;

    /// Applies writes atomically: all or nothing.
    async fn write(&self, writes: Vec<Write>) -> Result<()>;

    /// The practice that owns an email sender (`Write::SenderRoute`), if any. One GetItem.
    async fn sender_owner(&self, address: &EmailAddress) -> Result<Option<PracticeId>>;

    /// A patient's consent history, oldest first, one page at a time. One Query on the
    /// patient's `CONSENT#` items.
    async fn consent_history(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<ConsentEvent>>;
    /// The practice's patients in id order, one page at a time. One Query on its
    /// `PATIENT#` items.
    async fn patients_page(
        &self,
        _practice_id: &PracticeId,
        _cursor: Option<&str>,
        _limit: usize,
    ) -> Result<Page<Patient>> {
        Err(unsupported("patients_page"))
    }

    /// The practice's appointments in id order, one page at a time. One Query on its
    /// `APPT#` items.
    async fn appointments_page(
        &self,
        _practice_id: &PracticeId,
        _cursor: Option<&str>,
        _limit: usize,
    ) -> Result<Page<Appointment>> {
        Err(unsupported("appointments_page"))
    }

    /// The practice's patients or appointments changed at or after `since` (through the
    /// day of `until`), in change order, paged: one Query per UTC day on the change index,
    /// at most 31 days a page (a page may be short, even empty; follow `next`).
    async fn changed_since(
        &self,
        _practice_id: &PracticeId,
        _what: ChangeKind,
        _since: DateTime<Utc>,
        _until: DateTime<Utc>,
        _cursor: Option<&str>,
        _limit: usize,
    ) -> Result<Page<Item>> {
        Err(unsupported("changed_since"))
    }

    /// The practice's appointments starting in `[from, to)` (at most 7 days), soonest
    /// first: one Query per UTC day on the day-schedule index. `Invalid` for a bad range.
    async fn appointments_starting(
        &self,
        _practice_id: &PracticeId,
        _from: DateTime<Utc>,
        _to: DateTime<Utc>,
    ) -> Result<Vec<Appointment>> {
        Err(unsupported("appointments_starting"))
    }

    /// The practice's inbox: threads waiting for a human answer, oldest first, paged.
    async fn waiting(
        &self,
        _practice_id: &PracticeId,
        _cursor: Option<&str>,
        _limit: usize,
    ) -> Result<Page<Waiting>> {
        Err(unsupported("waiting"))
    }

    /// Resolved tasks, most recently resolved first, paged.
    async fn resolved_tasks(
        &self,
        _practice_id: &PracticeId,
        _cursor: Option<&str>,
        _limit: usize,
    ) -> Result<Page<Task>> {
        Err(unsupported("resolved_tasks"))
    }

    /// A broadcast's recipients in patient id order, one page at a time. One Query on its
    /// `BCAST#<id>#R#` items.
    async fn broadcast_recipients(
        &self,
        _practice_id: &PracticeId,
        _broadcast: &crate::domain::BroadcastId,
        _cursor: Option<&str>,
        _limit: usize,
    ) -> Result<Page<crate::domain::Recipient>> {
        Err(unsupported("broadcast_recipients"))
    }
    /// The practice's canned replies, oldest first (one Query).
    async fn canned_replies(
        &self,
        _practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::CannedReply>> {
        Err(unsupported("canned_replies"))
    }

    /// The practice's waitlist, oldest entry first: one Query on its `WAITLIST#` items,
    /// every page (a practice's waitlist is tens to hundreds of entries).
    async fn waitlist(
        &self,
        _practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::WaitlistEntry>> {
        Err(unsupported("waitlist"))
    }

    /// Inbox entries across practices whose answer deadline (`answer_by`, or `since` until
    /// the sweep works it out) is at or before `until` and that are not escalated yet,
    /// deadline first, at most `limit` per shard of the deadline index.
    async fn answers_due(&self, _until: DateTime<Utc>, _limit: usize) -> Result<Vec<Waiting>> {
        Err(unsupported("answers_due"))
    }

    /// Notices due of urgent tasks opened at or before `until`, across practices, oldest
    /// first, at most `limit` per shard of the notices-due index.
    async fn notices_due(
        &self,
        _until: DateTime<Utc>,
        _limit: usize,
    ) -> Result<Vec<crate::domain::UrgentNotice>> {
        Err(unsupported("notices_due"))
    }

    /// Deferred staff replies due at or before `until`, across practices, oldest first.
    async fn deferred_replies(&self, _until: DateTime<Utc>) -> Result<Vec<Message>> {
        Err(unsupported("deferred_replies"))
    }

    /// Reply intents due at or before `until`, across practices, oldest first, at most
    /// `limit` per shard of the reply-intent index.
    async fn reply_intents_due(
        &self,
        _until: DateTime<Utc>,
        _limit: usize,
    ) -> Result<Vec<crate::ports::ReplyIntent>> {
        Err(unsupported("reply_intents_due"))
    }

    /// A staff member of the practice.
    async fn staff_member(
        &self,
        _practice_id: &PracticeId,
        _staff_id: &StaffId,
    ) -> Result<Option<StaffMember>> {
        Err(unsupported("staff_member"))
    }

    /// Every staff member of the practice (a practice has tens, not thousands).
    async fn staff_members(&self, _practice_id: &PracticeId) -> Result<Vec<StaffMember>> {
        Err(unsupported("staff_members"))
    }

    /// Where an email signs in: its practice and staff member (`LOGIN#<email>`). One GetItem.
    async fn staff_login(&self, _email: &EmailAddress) -> Result<Option<(PracticeId, StaffId)>> {
        Err(unsupported("staff_login"))
    }

    /// A pending invitation, by its token hash. One GetItem.
    async fn invitation(
        &self,
        _practice_id: &PracticeId,
        _token_hash: &str,
    ) -> Result<Option<crate::domain::Invitation>> {
        Err(unsupported("invitation"))
    }

    /// A console session with its staff member, by token hash: one BatchGetItem.
    async fn session(
        &self,
        _practice_id: &PracticeId,
        _token_hash: &str,
    ) -> Result<Option<(crate::domain::Session, Option<StaffMember>)>> {
        Err(unsupported("session"))
    }

    /// Every live session of the practice (tens): one Query on `SESSION#`.
    async fn sessions(&self, _practice_id: &PracticeId) -> Result<Vec<crate::domain::Session>> {
        Err(unsupported("sessions"))
    }

    /// The failed sign-ins of one scope, if any are counted. One GetItem.
    async fn sign_in_failures(&self, _scope_key: &str) -> Result<Option<crate::domain::Failures>> {
        Err(unsupported("sign_in_failures"))
    }

    /// An unknown sender's thread item, by its opaque id.
    async fn unknown_thread(
        &self,
        _practice_id: &PracticeId,
        _thread_id: &ThreadId,
    ) -> Result<Option<UnknownThread>> {
        Err(unsupported("unknown_thread"))
    }

    /// An unknown sender's messages, oldest first, paged (like `timeline`).
    async fn unknown_timeline(
        &self,
        _practice_id: &PracticeId,
        _number: &PhoneNumber,
        _cursor: Option<&str>,
        _limit: usize,
    ) -> Result<Page<Message>> {
        Err(unsupported("unknown_timeline"))
    }

    /// A patient's latest messages, newest first (at most `limit`, up to 100): one
    /// consistent Query, descending. What the repeated-undelivered rule reads.
    async fn recent_messages(
        &self,
        _practice_id: &PracticeId,
        _patient_id: &PatientId,
        _limit: usize,
    ) -> Result<Vec<Message>> {
        Err(unsupported("recent_messages"))
    }

    /// A message the practice sent, by the provider's message id (recorded with every
    /// `Decision::Sent` message). One GetItem; another practice's id is never found.
    async fn sent_message(
        &self,
        _practice_id: &PracticeId,
        _provider_message_id: &str,
    ) -> Result<Option<Message>> {
        Err(unsupported("sent_message"))
    }

    /// The practice's webhook subscriptions (at most a handful): one Query on `WEBHOOK#`.
    async fn webhook_endpoints(
        &self,
        _practice_id: &PracticeId,
    ) -> Result<Vec<crate::webhooks::WebhookEndpoint>> {
        Err(unsupported("webhook_endpoints"))
    }

    /// Outbox items across practices due at or before `until`, oldest first, at most
    /// `limit` per shard of the outbox index (one Query per shard).
    /// Every task about one patient, open and resolved (erasure), read by the patient's
    /// task index: never by paging the practice's tasks.
    async fn patient_tasks(
        &self,
        _practice_id: &PracticeId,
        _patient_id: &PatientId,
    ) -> Result<Vec<Task>> {
        Err(unsupported("patient_tasks"))
    }

    async fn webhook_events_due(
        &self,
        _until: DateTime<Utc>,
        _limit: usize,
    ) -> Result<Vec<crate::webhooks::OutboxEvent>> {
        Err(unsupported("webhook_events_due"))
    }

    async fn get_practice(&self, practice_id: &PracticeId) -> Result<Option<Practice>> {
        Ok(self
            .get_many(practice_id, &[Key::Practice])
            .await?
            .practice()
            .cloned())
    }
}

/// Stores written before the staff inbox existed (test wrappers) do not serve it.
fn unsupported(call: &str) -> Error {
    Error::Storage(format!("this store does not implement {call}"))
}
