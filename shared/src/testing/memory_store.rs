//! A `Store` in memory, with the same key schema, conditions and atomicity as the
//! DynamoDB adapter, and a request counter so handler tests can assert round trips.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::domain::{
    bucket_of, DueWork, Message, Patient, PatientId, PhoneNumber, PracticeId, Sweep, Task,
    TaskStatus,
};
use crate::keys;
use crate::ports::{Expect, Fetched, Item, Key, Page, Store, Write};
use crate::{Error, Result};

#[derive(Debug, Clone)]
enum Stored {
    Practice(Box<crate::domain::Practice>),
    Patient(Box<Patient>),
    PhoneIndex(Box<Patient>),
    Appointment(Box<crate::domain::Appointment>),
    Message(Box<Message>),
    Task(Box<Task>),
    Claim,
    Due(Box<DueWork>),
    Route(PracticeId),
    Cursor(DateTime<Utc>),
    Waiting(Box<crate::domain::Waiting>),
    UnknownThread(Box<crate::domain::UnknownThread>),
    Staff(Box<crate::domain::StaffMember>),
    StaffEmail,
    Invitation(Box<crate::domain::Invitation>),
    DeferredReply(Box<Message>),
}

#[path = "memory_staff.rs"]
mod staff;
#[path = "memory_threads.rs"]
mod threads;

type Table = BTreeMap<(String, String), Stored>;

#[derive(Debug, Default)]
pub struct MemoryStore {
    table: Mutex<Table>,
    requests: AtomicUsize,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Store calls made so far (each is one DynamoDB round trip in the real adapter).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn reset_requests(&self) {
        self.requests.store(0, Ordering::SeqCst);
    }

