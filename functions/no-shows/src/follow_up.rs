//! The caring follow-up after a missed appointment, and when it is planned.
//!
//! **When:** the day after the missed appointment on the patient's calendar (their own zone,
//! else the practice's), at 09:00 local, or when quiet hours end if 09:00 is inside them,
//! and never before the check that plans it. 09:00 rather than the first minute after
//! quiet hours: a person will have had the chance to make the wellbeing call, and a message
//! at 08:00 about a missed visit reads like a reprimand.
//!
//! **Whether:** it is suppressed, and the reason recorded on the timeline, when
//! - the appointment is no longer a no-show (rescheduled, checked in late, cancelled),
//! - staff reached the patient on the wellbeing call (a task in `appointment.tasks`
//!   resolved as "reached"),
//! - the patient has another appointment booked or attended since the missed one, or
//! - the patient missed an earlier appointment the same day, whose follow-up speaks for
//!   both (one caring message, not two).
//!
//! Otherwise [`frontdesk::deliver::deliver`] sends it on the preferred channel only, as
//! care, after quiet hours (a deferral gives the claim back until then); a voice patient
//! gets a call task with the script instead.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use frontdesk::deliver::{Content, Delivery};
use frontdesk::domain::{
    Appointment, AppointmentStatus, Decision, DueWork, MessageKind, Patient, Practice, Priority,
    Purpose, QuietHours, TaskKind, TaskStatus,
};
use frontdesk::policy::{next_send_time, templates, NoShowContext};
use frontdesk::ports::{Key, Store, Write};
use frontdesk::sweep::Snapshot;
use frontdesk::sweep::{self, done, Automated, Deps, Handled, NoExtra, OnUnavailable, Settling};
use frontdesk::time::local_instant;

/// The local time the follow-up is planned for, the day after the missed appointment.
pub const FOLLOW_UP_LOCAL_TIME: (u32, u32) = (9, 0);

/// Appointments read around the missed one to see whether the patient rebooked.
const APPOINTMENTS_TO_READ: usize = 10;

/// Outcome labels, as counted in the sweep report (with `deliver`'s own: `sent`,
/// `deferred`, `staff_task`, `suppressed`, `rejected`).
pub mod labels {
    pub const STALE: &str = "stale";
    pub const REBOOKED: &str = "suppressed_rebooked";
    pub const ARRIVED: &str = "suppressed_arrived";
    pub const CANCELLED: &str = "suppressed_cancelled";
    pub const REACHED: &str = "suppressed_reached";
    pub const SAME_DAY: &str = "suppressed_same_day";
}

/// When the follow-up for an appointment missed at `missed_start` is due: 09:00 the next
/// day in `zone`, moved to the end of quiet hours if 09:00 is quiet, and not before `now`.
pub fn follow_up_at(
    missed_start: DateTime<Utc>,
    zone: Tz,
    quiet: &QuietHours,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let (h, m) = FOLLOW_UP_LOCAL_TIME;
    let morning = missed_start
        .with_timezone(&zone)
        .date_naive()
        .succ_opt()
        .zip(NaiveTime::from_hms_opt(h, m, 0))
        .and_then(|(day, time)| local_instant(zone, day.and_time(time)));
    let at = morning.unwrap_or(missed_start + Duration::days(1));
    let at = next_send_time(quiet, at, zone).unwrap_or(at);
    at.max(now)
}

/// Midnight at the start of `at`'s day in `zone`.
fn local_day_start(at: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let day = at.with_timezone(&zone).date_naive();
    local_instant(zone, day.and_time(NaiveTime::MIN)).unwrap_or(at - Duration::days(1))
}

/// Why a follow-up is not sent, if it is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suppression {
    pub label: &'static str,
    pub reason: &'static str,
}

fn by_status(status: AppointmentStatus) -> Option<Suppression> {
    match status {
        AppointmentStatus::NoShow => None,
        AppointmentStatus::Scheduled => Some(Suppression {
            label: labels::REBOOKED,
            reason: "no-show follow-up not sent: the appointment was rescheduled",
        }),
        AppointmentStatus::CheckedIn | AppointmentStatus::Completed => Some(Suppression {
            label: labels::ARRIVED,
            reason: "no-show follow-up not sent: the patient checked in after all",
        }),
        AppointmentStatus::Cancelled => Some(Suppression {
            label: labels::CANCELLED,
            reason: "no-show follow-up not sent: the appointment was cancelled",
        }),
    }
}

