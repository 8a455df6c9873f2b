//! Late arrivals through every route that records an arrival: `POST /check-in`, `POST
//! /complete` and `PUT` with `status=checked_in`. Each closes the wellbeing call as
//! "arrived late", cancels the next-day follow-up, lowers `no_show_count` back and puts a
//! late arrival (not a no-show) on the timeline.

use frontdesk::arrival::ARRIVED_LATE;
use frontdesk::domain::{AppointmentId, AppointmentStatus, DueWork, PatientId, Purpose};
use frontdesk::keys;
use frontdesk::ports::{Expect, Key, Store};

use super::*;

/// What the no-show check does (functions/no-shows/src/check.rs): the appointment becomes
/// `no_show` with a wellbeing task and only its follow-up planned, the patient's count goes
/// up. Returns the task.
async fn mark_no_show(app: &App, practice_id: &PracticeId) -> Task {
    let appointment_id = AppointmentId::parse("a-1").unwrap();
    let patient_id = PatientId::parse("pt-1").unwrap();
    let fetched = app
        .store
        .get_many(
            practice_id,
            &[
                Key::Appointment(appointment_id.clone()),
                Key::Patient(patient_id.clone()),
            ],
        )
        .await
        .unwrap();
    let appt = fetched.appointment(&appointment_id).unwrap().clone();
    let patient = fetched.patient(&patient_id).unwrap().clone();
    let task = Task {
        patient_id: Some(patient_id.clone()),
        appointment_id: Some(appointment_id.clone()),
        ..Task::open(
            practice_id.clone(),
            TaskId::generate(),
            TaskKind::WellbeingCall,
            Priority::Urgent,
            "Wellbeing call",
            "Missed start",
            now(),
        )
    };
    let follow_up = DueWork {
        practice_id: practice_id.clone(),
        appointment_id: appointment_id.clone(),
        patient_id: patient_id.clone(),
        kind: DueKind::NoShowFollowUp,
        due_at: now() + chrono::Duration::hours(18),
        planned_for: appt.starts_at,
        attempts: 0,
    };
    let mut missed = appt.clone();
    missed.status = AppointmentStatus::NoShow;
    missed.tasks.push(task.task_id.clone());
    missed.planned_due = vec![keys::due_key_of(&follow_up)];
    missed.version += 1;
    let mut counted = patient.clone();
    counted.no_show_count += 1;
    counted.version += 1;
    let mut writes: Vec<Write> = appt
        .planned_due
        .iter()
        .map(|k| Write::RemoveDue {
            practice_id: practice_id.clone(),
            due_key: k.clone(),
        })
        .collect();
    writes.extend([
        Write::Appointment {
            appointment: Box::new(missed),
            expect: Expect::Version(appt.version),
        },
        Write::Patient {
            patient: Box::new(counted),
            expect: Expect::Version(patient.version),
            previous_phone: None,
        },
        Write::Task(Box::new(task.clone())),
        Write::Due(Box::new(follow_up)),
    ]);
    app.store.write(writes).await.unwrap();
    task
}

async fn no_show_count(app: &App, practice_id: &PracticeId) -> u32 {
    let id = PatientId::parse("pt-1").unwrap();
    app.store
        .get_many(practice_id, &[Key::Patient(id.clone())])
        .await
        .unwrap()
        .patient(&id)
        .unwrap()
        .no_show_count
}

/// A practice, a patient and a visit that started half an hour ago, marked a no-show.
async fn missed_visit() -> (App, String, PracticeId, Task) {
    let app = app();
    let (pid, key) = app.practice("Smile").await;
    let practice_id = PracticeId::parse(&pid).unwrap();
    app.patient(&key, "pt-1").await;
    let (s, b) = app
        .call(
            "PUT",
            "/v1/appointments/a-1",
            Some(&key),
            Some(appt_body("pt-1", "2026-03-01T08:30:00-06:00")),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let task = mark_no_show(&app, &practice_id).await;
    assert_eq!(no_show_count(&app, &practice_id).await, 1);
    assert_eq!(app.store.all_due(&practice_id).len(), 1);
    (app, key, practice_id, task)
}

async fn assert_recorded_as_late_arrival(
    app: &App,
    key: &str,
    practice_id: &PracticeId,
    task: &Task,
) {
    let tasks = app.store.all_tasks(practice_id);
    let t = tasks.iter().find(|t| t.task_id == task.task_id).unwrap();
    assert_eq!(t.status, TaskStatus::Resolved);
    assert_eq!(t.resolution.as_deref(), Some(ARRIVED_LATE));
    assert!(
        !app.store
            .all_due(practice_id)
            .iter()
            .any(|d| d.kind == DueKind::NoShowFollowUp),
        "the follow-up is cancelled"
    );
    assert_eq!(no_show_count(app, practice_id).await, 0);
    let page = app
        .store
        .timeline(practice_id, &PatientId::parse("pt-1").unwrap(), None, 100)
        .await
        .unwrap();
    let late: Vec<_> = page
        .items
        .iter()
        .filter(|m| m.purpose == Purpose::LateArrival)
        .collect();
    assert_eq!(late.len(), 1, "{:?}", page.items);
    let (_, open) = app
        .call("GET", "/v1/tasks?status=open", Some(key), None)
        .await;
    assert!(open["items"].as_array().unwrap().is_empty(), "{open}");
}

#[tokio::test]
async fn a_check_in_after_the_no_show_is_a_late_arrival() {
    let (app, key, practice_id, task) = missed_visit().await;
    let (s, b) = app
        .call("POST", "/v1/appointments/a-1/check-in", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "checked_in");
    assert_recorded_as_late_arrival(&app, &key, &practice_id, &task).await;
}

#[tokio::test]
async fn a_put_with_status_checked_in_after_the_no_show_is_a_late_arrival() {
    let (app, key, practice_id, task) = missed_visit().await;
    let mut body = appt_body("pt-1", "2026-03-01T08:30:00-06:00");
    body["status"] = "checked_in".into();
    let (s, b) = app
        .call("PUT", "/v1/appointments/a-1", Some(&key), Some(body))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "checked_in");
    assert_recorded_as_late_arrival(&app, &key, &practice_id, &task).await;
}

#[tokio::test]
async fn completing_a_no_show_is_a_late_arrival() {
    let (app, key, practice_id, task) = missed_visit().await;
    let (s, b) = app
        .call("POST", "/v1/appointments/a-1/complete", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{b}");
    assert_recorded_as_late_arrival(&app, &key, &practice_id, &task).await;
    // A completed visit plans its review request, nothing else.
    let due = app.store.all_due(&practice_id);
    assert!(
        due.iter().all(|d| d.kind == DueKind::ReviewRequest),
        "{due:?}"
    );
}

#[tokio::test]
async fn cancelling_a_no_show_is_not_an_arrival() {
    let (app, key, practice_id, task) = missed_visit().await;
    let (s, _) = app
        .call("POST", "/v1/appointments/a-1/cancel", Some(&key), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(no_show_count(&app, &practice_id).await, 1);
    let tasks = app.store.all_tasks(&practice_id);
    let t = tasks.iter().find(|t| t.task_id == task.task_id).unwrap();
    assert_eq!(t.status, TaskStatus::Open);
}
