//! Review requests never depend on sentiment: no open feedback task, low rating or
//! complaint (open or resolved) changes whether, when or how a patient is asked for a
//! review. Both the pure verdict and the whole sweep are checked.

use frontdesk::domain::{Direction, Message};

use super::*;
use crate::request::verdict;
use frontdesk::sweep::Snapshot;

/// The opinions a patient may have expressed, in every form the store can hold.
#[derive(Debug, Clone)]
struct Sentiment {
    feedback_task: Option<TaskStatus>,
    /// Whether `open_feedback_task` points at that task.
    linked: bool,
    /// An inbound rating or complaint on the timeline.
    said: Option<&'static str>,
}

fn sentiment() -> impl Strategy<Value = Sentiment> {
    (
        prop_oneof![
            Just(None),
            Just(Some(TaskStatus::Open)),
            Just(Some(TaskStatus::Resolved))
        ],
        any::<bool>(),
        prop_oneof![
            Just(None),
            Just(Some("1")),
            Just(Some("5")),
            Just(Some(
                "Terrible visit, I waited an hour and nobody apologised"
            )),
            Just(Some("Loved it, thank you!")),
        ],
    )
        .prop_map(|(feedback_task, linked, said)| Sentiment {
            feedback_task,
            linked,
            said,
        })
}

fn complaint(p: &Patient, status: TaskStatus) -> Task {
    Task {
        status,
        patient_id: Some(p.patient_id.clone()),
        ..Task::open(
            p.practice_id.clone(),
            TaskId::generate(),
            TaskKind::FeedbackFollowUp,
            Priority::High,
            "Follow up on feedback",
            "A low rating",
            start(),
        )
    }
}

fn said(p: &Patient, body: &str) -> Message {
    Message::new(
        p.practice_id.clone(),
        completed() + Duration::minutes(30),
        Channel::Sms,
        Direction::Inbound,
        Purpose::PatientMessage,
        body,
        Decision::Received,
    )
    .for_patient(&p.patient_id)
}

/// The sentiment's writes, and the patient as it reads with that sentiment.
fn with_sentiment(p: &Patient, s: &Sentiment) -> (Patient, Vec<Write>) {
    let mut p = p.clone();
    let mut writes = vec![];
    if let Some(status) = s.feedback_task {
        let task = complaint(&p, status);
        if s.linked {
            p.open_feedback_task = Some(task.task_id.clone());
        }
        writes.push(Write::Task(Box::new(task)));
    }
    if let Some(body) = s.said {
        writes.push(Write::Message(Box::new(said(&p, body))));
    }
    (p, writes)
}

const STATUSES: [AppointmentStatus; 5] = [
    AppointmentStatus::Scheduled,
    AppointmentStatus::CheckedIn,
    AppointmentStatus::Completed,
    AppointmentStatus::Cancelled,
    AppointmentStatus::NoShow,
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The pure decision: the same visit, consent, cap and time give the same verdict
    /// whatever the patient's open feedback task says.
    #[test]
    fn no_sentiment_changes_the_verdict(
        seed in any::<u64>(),
        status in 0usize..STATUSES.len(),
        has_url in any::<bool>(),
        review_consent in any::<bool>(),
        last_review_days in prop::option::of(0i64..200),
        minutes in 0i64..(60 * 24 * 7),
        s in sentiment(),
    ) {
        let practice = practice_with(|p| {
            if !has_url {
                p.review_url = None;
            }
        });
        let mut p = varied_patient(1, seed);
        if !review_consent {
            p.consents.set(p.preferred_channel, MessageKind::Reviews, false,
                ConsentSource::PatientForm, start());
        }
        p.last_review_request_at = last_review_days.map(|d| start() - Duration::days(d));
        let mut appt = appointment("a1", &p, start());
        appt.status = STATUSES[status];
        let due = DueWork {
            practice_id: p.practice_id.clone(),
            appointment_id: appt.appointment_id.clone(),
            patient_id: p.patient_id.clone(),
            kind: DueKind::ReviewRequest,
            due_at: due_time(),
            planned_for: start(),
            attempts: 0,
        };
        let now = due_time() + Duration::minutes(minutes);
        let (felt, _) = with_sentiment(&p, &s);
        let snapshot = |patient: Patient| Snapshot {
            practice: Some(practice.clone()),
            patient: Some(patient),
            appointment: Some(appt.clone()),
        };
        prop_assert_eq!(
            verdict(&due, &snapshot(felt), now),
            verdict(&due, &snapshot(p.clone()), now)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The whole sweep: a world with a complaint, a rating or an open feedback task sends
    /// exactly what the same world without them sends, with the same outcomes.
    #[test]
    fn no_sentiment_changes_what_the_sweep_sends(
        seed in any::<u64>(),
        minutes in 0i64..(60 * 24 * 3),
        s in sentiment(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let plain = world();
            let felt = world();
            let p = varied_patient(2, seed);
            let (q, writes) = with_sentiment(&p, &s);
            if !writes.is_empty() {
                felt.store.write(writes).await.unwrap();
            }
            let starts = start() + Duration::minutes(minutes);
            let due = plain.visit(&p, "a1", starts).await;
            felt.visit(&q, "a1", starts).await;
            let mut at = due.due_at;
            for _ in 0..5 {
                let a = run(&plain.deps, at).await.unwrap();
                let b = run(&felt.deps, at).await.unwrap();
                prop_assert_eq!(&a.outcomes, &b.outcomes);
                match plain.store.all_due(&plain.practice.practice_id).pop() {
                    Some(d) => at = d.due_at.max(at),
                    None => break,
                }
            }
            prop_assert_eq!(links_in(&plain), links_in(&felt));
            prop_assert_eq!(plain.sent_count(), felt.sent_count());
            prop_assert_eq!(plain.sent_count(), 1);
            Ok(())
        })?;
    }
}
