//! One reminder: on the patient's preferred channel only, through [`frontdesk::deliver`]
//! (send, defer past quiet hours, staff call task, or suppress; recorded on the timeline),
//! finished or given back in the same transaction as the record.
//!
//! - A patient who already confirmed is not asked again. Only the day-of reminder still
//!   goes out to them, as a short "see you today" note, and only if the practice wants it
//!   (`day_of_note_for_confirmed`) and the note can actually be sent (no staff call is
//!   raised for a courtesy note).
//! - Quiet hours defer it to the moment they end, never past the start of the appointment
//!   (`not_after`), and a deferral is not a failed attempt.
//! - A provider that cannot be reached gives the work back with a backoff; the engine hands
//!   it to staff after `max_attempts`.

use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::{Content, Delivery};
use frontdesk::domain::{
    Appointment, DueWork, MessageKind, Patient, PracticeSettings, Priority, Purpose,
};
use frontdesk::policy::templates;
use frontdesk::policy::ReminderContext;
use frontdesk::sweep::Snapshot;
use frontdesk::sweep::{self, Automated, Deps, Handled, NoExtra, OnUnavailable, Settling};

/// First retry after the provider was unreachable; each later one waits three times longer.
const FIRST_RETRY: Duration = Duration::minutes(5);
const MAX_RETRY: Duration = Duration::hours(4);

/// The one-line title of a call task raised for a reminder. No names, nothing clinical.
const CALL_TASK_TITLE: &str = "Appointment reminder: contact the patient";

/// Delivers the reminder (or day-of note) `decide` asked for, and settles the claim in the
/// same transaction as the record: a deferral (quiet hours) gives it back uncounted, an
/// unreachable provider gives it back with a backoff, counted.
pub(crate) async fn remind(
    deps: &Deps,
    claimed: &DueWork,
    purpose: Purpose,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> frontdesk::Result<Handled> {
    let (practice, patient, appointment) = snapshot
        .complete()
        .ok_or_else(|| frontdesk::Error::Storage("a reminder lost its records".into()))?;
    let message = Automated {
        kind: MessageKind::Care,
        purpose,
        content: content(purpose, &practice.settings, patient, appointment)?,
        not_after: Some(appointment.starts_at),
        task_priority: Priority::Normal,
    };
    let how = Settling {
        label: &|d: &Delivery| label(purpose, d),
        on_unavailable: OnUnavailable::RetryAt(now + retry_delay(claimed.attempts)),
        extra: &mut NoExtra,
    };
    sweep::send(deps, claimed, snapshot, message, now, how).await
}

/// 5 min, 15 min, 45 min… capped at 4 hours. `attempts` counts this one.
fn retry_delay(attempts: u32) -> Duration {
    let factor = 3_i32.saturating_pow(attempts.saturating_sub(1).min(8));
    (FIRST_RETRY * factor).min(MAX_RETRY)
}

/// The message on every channel (only the preferred one is used) and the call script.
pub(crate) fn content(
    purpose: Purpose,
    settings: &PracticeSettings,
    patient: &Patient,
    appointment: &Appointment,
) -> frontdesk::Result<Content> {
    let ctx = ReminderContext::new(settings, patient, appointment)?;
    let call = templates::reminder_call(&ctx)?;
    let (sms, email) = match purpose {
        Purpose::DayOfNote => (
            templates::day_of_note_sms(&ctx)?,
            templates::day_of_note_email(&ctx)?,
        ),
        _ => (
            templates::reminder_sms(&ctx)?,
            templates::reminder_email(&ctx)?,
        ),
    };
    Ok(Content {
        sms,
        email_subject: email.subject,
        email_text: email.text,
        call_script: call.script,
        voicemail_script: Some(call.voicemail),
        task_title: CALL_TASK_TITLE.to_string(),
    })
}

/// The report's label for an outcome.
fn label(purpose: Purpose, delivery: &Delivery) -> &'static str {
    let day_of = purpose == Purpose::DayOfNote;
    match (day_of, delivery) {
        (false, Delivery::Sent { .. }) => "reminder_sent",
        (false, Delivery::Deferred { .. }) => "reminder_deferred",
        (false, Delivery::Task { .. }) => "reminder_staff_task",
        (false, Delivery::Suppressed { .. }) => "reminder_suppressed",
        (false, Delivery::Rejected { .. }) => "reminder_rejected",
        (false, Delivery::Unavailable { .. }) => "reminder_retry",
        (true, Delivery::Sent { .. }) => "day_of_note_sent",
        (true, Delivery::Deferred { .. }) => "day_of_note_deferred",
        (true, Delivery::Task { .. }) => "day_of_note_staff_task",
        (true, Delivery::Suppressed { .. }) => "day_of_note_suppressed",
        (true, Delivery::Rejected { .. }) => "day_of_note_rejected",
        (true, Delivery::Unavailable { .. }) => "day_of_note_retry",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn retries_back_off_and_stay_bounded() {
        assert_eq!(retry_delay(1), Duration::minutes(5));
        assert_eq!(retry_delay(2), Duration::minutes(15));
        assert_eq!(retry_delay(3), Duration::minutes(45));
        assert_eq!(retry_delay(40), MAX_RETRY);
        assert_eq!(retry_delay(0), Duration::minutes(5));
    }
}
