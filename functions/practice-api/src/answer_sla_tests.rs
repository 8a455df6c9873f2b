//! The answer-deadline sweep over the in-memory store, replaying moments of a day (no
//! sleeping): not before the promised time plus grace, once after it, batched per
//! practice, no patient data in the notice, and overlapping runs notifying once.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{
    Channel, PatientId, PhoneNumber, Practice, PracticeId, PracticeSettings, Priority, Task,
    TaskId, TaskKind, ThreadId, Waiting,
};
use frontdesk::ports::{Key, Store, Write};
use frontdesk::sweep::Deps;
use frontdesk::testing::{utc, MemoryStore, RecordingEmail, RecordingSms};
use lambda_runtime::LambdaEvent;

use super::*;

pub(crate) struct World {
    pub deps: Deps,
    pub store: Arc<MemoryStore>,
    pub sms: Arc<RecordingSms>,
    pub email: Arc<RecordingEmail>,
}

pub(crate) fn world() -> World {
    let store = Arc::new(MemoryStore::new());
    let sms = Arc::new(RecordingSms::default());
    let email = Arc::new(RecordingEmail::default());
    let senders = Senders {
        sms: sms.clone(),
        email: email.clone(),
    };
    World {
        deps: Deps::new(store.clone(), senders),
        store,
        sms,
        email,
    }
}

/// Monday 2026-03-02, Chicago (CST, UTC-6): open 08:00 to 17:00 by default.
pub(crate) fn monday(h: u32, m: u32) -> DateTime<Utc> {
    utc("2026-03-02T00:00:00Z")
        + Duration::hours(i64::from(h) + 6)
        + Duration::minutes(i64::from(m))
}

impl World {
    pub async fn practice(&self, name: &str, on_call: Option<&str>) -> PracticeId {
        let id = PracticeId::generate();
        let mut settings = PracticeSettings {
            name: name.into(),
            time_zone: chrono_tz::America::Chicago,
            sms_number: Some(PhoneNumber::parse_e164("+13125550143").unwrap()),
            ..PracticeSettings::default()
        };
        settings.on_call.phone = on_call.map(|n| PhoneNumber::parse_e164(n).unwrap());
        let practice = Practice {
            practice_id: id.clone(),
            settings,
            sms_provider: Default::default(),
            api_keys: vec![],
            created_at: monday(0, 0),
            updated_at: monday(0, 0),
        };
        self.store
            .write(vec![Write::Practice {
                practice: Box::new(practice),
                expect_absent: true,
            }])
            .await
            .unwrap();
        id
    }

    /// A patient wrote at `at` and inbound-sms filed the normal task for it.
    async fn patient_wrote(&self, p: &PracticeId, patient: &str, at: DateTime<Utc>) -> TaskId {
        let patient = PatientId::parse(patient).unwrap();
        let mut task = Task::open(
            p.clone(),
            TaskId::generate(),
            TaskKind::InboxMessage,
            Priority::Normal,
            "Message from a patient",
            "Read it in the thread.",
            at,
        );
        task.patient_id = Some(patient.clone());
        let id = task.task_id.clone();
        self.store
            .write(vec![
                Write::Waiting(Box::new(Waiting::patient(p, &patient, at, Channel::Sms))),
                Write::Task(Box::new(task)),
            ])
            .await
            .unwrap();
        id
    }

    async fn stranger_wrote(&self, p: &PracticeId, number: &str, at: DateTime<Utc>) -> ThreadId {
        let number = PhoneNumber::parse_e164(number).unwrap();
        self.store
            .write(vec![Write::Waiting(Box::new(Waiting::unknown(
                p, &number, at,
            )))])
            .await
            .unwrap();
        ThreadId::unknown(p, &number)
    }

    async fn task(&self, p: &PracticeId, id: &TaskId) -> Task {
        let f = self
            .store
            .get_many(p, &[Key::Task(id.clone())])
            .await
            .unwrap();
        f.task(id).unwrap().clone()
    }

    pub async fn run(&self, at: DateTime<Utc>) -> AnswerReport {
        run(&self.deps, at).await.unwrap()
    }
}

