//! What one claimed item of the reminders sweep becomes, decided purely on the practice,
//! patient and appointment as read ([`verdict`]), and the writes that carry it out
//! ([`plan`]). Only a reminder to send leaves here as an action (`Plan::Act`).
//!
//! A reminder is **superseded** when a later reminder of the same appointment (by the
//! practice's current offsets) is also due by now: a late or overlapping run would
//! otherwise send both at once. "Later" and "due" are by each reminder's spread time
//! ([`reminder_at`]: the day-of reminder moved within the practice's `spread_minutes`),
//! the time the sweep actually hands it over, not its nominal clock time: a day-of
//! reminder spread to 08:25 is not yet due at 08:10, so it supersedes nothing then. The
//! later one speaks for both; this one is recorded on the timeline as suppressed
//! (superseded) and never sent. Only reminders asking to confirm are
//! superseded: a confirmed patient gets at most the day-of note anyway.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use frontdesk::domain::{
    Appointment, AppointmentStatus, Decision, DueKind, DueWork, MessageKind, PracticeSettings,
    Purpose, ReminderOffset,
};
use frontdesk::planning::{reminder_at, reminder_due};
use frontdesk::policy::{route, Route};
use frontdesk::sweep::{self, Handled, Plan, Snapshot};

use crate::{deadline, reminder};

