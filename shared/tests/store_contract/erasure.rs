//! Erasure removes a message's copies with it: the delivery-report lookup and a deferred
//! reply waiting for the staff-replies sweep (so nothing of an erased patient goes out).

use chrono::Duration;
use frontdesk::domain::{Decision, PracticeId};
use frontdesk::ports::Write;

use crate::fixtures::*;
use crate::ContractStore;

pub async fn an_erased_message_takes_its_sent_copy_and_deferred_reply_with_it<S: ContractStore>(
    store: S,
) {
    let p = PracticeId::generate();
    let mut sent = message(&p, "pt-1", at(10, 0));
    sent.decision = Decision::Sent {
        provider_message_id: Some("SM-erase-1".into()),
    };
    let mut deferred = message(&p, "pt-1", at(10, 1));
    deferred.decision = Decision::Deferred {
        until: at(10, 1) + Duration::hours(9),
    };
    let mut other = message(&p, "pt-2", at(10, 2));
    other.decision = Decision::Sent {
        provider_message_id: Some("SM-keep-1".into()),
    };
    store
        .write(vec![
            Write::Message(Box::new(sent.clone())),
            Write::Message(Box::new(deferred.clone())),
            Write::DeferReply(Box::new(deferred.clone())),
            Write::Message(Box::new(other.clone())),
        ])
        .await
        .unwrap();
    assert!(store
        .sent_message(&p, "SM-erase-1")
        .await
        .unwrap()
        .is_some());
    let later = at(10, 0) + Duration::days(1);
    assert!(store
        .deferred_replies(later)
        .await
        .unwrap()
        .iter()
        .any(|m| m.message_id == deferred.message_id));

    store
        .write(vec![
            Write::RemoveMessage(Box::new(sent)),
            Write::RemoveMessage(Box::new(deferred.clone())),
        ])
        .await
        .unwrap();
    assert!(store
        .sent_message(&p, "SM-erase-1")
        .await
        .unwrap()
        .is_none());
    assert!(store
        .deferred_replies(later)
        .await
        .unwrap()
        .iter()
        .all(|m| m.message_id != deferred.message_id));
    assert_eq!(
        store.sent_message(&p, "SM-keep-1").await.unwrap(),
        Some(other),
        "another patient's stays"
    );
}

/// Erasure finds a patient's tasks by key (their task index): the round trips are the same
/// with 3 or 150 other patients' tasks in the practice, and only theirs come back, open
/// and resolved, and never another practice's.
pub async fn a_patients_tasks_are_found_by_key_whatever_the_other_patients_tasks<
    S: ContractStore,
>(
    store: S,
) {
    use frontdesk::domain::{PatientId, Priority, Task};
    let p = PracticeId::generate();
    let elsewhere = PracticeId::generate();
    let about = |practice: &PracticeId, patient: &str, m: u32| -> Task {
        let mut t = task(practice, Priority::Normal, at(9, m % 60));
        t.patient_id = Some(PatientId::parse(patient).unwrap());
        t
    };
    let mine = [about(&p, "pt-1", 1), about(&p, "pt-1", 2)];
    let mut resolved = about(&p, "pt-1", 3);
    resolved.resolve_as("reached", at(11, 0));
    let mut writes: Vec<Write> = mine
        .iter()
        .chain([&resolved])
        .map(|t| Write::Task(Box::new(t.clone())))
        .collect();
    writes.push(Write::Task(Box::new(about(&elsewhere, "pt-1", 4))));
    writes.extend((0..3).map(|i| Write::Task(Box::new(about(&p, &format!("pt-o{i}"), i)))));
    store.write(writes).await.unwrap();

    store.reset_requests();
    let few = store
        .patient_tasks(&p, &PatientId::parse("pt-1").unwrap())
        .await
        .unwrap();
    let trips_with_few = store.requests();
    let mut want: Vec<_> = mine
        .iter()
        .chain([&resolved])
        .map(|t| t.task_id.clone())
        .collect();
    want.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let mut got: Vec<_> = few.iter().map(|t| t.task_id.clone()).collect();
    got.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(got, want, "open and resolved, only this practice's");

    for chunk in (3..150).collect::<Vec<u32>>().chunks(40) {
        let writes = chunk
            .iter()
            .map(|i| Write::Task(Box::new(about(&p, &format!("pt-o{i}"), *i))))
            .collect();
        store.write(writes).await.unwrap();
    }
    store.reset_requests();
    let many = store
        .patient_tasks(&p, &PatientId::parse("pt-1").unwrap())
        .await
        .unwrap();
    assert_eq!(many.len(), 3);
    assert_eq!(
        store.requests(),
        trips_with_few,
        "no growth with others' tasks"
    );
    assert_eq!(trips_with_few, 1, "one Query");
    assert!(store
        .patient_tasks(&p, &PatientId::parse("pt-none").unwrap())
        .await
        .unwrap()
        .is_empty());
}
