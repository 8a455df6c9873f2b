//! Fixtures shared by the in-crate tests, and a store wrapper to interfere with writes.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk::domain::{
    Appointment, AppointmentId, AppointmentStatus, Channel, ConsentSource, Consents, DueWork,
    EmailAddress, Message, MessageKind, Patient, PatientId, PhoneNumber, Practice, PracticeId,
    PracticeSettings, Sweep, Task,
};
use frontdesk::ports::{Fetched, Item, Key, Page, Store, Write};
use frontdesk::testing::MemoryStore;

/// A test `Store`: the in-memory store, with every write passed through a hook first (to
/// fail it, race it, or watch it), and a yield before the sweep's calls so that concurrent
/// runs interleave as they would over the network.
pub(crate) struct Hooked<H> {
    pub(crate) inner: Arc<MemoryStore>,
    pub(crate) hook: H,
}

#[async_trait]
pub(crate) trait WriteHook: Send + Sync {
    async fn write(&self, inner: &MemoryStore, writes: Vec<Write>) -> frontdesk::Result<()>;
}

#[async_trait]
impl<H: WriteHook> Store for Hooked<H> {
    async fn get_many(&self, p: &PracticeId, k: &[Key]) -> frontdesk::Result<Fetched> {
        self.inner.get_many(p, k).await
    }
    async fn patients_by_phone(
        &self,
        p: &PracticeId,
        n: &PhoneNumber,
    ) -> frontdesk::Result<Vec<Patient>> {
        self.inner.patients_by_phone(p, n).await
    }
    async fn practice_for_number(&self, n: &PhoneNumber) -> frontdesk::Result<Option<PracticeId>> {
        self.inner.practice_for_number(n).await
    }
    async fn timeline(
        &self,
        p: &PracticeId,
        pt: &PatientId,
        c: Option<&str>,
        l: usize,
    ) -> frontdesk::Result<Page<Message>> {
        self.inner.timeline(p, pt, c, l).await
    }
    async fn open_tasks(
        &self,
        p: &PracticeId,
        c: Option<&str>,
        l: usize,
    ) -> frontdesk::Result<Page<Task>> {
        self.inner.open_tasks(p, c, l).await
    }
    async fn due_in_bucket(
        &self,
        s: Sweep,
        b: DateTime<Utc>,
        u: DateTime<Utc>,
    ) -> frontdesk::Result<Vec<DueWork>> {
        tokio::task::yield_now().await;
        self.inner.due_in_bucket(s, b, u).await
    }
    async fn appointments_for_patient(
        &self,
        p: &PracticeId,
        pt: &PatientId,
        f: DateTime<Utc>,
        l: usize,
    ) -> frontdesk::Result<Vec<Appointment>> {
        self.inner.appointments_for_patient(p, pt, f, l).await
    }
    async fn get_across(&self, k: &[(PracticeId, Key)]) -> frontdesk::Result<Vec<Item>> {
        tokio::task::yield_now().await;
        self.inner.get_across(k).await
    }
    async fn claim_due(&self, d: &DueWork, l: DateTime<Utc>) -> frontdesk::Result<Option<DueWork>> {
        tokio::task::yield_now().await;
        self.inner.claim_due(d, l).await
    }
    async fn sweep_cursor(&self, s: Sweep) -> frontdesk::Result<Option<DateTime<Utc>>> {
        self.inner.sweep_cursor(s).await
    }
    async fn write(&self, writes: Vec<Write>) -> frontdesk::Result<()> {
        tokio::task::yield_now().await;
        self.hook.write(&self.inner, writes).await
    }
}

/// Changes nothing: with `Hooked`, only yields at every call, so that concurrent sweeps
/// over the in-memory store really interleave.
pub(crate) struct PassThrough;

#[async_trait]
impl WriteHook for PassThrough {
    async fn write(&self, inner: &MemoryStore, writes: Vec<Write>) -> frontdesk::Result<()> {
        inner.write(writes).await
    }
}

pub(crate) fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

pub(crate) const PRACTICE: &str = "smile";
pub(crate) const PRACTICE_SMS: &str = "+12125550100";

pub(crate) fn practice_id() -> PracticeId {
    PracticeId::parse(PRACTICE).unwrap()
}

pub(crate) fn practice(settings: impl FnOnce(&mut PracticeSettings)) -> Practice {
    let mut s = PracticeSettings {
        name: "Smile Dental".into(),
        time_zone: chrono_tz::America::New_York,
        sms_number: Some(PhoneNumber::parse_e164(PRACTICE_SMS).unwrap()),
        email_from: Some(EmailAddress::parse("front@smile.example").unwrap()),
        ..Default::default()
    };
    settings(&mut s);
    Practice {
        practice_id: practice_id(),
        settings: s,
        sms_provider: Default::default(),
        api_keys: vec![],
        created_at: utc("2026-01-01T00:00:00Z"),
        updated_at: utc("2026-01-01T00:00:00Z"),
    }
}

/// A patient who prefers `channel`, with an address on every channel and care consent on it.
pub(crate) fn patient(id: &str, channel: Channel) -> Patient {
    let t = utc("2026-01-01T00:00:00Z");
    let mut consents = Consents::default();
    consents.set(
        channel,
        MessageKind::Care,
        true,
        ConsentSource::PatientForm,
        t,
    );
    Patient {
        practice_id: practice_id(),
        patient_id: PatientId::parse(id).unwrap(),
        first_name: "Ana".into(),
        last_name: "Lopez".into(),
        phone: Some(PhoneNumber::parse_e164("+12125550143").unwrap()),
        email: Some(EmailAddress::parse("ana@example.org").unwrap()),
        preferred_channel: channel,
        consents,
        time_zone: None,
        birth_date: None,
        voicemail_waiver: false,
        new_patient: false,
        no_show_count: 0,
        recent_automated: vec![],
        thread: Default::default(),
        last_review_request_at: None,
        open_feedback_task: None,
        created_at: t,
        updated_at: t,
        version: 1,
    }
}

pub(crate) fn appointment(id: &str, patient: &Patient, starts_at: &str) -> Appointment {
    let t = utc("2026-01-01T00:00:00Z");
    Appointment {
        practice_id: practice_id(),
        appointment_id: AppointmentId::parse(id).unwrap(),
        patient_id: patient.patient_id.clone(),
        starts_at: utc(starts_at),
        duration_minutes: 30,
        provider: Some("Dr. Gum".into()),
        kind: Some("root canal".into()),
        status: AppointmentStatus::Scheduled,
        confirmation: None,
        planned_due: vec![],
        tasks: vec![],
        created_at: t,
        updated_at: t,
        version: 1,
    }
}
