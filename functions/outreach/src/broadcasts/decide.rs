//! Pure decisions of a broadcast: who goes on the one call list, what one claimed recipient
//! becomes, and how an outcome is recorded and counted.

use chrono::{DateTime, Utc};
use frontdesk::deliver::Delivery;
use frontdesk::domain::{Broadcast, Patient, PracticeSettings, RecipientOutcome};
use frontdesk::policy::{route, Route, StaffTaskReason, SuppressReason};

/// True when the policy makes this patient's message a staff call: they go on the
/// broadcast's one call list instead of a task each.
pub fn on_call_list(
    patient: &Patient,
    settings: &PracticeSettings,
    b: &Broadcast,
    now: DateTime<Utc>,
) -> bool {
    matches!(
        route(patient, settings, b.kind, now, None),
        Route::StaffTask {
            reason: StaffTaskReason::CallPatient
        }
    )
}

/// What one claimed recipient becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The broadcast was cancelled (or removed): nothing goes out.
    Cancelled,
    /// The patient is gone (erased since the expansion).
    PatientGone,
    /// They prefer a call now: onto the call list (counted, no task of their own).
    CallList,
    /// Through the shared delivery path; `sends` when it would go out now (it spends the
    /// run's budget).
    Deliver { sends: bool },
}

pub fn step(
    broadcast: Option<&Broadcast>,
    patient: Option<&Patient>,
    settings: &PracticeSettings,
    now: DateTime<Utc>,
) -> Step {
    let Some(b) = broadcast.filter(|b| !b.cancelled()) else {
        return Step::Cancelled;
    };
    let Some(p) = patient else {
        return Step::PatientGone;
    };
    match route(p, settings, b.kind, now, None) {
        Route::StaffTask {
            reason: StaffTaskReason::CallPatient,
        } => Step::CallList,
        Route::Send { .. } => Step::Deliver { sends: true },
        _ => Step::Deliver { sends: false },
    }
}

/// A short code for why a message was suppressed (progress counts by it).
pub fn suppress_code(reason: &SuppressReason) -> &'static str {
    use frontdesk::policy::ChannelProblem;
    match reason {
        SuppressReason::OptionalNotAllowed { problem, .. } => match problem {
            ChannelProblem::OptedOut => "opted_out",
            ChannelProblem::NoAddress => "no_address",
            ChannelProblem::NoConsent => "no_consent",
        },
        SuppressReason::DailyCap { .. } => "daily_cap",
        SuppressReason::WeeklyCap { .. } => "weekly_cap",
        SuppressReason::AfterDeadline { .. } => "after_deadline",
        SuppressReason::NoSendingWindow => "no_sending_window",
    }
}

/// The recipient's outcome after a delivery; `decided` is the route taken (for the
/// suppression code). `None` when nothing is settled yet (provider unavailable).
pub fn outcome(delivery: &Delivery, decided: &Route) -> Option<RecipientOutcome> {
    Some(match delivery {
        Delivery::Sent { channel, .. } => RecipientOutcome::Sent { channel: *channel },
        Delivery::Deferred { until } => RecipientOutcome::Deferred { until: *until },
        Delivery::Task { task_id, .. } | Delivery::Rejected { task_id } => {
            RecipientOutcome::StaffTask {
                task_id: task_id.clone(),
            }
        }
        Delivery::Suppressed { .. } => RecipientOutcome::Suppressed {
            code: match decided {
                Route::Suppress { reason } => suppress_code(reason),
                _ => "not_sent",
            }
            .to_string(),
        },
        Delivery::Unavailable { .. } => return None,
    })
}

/// The report's label for a delivery.
pub fn label(delivery: &Delivery) -> &'static str {
    match delivery {
        Delivery::Sent { .. } => "broadcast_sent",
        Delivery::Deferred { .. } => "broadcast_deferred",
        Delivery::Task { .. } => "broadcast_staff_task",
        Delivery::Suppressed { .. } => "broadcast_suppressed",
        Delivery::Rejected { .. } => "broadcast_rejected",
        Delivery::Unavailable { .. } => "broadcast_retry",
    }
}
