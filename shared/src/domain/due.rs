//! Due work: a job that must run at a time (a reminder, a deadline check, a no-show check,
//! a follow-up, a review request). Planned when an appointment is written; read by the
//! scheduled sweeps through a time-bucketed index, never by Scan.

use chrono::{DateTime, Duration, DurationRound, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{AppointmentId, BroadcastId, PatientId, PracticeId, ReminderOffset};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum DueKind {
    Reminder {
        offset: ReminderOffset,
    },
    ConfirmationDeadline,
    NoShowCheck,
    NoShowFollowUp,
    ReviewRequest,
    /// The next batch of offers of a freed slot to waitlist patients.
    WaitlistOffer,
    /// Outreach: the next pages of a broadcast's audience (`appointment_id` holds the
    /// broadcast id; see [`DueWork::broadcast_expand`]).
    BroadcastExpand,
    /// Outreach: one broadcast recipient (`appointment_id` holds the broadcast id; the key
    /// names the patient, see [`DueWork::broadcast_send`]).
    BroadcastSend,
    /// Outreach: a patient's next birthday greeting (`appointment_id` holds the patient's
    /// id, `planned_for` the greeting's 10:00 local; see [`DueWork::birthday`]).
    Birthday,
    /// Outreach: recall invitation `invitation` (0-based) of the recall due on `due`
    /// (`appointment_id` holds the patient's id; see [`DueWork::recall`]).
    Recall {
        due: NaiveDate,
        invitation: u32,
    },
}

impl DueKind {
    /// The scheduled function that owns this work.
    pub fn sweep(&self) -> Sweep {
        match self {
            DueKind::Reminder { .. } | DueKind::ConfirmationDeadline => Sweep::Reminders,
            DueKind::NoShowCheck | DueKind::NoShowFollowUp => Sweep::NoShows,
            DueKind::ReviewRequest => Sweep::Reviews,
            DueKind::WaitlistOffer => Sweep::Waitlist,
            DueKind::BroadcastExpand | DueKind::BroadcastSend => Sweep::Broadcasts,
            DueKind::Birthday => Sweep::Birthdays,
            DueKind::Recall { .. } => Sweep::Recall,
        }
    }

    /// A stable label, unique per appointment.
    pub fn label(&self) -> String {
        match self {
            DueKind::Reminder { offset } => format!("reminder-{}", offset.label()),
            DueKind::ConfirmationDeadline => "confirm-deadline".into(),
            DueKind::NoShowCheck => "noshow-check".into(),
            DueKind::NoShowFollowUp => "noshow-followup".into(),
            DueKind::ReviewRequest => "review".into(),
            DueKind::WaitlistOffer => "waitlist-offer".into(),
            DueKind::BroadcastExpand => "bcast-expand".into(),
            DueKind::BroadcastSend => "bcast-send".into(),
            DueKind::Birthday => "birthday".into(),
            DueKind::Recall { .. } => "recall".into(),
        }
    }

    /// Whether `appointment_id` names a real appointment. Outreach work is about a patient
    /// (or a broadcast), and its `appointment_id` holds that subject's id instead.
    pub fn about_appointment(&self) -> bool {
        !matches!(
            self,
            DueKind::BroadcastExpand
                | DueKind::BroadcastSend
                | DueKind::Birthday
                | DueKind::Recall { .. }
        )
    }

    /// Whether one item of this kind exists per patient of its subject: its key names the
    /// patient too.
    pub fn per_patient(&self) -> bool {
        matches!(self, DueKind::BroadcastSend)
    }
}

/// The scheduled sweeps; each reads only its own index partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sweep {
    Reminders,
    NoShows,
    Reviews,
    /// Offers of freed slots (`crate::waitlist::offer_due`).
    Waitlist,
    /// Outreach: broadcasts (expansion and sends).
    Broadcasts,
    /// Outreach: birthday greetings (one item per patient with a birth date).
    Birthdays,
    /// Outreach: recall invitations (one item per patient with a `recall_due`).
    Recall,
}

