//! The pure decision: supersession, confirmations, staleness, the day-of reminder.

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{
    Appointment, ClockTime, Confirmation, DueKind, DueWork, PracticeSettings, Purpose,
    ReminderOffset,
};
use frontdesk::sweep::Snapshot;
use proptest::prelude::*;

use crate::decide::{is_day_of_reminder, superseded_by, verdict, Verdict};
use crate::test_support::*;
use frontdesk::domain::Channel;
use frontdesk::planning::reminder_at;

const NY: chrono_tz::Tz = chrono_tz::America::New_York;

fn offsets() -> Vec<ReminderOffset> {
    vec![
        ReminderOffset::Before { minutes: 10080 },
        ReminderOffset::Before { minutes: 2880 },
        ReminderOffset::DayOf {
            at: ClockTime::hm(8, 0),
        },
        ReminderOffset::Before { minutes: 120 },
    ]
}

fn snapshot(starts: DateTime<Utc>) -> (Snapshot, Appointment) {
    let practice = practice(|s| s.reminder_offsets = offsets());
    let patient = patient("pt1", Channel::Sms);
    let appt = appointment("a1", &patient, &starts.to_rfc3339());
    (
        Snapshot {
            practice: Some(practice),
            patient: Some(patient),
            appointment: Some(appt.clone()),
        },
        appt,
    )
}

fn claimed(appt: &Appointment, offset: ReminderOffset) -> DueWork {
    DueWork {
        practice_id: appt.practice_id.clone(),
        appointment_id: appt.appointment_id.clone(),
        patient_id: appt.patient_id.clone(),
        kind: DueKind::Reminder { offset },
        due_at: appt.starts_at,
        planned_for: appt.starts_at,
        attempts: 1,
    }
}

#[test]
fn an_overdue_week_reminder_is_superseded_by_the_two_day_one_when_both_are_due() {
    let starts = utc("2026-03-20T18:00:00Z");
    let (s, appt) = snapshot(starts);
    let week = offsets()[0];
    // Three days before: the week reminder is overdue and the two-day one is not yet due.
    let now = starts - Duration::days(3);
    assert_eq!(
        verdict(&claimed(&appt, week), &s, now),
        Verdict::Remind(Purpose::Reminder)
    );
    // A day and a half before: both are due; only the two-day one may go.
    let now = starts - Duration::hours(36);
    assert_eq!(
        verdict(&claimed(&appt, week), &s, now),
        Verdict::Superseded { by: offsets()[1] }
    );
    assert_eq!(
        verdict(&claimed(&appt, offsets()[1]), &s, now),
        Verdict::Remind(Purpose::Reminder)
    );
}

/// An appointment (14:00 New York) at a practice with a 30-minute spread window whose
/// day-of (08:00) reminder is spread at least `min` minutes late: the snapshot, the
/// appointment and the day-of reminder's spread time.
fn spread_late(offs: Vec<ReminderOffset>, min: i64) -> (Snapshot, Appointment, DateTime<Utc>) {
    let morning = ReminderOffset::DayOf {
        at: ClockTime::hm(8, 0),
    };
    let eight = utc("2026-03-20T12:00:00Z");
    let practice = practice(|s| {
        s.reminder_offsets = offs;
        s.spread_minutes = 30;
    });
    let patient = patient("pt1", Channel::Sms);
    let (appt, at) = (0..200)
        .map(|i| appointment(&format!("a{i}"), &patient, "2026-03-20T18:00:00Z"))
        .filter_map(|a| {
            let at = reminder_at(morning, &a, NY, &practice.settings)?;
            Some((a, at))
        })
        .find(|(_, at)| *at >= eight + Duration::minutes(min))
        .expect("some appointment of 200 draws a late spread");
    let snapshot = Snapshot {
        practice: Some(practice),
        patient: Some(patient),
        appointment: Some(appt.clone()),
    };
    (snapshot, appt, at)
}

