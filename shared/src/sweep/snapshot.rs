//! The records one due item is decided on: first from the sweep's batch read, and after a
//! lost conditional write, re-read fresh in one round trip.

use crate::domain::{Appointment, DueWork, Patient, Practice};
use crate::ports::{Key, Store};

use super::Batch;

#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub practice: Option<Practice>,
    pub patient: Option<Patient>,
    pub appointment: Option<Appointment>,
}

impl Snapshot {
    pub fn from_batch(batch: &Batch, due: &DueWork) -> Self {
        Self {
            practice: batch.practice(due).cloned(),
            patient: batch.patient(due).cloned(),
            appointment: batch.appointment(due).cloned(),
        }
    }

    /// One `get_many` of the practice, patient and appointment.
    pub async fn read(store: &dyn Store, due: &DueWork) -> crate::Result<Self> {
        let fetched = store
            .get_many(
                &due.practice_id,
                &[
                    Key::Practice,
                    Key::Patient(due.patient_id.clone()),
                    Key::Appointment(due.appointment_id.clone()),
                ],
            )
            .await?;
        Ok(Self {
            practice: fetched.practice().cloned(),
            patient: fetched.patient(&due.patient_id).cloned(),
            appointment: fetched.appointment(&due.appointment_id).cloned(),
        })
    }

    /// All three, or `None` when any is gone.
    pub fn complete(&self) -> Option<(&Practice, &Patient, &Appointment)> {
        Some((
            self.practice.as_ref()?,
            self.patient.as_ref()?,
            self.appointment.as_ref()?,
        ))
    }
}
