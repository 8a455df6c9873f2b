//! Due work: a job that must run at a time (a reminder, a deadline check, a no-show check,
//! a follow-up, a review request). Planned when an appointment is written; read by the
//! scheduled sweeps through a time-bucketed index, never by Scan.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};

use super::{AppointmentId, PatientId, PracticeId, ReminderOffset};

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
}

impl DueKind {
    /// The scheduled function that owns this work.
    pub fn sweep(&self) -> Sweep {
        match self {
            DueKind::Reminder { .. } | DueKind::ConfirmationDeadline => Sweep::Reminders,
            DueKind::NoShowCheck | DueKind::NoShowFollowUp => Sweep::NoShows,
            DueKind::ReviewRequest => Sweep::Reviews,
            DueKind::WaitlistOffer => Sweep::Waitlist,
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
        }
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
}

impl Sweep {
    pub fn as_str(self) -> &'static str {
        match self {
            Sweep::Reminders => "reminders",
            Sweep::NoShows => "no-shows",
            Sweep::Reviews => "reviews",
            Sweep::Waitlist => "waitlist",
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