    /// Every task of a practice, open or not (test inspection only).
    pub fn all_tasks(&self, practice_id: &PracticeId) -> Vec<Task> {
        let pk = keys::practice_pk(practice_id);
        self.lock()
            .map(|t| {
                t.iter()
                    .filter(|((p, _), _)| p == &pk)
                    .filter_map(|(_, v)| match v {
                        Stored::Task(t) => Some((**t).clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every pending invitation of a practice (test inspection only).
    pub fn all_invitations(&self, practice_id: &PracticeId) -> Vec<crate::domain::Invitation> {
        let pk = keys::practice_pk(practice_id);
        self.lock()
            .map(|t| {
                t.iter()
                    .filter(|((p, _), _)| p == &pk)
                    .filter_map(|(_, v)| match v {
                        Stored::Invitation(i) => Some((**i).clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every due item of a practice (test inspection only).
    pub fn all_due(&self, practice_id: &PracticeId) -> Vec<DueWork> {
        let pk = keys::practice_pk(practice_id);
        self.lock()
            .map(|t| {
                t.iter()
                    .filter(|((p, _), _)| p == &pk)
                    .filter_map(|(_, v)| match v {
                        Stored::Due(d) => Some((**d).clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn get_many_uncounted(&self, practice_id: &PracticeId, wanted: &[Key]) -> Result<Fetched> {
        let pk = keys::practice_pk(practice_id);
        let t = self.lock()?;
        let mut out = Vec::new();
        for k in wanted {
            let sk = match k {
                Key::Practice => keys::PRACTICE_SK.to_string(),
                Key::Patient(id) => keys::patient_sk(id),
                Key::Appointment(id) => keys::appointment_sk(id),
                Key::Task(id) => keys::task_sk(id),
            };
            match t.get(&(pk.clone(), sk)) {
                Some(Stored::Practice(p)) => out.push(Item::Practice(p.clone())),
                Some(Stored::Patient(p)) => out.push(Item::Patient(p.clone())),
                Some(Stored::Appointment(a)) => out.push(Item::Appointment(a.clone())),
                Some(Stored::Task(x)) => out.push(Item::Task(x.clone())),
                _ => {}
            }
        }
        Ok(Fetched(out))
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Table>> {
        self.table
            .lock()
            .map_err(|_| Error::Storage("memory store poisoned".into()))
    }

    fn count(&self) {
        self.requests.fetch_add(1, Ordering::SeqCst);
    }
}

fn version_of(s: Option<&Stored>) -> Option<u64> {
    match s {
        Some(Stored::Patient(p)) => Some(p.version),
        Some(Stored::Appointment(a)) => Some(a.version),
        Some(_) => Some(0),
        None => None,
    }
}

fn check(expect: Expect, existing: Option<&Stored>) -> Result<()> {
    match (expect, version_of(existing)) {
        (Expect::Any, _) => Ok(()),
        (Expect::Absent, None) => Ok(()),
        (Expect::Version(v), Some(have)) if v == have => Ok(()),
        _ => Err(Error::Conflict),
    }
}

fn paginate<T: Clone>(items: Vec<(String, T)>, cursor: Option<&str>, limit: usize) -> Page<T> {
    let limit = limit.max(1);
    let start: Vec<(String, T)> = items
        .into_iter()
        .filter(|(k, _)| cursor.is_none_or(|c| k.as_str() > c))
        .collect();
    let next = if start.len() > limit {
        Some(start[limit - 1].0.clone())
    } else {
        None
    };
    Page {
        items: start.into_iter().take(limit).map(|(_, v)| v).collect(),
        next,
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn get_many(&self, practice_id: &PracticeId, wanted: &[Key]) -> Result<Fetched> {
        self.count();
        self.get_many_uncounted(practice_id, wanted)
    }

    async fn patients_by_phone(
        &self,
        practice_id: &PracticeId,
        phone: &PhoneNumber,
    ) -> Result<Vec<Patient>> {
        self.count();
        let pk = keys::practice_pk(practice_id);
        let prefix = keys::phone_prefix(phone);
        let t = self.lock()?;
        Ok(t.iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with(&prefix))
            .filter_map(|(_, v)| match v {
                Stored::PhoneIndex(p) => Some((**p).clone()),
                _ => None,
            })
            .collect())
    }

    async fn practice_for_number(&self, number: &PhoneNumber) -> Result<Option<PracticeId>> {
        self.count();
        let t = self.lock()?;
        Ok(
            match t.get(&(
                keys::number_route_pk(number),
                keys::NUMBER_ROUTE_SK.to_string(),
            )) {
                Some(Stored::Route(p)) => Some(p.clone()),
                _ => None,
            },
        )
    }

    async fn timeline(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        self.count();
        let pk = keys::practice_pk(practice_id);
        let prefix = keys::thread_prefix(Some(patient_id), None);
        let t = self.lock()?;
        let items = t
            .iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with(&prefix))
            .filter_map(|((_, s), v)| match v {
                Stored::Message(m) => Some((s.clone(), (**m).clone())),
                _ => None,
            })
            .collect();
        Ok(paginate(items, cursor, limit))
    }

    async fn open_tasks(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Task>> {
        self.count();
        let pk = keys::practice_pk(practice_id);
        let t = self.lock()?;
        let mut items: Vec<(String, Task)> = t
            .iter()
            .filter(|((p, _), _)| p == &pk)
            .filter_map(|(_, v)| match v {
                Stored::Task(x) if x.status == TaskStatus::Open => Some((
                    keys::open_task_sort(x.priority, x.created_at, &x.task_id),
                    (**x).clone(),
                )),
                _ => None,
            })
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(paginate(items, cursor, limit))
    }

    async fn due_in_bucket(
        &self,
        sweep: Sweep,
        bucket: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<DueWork>> {
        self.count();
        let t = self.lock()?;
        let mut out: Vec<DueWork> = t
            .values()
            .filter_map(|v| match v {
                Stored::Due(d)
                    if d.kind.sweep() == sweep
                        && bucket_of(d.due_at) == bucket_of(bucket)
                        && d.due_at <= until =>
                {
                    Some((**d).clone())
                }
                _ => None,
            })
            .collect();
        out.sort_by_key(keys::due_sort);
        Ok(out)
    }

    async fn appointments_for_patient(
        &self,
        practice_id: &PracticeId,
        patient_id: &PatientId,
        from: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::domain::Appointment>> {
        self.count();
        let pk = keys::practice_pk(practice_id);
        let t = self.lock()?;
        let mut out: Vec<crate::domain::Appointment> = t
            .iter()
            .filter(|((p, _), _)| p == &pk)
            .filter_map(|(_, v)| match v {
                Stored::Appointment(a) if &a.patient_id == patient_id && a.starts_at >= from => {
                    Some((**a).clone())
                }
                _ => None,
            })
            .collect();
        out.sort_by_key(|a| a.starts_at);
        out.truncate(limit);
        Ok(out)
    }

    async fn get_across(&self, wanted: &[(PracticeId, Key)]) -> Result<Vec<Item>> {
        self.count();
        let mut out = Vec::new();
        for (practice, key) in wanted {
            let found = self.get_many_uncounted(practice, std::slice::from_ref(key))?;
            out.extend(found.0);
        }
        Ok(out)
    }

    async fn claim_due(
        &self,
        due: &DueWork,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<DueWork>> {
        self.count();
        let mut t = self.lock()?;
        let k = (keys::practice_pk(&due.practice_id), keys::due_key_of(due));
        match t.get(&k) {
            Some(Stored::Due(d)) if d.due_at == due.due_at && d.attempts == due.attempts => {
                let mut claimed = (**d).clone();
                claimed.due_at = lease_until;
                claimed.attempts += 1;
                t.insert(k, Stored::Due(Box::new(claimed.clone())));
                Ok(Some(claimed))
            }
            _ => Ok(None),
        }
    }

    async fn sweep_cursor(&self, sweep: Sweep) -> Result<Option<DateTime<Utc>>> {
        self.count();
        let t = self.lock()?;
        Ok(
            match t.get(&(
                keys::sweep_cursor_pk(sweep),
                keys::SWEEP_CURSOR_SK.to_string(),
            )) {
                Some(Stored::Cursor(c)) => Some(*c),
                _ => None,
            },
        )
    }

    async fn waiting(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::domain::Waiting>> {
        self.count();
        threads::waiting(&*self.lock()?, practice_id, cursor, limit)
    }

    async fn resolved_tasks(
        &self,
        practice_id: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Task>> {
        self.count();
        let pk = keys::practice_pk(practice_id);
        let t = self.lock()?;
        let mut items: Vec<(String, Task)> = t
            .iter()
            .filter(|((p, _), _)| p == &pk)
            .filter_map(|(_, v)| match v {
                Stored::Task(x) if x.status == TaskStatus::Resolved => Some((
                    keys::resolved_task_sort(x.resolved_at.unwrap_or(x.created_at), &x.task_id),
                    (**x).clone(),
                )),
                _ => None,
            })
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(paginate(items, cursor, limit))
    }

    async fn deferred_replies(&self, until: DateTime<Utc>) -> Result<Vec<Message>> {
        self.count();
        Ok(staff::deferred_replies(&*self.lock()?, until))
    }

    async fn staff_member(
        &self,
        practice_id: &PracticeId,
        staff_id: &crate::domain::StaffId,
    ) -> Result<Option<crate::domain::StaffMember>> {
        self.count();
        Ok(staff::member(&*self.lock()?, practice_id, staff_id))
    }

    async fn staff_members(
        &self,
        practice_id: &PracticeId,
    ) -> Result<Vec<crate::domain::StaffMember>> {
        self.count();
        Ok(staff::members(&*self.lock()?, practice_id))
    }

    async fn unknown_thread(
        &self,
        practice_id: &PracticeId,
        thread_id: &crate::domain::ThreadId,
    ) -> Result<Option<crate::domain::UnknownThread>> {
        self.count();
        Ok(threads::unknown_thread(
            &*self.lock()?,
            practice_id,
            thread_id,
        ))
    }

    async fn unknown_timeline(
        &self,
        practice_id: &PracticeId,
        number: &PhoneNumber,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        self.count();
        let pk = keys::practice_pk(practice_id);
        let prefix = keys::thread_prefix(None, Some(number));
        let t = self.lock()?;
        let items = t
            .iter()
            .filter(|((p, s), _)| p == &pk && s.starts_with(&prefix))
            .filter_map(|((_, s), v)| match v {
                Stored::Message(m) => Some((s.clone(), (**m).clone())),
                _ => None,
            })
            .collect();
        Ok(paginate(items, cursor, limit))
    }

    async fn write(&self, writes: Vec<Write>) -> Result<()> {
        self.count();
        if writes.is_empty() {
            return Ok(());
        }
        if writes.len() > 100 {
            return Err(Error::Storage(
                "a transaction holds at most 100 writes".into(),
            ));
        }
        let mut t = self.lock()?;
        // Check every condition first: all or nothing.
        let mut staged = t.clone();
        for w in writes {
            apply(&mut staged, w)?;
        }
        *t = staged;
        Ok(())
    }
}

fn still_held(t: &Table, k: &(String, String), claimed: &DueWork) -> Result<()> {
    match t.get(k) {
        Some(Stored::Due(d)) if d.due_at == claimed.due_at && d.attempts == claimed.attempts => {
            Ok(())
        }
        _ => Err(Error::Conflict),
    }
}

fn apply(t: &mut Table, w: Write) -> Result<()> {
    match w {
        Write::Practice {
            practice,
            expect_absent,
        } => {
            let k = (
                keys::practice_pk(&practice.practice_id),
                keys::PRACTICE_SK.to_string(),
            );
            if expect_absent && t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::Practice(practice));
        }
        Write::NumberRoute {
            number,
            practice_id,
        } => {
            let k = (
                keys::number_route_pk(&number),
                keys::NUMBER_ROUTE_SK.to_string(),
            );
            if let Some(Stored::Route(owner)) = t.get(&k) {
                if owner != &practice_id {
                    return Err(Error::Conflict);
                }
            }
            t.insert(k, Stored::Route(practice_id));
        }
        Write::RemoveNumberRoute {
            number,
            practice_id,
        } => {
            let k = (
                keys::number_route_pk(&number),
                keys::NUMBER_ROUTE_SK.to_string(),
            );
            if matches!(t.get(&k), Some(Stored::Route(owner)) if owner == &practice_id) {
                t.remove(&k);
            }
        }
        Write::Patient {
            patient,
            expect,
            previous_phone,
        } => {
            let pk = keys::practice_pk(&patient.practice_id);
            let k = (pk.clone(), keys::patient_sk(&patient.patient_id));
            check(expect, t.get(&k))?;
            if let Some(old) = previous_phone {
                t.remove(&(pk.clone(), keys::phone_sk(&old, &patient.patient_id)));
            }
            if let Some(phone) = &patient.phone {
                t.insert(
                    (pk.clone(), keys::phone_sk(phone, &patient.patient_id)),
                    Stored::PhoneIndex(patient.clone()),
                );
            }
            t.insert(k, Stored::Patient(patient));
        }
        Write::Appointment {
            appointment,
            expect,
        } => {
            let k = (
                keys::practice_pk(&appointment.practice_id),
                keys::appointment_sk(&appointment.appointment_id),
            );
            check(expect, t.get(&k))?;
            t.insert(k, Stored::Appointment(appointment));
        }
        Write::Message(m) => {
            t.insert(
                (keys::practice_pk(&m.practice_id), keys::message_sk(&m)),
                Stored::Message(m),
            );
        }
        Write::Task(x) => {
            t.insert(
                (keys::practice_pk(&x.practice_id), keys::task_sk(&x.task_id)),
                Stored::Task(x),
            );
        }
        Write::Claim {
            practice_id, key, ..
        } => {
            let k = (keys::practice_pk(&practice_id), keys::claim_sk(&key));
            if t.contains_key(&k) {
                return Err(Error::Conflict);
            }
            t.insert(k, Stored::Claim);
        }
        Write::Due(d) => {
            t.insert(
                (keys::practice_pk(&d.practice_id), keys::due_key_of(&d)),
                Stored::Due(d),
            );
        }
        Write::RemoveDue {
            practice_id,
            due_key,
        } => {
            t.remove(&(keys::practice_pk(&practice_id), due_key));
        }
        Write::DoneDue { claimed } => {
            let k = (
                keys::practice_pk(&claimed.practice_id),
                keys::due_key_of(&claimed),
            );
            still_held(t, &k, &claimed)?;
            t.remove(&k);
        }
        Write::ReleaseDue { claimed, next } => {
            let k = (
                keys::practice_pk(&claimed.practice_id),
                keys::due_key_of(&claimed),
            );
            still_held(t, &k, &claimed)?;
            t.insert(k, Stored::Due(next));
        }
        Write::NoteAutomatedSend {
            practice_id,
            patient_id,
            phone,
            at,
        } => {
            let pk = keys::practice_pk(&practice_id);
            let mut sks = vec![keys::patient_sk(&patient_id)];
            if let Some(p) = &phone {
                sks.push(keys::phone_sk(p, &patient_id));
            }
            for sk in sks {
                if let Some(Stored::Patient(p) | Stored::PhoneIndex(p)) =
                    t.get_mut(&(pk.clone(), sk))
                {
                    p.recent_automated.push(at);
                    p.version += 1;
                }
            }
        }
        Write::SweepCursor { sweep, bucket } => {
            t.insert(
                (
                    keys::sweep_cursor_pk(sweep),
                    keys::SWEEP_CURSOR_SK.to_string(),
                ),
                Stored::Cursor(bucket),
            );
        }
        w @ (Write::Waiting(_)
        | Write::RemoveWaiting { .. }
        | Write::UnknownInbound { .. }
        | Write::UnknownThread { .. }) => threads::apply(t, w)?,
        w @ (Write::Staff { .. }
        | Write::StaffEmail { .. }
        | Write::RemoveStaff { .. }
        | Write::Invitation(_)
        | Write::DeferReply(_)
        | Write::DoneDeferReply { .. }) => staff::apply(t, w)?,
    }
    Ok(())
}
