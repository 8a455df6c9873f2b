//! Planning due work when an appointment is written. Pure: given the appointment as it now
//! stands, returns the due items it should have. The caller replaces whatever was planned
//! before (`Appointment::planned_due`), so a moved or cancelled slot never fires its old
//! reminders.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::{
    Appointment, AppointmentStatus, DueKind, DueWork, Patient, PracticeSettings, ReminderOffset,
};
use crate::policy::{
    red_flag_at, red_flag_floor, spread_deadline, spread_reminder, RedFlagLead, SpreadKey,
};

/// When a reminder at `offset` is due for an appointment starting at `starts_at`,
/// read in the patient's zone `tz`. `None` if the day-of time would not be before the start.
pub fn reminder_due(
    offset: ReminderOffset,
    starts_at: DateTime<Utc>,
    tz: Tz,
) -> Option<DateTime<Utc>> {
    match offset {
        ReminderOffset::Before { minutes } => {
            Some(starts_at - Duration::minutes(i64::from(minutes)))
        }
        ReminderOffset::DayOf { at } => {
            let day = starts_at.with_timezone(&tz).date_naive();
            let due = tz
                .from_local_datetime(&day.and_time(at.0))
                .earliest()?
                .with_timezone(&Utc);
            (due < starts_at).then_some(due)
        }
    }
}

/// When the reminder at `offset` of `appointment` actually goes out: [`reminder_due`],
/// with the clock-aligned day-of reminder spread over the practice's `spread_minutes`
/// (`policy::spread`). What [`plan`] indexes, and what a sweep compares reminders by
/// (a reminder "also due" is due by this time, not by its nominal clock time).
pub fn reminder_at(
    offset: ReminderOffset,
    appointment: &Appointment,
    tz: Tz,
    practice: &PracticeSettings,
) -> Option<DateTime<Utc>> {
    let due = reminder_due(offset, appointment.starts_at, tz)?;
    Some(match offset {
        ReminderOffset::DayOf { .. } => spread_reminder(
            SpreadKey {
                practice: &appointment.practice_id,
                appointment: &appointment.appointment_id,
            },
            due,
            practice.spread_minutes,
            appointment.starts_at,
            &practice.quiet_hours,
            tz,
        ),
        ReminderOffset::Before { .. } => due,
    })
}

/// The confirmation deadline: before the end of the prior business day, on the practice's
/// calendar and office hours, while staff can still call (see `policy::red_flag`). New
/// patients are flagged earlier.
pub fn confirmation_deadline(
    starts_at: DateTime<Utc>,
    practice: &PracticeSettings,
    new_patient: bool,
) -> Option<DateTime<Utc>> {
    let lead = RedFlagLead {
        minutes_before_close: practice.red_flag_minutes_before_close,
        new_patient_extra_minutes: practice.new_patient_red_flag_extra_minutes,
    };
    red_flag_at(
        starts_at,
        practice.time_zone,
        &practice.office_hours,
        lead,
        new_patient,
    )
}

/// [`plan`] for the appointment's patient: their zone, and a new patient's earlier red flag.
pub fn plan_for(
    appointment: &Appointment,
    patient: &Patient,
    practice: &PracticeSettings,
    now: DateTime<Utc>,
) -> Vec<DueWork> {
    plan_with(
        appointment,
        patient.zone(practice.time_zone),
        practice,
        now,
        patient.new_patient,
    )
}

/// The due work an appointment should have at `now`. Only future work is planned: a
/// reminder whose time has passed is not sent late. The day-of reminder and the red flag
/// are spread over the practice's `spread_minutes` (`policy::spread`).
/// `tz` is the patient's zone (see `Patient::zone`). The red flag is planned as for a
/// patient who is not new; [`plan_for`] knows the patient.
pub fn plan(
    appointment: &Appointment,
    tz: Tz,
    practice: &PracticeSettings,
    now: DateTime<Utc>,
) -> Vec<DueWork> {
    plan_with(appointment, tz, practice, now, false)
}

