use chrono::Duration;
use proptest::prelude::*;

use super::*;
use crate::domain::{Channel, Confirmation};
use crate::testing::utc;

const ALL: [AppointmentStatus; 5] = [
    AppointmentStatus::Scheduled,
    AppointmentStatus::CheckedIn,
    AppointmentStatus::Completed,
    AppointmentStatus::Cancelled,
    AppointmentStatus::NoShow,
];

fn change(starts_at: DateTime<Utc>, status: Option<AppointmentStatus>) -> AppointmentChange {
    AppointmentChange {
        patient_id: PatientId::parse("pt1").unwrap(),
        starts_at,
        duration_minutes: 30,
        provider: Some("Dr. Ruiz".into()),
        kind: None,
        status,
    }
}

fn stored(status: AppointmentStatus) -> Appointment {
    let created = utc("2026-03-01T12:00:00Z");
    let mut a = Appointment::new(
        PracticeId::parse("p1").unwrap(),
        AppointmentId::parse("a1").unwrap(),
        change(utc("2026-03-10T14:00:00Z"), Some(status)),
        created,
    );
    a.confirmation = Some(Confirmation {
        at: created,
        channel: Channel::Sms,
    });
    a.version = 7;
    a
}

fn status() -> impl Strategy<Value = AppointmentStatus> {
    (0..ALL.len()).prop_map(|i| ALL[i])
}

proptest! {
    #[test]
    fn every_accepted_upsert_follows_the_life_cycle_and_keeps_its_identity(
        from in status(),
        to in proptest::option::of(status()),
        shift in -3i64..3,
        other_patient in any::<bool>(),
    ) {
        let old = stored(from);
        let mut c = change(old.starts_at + Duration::hours(shift), to);
        if other_patient {
            c.patient_id = PatientId::parse("pt2").unwrap();
        }
        let now = utc("2026-03-05T09:00:00Z");
        match old.upsert(c.clone(), now) {
            Ok(next) => {
                prop_assert!(!other_patient);
                prop_assert!(from.can_become(next.status), "{from:?} -> {:?}", next.status);
                prop_assert_eq!(&next.patient_id, &old.patient_id);
                prop_assert_eq!(&next.appointment_id, &old.appointment_id);
                prop_assert_eq!(next.version, old.version + 1);
                prop_assert_eq!(next.created_at, old.created_at);
                prop_assert_eq!(next.updated_at, now);
                prop_assert_eq!(next.starts_at, c.starts_at);
                if shift != 0 {
                    prop_assert!(next.confirmation.is_none(), "a move is confirmed again");
                    prop_assert!(!matches!(from, AppointmentStatus::Completed | AppointmentStatus::Cancelled));
                } else {
                    prop_assert_eq!(&next.confirmation, &old.confirmation);
                }
            }
            Err(UpsertRefused::OtherPatient) => prop_assert!(other_patient),
            Err(UpsertRefused::FinalCannotMove(s)) => {
                prop_assert!(shift != 0);
                prop_assert!(matches!(s, AppointmentStatus::Completed | AppointmentStatus::Cancelled));
            }
            Err(UpsertRefused::MissedNotMoved) => {
                prop_assert_eq!(shift, 0);
                prop_assert_eq!(from, AppointmentStatus::NoShow);
            }
            Err(UpsertRefused::IllegalTransition { from: f, to: t }) => {
                prop_assert!(!f.can_become(t));
            }
        }
    }
}

#[test]
fn a_moved_no_show_is_rebooked_and_an_unmoved_one_is_refused() {
    let old = stored(AppointmentStatus::NoShow);
    let now = utc("2026-03-10T15:00:00Z");
    let moved = old
        .upsert(change(old.starts_at + Duration::days(7), None), now)
        .unwrap();
    assert_eq!(moved.status, AppointmentStatus::Scheduled);
    assert!(old.needs_replan(&moved));
    let same = old.upsert(
        change(old.starts_at, Some(AppointmentStatus::Scheduled)),
        now,
    );
    assert_eq!(same, Err(UpsertRefused::MissedNotMoved));
    let late = old
        .upsert(
            change(old.starts_at, Some(AppointmentStatus::CheckedIn)),
            now,
        )
        .unwrap();
    assert_eq!(late.status, AppointmentStatus::CheckedIn);
}

#[test]
fn a_new_appointment_is_scheduled_unless_told_otherwise() {
    let now = utc("2026-03-01T00:00:00Z");
    let a = Appointment::new(
        PracticeId::parse("p1").unwrap(),
        AppointmentId::parse("a9").unwrap(),
        change(utc("2026-03-10T14:00:00Z"), None),
        now,
    );
    assert_eq!(
        (a.status, a.version, a.created_at),
        (AppointmentStatus::Scheduled, 1, now)
    );
    let same = a.upsert(change(a.starts_at, None), now).unwrap();
    assert!(
        !a.needs_replan(&same),
        "nothing to re-plan when start and status stay"
    );
}
