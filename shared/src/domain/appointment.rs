//! An appointment and its status life cycle.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AppointmentId, Channel, DomainError, PatientId, PracticeId, TaskId};

/// Status life cycle:
///
/// ```text
/// scheduled ──check-in──▶ checked_in ──complete──▶ completed
///     │  ╲                    ▲
///     │   ╲──no-show──▶ no_show ──(late check-in)
///     │                   │
///     └──cancel──▶ cancelled ◀──cancel
/// ```
/// `completed` and `cancelled` are final. A no-show can still check in late, or be
/// rescheduled (a new start time puts it back to `scheduled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Scheduled,
    CheckedIn,
    Completed,
    Cancelled,
    NoShow,
}

impl AppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Scheduled => "scheduled",
            AppointmentStatus::CheckedIn => "checked_in",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    /// Whether moving from `self` to `next` is allowed. Staying put is always allowed.
    pub fn can_become(self, next: AppointmentStatus) -> bool {
        use AppointmentStatus::*;
        self == next
            || matches!(
                (self, next),
                (Scheduled, CheckedIn)
                    | (Scheduled, Completed)
                    | (Scheduled, Cancelled)
                    | (Scheduled, NoShow)
                    | (CheckedIn, Completed)
                    | (CheckedIn, Cancelled)
                    | (NoShow, CheckedIn)
                    | (NoShow, Completed)
                    | (NoShow, Cancelled)
                    | (NoShow, Scheduled)
            )
    }

    pub fn transition(self, next: AppointmentStatus) -> Result<AppointmentStatus, DomainError> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(DomainError::IllegalTransition {
                from: self.as_str(),
                to: next.as_str(),
            })
        }
    }

    /// Whether reminders and confirmations still apply.
    pub fn is_pending(self) -> bool {
        self == AppointmentStatus::Scheduled
    }
}

/// How the patient confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub at: DateTime<Utc>,
    pub channel: Channel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appointment {
    pub practice_id: PracticeId,
    pub appointment_id: AppointmentId,
    pub patient_id: PatientId,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: u32,
    #[serde(default)]
    pub provider: Option<String>,
    /// The kind of visit (e.g. "cleaning"). Clinical: only shown where allowed.
    #[serde(default)]
    pub kind: Option<String>,
    pub status: AppointmentStatus,
    #[serde(default)]
    pub confirmation: Option<Confirmation>,
    /// Sort keys of the due-work items planned for this appointment, so a move or a
    /// cancel can replace them.
    #[serde(default)]
    pub planned_due: Vec<String>,
    /// Tasks raised for this appointment (a wellbeing call, a red flag), so that a late
    /// check-in or a confirmation can close them without a search.
    #[serde(default)]
    pub tasks: Vec<TaskId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::AppointmentStatus::*;

    #[test]
    fn final_states_stay_final() {
        for next in [Scheduled, CheckedIn, NoShow] {
            assert!(!Completed.can_become(next));
            assert!(!Cancelled.can_become(next));
        }
    }

    #[test]
    fn late_check_in_after_no_show_is_allowed() {
        assert!(NoShow.can_become(CheckedIn));
        assert!(Scheduled.transition(CheckedIn).is_ok());
        assert!(Cancelled.transition(CheckedIn).is_err());
    }
}
