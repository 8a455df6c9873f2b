//! What the storage port reads: the keys of items within one practice, the items read,
//! a listing's page, and `Fetched`, a `get_many` answer with typed accessors.

use crate::domain::{Appointment, AppointmentId, Patient, PatientId, Practice, Task, TaskId};

/// An item to read, within one practice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Practice,
    Patient(PatientId),
    Appointment(AppointmentId),
    Task(TaskId),
    /// A remembered POST, by the hash of its `Idempotency-Key`.
    Idempotency(String),
    /// A freed slot, by the appointment that freed it.
    Slot(AppointmentId),
    WaitlistEntry(crate::domain::WaitlistEntryId),
    Broadcast(crate::domain::BroadcastId),
}

/// An item read.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Practice(Box<Practice>),
    Patient(Box<Patient>),
    Appointment(Box<Appointment>),
    Task(Box<Task>),
    Idempotency(Box<crate::domain::IdempotentRequest>),
    Slot(Box<crate::domain::FreedSlot>),
    WaitlistEntry(Box<crate::domain::WaitlistEntry>),
    Broadcast(Box<crate::domain::Broadcast>),
}

/// What a change feed lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Patients,
    Appointments,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Patients => "patients",
            ChangeKind::Appointments => "appointments",
        }
    }
}

/// One page of a listing. `next` is an opaque cursor for the following page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// What a `get_many` found, with typed accessors.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetched(pub Vec<Item>);

impl Fetched {
    /// The version of a versioned item (patient, appointment, freed slot) as read, for
    /// "has anything I decided on changed since?" checks; `None` when absent or unversioned.
    pub fn version_of(&self, key: &Key) -> Option<u64> {
        match key {
            Key::Patient(id) => self.patient(id).map(|p| p.version),
            Key::Appointment(id) => self.appointment(id).map(|a| a.version),
            Key::Slot(id) => self.slot(id).map(|s| s.version),
            _ => None,
        }
    }
    pub fn practice(&self) -> Option<&Practice> {
        self.0.iter().find_map(|i| match i {
            Item::Practice(p) => Some(p.as_ref()),
            _ => None,
        })
    }
    pub fn patient(&self, id: &PatientId) -> Option<&Patient> {
        self.0.iter().find_map(|i| match i {
            Item::Patient(p) if &p.patient_id == id => Some(p.as_ref()),
            _ => None,
        })
    }
    pub fn appointment(&self, id: &AppointmentId) -> Option<&Appointment> {
        self.0.iter().find_map(|i| match i {
            Item::Appointment(a) if &a.appointment_id == id => Some(a.as_ref()),
            _ => None,
        })
    }
    pub fn task(&self, id: &TaskId) -> Option<&Task> {
        self.0.iter().find_map(|i| match i {
            Item::Task(t) if &t.task_id == id => Some(t.as_ref()),
            _ => None,
        })
    }
    pub fn slot(&self, id: &AppointmentId) -> Option<&crate::domain::FreedSlot> {
        self.0.iter().find_map(|i| match i {
            Item::Slot(s) if &s.appointment_id == id => Some(s.as_ref()),
            _ => None,
        })
    }
    pub fn waitlist_entry(
        &self,
        id: &crate::domain::WaitlistEntryId,
    ) -> Option<&crate::domain::WaitlistEntry> {
        self.0.iter().find_map(|i| match i {
            Item::WaitlistEntry(e) if &e.entry_id == id => Some(e.as_ref()),
            _ => None,
        })
    }
    pub fn broadcast(&self, id: &crate::domain::BroadcastId) -> Option<&crate::domain::Broadcast> {
        self.0.iter().find_map(|i| match i {
            Item::Broadcast(b) if &b.broadcast_id == id => Some(b.as_ref()),
            _ => None,
        })
    }
    pub fn idempotency(&self, key_hash: &str) -> Option<&crate::domain::IdempotentRequest> {
        self.0.iter().find_map(|i| match i {
            Item::Idempotency(r) if r.key_hash == key_hash => Some(r.as_ref()),
            _ => None,
        })
    }
}
