//! What a practice management system's `PUT` of an appointment does to the stored one: the
//! rules live here, pure, so the API only parses and writes.
//!
//! - A new appointment starts `scheduled` (or the status the PMS sent, if it may start so).
//! - An appointment never moves to another patient.
//! - A missed appointment (`no_show`) is rebooked by moving it: a new start puts it back to
//!   `scheduled`; the same start cannot become `scheduled` again (that would only raise a
//!   second no-show), while a late check-in is fine.
//! - A `completed` or `cancelled` appointment cannot move.
//! - A move clears the confirmation: the patient confirms the new time.
//! - Every status change follows the life cycle (`AppointmentStatus::can_become`).

use chrono::{DateTime, Utc};

use super::{Appointment, AppointmentId, AppointmentStatus, PatientId, PracticeId};

/// The appointment as the PMS describes it, already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentChange {
    pub patient_id: PatientId,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: u32,
    pub provider: Option<String>,
    pub kind: Option<String>,
    /// `None` keeps the current status (a new appointment is `scheduled`).
    pub status: Option<AppointmentStatus>,
}

/// Why an upsert is refused; each says what the PMS should do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpsertRefused {
    OtherPatient,
    MissedNotMoved,
    FinalCannotMove(AppointmentStatus),
    IllegalTransition {
        from: AppointmentStatus,
        to: AppointmentStatus,
    },
}

impl std::fmt::Display for UpsertRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpsertRefused::OtherPatient => write!(
                f,
                "an appointment cannot move to another patient; cancel it and create a new one"
            ),
            UpsertRefused::MissedNotMoved => write!(
                f,
                "a missed appointment is rebooked by moving it to a new starts_at; if the \
                 patient did come, check them in"
            ),
            UpsertRefused::FinalCannotMove(s) => write!(
                f,
                "a {} appointment cannot be moved; create a new appointment",
                s.as_str()
            ),
            UpsertRefused::IllegalTransition { from, to } => write!(
                f,
                "an appointment cannot go from {} to {}",
                from.as_str(),
                to.as_str()
            ),
        }
    }
}

impl Appointment {
    /// A new appointment of `practice_id` as `change` describes it, created at `now`.
    pub fn new(
        practice_id: PracticeId,
        appointment_id: AppointmentId,
        change: AppointmentChange,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            practice_id,
            appointment_id,
            patient_id: change.patient_id,
            starts_at: change.starts_at,
            duration_minutes: change.duration_minutes,
            provider: change.provider,
            kind: change.kind,
            status: change.status.unwrap_or(AppointmentStatus::Scheduled),
            confirmation: None,
            planned_due: vec![],
            tasks: vec![],
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    /// The stored appointment after the PMS's `change` at `now`, or why it is refused.
    /// Due work is not touched here: whether to re-plan follows from the start and status.
    pub fn upsert(
        &self,
        change: AppointmentChange,
        now: DateTime<Utc>,
    ) -> Result<Self, UpsertRefused> {
        if change.patient_id != self.patient_id {
            return Err(UpsertRefused::OtherPatient);
        }
        let moved = self.starts_at != change.starts_at;
        let mut status = change.status.unwrap_or(self.status);
        if moved && status == AppointmentStatus::NoShow && change.status.is_none() {
            status = AppointmentStatus::Scheduled; // rebooked after a no-show
        }
        if !moved
            && self.status == AppointmentStatus::NoShow
            && status == AppointmentStatus::Scheduled
        {
            return Err(UpsertRefused::MissedNotMoved);
        }
        if !self.status.can_become(status) {
            return Err(UpsertRefused::IllegalTransition {
                from: self.status,
                to: status,
            });
        }
        if moved
            && matches!(
                self.status,
                AppointmentStatus::Completed | AppointmentStatus::Cancelled
            )
        {
            return Err(UpsertRefused::FinalCannotMove(self.status));
        }
        let mut next = self.clone();
        if moved {
            next.confirmation = None; // the patient confirms the new time
        }
        next.status = status;
        next.starts_at = change.starts_at;
        next.duration_minutes = change.duration_minutes;
        next.provider = change.provider;
        next.kind = change.kind;
        next.updated_at = now;
        next.version = self.version + 1;
        Ok(next)
    }

    /// Whether due work must be planned again after `self` became `next`.
    pub fn needs_replan(&self, next: &Appointment) -> bool {
        self.starts_at != next.starts_at || self.status != next.status
    }
}

#[cfg(test)]
#[path = "appointment_upsert_tests.rs"]
mod tests;