/// Whether staff reached the patient on a wellbeing call for this appointment.
fn reached(resolution: Option<&str>) -> bool {
    resolution.is_some_and(|r| r.trim().to_ascii_lowercase().starts_with("reached"))
}

/// What the patient's other appointments say: rebooked or attended since, or an earlier
/// missed appointment the same day (whose follow-up covers this one).
pub(crate) fn by_other_appointments(
    missed: &Appointment,
    others: &[Appointment],
    zone: Tz,
) -> Option<Suppression> {
    let missed_day = missed.starts_at.with_timezone(&zone).date_naive();
    let mut same_day = None;
    for a in others
        .iter()
        .filter(|a| a.appointment_id != missed.appointment_id)
    {
        let later = a.starts_at > missed.starts_at;
        match a.status {
            AppointmentStatus::Scheduled
            | AppointmentStatus::CheckedIn
            | AppointmentStatus::Completed
                if later =>
            {
                return Some(Suppression {
                    label: labels::REBOOKED,
                    reason: "no-show follow-up not sent: the patient has another appointment \
                             booked or attended since",
                });
            }
            AppointmentStatus::NoShow
                if a.starts_at.with_timezone(&zone).date_naive() == missed_day
                    && (a.starts_at, &a.appointment_id)
                        < (missed.starts_at, &missed.appointment_id) =>
            {
                same_day = Some(Suppression {
                    label: labels::SAME_DAY,
                    reason: "no-show follow-up not sent: the follow-up for an earlier missed \
                             appointment the same day covers this one",
                });
            }
            _ => {}
        }
    }
    same_day
}

/// The follow-up in every channel's words; only the preferred channel's is used.
pub fn content(
    practice: &Practice,
    patient: &Patient,
    appointment: &Appointment,
    now: DateTime<Utc>,
) -> frontdesk::Result<Content> {
    let ctx = NoShowContext::new(&practice.settings, patient, appointment, now)?;
    let email = templates::no_show_follow_up_email(&ctx)?;
    let call = templates::no_show_call(&ctx)?;
    Ok(Content {
        sms: templates::no_show_follow_up_sms(&ctx)?,
        email_subject: email.subject,
        email_text: email.text,
        call_script: call.script,
        voicemail_script: Some(call.voicemail),
        task_title: "Follow-up call after a missed appointment".into(),
    })
}

fn suppressed_entry(
    patient: &Patient,
    appointment: &Appointment,
    content: &Content,
    reason: &str,
    now: DateTime<Utc>,
) -> Write {
    let channel = patient.preferred_channel;
    let decision = Decision::Suppressed {
        reason: reason.to_string(),
    };
    let body = content.body_for(channel);
    sweep::entry(
        patient,
        appointment,
        channel,
        Purpose::NoShowFollowUp,
        body,
        decision,
        now,
    )
}

/// Decides and acts on one claimed follow-up; the claim is finished or released in the
/// same write as the timeline entry.
pub(crate) async fn handle(
    deps: &Deps,
    claimed: &DueWork,
    snapshot: Snapshot,
    now: DateTime<Utc>,
) -> frontdesk::Result<Handled> {
    let store = deps.store.as_ref();
    let Some((practice, patient, appointment)) = snapshot.complete() else {
        store.write(vec![done(claimed)]).await?;
        return Ok(Handled::Done(labels::STALE));
    };
    let zone = patient.zone(practice.settings.time_zone);
    let content = content(practice, patient, appointment, now)?;

    let suppression = match by_status(appointment.status) {
        Some(s) => Some(s),
        None if appointment.starts_at != claimed.planned_for => {
            store.write(vec![done(claimed)]).await?;
            return Ok(Handled::Done(labels::STALE));
        }
        None => match staff_reached(store, appointment).await? {
            Some(s) => Some(s),
            None => {
                let others = store
                    .appointments_for_patient(
                        &practice.practice_id,
                        &patient.patient_id,
                        local_day_start(appointment.starts_at, zone),
                        APPOINTMENTS_TO_READ,
                    )
                    .await?;
                by_other_appointments(appointment, &others, zone)
            }
        },
    };
    if let Some(s) = suppression {
        store
            .write(vec![
                suppressed_entry(patient, appointment, &content, s.reason, now),
                done(claimed),
            ])
            .await?;
        return Ok(Handled::Done(s.label));
    }

    let message = Automated {
        kind: MessageKind::Care,
        purpose: Purpose::NoShowFollowUp,
        content,
        not_after: None,
        task_priority: Priority::Normal,
    };
    // Unreachable provider: nothing sent or recorded; the claim's lease brings it back,
    // and after the engine's attempts it becomes a staff task.
    let how = Settling {
        label: &Delivery::label,
        on_unavailable: OnUnavailable::Fail,
        extra: &mut NoExtra,
    };
    sweep::send(deps, claimed, &snapshot, message, now, how).await
}

