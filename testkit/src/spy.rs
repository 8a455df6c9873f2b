//! [`SpyStore`]: any `Store` (the in-memory one by default, or `DynamoStore` on moto)
//! behind the `Store` port, recording every committed batch, able to apply a racing
//! writer's batch just before the next write, passing every write through a [`WriteHook`]
//! (to fail it, race it or watch it), counting sequential round trips (a call that starts
//! while none is in flight opens one), and yielding before the calls a sweep makes so
//! concurrent runs interleave as they would over the network.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk::domain::{
    Appointment, ConsentEvent, DueWork, EmailAddress, Message, Patient, PatientId, PhoneNumber,
    PracticeId, StaffId, StaffMember, Sweep, Task, ThreadId, UnknownThread, Waiting,
};
use frontdesk::ports::{
    DuePartition, Fetched, Item, Key, LeasedClaim, Page, PatientLease, Store, Write,
};
use frontdesk::testing::MemoryStore;

/// What happens to a batch on its way to the inner store.
#[async_trait]
pub trait WriteHook<S: Store = MemoryStore>: Send + Sync {
    async fn write(&self, inner: &S, writes: Vec<Write>) -> frontdesk::Result<()>;
}

/// Writes straight through.
#[derive(Debug, Default, Clone, Copy)]
pub struct PassThrough;

#[async_trait]
impl<S: Store> WriteHook<S> for PassThrough {
    async fn write(&self, inner: &S, writes: Vec<Write>) -> frontdesk::Result<()> {
        inner.write(writes).await
    }
}

pub struct SpyStore<H = PassThrough, S = MemoryStore> {
    pub inner: Arc<S>,
    pub hook: H,
    batches: Mutex<Vec<Vec<Write>>>,
    before_next_write: Mutex<Option<Vec<Write>>>,
    fail_with: Mutex<Option<frontdesk::Error>>,
    in_flight: AtomicUsize,
    trips: AtomicUsize,
}

impl Default for SpyStore {
    fn default() -> Self {
        Self::with_hook(Arc::new(MemoryStore::new()), PassThrough)
    }
}

impl SpyStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests the inner store has served (its round-trip counter).
    pub fn requests(&self) -> usize {
        self.inner.requests()
    }
}

impl<S: Store> SpyStore<PassThrough, S> {
    /// Spies on an existing store.
    pub fn over(inner: Arc<S>) -> Self {
        Self::with_hook(inner, PassThrough)
    }
}

impl<H: WriteHook<S>, S: Store> SpyStore<H, S> {
    pub fn with_hook(inner: Arc<S>, hook: H) -> Self {
        Self {
            inner,
            hook,
            batches: Mutex::new(Vec::new()),
            before_next_write: Mutex::new(None),
            fail_with: Mutex::new(None),
            in_flight: AtomicUsize::new(0),
            trips: AtomicUsize::new(0),
        }
    }

    /// Applies `writes` to the inner store just before the next batch: another writer
    /// winning the race.
    pub fn race_next_write(&self, writes: Vec<Write>) {
        *lock(&self.before_next_write) = Some(writes);
    }

    /// Every call from now on fails with `error` (a storage outage).
    pub fn fail_every_call(&self, error: frontdesk::Error) {
        *lock(&self.fail_with) = Some(error);
    }

    /// Every write of every committed batch, in order.
    pub fn written(&self) -> Vec<Write> {
        lock(&self.batches).iter().flatten().cloned().collect()
    }

    /// The timeline entries written, oldest first; a later write of the same entry (a
    /// failed send recorded again) replaces the earlier one.
    pub fn messages(&self) -> Vec<Message> {
        let mut out: Vec<Message> = Vec::new();
        for w in self.written() {
            if let Write::Message(m) = w {
                match out.iter_mut().find(|x| x.message_id == m.message_id) {
                    Some(x) => *x = *m,
                    None => out.push(*m),
                }
            }
        }
        out.sort_by_key(|m| m.at);
        out
    }

    /// Sequential round trips since the last `reset_trips`: calls made while another was in
    /// flight share its trip.
    pub fn trips(&self) -> usize {
        self.trips.load(Ordering::SeqCst)
    }

    pub fn reset_trips(&self) {
        self.trips.store(0, Ordering::SeqCst);
    }