impl Sweep {
    pub fn as_str(self) -> &'static str {
        match self {
            Sweep::Reminders => "reminders",
            Sweep::NoShows => "no-shows",
            Sweep::Reviews => "reviews",
            Sweep::Waitlist => "waitlist",
            Sweep::Broadcasts => "broadcasts",
            Sweep::Birthdays => "birthdays",
            Sweep::Recall => "recall",
        }
    }
}

/// Width of one time bucket of the due-work index.
pub const BUCKET_MINUTES: i64 = 5;

/// The bucket a time falls in (its start, UTC).
pub fn bucket_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::minutes(BUCKET_MINUTES))
        .unwrap_or(at)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueWork {
    pub practice_id: PracticeId,
    pub appointment_id: AppointmentId,
    pub patient_id: PatientId,
    pub kind: DueKind,
    pub due_at: DateTime<Utc>,
    /// The appointment start this work was planned for; stale if the appointment moved.
    pub planned_for: DateTime<Utc>,
    /// Send attempts so far (bounded retries).
    #[serde(default)]
    pub attempts: u32,
}

impl DueWork {
    /// The expansion work of a broadcast, due at `at`.
    pub fn broadcast_expand(
        practice_id: PracticeId,
        broadcast: &BroadcastId,
        at: DateTime<Utc>,
    ) -> Self {
        Self::outreach(
            practice_id,
            broadcast,
            PatientId::whole_broadcast(),
            DueKind::BroadcastExpand,
            at,
        )
    }

    /// The send of a broadcast to one patient, due at `at`.
    pub fn broadcast_send(
        practice_id: PracticeId,
        broadcast: &BroadcastId,
        patient_id: PatientId,
        at: DateTime<Utc>,
    ) -> Self {
        Self::outreach(
            practice_id,
            broadcast,
            patient_id,
            DueKind::BroadcastSend,
            at,
        )
    }

    fn outreach(
        practice_id: PracticeId,
        subject: &BroadcastId,
        patient_id: PatientId,
        kind: DueKind,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            practice_id,
            appointment_id: AppointmentId::of_broadcast(subject),
            patient_id,
            kind,
            due_at: at,
            planned_for: at,
            attempts: 0,
        }
    }

    /// A patient's birthday greeting planned for `greeting` (10:00 on their clock), due at
    /// `at` (the greeting, or now when a write comes later on the birthday itself). One
    /// per patient (`DUE#<patient>#birthday`): every write replaces it.
    pub fn birthday(
        practice_id: PracticeId,
        patient_id: PatientId,
        greeting: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            practice_id,
            appointment_id: AppointmentId::of_patient(&patient_id),
            patient_id,
            kind: DueKind::Birthday,
            due_at: at,
            planned_for: greeting,
            attempts: 0,
        }
    }

    /// Recall invitation `invitation` of the recall due on `due`, due at `at`. One per
    /// patient (`DUE#<patient>#recall`): the next invitation replaces it.
    pub fn recall(
        practice_id: PracticeId,
        patient_id: PatientId,
        due: NaiveDate,
        invitation: u32,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            practice_id,
            appointment_id: AppointmentId::of_patient(&patient_id),
            patient_id,
            kind: DueKind::Recall { due, invitation },
            due_at: at,
            planned_for: at,
            attempts: 0,
        }
    }

    /// The broadcast an outreach item belongs to.
    pub fn broadcast_id(&self) -> Option<BroadcastId> {
        matches!(self.kind, DueKind::BroadcastExpand | DueKind::BroadcastSend)
            .then(|| BroadcastId::parse(self.appointment_id.as_str()).ok())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_five_minutes_wide() {
        let t = DateTime::parse_from_rfc3339("2026-11-22T18:07:59Z")
            .unwrap()
            .to_utc();
        assert_eq!(bucket_of(t).to_rfc3339(), "2026-11-22T18:05:00+00:00");
    }
}