/// Reads the appointment's tasks (one round trip, only when it has any) and looks for a
/// wellbeing call that staff resolved as "reached".
async fn staff_reached(
    store: &dyn Store,
    appointment: &Appointment,
) -> frontdesk::Result<Option<Suppression>> {
    if appointment.tasks.is_empty() {
        return Ok(None);
    }
    let keys: Vec<Key> = appointment.tasks.iter().cloned().map(Key::Task).collect();
    let fetched = store.get_many(&appointment.practice_id, &keys).await?;
    let reached_on_call = appointment.tasks.iter().any(|id| {
        fetched.task(id).is_some_and(|t| {
            t.kind == TaskKind::WellbeingCall
                && t.status == TaskStatus::Resolved
                && reached(t.resolution.as_deref())
        })
    });
    Ok(reached_on_call.then_some(Suppression {
        label: labels::REACHED,
        reason: "no-show follow-up not sent: staff reached the patient on the wellbeing call",
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    use frontdesk::domain::ClockTime;

    use testkit::utc;

    const NY: Tz = chrono_tz::America::New_York;

    #[test]
    fn the_follow_up_is_at_nine_the_next_local_morning() {
        // Missed at 14:00 EDT on Tue 2026-03-10; follow-up Wed 09:00 EDT = 13:00Z.
        let at = follow_up_at(
            utc("2026-03-10T18:00:00Z"),
            NY,
            &QuietHours::default(),
            utc("2026-03-10T18:01:00Z"),
        );
        assert_eq!(at, utc("2026-03-11T13:00:00Z"));
    }

    #[test]
    fn a_late_evening_miss_in_utc_terms_still_uses_the_patients_calendar() {
        // 20:30 EDT on 03-10 is 00:30Z on 03-11; the next local day is still 03-11.
        let at = follow_up_at(
            utc("2026-03-11T00:30:00Z"),
            NY,
            &QuietHours::default(),
            utc("2026-03-11T00:31:00Z"),
        );
        assert_eq!(at, utc("2026-03-11T13:00:00Z"));
    }

    #[test]
    fn quiet_hours_ending_after_nine_push_it_to_their_end() {
        let quiet = QuietHours {
            start: ClockTime::hm(20, 0),
            end: ClockTime::hm(10, 30),
        };
        let at = follow_up_at(
            utc("2026-03-10T18:00:00Z"),
            NY,
            &quiet,
            utc("2026-03-10T18:01:00Z"),
        );
        assert_eq!(at, utc("2026-03-11T14:30:00Z"));
    }

    #[test]
    fn a_check_that_runs_late_never_plans_into_the_past() {
        let now = utc("2026-03-13T15:00:00Z");
        let at = follow_up_at(utc("2026-03-10T18:00:00Z"), NY, &QuietHours::default(), now);
        assert_eq!(at, now);
    }

    #[test]
    fn only_a_reached_resolution_counts_as_reached() {
        assert!(reached(Some("reached")));
        assert!(reached(Some(" Reached - rebooked for Friday")));
        assert!(!reached(Some("left_voicemail")));
        assert!(!reached(Some("auto: the patient checked in late")));
        assert!(!reached(None));
    }
}