    async fn counted<T>(
        &self,
        call: impl std::future::Future<Output = frontdesk::Result<T>>,
    ) -> frontdesk::Result<T> {
        if let Some(e) = lock(&self.fail_with).clone() {
            return Err(e);
        }
        if self.in_flight.fetch_add(1, Ordering::SeqCst) == 0 {
            self.trips.fetch_add(1, Ordering::SeqCst);
        }
        let out = call.await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        out
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[async_trait]
impl<H: WriteHook<S>, S: Store> Store for SpyStore<H, S> {
    async fn get_many(&self, p: &PracticeId, keys: &[Key]) -> frontdesk::Result<Fetched> {
        self.counted(self.inner.get_many(p, keys)).await
    }
    async fn patients_by_phone(
        &self,
        p: &PracticeId,
        phone: &PhoneNumber,
    ) -> frontdesk::Result<Vec<Patient>> {
        self.counted(self.inner.patients_by_phone(p, phone)).await
    }
    async fn patients_by_email(
        &self,
        p: &PracticeId,
        email: &frontdesk::domain::EmailAddress,
    ) -> frontdesk::Result<Vec<Patient>> {
        self.counted(self.inner.patients_by_email(p, email)).await
    }
    async fn practice_for_number(&self, n: &PhoneNumber) -> frontdesk::Result<Option<PracticeId>> {
        self.counted(self.inner.practice_for_number(n)).await
    }
    async fn timeline(
        &self,
        p: &PracticeId,
        id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> frontdesk::Result<Page<Message>> {
        self.counted(self.inner.timeline(p, id, cursor, limit))
            .await
    }
    async fn open_tasks(
        &self,
        p: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> frontdesk::Result<Page<Task>> {
        self.counted(self.inner.open_tasks(p, cursor, limit)).await
    }
    async fn due_page(
        &self,
        s: Sweep,
        partition: DuePartition,
        from: DateTime<Utc>,
        u: DateTime<Utc>,
        cursor: Option<&str>,
        limit: usize,
    ) -> frontdesk::Result<Page<DueWork>> {
        tokio::task::yield_now().await;
        self.counted(self.inner.due_page(s, partition, from, u, cursor, limit))
            .await
    }
    async fn appointments_for_patient(
        &self,
        p: &PracticeId,
        id: &PatientId,
        from: DateTime<Utc>,
        limit: usize,
    ) -> frontdesk::Result<Vec<Appointment>> {
        self.counted(self.inner.appointments_for_patient(p, id, from, limit))
            .await
    }
    async fn get_across(&self, keys: &[(PracticeId, Key)]) -> frontdesk::Result<Vec<Item>> {
        tokio::task::yield_now().await;
        self.counted(self.inner.get_across(keys)).await
    }
    async fn claim_due(
        &self,
        due: &DueWork,
        lease: DateTime<Utc>,
    ) -> frontdesk::Result<Option<DueWork>> {
        tokio::task::yield_now().await;
        self.counted(self.inner.claim_due(due, lease)).await
    }
    async fn recent_messages(
        &self,
        p: &PracticeId,
        id: &PatientId,
        limit: usize,
    ) -> frontdesk::Result<Vec<Message>> {
        self.counted(self.inner.recent_messages(p, id, limit)).await
    }
    async fn sent_message(
        &self,
        p: &PracticeId,
        provider_message_id: &str,
    ) -> frontdesk::Result<Option<frontdesk::domain::Message>> {
        self.counted(self.inner.sent_message(p, provider_message_id))
            .await
    }
    async fn sender_owner(&self, address: &EmailAddress) -> frontdesk::Result<Option<PracticeId>> {
        self.counted(self.inner.sender_owner(address)).await
    }
    async fn consent_history(
        &self,
        p: &PracticeId,
        id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> frontdesk::Result<Page<ConsentEvent>> {
        self.counted(self.inner.consent_history(p, id, cursor, limit))
            .await
    }
    async fn waiting(
        &self,
        p: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> frontdesk::Result<Page<Waiting>> {
        self.counted(self.inner.waiting(p, cursor, limit)).await
    }
    async fn patient_tasks(
        &self,
        p: &PracticeId,
        patient: &frontdesk::domain::PatientId,
    ) -> frontdesk::Result<Vec<Task>> {
        self.counted(self.inner.patient_tasks(p, patient)).await
    }
    async fn resolved_tasks(
        &self,
        p: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> frontdesk::Result<Page<Task>> {
        self.counted(self.inner.resolved_tasks(p, cursor, limit))
            .await
    }
    async fn canned_replies(
        &self,
        p: &PracticeId,
    ) -> frontdesk::Result<Vec<frontdesk::domain::CannedReply>> {
        self.counted(self.inner.canned_replies(p)).await
    }
    async fn answers_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> frontdesk::Result<Vec<frontdesk::domain::Waiting>> {
        self.counted(self.inner.answers_due(until, limit)).await
    }
    async fn deferred_replies(&self, until: DateTime<Utc>) -> frontdesk::Result<Vec<Message>> {
        self.counted(self.inner.deferred_replies(until)).await
    }
    async fn reply_intents_due(
        &self,
        until: DateTime<Utc>,
        limit: usize,
    ) -> frontdesk::Result<Vec<frontdesk::ports::ReplyIntent>> {
        self.counted(self.inner.reply_intents_due(until, limit))
            .await
    }
    async fn staff_member(
        &self,
        p: &PracticeId,
        id: &StaffId,
    ) -> frontdesk::Result<Option<StaffMember>> {
        self.counted(self.inner.staff_member(p, id)).await
    }
    async fn staff_members(&self, p: &PracticeId) -> frontdesk::Result<Vec<StaffMember>> {
        self.counted(self.inner.staff_members(p)).await
    }
    async fn unknown_thread(
        &self,
        p: &PracticeId,
        id: &ThreadId,
    ) -> frontdesk::Result<Option<UnknownThread>> {
        self.counted(self.inner.unknown_thread(p, id)).await
    }
    async fn unknown_timeline(
        &self,
        p: &PracticeId,
        number: &PhoneNumber,
        cursor: Option<&str>,
        limit: usize,
    ) -> frontdesk::Result<Page<Message>> {
        self.counted(self.inner.unknown_timeline(p, number, cursor, limit))
            .await
    }
    async fn claim_due_leased(
        &self,
        d: &DueWork,
        until: DateTime<Utc>,
        lease: &PatientLease,
    ) -> frontdesk::Result<LeasedClaim> {
        tokio::task::yield_now().await;
        self.counted(self.inner.claim_due_leased(d, until, lease))
            .await
    }
    async fn sweep_cursor(&self, s: Sweep) -> frontdesk::Result<Option<DateTime<Utc>>> {
        self.counted(self.inner.sweep_cursor(s)).await
    }
    async fn write(&self, writes: Vec<Write>) -> frontdesk::Result<()> {
        tokio::task::yield_now().await;
        let racing = lock(&self.before_next_write).take();
        if let Some(other) = racing {
            self.inner.write(other).await?;
        }
        self.counted(self.hook.write(&self.inner, writes.clone()))
            .await?;
        lock(&self.batches).push(writes);
        Ok(())
    }
}
