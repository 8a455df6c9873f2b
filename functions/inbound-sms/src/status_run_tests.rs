//! "Repeated undelivered" and healing over the in-memory store: a run of transient
//! failures marks the channel with one task, a delivery in between resets the run, racing
//! reports mark once, and a text from the patient closes the task on the timeline.

use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::{deliver, Delivery, Outbound};
use frontdesk::domain::{MessageKind, Priority, Purpose, TaskKind, TaskOutcome, TaskStatus};
use frontdesk::ports::Store;

use super::handler_tests::{app, content, post, twilio_status};
use crate::testkit::*;

/// A reminder to pat-1 sent at `at` (its provider id is `sms-<n>`).
async fn remind_at(app: &App, at: DateTime<Utc>) -> Delivery {
    let practice = app.practice().await;
    let patient = app.patient("pat-1").await;
    let out = Outbound {
        practice: &practice,
        patient: &patient,
        kind: MessageKind::Care,
        purpose: Purpose::Reminder,
        appointment_id: None,
        not_after: None,
        content: content(),
        task_priority: Priority::Normal,
        task_due: at,
    };
    let d = deliver(&app.deps.senders, out, at).await;
    app.store.inner.write(d.writes).await.unwrap();
    d.delivery
}

async fn report(app: &App, sid: &str, status: &str, code: Option<&str>) -> String {
    let (s, b) = post(
        app,
        twilio_status(&app.practice_id, TWILIO_TOKEN, sid, status, code),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b
}

/// Sends `n` reminders a day apart, in office hours (within the caps) from `start`; returns their provider ids.
async fn reminders(app: &App, start: DateTime<Utc>, n: i64) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        match remind_at(app, start + Duration::days(i)).await {
            Delivery::Sent { .. } => ids.push(format!("sms-{}", app.sms.sent().len())),
            other => panic!("{other:?}"),
        }
    }
    ids
}

#[tokio::test]
async fn three_transient_failures_in_a_row_mark_sms_with_one_task() {
    let app = app().await;
    let ids = reminders(&app, office_hours(), 4).await;
    assert_eq!(
        report(&app, &ids[0], "undelivered", Some("30003")).await,
        r#"{"status":"recorded"}"#
    );
    assert_eq!(
        report(&app, &ids[1], "failed", Some("30008")).await,
        r#"{"status":"recorded"}"#
    );
    assert!(app.patient("pat-1").await.sms_health.is_none());
    assert_eq!(
        report(&app, &ids[2], "undelivered", Some("30003")).await,
        r#"{"status":"recorded_channel_marked"}"#
    );
    let health = app.patient("pat-1").await.sms_health.expect("marked");
    assert_eq!(health.code, "repeated_undelivered (twilio:30003)");
    assert!(health.reason.contains("last 3 texts"));
    // A fourth failure raises nothing more.
    assert_eq!(
        report(&app, &ids[3], "undelivered", Some("30003")).await,
        r#"{"status":"recorded"}"#
    );
    let tasks = app.tasks_of(TaskKind::ChannelUnusable);
    assert_eq!(tasks.len(), 1, "exactly one fix-the-contact task");
    assert_eq!(tasks[0].task_id, health.task_id);
    assert!(!tasks[0].detail.contains(PATIENT_PHONE));
    // And automated texts stop.
    let sent = app.sms.sent().len();
    assert!(matches!(
        remind_at(&app, office_hours() + Duration::days(5)).await,
        Delivery::Task { .. }
    ));
    assert_eq!(app.sms.sent().len(), sent);
}

#[tokio::test]
async fn a_delivery_in_between_resets_the_run() {
    let app = app().await;
    let ids = reminders(&app, office_hours(), 5).await;
    report(&app, &ids[0], "undelivered", Some("30003")).await;
    report(&app, &ids[1], "undelivered", Some("30003")).await;
    report(&app, &ids[2], "delivered", None).await;
    report(&app, &ids[3], "undelivered", Some("30003")).await;
    assert_eq!(
        report(&app, &ids[4], "undelivered", Some("30003")).await,
        r#"{"status":"recorded"}"#
    );
    assert!(app.patient("pat-1").await.sms_health.is_none());
    assert!(app.tasks_of(TaskKind::ChannelUnusable).is_empty());
}

#[tokio::test]
async fn racing_reports_that_complete_a_run_mark_once() {
    let app = app().await;
    let ids = reminders(&app, office_hours(), 4).await;
    report(&app, &ids[0], "undelivered", Some("30003")).await;
    report(&app, &ids[1], "undelivered", Some("30003")).await;
    let a = post(
        &app,
        twilio_status(
            &app.practice_id,
            TWILIO_TOKEN,
            &ids[2],
            "undelivered",
            Some("30003"),
        ),
    );
    let b = post(
        &app,
        twilio_status(
            &app.practice_id,
            TWILIO_TOKEN,
            &ids[3],
            "undelivered",
            Some("30003"),
        ),
    );
    let (a, b) = tokio::join!(a, b);
    assert_eq!((a.0, b.0), (200, 200));
    assert!(app.patient("pat-1").await.sms_health.is_some());
    assert_eq!(app.tasks_of(TaskKind::ChannelUnusable).len(), 1);
}

#[tokio::test]
async fn a_text_from_the_patient_closes_the_fix_the_contact_task_on_the_timeline() {
    let app = app().await;
    let ids = reminders(&app, office_hours(), 1).await;
    report(&app, &ids[0], "undelivered", Some("30006")).await;
    let health = app.patient("pat-1").await.sms_health.expect("marked");
    let r = app.text("Is my visit still on?").await;
    assert_eq!(r.status_code, 200, "{}", body_text(&r));
    assert!(app.patient("pat-1").await.sms_health.is_none());
    let task = app
        .tasks()
        .into_iter()
        .find(|t| t.task_id == health.task_id)
        .expect("the task");
    assert_eq!(task.status, TaskStatus::Resolved);
    assert_eq!(task.work.outcome, Some(TaskOutcome::ContactUpdated));
    let lines: Vec<_> = app
        .timeline("pat-1")
        .await
        .into_iter()
        .filter(|m| m.body.contains("task was closed"))
        .collect();
    assert_eq!(lines.len(), 1, "one line on the timeline");
    assert!(lines[0].body.contains("wrote in"));
    // A second text closes nothing more.
    app.text("Thanks").await;
    assert_eq!(
        app.timeline("pat-1")
            .await
            .iter()
            .filter(|m| m.body.contains("task was closed"))
            .count(),
        1
    );
}
