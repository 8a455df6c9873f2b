//! Batched notices of urgent tasks over the in-memory store (the store contract proves it
//! equal to DynamoDB for these writes and reads), replaying moments through the event
//! time: one notice per practice per run with counts by kind, no patient data, once.

use chrono::DateTime;
use chrono::Utc;
use frontdesk::domain::{PatientId, PracticeId, Priority, Task, TaskId, TaskKind};
use frontdesk::ports::{Store, Write};

use crate::answer_sla::run;
use crate::answer_sla::tests::{monday, world, World};

impl World {
    /// A writer opened an urgent task at `at` through `Write::open_task`.
    async fn urgent(&self, p: &PracticeId, kind: TaskKind, at: DateTime<Utc>) {
        let mut task = Task::open(
            p.clone(),
            TaskId::generate(),
            kind,
            Priority::Urgent,
            "Unconfirmed appointment, new patient",
            "Call them.",
            at,
        );
        task.patient_id = Some(PatientId::parse("pt-secret-1").unwrap());
        self.store.write(Write::open_task(task)).await.unwrap();
    }
}

#[tokio::test]
async fn three_urgent_tasks_make_one_notice_with_a_count_and_no_patient_data() {
    let w = world();
    let p = w.practice("A Dental", Some("+13125550102")).await;
    let quiet = w.practice("B Dental", Some("+13125550103")).await;
    w.urgent(&p, TaskKind::UnconfirmedAppointment, monday(9, 0))
        .await;
    w.urgent(&p, TaskKind::UnconfirmedAppointment, monday(9, 1))
        .await;
    w.urgent(&p, TaskKind::WellbeingCall, monday(9, 2)).await;
    // Not before they exist.
    let r = w.run(monday(8, 55)).await;
    assert_eq!(r.notices.found, 0, "{r:?}");

    let r = w.run(monday(9, 5)).await;
    assert_eq!(
        (r.notices.found, r.notices.counted, r.notices.notified),
        (3, 3, 1),
        "{r:?}"
    );
    let sent = w.sms.sent();
    assert_eq!(sent.len(), 1, "one notice, not one per task");
    assert_eq!(sent[0].to.as_str(), "+13125550102");
    assert_eq!(sent[0].from.as_ref().unwrap().as_str(), "+13125550143");
    assert_eq!(
        sent[0].body,
        "Frontdesk: 3 new urgent tasks at A Dental (2 unconfirmed appointment, 1 wellbeing \
         call). Please open the staff task list."
    );
    assert!(!sent[0].body.contains("pt-"));
    // The practice with none was told nothing; later runs tell nobody again.
    assert!(sent.iter().all(|s| s.to.as_str() != "+13125550103"));
    for m in [10, 15, 30] {
        let r = w.run(monday(9, m)).await;
        assert_eq!(r.notices.found, 0, "{r:?}");
    }
    assert_eq!(w.sms.sent().len(), 1);
    let _ = quiet;
}

#[tokio::test]
async fn emergencies_and_less_urgent_tasks_leave_no_notice() {
    let w = world();
    let p = w.practice("A Dental", Some("+13125550102")).await;
    w.urgent(&p, TaskKind::Emergency, monday(9, 0)).await;
    let high = Task::open(
        p.clone(),
        TaskId::generate(),
        TaskKind::UnconfirmedAppointment,
        Priority::High,
        "Unconfirmed appointment",
        "Call them.",
        monday(9, 0),
    );
    w.store.write(Write::open_task(high)).await.unwrap();
    let r = w.run(monday(9, 5)).await;
    assert_eq!(r.notices, Default::default(), "{r:?}");
    assert!(w.sms.sent().is_empty());
}

#[tokio::test]
async fn two_overlapping_runs_send_one_notice() {
    let w = world();
    let p = w.practice("A Dental", Some("+13125550102")).await;
    for m in 0..5 {
        w.urgent(&p, TaskKind::WellbeingCall, monday(9, m)).await;
    }
    // The same moment (a retry): the claim.
    let (r1, r2) = tokio::join!(run(&w.deps, monday(9, 5)), run(&w.deps, monday(9, 5)));
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(r1.notices.counted + r2.notices.counted, 5, "{r1:?} {r2:?}");
    assert_eq!(w.sms.sent().len(), 1, "{r1:?} {r2:?}");
    assert!(w.sms.sent()[0].body.contains("5 new urgent tasks"));

    // Different moments overlapping: each task is counted by one run only.
    let q = w.practice("Q Dental", Some("+13125550104")).await;
    for m in 0..5 {
        w.urgent(&q, TaskKind::WellbeingCall, monday(10, m)).await;
    }
    let (r1, r2) = tokio::join!(run(&w.deps, monday(10, 5)), run(&w.deps, monday(10, 10)));
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(r1.notices.counted + r2.notices.counted, 5, "{r1:?} {r2:?}");
    let to_q: Vec<_> = w
        .sms
        .sent()
        .into_iter()
        .filter(|s| s.to.as_str() == "+13125550104")
        .collect();
    assert!(!to_q.is_empty() && to_q.len() <= 2, "{to_q:?}");
}

#[tokio::test]
async fn a_failed_notice_waits_for_the_next_run() {
    let w = world();
    let p = w.practice("A Dental", Some("+13125550102")).await;
    w.urgent(&p, TaskKind::WellbeingCall, monday(9, 0)).await;
    *w.sms.fail_with.lock().unwrap() = Some(frontdesk::Error::SendRejected("down".into()));
    let r = run(&w.deps, monday(9, 5)).await;
    assert!(r.is_err(), "the only practice with work failed: {r:?}");
    *w.sms.fail_with.lock().unwrap() = None;
    let r = w.run(monday(9, 10)).await;
    assert_eq!((r.notices.counted, r.notices.notified), (1, 1), "{r:?}");
    assert_eq!(w.sms.sent().len(), 1);
}

#[tokio::test]
async fn without_an_on_call_contact_the_notices_are_taken_and_reported_missing() {
    let w = world();
    let p = w.practice("A Dental", None).await;
    w.urgent(&p, TaskKind::WellbeingCall, monday(9, 0)).await;
    let r = w.run(monday(9, 5)).await;
    assert_eq!((r.notices.counted, r.notices.no_contact), (1, 1), "{r:?}");
    assert_eq!(w.run(monday(9, 10)).await.notices.found, 0);
}

#[tokio::test]
async fn a_notice_run_costs_its_shard_queries_one_claim_and_one_removal_per_100() {
    let w = world();
    let p = w.practice("A Dental", Some("+13125550102")).await;
    for m in 0..3 {
        w.urgent(&p, TaskKind::UnconfirmedAppointment, monday(9, m))
            .await;
    }
    w.store.reset_requests();
    let r = w.run(monday(9, 5)).await;
    assert_eq!(r.notices.counted, 3);
    // 4 answer + 4 notice shard queries, 1 batch read of practices, 1 claim, 1
    // transaction removing the 3 notices.
    assert_eq!(w.store.requests(), 4 + 4 + 1 + 1 + 1);
}
