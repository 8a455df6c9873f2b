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
use chrono_tz::Tz;
use frontdesk::deliver::{deliver, Content, Delivered, Delivery, Outbound};
use frontdesk::domain::{
    Appointment, DueWork, MessageKind, Patient, PracticeSettings, Priority, Purpose, ReminderOffset,
};
use frontdesk::planning::reminder_due;
use frontdesk::policy::templates;
use frontdesk::policy::{route, ReminderContext, Route};
use frontdesk::ports::Write;
use frontdesk::sweep::Handled;
use frontdesk::Error;

use crate::jobs::{Current, Jobs};

/// First retry after the provider was unreachable; each later one waits three times longer.
const FIRST_RETRY: Duration = Duration::minutes(5);
const MAX_RETRY: Duration = Duration::hours(4);
/// Re-sends of the record of a message that went out, when the store is unavailable.
const RECORD_ATTEMPTS: u32 = 3;
const RECORD_RETRY_DELAY: std::time::Duration = std::time::Duration::from_millis(250);

/// The one-line title of a call task raised for a reminder. No names, nothing clinical.
const CALL_TASK_TITLE: &str = "Appointment reminder: contact the patient";

pub(crate) async fn remind(
    jobs: &Jobs<'_>,
    claimed: DueWork,
    offset: ReminderOffset,
    current: &Current<'_>,
    now: DateTime<Utc>,
) -> frontdesk::Result<Handled> {
    let Current {
        practice,
        patient,
        appointment,
    } = *current;
    let settings = &practice.settings;
    let zone = patient.zone(settings.time_zone);
    let purpose = if appointment.confirmation.is_some() {
        let day_of = is_day_of_reminder(offset, settings, zone, appointment.starts_at);
        if !(day_of && settings.day_of_note_for_confirmed) {
            jobs.finish(claimed).await?;
            return Ok(Handled::Done("already_confirmed"));
        }
        if matches!(
            route(
                patient,
                settings,
                MessageKind::Care,
                now,
                Some(appointment.starts_at)
            ),
            Route::StaffTask { .. }
        ) {
            // A voice patient, or a channel that cannot be used: a courtesy note is not
            // worth a staff call.
            jobs.finish(claimed).await?;
            return Ok(Handled::Done("day_of_note_not_sendable"));
        }
        Purpose::DayOfNote
    } else {
        Purpose::Reminder
    };
    let content = content(purpose, settings, patient, appointment)?;

    // The patient's other items of this run wait until this one is recorded.
    let mut turn = jobs.ledger.turn(patient).await?;
    let patient_now = turn.patient_with_run_sends(patient, now);
    let delivered = deliver(
        jobs.senders,
        Outbound {
            practice,
            patient: &patient_now,
            kind: MessageKind::Care,
            purpose,
            appointment_id: Some(&appointment.appointment_id),
            not_after: Some(appointment.starts_at),
            content,
            task_priority: Priority::Normal,
            task_due: now,
        },
        now,
    )
    .await;
    let label = label(purpose, &delivered.delivery);
    let Delivered { delivery, writes } = delivered;
    match delivery {
        Delivery::Sent { .. } => {
            // It went out: it counts for this run's caps whether or not the record lands.
            turn.note_send();
            record_sent(jobs, writes, claimed).await?;
            Ok(Handled::Done(label))
        }
        Delivery::Task { .. } | Delivery::Suppressed { .. } | Delivery::Rejected { .. } => {
            let mut writes = writes;
            writes.push(Write::DoneDue {
                claimed: Box::new(claimed),
            });
            jobs.store.write(writes).await?;
            Ok(Handled::Done(label))
        }
        Delivery::Deferred { until } => {
            // Quiet hours: back at the moment they end, and not counted as an attempt.
            let mut next = claimed.clone();
            next.due_at = until;
            next.attempts = claimed.attempts.saturating_sub(1);
            let mut writes = writes;
            writes.push(Write::ReleaseDue {
                claimed: Box::new(claimed),
                next: Box::new(next),
            });
            jobs.store.write(writes).await?;
            Ok(Handled::Released(label))
        }
        Delivery::Unavailable { reason } => {
            let mut next = claimed.clone();
            next.due_at = now + retry_delay(claimed.attempts);
            tracing::warn!(
                practice_id = %claimed.practice_id,
                attempts = claimed.attempts,
                retry_at = %next.due_at,
                reason = %reason,
                "provider unavailable; the reminder will be retried"
            );
            let mut writes = writes;
            writes.push(Write::ReleaseDue {
                claimed: Box::new(claimed),
                next: Box::new(next),
            });
            jobs.store.write(writes).await?;
            Ok(Handled::Released(label))
        }
    }
}