#[tokio::test]
async fn an_unanswered_message_becomes_urgent_after_the_promise_plus_grace_and_notifies_once() {
    let w = world();
    let p = w.practice("A Dental", Some("+13125550102")).await;
    // 10:00 while open: "we'll reply shortly"; the deadline is 10:30.
    let task = w.patient_wrote(&p, "pt-1", monday(10, 0)).await;

    let r = w.run(monday(10, 29)).await;
    assert_eq!((r.found, r.rescheduled, r.escalated), (1, 1, 0), "{r:?}");
    assert!(w.sms.sent().is_empty());
    assert_eq!(w.task(&p, &task).await.priority, Priority::Normal);
    // Re-indexed at its deadline: not read again before it.
    assert_eq!(w.run(monday(10, 29)).await.found, 0);

    let r = w.run(monday(10, 30)).await;
    assert_eq!(
        (r.escalated, r.threads, r.tasks_raised, r.notified),
        (1, 1, 1, 1),
        "{r:?}"
    );
    let t = w.task(&p, &task).await;
    assert_eq!(t.priority, Priority::Urgent);
    let sent = w.sms.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to.as_str(), "+13125550102");
    assert_eq!(sent[0].from.as_ref().unwrap().as_str(), "+13125550143");
    assert!(
        sent[0].body.contains("1 conversation is waiting"),
        "{}",
        sent[0].body
    );

    // Later runs: nothing more (once), and the thread stays in the inbox for staff.
    for m in [35, 40, 55] {
        let r = w.run(monday(10, m)).await;
        assert_eq!(r.found, 0, "{r:?}");
    }
    assert_eq!(w.sms.sent().len(), 1);
    let inbox = w.store.waiting(&p, None, 10).await.unwrap().items;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].escalated_at, Some(monday(10, 30)));
}

#[tokio::test]
async fn overnight_the_deadline_is_the_next_opening_plus_grace() {
    let w = world();
    let p = w.practice("A Dental", Some("+13125550102")).await;
    // Monday 19:00: closed, "we'll reply when we open tomorrow at 8:00 AM".
    w.patient_wrote(&p, "pt-1", monday(19, 0)).await;
    let r = w.run(monday(19, 5)).await;
    assert_eq!(r.rescheduled, 1);
    let tuesday = monday(19, 0) + Duration::hours(13); // 08:00 Tuesday
    for at in [monday(23, 0), tuesday, tuesday + Duration::minutes(29)] {
        let r = w.run(at).await;
        assert_eq!(r.escalated, 0, "not before 08:30: {r:?}");
    }
    let r = w.run(tuesday + Duration::minutes(30)).await;
    assert_eq!(r.escalated, 1, "{r:?}");
    assert_eq!(w.sms.sent().len(), 1);
}

#[tokio::test]
async fn a_reply_before_the_deadline_means_nothing_happens() {
    let w = world();
    let p = w.practice("A Dental", Some("+13125550102")).await;
    let task = w.patient_wrote(&p, "pt-1", monday(10, 0)).await;
    w.run(monday(10, 5)).await;
    w.store
        .write(vec![Write::RemoveWaiting {
            practice_id: p.clone(),
            thread_id: ThreadId::patient(&PatientId::parse("pt-1").unwrap()),
            since: monday(10, 0),
        }])
        .await
        .unwrap();
    let r = w.run(monday(11, 0)).await;
    assert_eq!(r.found, 0);
    assert!(w.sms.sent().is_empty());
    assert_eq!(w.task(&p, &task).await.priority, Priority::Normal);
}

#[tokio::test]
async fn many_overdue_threads_make_one_notice_per_practice_with_a_count_and_no_patient_data() {
    let w = world();
    let a = w.practice("A Dental", Some("+13125550102")).await;
    let b = w.practice("B Dental", Some("+13125550103")).await;
    for i in 0..3 {
        w.patient_wrote(&a, &format!("pt-{i}"), monday(9, i)).await;
    }
    let unknown = w.stranger_wrote(&a, "+13125550188", monday(9, 10)).await;
    // A second unanswered text of the same stranger: still one thread.
    w.stranger_wrote(&a, "+13125550188", monday(9, 12)).await;
    w.patient_wrote(&b, "pt-9", monday(9, 0)).await;

    let r = w.run(monday(12, 0)).await;
    assert_eq!((r.escalated, r.threads, r.notified), (6, 5, 2), "{r:?}");
    assert_eq!(
        r.tasks_created, 1,
        "the stranger had no open task: one made"
    );
    let sent = w.sms.sent();
    assert_eq!(sent.len(), 2, "one per practice, not one per thread");
    let to_a = sent
        .iter()
        .find(|s| s.to.as_str() == "+13125550102")
        .unwrap();
    assert!(
        to_a.body.contains("4 conversations are waiting"),
        "{}",
        to_a.body
    );
    assert!(to_a.body.contains("A Dental"));
    for s in &sent {
        assert!(
            !s.body.contains("0188") && !s.body.contains("pt-"),
            "{}",
            s.body
        );
    }
    let open = w.store.open_tasks(&a, None, 50).await.unwrap().items;
    let stranger_task = open
        .iter()
        .find(|t| t.work.thread_id.as_ref() == Some(&unknown))
        .unwrap();
    assert_eq!(stranger_task.priority, Priority::Urgent);
    assert!(stranger_task.title.contains("0188") && !stranger_task.title.contains("555"));
    assert!(open.iter().all(|t| t.priority == Priority::Urgent));
}

