use chrono::Duration;
use proptest::prelude::*;

use super::*;
use crate::domain::{PracticeId, Priority, TaskId};
use crate::policy::test_fixtures::{appointment, patient, utc};

fn now() -> DateTime<Utc> {
    utc("2026-03-10T19:10:00Z")
}

fn no_show() -> (Appointment, Task) {
    let mut a = appointment("2026-03-10T18:30:00Z", None);
    a.status = AppointmentStatus::NoShow;
    let task = wellbeing(&a, TaskStatus::Open);
    a.tasks.push(task.task_id.clone());
    (a, task)
}

fn wellbeing(a: &Appointment, status: TaskStatus) -> Task {
    Task {
        status,
        patient_id: Some(a.patient_id.clone()),
        appointment_id: Some(a.appointment_id.clone()),
        ..Task::open(
            a.practice_id.clone(),
            TaskId::generate(),
            TaskKind::WellbeingCall,
            Priority::Urgent,
            "Wellbeing call",
            String::new(),
            now() - Duration::minutes(25),
        )
    }
}

fn counted() -> Patient {
    let mut p = patient();
    p.no_show_count = 2;
    p.version = 7;
    p
}

#[test]
fn checking_in_after_the_no_show_closes_the_call_lowers_the_count_and_cancels_the_follow_up() {
    let (a, task) = no_show();
    let p = counted();
    let late = late_arrival(
        &a,
        AppointmentStatus::CheckedIn,
        Some(&p),
        std::slice::from_ref(&task),
        now(),
    )
    .unwrap();
    assert_eq!(late.resolved_tasks.len(), 1);
    let t = &late.resolved_tasks[0];
    assert_eq!(t.task_id, task.task_id);
    assert_eq!(t.status, TaskStatus::Resolved);
    assert_eq!(t.resolution.as_deref(), Some(ARRIVED_LATE));
    assert_eq!(t.resolved_at, Some(now()));
    let (after, seen) = late.patient.clone().unwrap();
    assert_eq!((after.no_show_count, after.version, seen), (1, 8, 7));
    assert_eq!(late.cancelled_follow_up, "DUE#apt-1#noshow-followup");
    assert_eq!(late.timeline.purpose, Purpose::LateArrival);
    assert_ne!(late.timeline.purpose, Purpose::NoShowFollowUp);
    let writes = late.into_writes(&PracticeId::parse("prc_test").unwrap());
    assert!(writes
        .iter()
        .any(|w| matches!(w, Write::RemoveDue { due_key, .. }
        if due_key == "DUE#apt-1#noshow-followup")));
    assert!(writes.iter().any(|w| matches!(
        w,
        Write::Patient {
            expect: Expect::Version(7),
            ..
        }
    )));
}

#[test]
fn completing_a_no_show_is_an_arrival_too() {
    let (a, task) = no_show();
    let late = late_arrival(
        &a,
        AppointmentStatus::Completed,
        Some(&counted()),
        &[task],
        now(),
    );
    assert!(late.is_some_and(|l| l.resolved_tasks.len() == 1));
}

#[test]
fn cancelling_or_rebooking_a_no_show_is_not_an_arrival() {
    let (a, task) = no_show();
    for next in [
        AppointmentStatus::Cancelled,
        AppointmentStatus::Scheduled,
        AppointmentStatus::NoShow,
    ] {
        assert!(late_arrival(
            &a,
            next,
            Some(&counted()),
            std::slice::from_ref(&task),
            now()
        )
        .is_none());
    }
}

#[test]
fn a_visit_that_was_never_a_no_show_changes_nothing() {
    let (mut a, task) = no_show();
    a.status = AppointmentStatus::Scheduled;
    assert!(late_arrival(
        &a,
        AppointmentStatus::CheckedIn,
        Some(&counted()),
        &[task],
        now()
    )
    .is_none());
}

#[test]
fn only_this_appointments_open_wellbeing_calls_are_closed() {
    let (mut a, task) = no_show();
    let done = wellbeing(&a, TaskStatus::Resolved);
    let mut other_kind = wellbeing(&a, TaskStatus::Open);
    other_kind.kind = TaskKind::FeedbackFollowUp;
    let unrelated = wellbeing(&a, TaskStatus::Open);
    a.tasks
        .extend([done.task_id.clone(), other_kind.task_id.clone()]);
    let late = late_arrival(
        &a,
        AppointmentStatus::CheckedIn,
        Some(&counted()),
        &[task.clone(), done, other_kind, unrelated],
        now(),
    )
    .unwrap();
    let ids: Vec<_> = late
        .resolved_tasks
        .iter()
        .map(|t| t.task_id.clone())
        .collect();
    assert_eq!(ids, vec![task.task_id]);
}

proptest! {
    /// The count never goes below zero and always drops by exactly one when above it.
    #[test]
    fn the_count_goes_back_by_one_never_below_zero(count in 0u32..5, version in 0u64..1000) {
        let (a, task) = no_show();
        let mut p = patient();
        p.no_show_count = count;
        p.version = version;
        let late = late_arrival(&a, AppointmentStatus::CheckedIn, Some(&p), &[task], now()).unwrap();
        let (after, seen) = late.patient.unwrap();
        prop_assert_eq!(after.no_show_count, count.saturating_sub(1));
        prop_assert_eq!(seen, version);
        prop_assert_eq!(after.version, version + 1);
    }
}
