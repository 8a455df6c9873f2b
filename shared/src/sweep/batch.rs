//! The records a chunk of due work needs, read in one batch, and the order a bucket's
//! items are handled in.

use std::collections::{HashMap, VecDeque};

use crate::domain::{
    Appointment, AppointmentId, DueWork, Patient, PatientId, Practice, PracticeId,
};
use crate::ports::{Item, Key, Store};
use crate::Result;

/// The records a chunk of due work needs, read in one batch.
#[derive(Debug, Default)]
pub struct Batch {
    pub practices: HashMap<PracticeId, Practice>,
    pub patients: HashMap<(PracticeId, PatientId), Patient>,
    pub appointments: HashMap<(PracticeId, AppointmentId), Appointment>,
}

impl Batch {
    pub fn practice(&self, d: &DueWork) -> Option<&Practice> {
        self.practices.get(&d.practice_id)
    }
    pub fn patient(&self, d: &DueWork) -> Option<&Patient> {
        self.patients
            .get(&(d.practice_id.clone(), d.patient_id.clone()))
    }
    pub fn appointment(&self, d: &DueWork) -> Option<&Appointment> {
        self.appointments
            .get(&(d.practice_id.clone(), d.appointment_id.clone()))
    }
}

/// Reads the practices, patients and appointments a chunk needs, in batches of 100 keys.
pub async fn read_batch(store: &dyn Store, chunk: &[DueWork]) -> Result<Batch> {
    let mut seen = std::collections::HashSet::new();
    let mut wanted: Vec<(PracticeId, Key)> = Vec::new();
    for d in chunk {
        for k in [
            Key::Practice,
            Key::Patient(d.patient_id.clone()),
            Key::Appointment(d.appointment_id.clone()),
        ] {
            let entry = (d.practice_id.clone(), k);
            if seen.insert(entry.clone()) {
                wanted.push(entry);
            }
        }
    }
    let mut batch = Batch::default();
    for keys in wanted.chunks(100) {
        for item in store.get_across(keys).await? {
            match item {
                Item::Practice(p) => {
                    batch.practices.insert(p.practice_id.clone(), *p);
                }
                Item::Patient(p) => {
                    batch
                        .patients
                        .insert((p.practice_id.clone(), p.patient_id.clone()), *p);
                }
                Item::Appointment(a) => {
                    batch
                        .appointments
                        .insert((a.practice_id.clone(), a.appointment_id.clone()), *a);
                }
                Item::Task(_)
                | Item::Idempotency(_)
                | Item::Slot(_)
                | Item::WaitlistEntry(_)
                | Item::Broadcast(_) => {}
            }
        }
    }
    Ok(batch)
}

/// Interleaves items across practices (round robin), keeping each practice's own order.
/// O(n): one map look-up per item, one pass to interleave.
pub fn fair_order(items: Vec<DueWork>) -> Vec<DueWork> {
    let total = items.len();
    let mut index: HashMap<PracticeId, usize> = HashMap::new();
    let mut queues: Vec<VecDeque<DueWork>> = Vec::new();
    for d in items {
        let next = queues.len();
        let i = *index.entry(d.practice_id.clone()).or_insert(next);
        if i == next {
            queues.push(VecDeque::new());
        }
        queues[i].push_back(d);
    }
    let mut out = Vec::with_capacity(total);
    while out.len() < total {
        // Drop emptied queues so each round costs only the practices still waiting.
        queues.retain_mut(|q| match q.pop_front() {
            Some(d) => {
                out.push(d);
                true
            }
            None => false,
        });
    }
    out
}

/// Groups a chunk by patient, in order of each patient's first item: a patient's items
/// are handled one after another, different patients concurrently.
pub(super) fn by_patient(chunk: &[DueWork]) -> Vec<Vec<DueWork>> {
    let mut index: HashMap<(&PracticeId, &PatientId), usize> = HashMap::new();
    let mut groups: Vec<Vec<DueWork>> = Vec::new();
    for d in chunk {
        let next = groups.len();
        let i = *index.entry((&d.practice_id, &d.patient_id)).or_insert(next);
        if i == next {
            groups.push(Vec::new());
        }
        groups[i].push(d.clone());
    }
    groups
}
