//! Late arrivals are not no-shows.
//!
//! A patient who arrives after the no-show check ran, but before the PMS synced the
//! check-in, was marked `no_show`. Whatever route later records the arrival (`POST
//! /check-in`, `POST /complete`, or `PUT /v1/appointments/{id}` with `status=checked_in` or
//! `completed`), the same rule applies, decided here and nowhere else:
//!
//! - every wellbeing-call task still open for the appointment is resolved with the outcome
//!   [`ARRIVED_LATE`];
//! - the next-day follow-up is cancelled (its due item is removed; the caller's re-plan of
//!   the appointment also drops it, and removing it twice is harmless);
//! - `patient.no_show_count` goes back down by one (never below zero);
//! - the timeline records a late arrival ([`Purpose::LateArrival`]), not a no-show.
//!
//! Cancelling a no-show, or moving it to a new time (a rebooking), is not an arrival.

use chrono::{DateTime, Utc};

use crate::domain::{
    Appointment, AppointmentStatus, Channel, Decision, Direction, DueKind, Message, Patient,
    Purpose, Task, TaskKind, TaskStatus,
};
use crate::keys;
use crate::ports::{Expect, Write};

/// The resolution written on the wellbeing-call task when the patient turns up late.
pub const ARRIVED_LATE: &str = "arrived late";

/// The timeline body of a late arrival.
pub const LATE_ARRIVAL_NOTE: &str = "Arrived late, after the no-show check: recorded as a late \
arrival, not a no-show. The wellbeing call is closed and tomorrow's follow-up cancelled.";

/// Whether moving an appointment from `from` to `to` records a patient who was marked a
/// no-show as having arrived.
pub fn is_late_arrival(from: AppointmentStatus, to: AppointmentStatus) -> bool {
    from == AppointmentStatus::NoShow
        && matches!(
            to,
            AppointmentStatus::CheckedIn | AppointmentStatus::Completed
        )
}

/// What a late arrival changes, besides the appointment's own status.
#[derive(Debug, Clone, PartialEq)]
pub struct LateArrival {
    /// The wellbeing-call tasks, now resolved as [`ARRIVED_LATE`].
    pub resolved_tasks: Vec<Task>,
    /// The patient with `no_show_count` lowered and the version bumped (`None` when the
    /// patient record is gone).
    pub patient: Option<(Patient, u64)>,
    /// The due key of the next-day follow-up, to remove.
    pub cancelled_follow_up: String,
    /// The timeline entry.
    pub timeline: Message,
}

/// The late-arrival consequences of moving `before` to `next`, or `None` when the move is
/// not a late arrival. `tasks` are the appointment's tasks as read (others are ignored).
pub fn late_arrival(
    before: &Appointment,
    next: AppointmentStatus,
    patient: Option<&Patient>,
    tasks: &[Task],
    now: DateTime<Utc>,
) -> Option<LateArrival> {
    if !is_late_arrival(before.status, next) {
        return None;
    }
    let resolved_tasks = tasks
        .iter()
        .filter(|t| {
            before.tasks.contains(&t.task_id)
                && t.kind == TaskKind::WellbeingCall
                && t.status == TaskStatus::Open
        })
        .map(|t| {
            let mut t = t.clone();
            t.resolve_as(ARRIVED_LATE, now);
            t
        })
        .collect();
    let patient = patient
        .filter(|p| p.patient_id == before.patient_id)
        .map(|p| {
            let seen = p.version;
            let mut p = p.clone();
            p.no_show_count = p.no_show_count.saturating_sub(1);
            p.version = seen.saturating_add(1);
            p.updated_at = now;
            (p, seen)
        });
    let cancelled_follow_up =
        keys::due_sk(&before.appointment_id, &DueKind::NoShowFollowUp.label());
    let timeline = Message::new(
        before.practice_id.clone(),
        now,
        Channel::Voice,
        Direction::Inbound,
        Purpose::LateArrival,
        LATE_ARRIVAL_NOTE,
        Decision::Received,
    )
    .for_patient(&before.patient_id)
    .on_appointment(&before.appointment_id);
    Some(LateArrival {
        resolved_tasks,
        patient,
        cancelled_follow_up,
        timeline,
    })
}

impl LateArrival {
    /// The writes, for the same batch as the appointment's own write.
    pub fn into_writes(self, practice_id: &crate::domain::PracticeId) -> Vec<Write> {
        let mut writes: Vec<Write> = self
            .resolved_tasks
            .into_iter()
            .map(|t| Write::Task(Box::new(t)))
            .collect();
        if let Some((patient, seen)) = self.patient {
            writes.push(Write::Patient {
                patient: Box::new(patient),
                expect: Expect::Version(seen),
                previous_phone: None,
            });
        }
        writes.push(Write::RemoveDue {
            practice_id: practice_id.clone(),
            due_key: self.cancelled_follow_up,
        });
        writes.push(Write::Message(Box::new(self.timeline)));
        writes
    }
}

#[cfg(test)]
#[path = "arrival_tests.rs"]
mod tests;