fn plan_with(
    appointment: &Appointment,
    tz: Tz,
    practice: &PracticeSettings,
    now: DateTime<Utc>,
    new_patient: bool,
) -> Vec<DueWork> {
    let make = |kind: DueKind, due_at: DateTime<Utc>| DueWork {
        practice_id: appointment.practice_id.clone(),
        appointment_id: appointment.appointment_id.clone(),
        patient_id: appointment.patient_id.clone(),
        kind,
        due_at,
        planned_for: appointment.starts_at,
        attempts: 0,
    };
    let key = SpreadKey {
        practice: &appointment.practice_id,
        appointment: &appointment.appointment_id,
    };
    let window = practice.spread_minutes;
    let mut out = Vec::new();
    match appointment.status {
        AppointmentStatus::Scheduled => {
            if appointment.starts_at <= now {
                // Already started: only the no-show check can still matter.
                let check = appointment.starts_at
                    + Duration::minutes(i64::from(practice.no_show_grace_minutes));
                out.push(make(DueKind::NoShowCheck, check.max(now)));
                return out;
            }
            let mut seen = Vec::new();
            for offset in &practice.reminder_offsets {
                if seen.contains(offset) {
                    continue;
                }
                seen.push(*offset);
                // The clock-aligned day-of reminder is spread (`policy::spread`).
                if let Some(due) = reminder_at(*offset, appointment, tz, practice) {
                    if due > now {
                        out.push(make(DueKind::Reminder { offset: *offset }, due));
                    }
                }
            }
            if let Some(deadline) =
                confirmation_deadline(appointment.starts_at, practice, new_patient)
            {
                if deadline > now {
                    // Spread earlier, from the office's opening on (`policy::spread`); a
                    // spread time already past is due at once.
                    let floor = red_flag_floor(
                        appointment.starts_at,
                        practice.time_zone,
                        &practice.office_hours,
                    );
                    let spread = spread_deadline(key, deadline, window, floor).max(now);
                    out.push(make(DueKind::ConfirmationDeadline, spread));
                }
            }
            let check = appointment.starts_at
                + Duration::minutes(i64::from(practice.no_show_grace_minutes));
            out.push(make(DueKind::NoShowCheck, check));
        }
        AppointmentStatus::Completed => {
            let at = appointment.updated_at.max(now)
                + Duration::minutes(i64::from(practice.review_delay_minutes));
            out.push(make(DueKind::ReviewRequest, at));
        }
        AppointmentStatus::CheckedIn | AppointmentStatus::Cancelled | AppointmentStatus::NoShow => {
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AppointmentId, Channel, ClockTime, Patient, PatientId, PracticeId};

    use crate::testing::utc;

    fn fixtures(
        starts: &str,
        status: AppointmentStatus,
    ) -> (Appointment, Patient, PracticeSettings) {
        let now = utc("2026-01-01T00:00:00Z");
        let practice = PracticeSettings {
            name: "Smile".into(),
            time_zone: chrono_tz::America::New_York,
            // The exact times; `the_day_of_reminder_and_the_red_flag_are_spread` spreads.
            spread_minutes: 0,
            ..Default::default()
        };
        let patient = Patient::new(
            PracticeId::parse("p1").unwrap(),
            PatientId::parse("pt1").unwrap(),
            "A",
            "B",
            Channel::Sms,
            now,
        );
        let appt = Appointment {
            practice_id: patient.practice_id.clone(),
            appointment_id: AppointmentId::parse("a1").unwrap(),
            patient_id: patient.patient_id.clone(),
            starts_at: utc(starts),
            duration_minutes: 30,
            provider: None,
            kind: None,
            status,
            confirmation: None,
            planned_due: vec![],
            tasks: vec![],
            created_at: now,
            updated_at: now,
            version: 1,
        };
        (appt, patient, practice)
    }

    #[test]
    fn a_new_appointment_gets_three_reminders_a_deadline_and_a_no_show_check() {
        // 2026-03-10 14:00 New York (EDT, after the DST change on 03-08).
        let (a, p, s) = fixtures("2026-03-10T18:00:00Z", AppointmentStatus::Scheduled);
        let plan = plan(&a, p.zone(s.time_zone), &s, utc("2026-02-01T00:00:00Z"));
        let due: Vec<_> = plan
            .iter()
            .map(|d| (d.kind.label(), d.due_at.to_rfc3339()))
            .collect();
        assert_eq!(
            due,
            vec![
                ("reminder-b10080".into(), "2026-03-03T18:00:00+00:00".into()),
                ("reminder-b2880".into(), "2026-03-08T18:00:00+00:00".into()),
                ("reminder-d0800".into(), "2026-03-10T12:00:00+00:00".into()),
                // 16:00 on Monday, the business day before: one hour before closing.
                (
                    "confirm-deadline".into(),
                    "2026-03-09T20:00:00+00:00".into()
                ),
                ("noshow-check".into(), "2026-03-10T18:01:00+00:00".into()),
            ]
        );
    }

    #[test]
    fn the_day_of_reminder_and_the_red_flag_are_spread_and_re_planning_moves_nothing() {
        let (a, p, mut s) = fixtures("2026-03-10T18:00:00Z", AppointmentStatus::Scheduled);
        s.spread_minutes = 30;
        let planned = plan(&a, p.zone(s.time_zone), &s, utc("2026-02-01T00:00:00Z"));
        let at = |kind: &str| {
            planned
                .iter()
                .find(|d| d.kind.label() == kind)
                .map(|d| d.due_at)
                .unwrap()
        };
        // The fixed-lead reminders keep their times.
        assert_eq!(at("reminder-b2880"), utc("2026-03-08T18:00:00Z"));
        // 08:00 New York, within the next 30 minutes.
        let day_of = at("reminder-d0800");
        assert!(day_of >= utc("2026-03-10T12:00:00Z") && day_of < utc("2026-03-10T12:30:00Z"));
        // What a sweep compares reminders by is what was planned.
        let morning = ReminderOffset::DayOf {
            at: ClockTime::hm(8, 0),
        };
        assert_eq!(
            reminder_at(morning, &a, p.zone(s.time_zone), &s),
            Some(day_of)
        );
        // 16:00 the day before, within the 30 minutes before.
        let flag = at("confirm-deadline");
        assert!(flag > utc("2026-03-09T19:30:00Z") && flag <= utc("2026-03-09T20:00:00Z"));
        // Deterministic: planning again (every appointment write does) gives the same.
        let again = plan(&a, p.zone(s.time_zone), &s, utc("2026-02-02T00:00:00Z"));
        assert_eq!(planned, again);
        // Another appointment of the same practice lands elsewhere in the window.
        let spread: std::collections::BTreeSet<_> = (0..20)
            .map(|i| {
                let mut b = a.clone();
                b.appointment_id = AppointmentId::parse(format!("a{i}")).unwrap();
                plan(&b, p.zone(s.time_zone), &s, utc("2026-02-01T00:00:00Z"))[2].due_at
            })
            .collect();
        assert!(spread.len() > 10, "{spread:?}");
    }

    #[test]
    fn a_red_flag_spread_into_the_past_is_due_at_once() {
        let (a, p, mut s) = fixtures("2026-03-10T18:00:00Z", AppointmentStatus::Scheduled);
        s.spread_minutes = 120;
        // Booked at 15:59 the day before, a minute before the unspread 16:00 flag.
        let now = utc("2026-03-09T19:59:00Z");
        let planned = plan(&a, p.zone(s.time_zone), &s, now);
        let flag = planned
            .iter()
            .find(|d| d.kind == DueKind::ConfirmationDeadline)
            .unwrap();
        assert!(flag.due_at >= now && flag.due_at <= utc("2026-03-09T20:00:00Z"));
    }

    #[test]
    fn past_reminders_are_not_planned() {
        let (a, p, s) = fixtures("2026-03-10T18:00:00Z", AppointmentStatus::Scheduled);
        let plan = plan(&a, p.zone(s.time_zone), &s, utc("2026-03-09T00:00:00Z"));
        assert!(plan.iter().all(|d| d.due_at > utc("2026-03-09T00:00:00Z")));
        assert_eq!(plan.len(), 3);
    }

    #[test]
    fn an_early_appointment_gets_no_day_of_reminder_after_its_start() {
        let (a, p, mut s) = fixtures("2026-03-10T11:30:00Z", AppointmentStatus::Scheduled); // 07:30 local
        s.reminder_offsets = vec![ReminderOffset::DayOf {
            at: ClockTime::hm(8, 0),
        }];
        let plan = plan(&a, p.zone(s.time_zone), &s, utc("2026-02-01T00:00:00Z"));
        assert!(plan
            .iter()
            .all(|d| !matches!(d.kind, DueKind::Reminder { .. })));
    }

    #[test]
    fn cancelled_appointments_plan_nothing_and_completed_ones_plan_a_review() {
        let (a, p, s) = fixtures("2026-03-10T18:00:00Z", AppointmentStatus::Cancelled);
        assert!(plan(&a, p.zone(s.time_zone), &s, utc("2026-02-01T00:00:00Z")).is_empty());
        let (a, p, s) = fixtures("2026-03-10T18:00:00Z", AppointmentStatus::Completed);
        let now = utc("2026-03-10T19:00:00Z");
        let planned = plan(&a, p.zone(s.time_zone), &s, now);
        assert_eq!(planned.len(), 1);
        assert_eq!(planned[0].kind, DueKind::ReviewRequest);
        assert_eq!(planned[0].due_at, now + Duration::hours(2));
    }
}
