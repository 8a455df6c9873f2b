//! A reply to a text goes out exactly once or becomes a staff task, whatever fails: the
//! send, or the commit's answer (the staff-replies schedule completes the send intent).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use frontdesk::domain::{Decision, Direction, TaskKind};
use frontdesk::ports::{Store, Write, INTENT_STALE_AFTER};
use frontdesk::testing::MemoryStore;
use testkit::spy::{SpyStore, WriteHook};

use crate::testkit::*;

/// Applies batch number `.0` (0: the commit, 1: the reply's claim), then answers it with
/// an error: a 500 after applying.
struct LoseAnswer(usize, AtomicUsize);

impl LoseAnswer {
    fn of(nth: usize) -> Self {
        Self(nth, AtomicUsize::new(0))
    }
}

#[async_trait]
impl WriteHook for LoseAnswer {
    async fn write(&self, inner: &MemoryStore, writes: Vec<Write>) -> frontdesk::Result<()> {
        inner.write(writes).await?;
        if self.1.fetch_add(1, Ordering::SeqCst) == self.0 {
            Err(frontdesk::Error::Storage("500: the answer was lost".into()))
        } else {
            Ok(())
        }
    }
}

fn lossy(app: &App, nth: usize) -> crate::Deps {
    let mut deps = app.deps.clone();
    deps.store = Arc::new(SpyStore::with_hook(
        app.store.inner.clone(),
        LoseAnswer::of(nth),
    ));
    deps
}

async fn sweep(
    app: &App,
    at: chrono::DateTime<chrono::Utc>,
) -> frontdesk::staff_replies::DeferredReport {
    frontdesk::staff_replies::send_due(app.store.as_ref(), &app.deps.senders, at)
        .await
        .unwrap()
}

fn reply_decision(timeline: &[frontdesk::domain::Message]) -> Decision {
    timeline
        .iter()
        .find(|m| m.direction == Direction::Outbound)
        .map(|m| m.decision.clone())
        .expect("a reply on the timeline")
}

#[tokio::test]
async fn a_reply_whose_send_fails_is_sent_once_by_the_next_staff_replies_run() {
    let app = App::new(office_hours()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |_| {}).await;
    *app.sms.fail_with.lock().unwrap() = Some(frontdesk::Error::SendUnavailable("429".into()));
    let r = app.text("What should I bring?").await;
    assert_eq!(r.status_code, 200);
    assert!(app.sms_to(PATIENT_PHONE).is_empty());
    assert!(matches!(
        reply_decision(&app.timeline("pat-1").await),
        Decision::Failed { .. }
    ));

    *app.sms.fail_with.lock().unwrap() = None;
    let run = sweep(&app, office_hours() + Duration::minutes(1)).await;
    assert_eq!(run.intents.sent, 1, "{run:?}");
    let later = sweep(&app, office_hours() + Duration::hours(2)).await;
    assert_eq!(later.intents.due, 0, "{later:?}");
    assert_eq!(app.sms_to(PATIENT_PHONE).len(), 1, "exactly once");
    assert!(matches!(
        reply_decision(&app.timeline("pat-1").await),
        Decision::Sent {
            provider_message_id: Some(_)
        }
    ));
}

#[tokio::test]
async fn a_lost_commit_answer_and_the_redelivery_still_end_in_one_reply() {
    let app = App::new(office_hours()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |_| {}).await;
    let lossy = lossy(&app, 0);
    let event = twilio_event(
        &app.practice_id,
        "SMlost0001",
        PATIENT_PHONE,
        "What should I bring?",
        TWILIO_TOKEN,
    );
    let first = crate::respond(&lossy, event).await;
    assert!(first.status_code >= 500, "the provider retries");
    // The redelivery finds the claim taken and sends nothing itself.
    let again = app
        .twilio("SMlost0001", PATIENT_PHONE, "What should I bring?")
        .await;
    assert_eq!(again.status_code, 200);
    assert!(app.sms_to(PATIENT_PHONE).is_empty());

    let early = sweep(&app, office_hours() + Duration::minutes(1)).await;
    assert_eq!(early.intents.due, 0, "the first sender still owns it");
    let run = sweep(
        &app,
        office_hours() + INTENT_STALE_AFTER + Duration::minutes(1),
    )
    .await;
    assert_eq!(run.intents.sent, 1, "{run:?}");
    sweep(&app, office_hours() + Duration::hours(2)).await;
    assert_eq!(app.sms_to(PATIENT_PHONE).len(), 1, "exactly once");
    assert!(app.tasks_of(TaskKind::SendFailed).is_empty());
}

#[tokio::test]
async fn a_reply_refused_for_good_becomes_a_staff_task_not_a_retry() {
    let app = App::new(office_hours()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |_| {}).await;
    *app.sms.fail_with.lock().unwrap() =
        Some(frontdesk::Error::SendRejected("unreachable number".into()));
    app.text("What should I bring?").await;
    let tasks = app.tasks_of(TaskKind::SendFailed);
    assert_eq!(tasks.len(), 1);
    assert!(
        !tasks[0].detail.contains("bring"),
        "no message body in the task"
    );
    *app.sms.fail_with.lock().unwrap() = None;
    let run = sweep(&app, office_hours() + Duration::hours(1)).await;
    assert_eq!(run.intents.due, 0);
    assert!(app.sms_to(PATIENT_PHONE).is_empty());
}

#[tokio::test]
async fn a_lost_claim_answer_gives_the_reply_back_and_it_goes_out_once() {
    let app = App::new(office_hours()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |_| {}).await;
    let deps = lossy(&app, 1);
    let event = twilio_event(
        &app.practice_id,
        "SMlost0002",
        PATIENT_PHONE,
        "What should I bring?",
        TWILIO_TOKEN,
    );
    let r = crate::respond(&deps, event).await;
    assert_eq!(r.status_code, 200, "the text itself was handled");
    assert!(
        app.sms_to(PATIENT_PHONE).is_empty(),
        "not sent on an unsure claim"
    );
    let run = sweep(&app, office_hours() + Duration::minutes(1)).await;
    assert_eq!(run.intents.sent, 1, "given back, so sent at once: {run:?}");
    sweep(&app, office_hours() + Duration::hours(2)).await;
    assert_eq!(app.sms_to(PATIENT_PHONE).len(), 1, "exactly once");
    assert!(app.tasks_of(TaskKind::SendFailed).is_empty());
}