#[tokio::test]
async fn two_runs_at_once_escalate_and_notify_once() {
    let w = world();
    let p = w.practice("A Dental", Some("+13125550102")).await;
    for i in 0..10 {
        w.patient_wrote(&p, &format!("pt-{i}"), monday(9, i)).await;
    }
    let at = monday(12, 0);
    let (r1, r2) = tokio::join!(run(&w.deps, at), run(&w.deps, at));
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(r1.escalated + r2.escalated, 10, "{r1:?} {r2:?}");
    assert_eq!(w.sms.sent().len(), 1, "{r1:?} {r2:?}");
    assert!(w.sms.sent()[0].body.contains("10 conversations"));

    // Overlapping runs at different moments: each entry is escalated by one of them.
    let q = w.practice("Q Dental", Some("+13125550104")).await;
    for i in 0..10 {
        w.patient_wrote(&q, &format!("pt-{i}"), monday(9, i)).await;
    }
    let (r1, r2) = tokio::join!(run(&w.deps, monday(12, 5)), run(&w.deps, monday(12, 10)));
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(r1.escalated + r2.escalated, 10, "{r1:?} {r2:?}");
    assert_eq!(r1.threads + r2.threads, 10, "no thread counted twice");
}

#[tokio::test]
async fn without_an_on_call_phone_the_notice_goes_by_email_or_is_reported_missing() {
    let w = world();
    let p = w.practice("A Dental", None).await;
    w.patient_wrote(&p, "pt-1", monday(9, 0)).await;
    let r = w.run(monday(12, 0)).await;
    assert_eq!((r.escalated, r.notified, r.no_contact), (1, 0, 1), "{r:?}");
    assert!(w.sms.sent().is_empty() && w.email.sent().is_empty());
}

#[tokio::test]
async fn a_failed_notice_is_reported_and_the_escalation_stands() {
    let w = world();
    let p = w.practice("A Dental", Some("+13125550102")).await;
    w.patient_wrote(&p, "pt-1", monday(9, 0)).await;
    *w.sms.fail_with.lock().unwrap() = Some(frontdesk::Error::SendRejected("down".into()));
    let r = w.run(monday(12, 0)).await;
    assert_eq!(r.escalated, 1);
    assert_eq!(r.failures.len(), 1, "{r:?}");
    assert!(r.failures[0].error.contains("on-call contact"));
}

#[tokio::test]
async fn the_lambda_entry_takes_now_from_the_event_and_rejects_a_bad_one() {
    let w = world();
    let p = w.practice("A Dental", Some("+13125550102")).await;
    w.patient_wrote(&p, "pt-1", monday(9, 0)).await;
    let event = |time: &str| {
        LambdaEvent::new(
            serde_json::json!({"detail-type": "Scheduled Event", "time": time}),
            Default::default(),
        )
    };
    let out = handle(&w.deps, event("2026-03-02T15:35:00Z"))
        .await
        .unwrap();
    assert_eq!(out["escalated"], 1, "{out}");
    let err = handle(&w.deps, event("soon")).await.unwrap_err();
    assert_eq!(err.error_type, "AnswerSla.BadEvent");
}

#[test]
fn the_notice_names_the_practice_and_a_count_only() {
    assert_eq!(
        notice_text(" A Dental ", 2),
        "Frontdesk: 2 conversations are waiting past the answer time we promised at A \
         Dental. They are now urgent tasks; please reply from the staff inbox."
    );
}

#[tokio::test]
async fn a_run_costs_one_query_per_shard_one_batch_read_and_one_write_per_entry() {
    let w = world();
    let p = w.practice("A Dental", Some("+13125550102")).await;
    for i in 0..10 {
        w.patient_wrote(&p, &format!("pt-{i}"), monday(9, i)).await;
    }
    w.store.reset_requests();
    let r = w.run(monday(12, 0)).await;
    assert_eq!(r.escalated, 10);
    // 4 + 4 shard queries (answers, notices) + 1 batch read of practices + 1 claim + 1 open-task page + 10
    // escalations (each with its raised task, one transaction).
    assert_eq!(w.store.requests(), 4 + 4 + 1 + 1 + 1 + 10);
    w.store.reset_requests();
    w.run(monday(12, 5)).await;
    assert_eq!(w.store.requests(), 8, "nothing due: only the shard queries");
}