#[test]
fn a_day_of_reminder_supersedes_only_once_its_spread_time_is_due() {
    let two_days = ReminderOffset::Before { minutes: 2880 };
    let morning = ReminderOffset::DayOf {
        at: ClockTime::hm(8, 0),
    };
    let (s, appt, spread_at) = spread_late(vec![two_days, morning], 10);
    let overdue = claimed(&appt, two_days);
    // 08:05: the day-of reminder's clock time has passed but its spread time has not, so
    // the overdue two-day reminder is the only one due: it goes.
    let five_past = utc("2026-03-20T12:05:00Z");
    assert!(five_past < spread_at);
    assert_eq!(
        verdict(&overdue, &s, five_past),
        Verdict::Remind(Purpose::Reminder)
    );
    // At its spread time both are due: the day-of one speaks for both.
    assert_eq!(
        verdict(&overdue, &s, spread_at),
        Verdict::Superseded { by: morning }
    );
    assert_eq!(
        verdict(&claimed(&appt, morning), &s, spread_at),
        Verdict::Remind(Purpose::Reminder)
    );
}

#[test]
fn which_reminder_is_later_is_decided_by_spread_times() {
    // 5 h 55 min before 14:00 is 08:05: after the day-of reminder's 08:00, before its
    // spread time (08:10 or later).
    let five_to_six = ReminderOffset::Before { minutes: 355 };
    let morning = ReminderOffset::DayOf {
        at: ClockTime::hm(8, 0),
    };
    let (s, appt, spread_at) = spread_late(vec![morning, five_to_six], 10);
    // A late run after both: the day-of reminder goes out later, so it is the one sent.
    let late = spread_at + Duration::minutes(1);
    assert_eq!(
        verdict(&claimed(&appt, five_to_six), &s, late),
        Verdict::Superseded { by: morning }
    );
    assert_eq!(
        verdict(&claimed(&appt, morning), &s, late),
        Verdict::Remind(Purpose::Reminder)
    );
    // Between the two, the 08:05 one is the only one due and is sent.
    let between = utc("2026-03-20T12:06:00Z");
    assert!(between < spread_at);
    assert_eq!(
        verdict(&claimed(&appt, five_to_six), &s, between),
        Verdict::Remind(Purpose::Reminder)
    );
}

#[test]
fn a_confirmed_patient_is_not_superseded_only_left_alone() {
    let starts = utc("2026-03-20T18:00:00Z");
    let (mut s, appt) = snapshot(starts);
    if let Some(a) = s.appointment.as_mut() {
        a.confirmation = Some(Confirmation {
            at: starts - Duration::days(8),
            channel: Channel::Sms,
        });
    }
    let v = verdict(
        &claimed(&appt, offsets()[0]),
        &s,
        starts - Duration::hours(3),
    );
    assert_eq!(v, Verdict::Finish("already_confirmed"));
}

#[test]
fn moved_and_missing_work_is_stale() {
    let starts = utc("2026-03-20T18:00:00Z");
    let (s, appt) = snapshot(starts);
    let mut moved = claimed(&appt, offsets()[1]);
    moved.planned_for = starts - Duration::days(1);
    assert_eq!(verdict(&moved, &s, starts), Verdict::Stale("moved"));
    let empty = Snapshot::default();
    assert_eq!(
        verdict(&claimed(&appt, offsets()[1]), &empty, starts),
        Verdict::Stale("appointment_missing")
    );
}