/// Records a message that went out, finishing its claim in the same transaction. The
/// message cannot be unsent, so the record is not given up lightly: a store that is briefly
/// unavailable is retried, and if the claim is no longer ours (the appointment was moved
/// or cancelled while the message went out) the send is still recorded, without the claim.
async fn record_sent(
    jobs: &Jobs<'_>,
    record: Vec<Write>,
    claimed: DueWork,
) -> frontdesk::Result<()> {
    let practice_id = claimed.practice_id.clone();
    let mut with_claim = record.clone();
    with_claim.push(Write::DoneDue {
        claimed: Box::new(claimed),
    });
    let mut attempt = 1;
    loop {
        match jobs.store.write(with_claim.clone()).await {
            Ok(()) => return Ok(()),
            Err(Error::Conflict) => {
                tracing::warn!(
                    practice_id = %practice_id,
                    "the reminder went out but its due work changed meanwhile; recording the send alone"
                );
                return jobs.store.write(record).await;
            }
            Err(e) if attempt < RECORD_ATTEMPTS => {
                tracing::warn!(practice_id = %practice_id, attempt, error = %e, "recording a sent reminder failed; retrying");
                tokio::time::sleep(RECORD_RETRY_DELAY * attempt).await;
                attempt += 1;
            }
            Err(e) => {
                tracing::error!(
                    practice_id = %practice_id,
                    error = %e,
                    "a reminder went out but could not be recorded"
                );
                return Err(e);
            }
        }
    }
}

/// 5 min, 15 min, 45 min… capped at 4 hours. `attempts` counts this one.
fn retry_delay(attempts: u32) -> Duration {
    let factor = 3_i32.saturating_pow(attempts.saturating_sub(1).min(8));
    (FIRST_RETRY * factor).min(MAX_RETRY)
}

/// Whether `offset` is the appointment's day-of reminder: the earliest of the practice's
/// reminders that falls on the day of the visit, on the patient's calendar. A practice
/// whose offsets are [1 week, 3 hours] has its 3-hour reminder as the day-of one.
pub(crate) fn is_day_of_reminder(
    offset: ReminderOffset,
    settings: &PracticeSettings,
    zone: Tz,
    starts_at: DateTime<Utc>,
) -> bool {
    let day = starts_at.with_timezone(&zone).date_naive();
    let on_the_day = |o: ReminderOffset| {
        reminder_due(o, starts_at, zone).filter(|d| d.with_timezone(&zone).date_naive() == day)
    };
    let Some(mine) = on_the_day(offset) else {
        return false;
    };
    // Planned under settings that may have changed since: compare with the current ones.
    settings
        .reminder_offsets
        .iter()
        .filter_map(|o| on_the_day(*o))
        .all(|d| d >= mine)
}

/// The message on every channel (only the preferred one is used) and the call script.
fn content(
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
    use frontdesk::domain::ClockTime;

    use testkit::utc;

    #[test]
    fn retries_back_off_and_stay_bounded() {
        assert_eq!(retry_delay(1), Duration::minutes(5));
        assert_eq!(retry_delay(2), Duration::minutes(15));
        assert_eq!(retry_delay(3), Duration::minutes(45));
        assert_eq!(retry_delay(40), MAX_RETRY);
        assert_eq!(retry_delay(0), Duration::minutes(5));
    }

    #[test]
    fn the_day_of_reminder_is_the_earliest_one_on_the_day_of_the_visit() {
        let ny = chrono_tz::America::New_York;
        let starts = utc("2026-03-10T18:00:00Z"); // 14:00 EDT
        let mut s = PracticeSettings::default();
        let morning = ReminderOffset::DayOf {
            at: ClockTime::hm(8, 0),
        };
        let two_hours = ReminderOffset::Before { minutes: 120 };
        let two_days = ReminderOffset::Before { minutes: 2880 };
        s.reminder_offsets = vec![two_days, morning, two_hours];
        assert!(is_day_of_reminder(morning, &s, ny, starts));
        assert!(!is_day_of_reminder(two_hours, &s, ny, starts));
        assert!(!is_day_of_reminder(two_days, &s, ny, starts));
        s.reminder_offsets = vec![two_days, two_hours];
        assert!(is_day_of_reminder(two_hours, &s, ny, starts));
        // An early visit: 07:30, before the 08:00 morning reminder could go out.
        let early = utc("2026-03-10T11:30:00Z");
        s.reminder_offsets = vec![morning, two_hours];
        assert!(!is_day_of_reminder(morning, &s, ny, early));
        assert!(
            is_day_of_reminder(two_hours, &s, ny, early),
            "05:30 is the only one on the day"
        );
    }
}