/// What to do with one claimed item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The work no longer applies (why, for the log): finished unsent.
    Stale(&'static str),
    /// Nothing to send: finished, reported as the label.
    Finish(&'static str),
    /// A later reminder of this appointment is also due: recorded, never sent.
    Superseded { by: ReminderOffset },
    /// Deliver the reminder (or the day-of note) on the preferred channel.
    Remind(Purpose),
    /// The confirmation deadline passed unconfirmed: a red-flag task for staff.
    RedFlag,
}

/// Report labels.
pub mod labels {
    pub const STALE: &str = "stale";
    pub const SUPERSEDED: &str = "reminder_superseded";
}

/// Decides one claimed item on `snapshot` at `now`. Pure.
pub fn verdict(claimed: &DueWork, snapshot: &Snapshot, now: DateTime<Utc>) -> Verdict {
    let Some(appointment) = snapshot.appointment.as_ref() else {
        return Verdict::Stale("appointment_missing");
    };
    if appointment.status != AppointmentStatus::Scheduled {
        return Verdict::Stale("not_scheduled");
    }
    if appointment.starts_at != claimed.planned_for {
        return Verdict::Stale("moved");
    }
    if appointment.patient_id != claimed.patient_id {
        return Verdict::Stale("patient_changed");
    }
    let Some(practice) = snapshot.practice.as_ref() else {
        return Verdict::Stale("practice_missing");
    };
    let Some(patient) = snapshot.patient.as_ref() else {
        return Verdict::Stale("patient_missing");
    };
    let settings = &practice.settings;
    let confirmed = appointment.confirmation.is_some();
    match claimed.kind {
        DueKind::ConfirmationDeadline if confirmed => Verdict::Finish("deadline_confirmed"),
        // A sweep this late has nothing useful to flag: the no-show check takes over.
        DueKind::ConfirmationDeadline if now >= appointment.starts_at => {
            Verdict::Finish("deadline_passed")
        }
        DueKind::ConfirmationDeadline => Verdict::RedFlag,
        DueKind::Reminder { offset } => {
            let zone = patient.zone(settings.time_zone);
            if !confirmed {
                return match superseded_by(offset, settings, zone, appointment, now) {
                    Some(by) => Verdict::Superseded { by },
                    None => Verdict::Remind(Purpose::Reminder),
                };
            }
            let day_of = is_day_of_reminder(offset, settings, zone, appointment.starts_at);
            if !(day_of && settings.day_of_note_for_confirmed) {
                return Verdict::Finish("already_confirmed");
            }
            let to = route(
                patient,
                settings,
                MessageKind::Care,
                now,
                Some(appointment.starts_at),
            );
            if matches!(to, Route::StaffTask { .. }) {
                // A voice patient, or a channel that cannot be used: a courtesy note is
                // not worth a staff call.
                return Verdict::Finish("day_of_note_not_sendable");
            }
            Verdict::Remind(Purpose::DayOfNote)
        }
        // The engine hands this job only the reminders partition.
        DueKind::NoShowCheck
        | DueKind::NoShowFollowUp
        | DueKind::ReviewRequest
        | DueKind::WaitlistOffer
        | DueKind::BroadcastExpand
        | DueKind::BroadcastSend
        | DueKind::Birthday
        | DueKind::Recall { .. } => Verdict::Stale("not_reminders_work"),
    }
}

/// The verdict as writes, or the reminder to deliver.
pub fn plan(
    claimed: &DueWork,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> frontdesk::Result<Plan<Purpose>> {
    Ok(match verdict(claimed, snapshot, now) {
        Verdict::Stale(reason) => {
            tracing::info!(
                practice_id = %claimed.practice_id,
                job = %claimed.kind.label(),
                reason,
                "stale due work dropped without sending"
            );
            Plan::finish(claimed, labels::STALE)
        }
        Verdict::Finish(label) => Plan::finish(claimed, label),
        Verdict::Superseded { by } => superseded(claimed, snapshot, by, now)?,
        Verdict::Remind(purpose) => Plan::Act(purpose),
        Verdict::RedFlag => deadline::red_flag(claimed, snapshot, now)?,
    })
}

/// The later reminder, due by `now`, that replaces the one at `offset`, if any. Both
/// compared by their spread times ([`reminder_at`]), as planned and swept.
pub fn superseded_by(
    offset: ReminderOffset,
    settings: &PracticeSettings,
    zone: Tz,
    appointment: &Appointment,
    now: DateTime<Utc>,
) -> Option<ReminderOffset> {
    let at = |o: ReminderOffset| reminder_at(o, appointment, zone, settings);
    let mine = at(offset)?;
    settings
        .reminder_offsets
        .iter()
        .filter_map(|o| at(*o).map(|d| (d, *o)))
        .filter(|(d, _)| *d > mine && *d <= now)
        .max_by_key(|(d, _)| *d)
        .map(|(_, o)| o)
}

/// The superseded reminder on the timeline (suppressed, with the reason), and the claim
/// finished.
fn superseded(
    claimed: &DueWork,
    snapshot: &Snapshot,
    by: ReminderOffset,
    now: DateTime<Utc>,
) -> frontdesk::Result<Plan<Purpose>> {
    let Some((practice, patient, appointment)) = snapshot.complete() else {
        return Ok(Plan::finish(claimed, labels::STALE));
    };
    let content = reminder::content(Purpose::Reminder, &practice.settings, patient, appointment)?;
    let channel = patient.preferred_channel;
    let reason = format!(
        "superseded: the later reminder ({}) for this appointment is also due, so only that \
         one is sent",
        describe(by)
    );
    let body = content.body_for(channel);
    let decision = Decision::Suppressed { reason };
    let entry = sweep::entry(
        patient,
        appointment,
        channel,
        Purpose::Reminder,
        body,
        decision,
        now,
    );
    Ok(Plan::Write {
        writes: vec![entry, sweep::done(claimed)],
        handled: Handled::Done(labels::SUPERSEDED),
    })
}

/// An offset in words, for the timeline ("2 days before", "on the day at 08:00").
pub fn describe(offset: ReminderOffset) -> String {
    match offset {
        ReminderOffset::DayOf { at } => format!("on the day at {}", at.0.format("%H:%M")),
        ReminderOffset::Before { minutes } => {
            let (n, unit) = match minutes {
                m if m % 1440 == 0 => (m / 1440, "day"),
                m if m % 60 == 0 => (m / 60, "hour"),
                m => (m, "minute"),
            };
            format!("{n} {unit}{} before", if n == 1 { "" } else { "s" })
        }
    }
}

/// Whether `offset` is the appointment's day-of reminder: the earliest of the practice's
/// reminders that falls on the day of the visit, on the patient's calendar. A practice
/// whose offsets are [1 week, 3 hours] has its 3-hour reminder as the day-of one.
pub fn is_day_of_reminder(
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