#[test]
fn the_day_of_reminder_is_the_earliest_one_on_the_day_of_the_visit() {
    let starts = utc("2026-03-10T18:00:00Z"); // 14:00 EDT
    let mut s = PracticeSettings::default();
    let morning = ReminderOffset::DayOf {
        at: ClockTime::hm(8, 0),
    };
    let two_hours = ReminderOffset::Before { minutes: 120 };
    let two_days = ReminderOffset::Before { minutes: 2880 };
    s.reminder_offsets = vec![two_days, morning, two_hours];
    assert!(is_day_of_reminder(morning, &s, NY, starts));
    assert!(!is_day_of_reminder(two_hours, &s, NY, starts));
    assert!(!is_day_of_reminder(two_days, &s, NY, starts));
    s.reminder_offsets = vec![two_days, two_hours];
    assert!(is_day_of_reminder(two_hours, &s, NY, starts));
    // An early visit: 07:30, before the 08:00 morning reminder could go out.
    let early = utc("2026-03-10T11:30:00Z");
    s.reminder_offsets = vec![morning, two_hours];
    assert!(!is_day_of_reminder(morning, &s, NY, early));
    assert!(
        is_day_of_reminder(two_hours, &s, NY, early),
        "05:30 is the only one on the day"
    );
}

/// The proptests' visit (14:00 New York) of appointment `a<id>`, at a practice with
/// these offsets and this spread window.
fn spread_visit(offs: &[ReminderOffset], id: u32, spread: u32) -> (Appointment, PracticeSettings) {
    let patient = patient("pt1", Channel::Sms);
    let appt = appointment(&format!("a{id}"), &patient, "2026-06-20T18:00:00Z");
    let settings = PracticeSettings {
        reminder_offsets: offs.to_vec(),
        spread_minutes: spread,
        ..Default::default()
    };
    (appt, settings)
}

fn offset() -> impl Strategy<Value = ReminderOffset> {
    prop_oneof![
        (30u32..20_000).prop_map(|minutes| ReminderOffset::Before { minutes }),
        (5u32..20, 0u32..4).prop_map(|(h, q)| ReminderOffset::DayOf {
            at: ClockTime::hm(h, q * 15)
        }),
    ]
}

proptest! {
    /// At any moment, of the reminders of one appointment that are due, exactly the
    /// latest is not superseded: a sweep at that moment sends at most one.
    #[test]
    fn at_most_one_due_reminder_survives_at_any_moment(
        offs in prop::collection::vec(offset(), 1..6),
        minutes_before in 0i64..24_000,
        id in 0u32..1_000,
        spread in prop_oneof![Just(0u32), 1u32..=120],
    ) {
        let (appt, settings) = spread_visit(&offs, id, spread);
        let now = appt.starts_at - Duration::minutes(minutes_before);
        let due: Vec<(ReminderOffset, DateTime<Utc>)> = offs
            .iter()
            .filter_map(|o| reminder_at(*o, &appt, NY, &settings).map(|d| (*o, d)))
            .filter(|(_, d)| *d <= now)
            .collect();
        let survivors: Vec<DateTime<Utc>> = due
            .iter()
            .filter(|(o, _)| superseded_by(*o, &settings, NY, &appt, now).is_none())
            .map(|(_, d)| *d)
            .collect();
        if due.is_empty() {
            prop_assert!(survivors.is_empty());
        } else {
            let latest = due.iter().map(|(_, d)| *d).max();
            // Every survivor is due at the latest moment (equal offsets may share it).
            prop_assert!(!survivors.is_empty());
            prop_assert!(survivors.iter().all(|d| Some(*d) == latest));
        }
    }

    /// A reminder is never superseded by one that is not yet due.
    #[test]
    fn nothing_is_superseded_by_a_reminder_still_to_come(
        offs in prop::collection::vec(offset(), 1..6),
        minutes_before in 0i64..24_000,
        id in 0u32..1_000,
        spread in prop_oneof![Just(0u32), 1u32..=120],
    ) {
        let (appt, settings) = spread_visit(&offs, id, spread);
        let now = appt.starts_at - Duration::minutes(minutes_before);
        for o in &offs {
            if let Some(by) = superseded_by(*o, &settings, NY, &appt, now) {
                // Due by its spread time, and later than the one it supersedes.
                let at = reminder_at(by, &appt, NY, &settings);
                prop_assert!(at.is_some_and(|d| d <= now));
                prop_assert!(at > reminder_at(*o, &appt, NY, &settings));
            }
        }
    }
}
