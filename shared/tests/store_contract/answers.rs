//! The answer-deadline index of inbox entries: what the answer sweep reads, and the
//! conditional rewrite that makes it escalate each entry once.

use chrono::Duration;
use frontdesk::domain::{Channel, PracticeId, Waiting};
use frontdesk::ports::Write;
use frontdesk::Error;

use crate::fixtures::*;
use crate::ContractStore;

fn waiting(p: &PracticeId, patient: &str, h: u32, m: u32) -> Waiting {
    Waiting::patient(p, &pid(patient), at(h, m), Channel::Sms)
}

pub async fn entries_are_due_by_since_then_by_their_deadline_until_escalated<S: ContractStore>(
    store: S,
) {
    let a = PracticeId::generate();
    let b = PracticeId::generate();
    let early = waiting(&a, "pat-1", 9, 0);
    let late = waiting(&a, "pat-2", 11, 0);
    let other = waiting(&b, "pat-1", 9, 30);
    store
        .write(vec![
            Write::Waiting(Box::new(early.clone())),
            Write::Waiting(Box::new(late.clone())),
            Write::Waiting(Box::new(other.clone())),
        ])
        .await
        .unwrap();

    store.reset_requests();
    let mut due = store.answers_due(at(10, 0), 100).await.unwrap();
    assert!(
        store.requests() <= frontdesk::keys::ANSWER_SHARDS as usize,
        "one Query per shard"
    );
    due.sort_by_key(|w| w.since);
    assert_eq!(
        due,
        vec![early.clone(), other.clone()],
        "across practices, by since"
    );

    // The sweep works out a later deadline: the entry moves to it.
    let mut moved = early.clone();
    moved.answer_by = Some(at(12, 0));
    store
        .write(vec![Write::UpdateWaiting(Box::new(moved.clone()))])
        .await
        .unwrap();
    let due = store.answers_due(at(10, 0), 100).await.unwrap();
    assert_eq!(due, vec![other.clone()]);
    let due = store.answers_due(at(12, 0), 100).await.unwrap();
    assert!(due.contains(&moved) && due.contains(&late));

    // Escalated: out of the index, still in the inbox; a second escalation conflicts.
    let mut escalated = moved.clone();
    escalated.escalated_at = Some(at(12, 0));
    store
        .write(vec![Write::UpdateWaiting(Box::new(escalated.clone()))])
        .await
        .unwrap();
    let due = store.answers_due(at(23, 0), 100).await.unwrap();
    assert!(!due
        .iter()
        .any(|w| w.practice_id == a && w.since == early.since));
    let inbox = store.waiting(&a, None, 10).await.unwrap();
    assert!(inbox.items.contains(&escalated), "{:?}", inbox.items);
    assert!(matches!(
        store
            .write(vec![Write::UpdateWaiting(Box::new(escalated))])
            .await,
        Err(Error::Conflict)
    ));
}

pub async fn an_answered_entry_is_not_brought_back_by_the_sweep<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let w = waiting(&p, "pat-1", 9, 0);
    store
        .write(vec![Write::Waiting(Box::new(w.clone()))])
        .await
        .unwrap();
    store
        .write(vec![Write::RemoveWaiting {
            practice_id: p.clone(),
            thread_id: w.thread_id.clone(),
            since: w.since,
        }])
        .await
        .unwrap();
    let mut late = w.clone();
    late.answer_by = Some(w.since + Duration::minutes(30));
    assert!(matches!(
        store
            .write(vec![Write::UpdateWaiting(Box::new(late))])
            .await,
        Err(Error::Conflict)
    ));
    assert!(store.waiting(&p, None, 10).await.unwrap().items.is_empty());
    assert!(store.answers_due(at(23, 0), 100).await.unwrap().is_empty());
}

pub async fn the_deadline_index_is_read_a_bounded_page_per_shard<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let writes: Vec<Write> = (0..5)
        .map(|i| Write::Waiting(Box::new(waiting(&p, &format!("pat-{i}"), 9, i))))
        .collect();
    store.write(writes).await.unwrap();
    let due = store.answers_due(at(10, 0), 2).await.unwrap();
    let since: Vec<_> = due.iter().map(|w| w.since).collect();
    assert_eq!(
        since,
        vec![at(9, 0), at(9, 1)],
        "one practice is one shard: oldest first"
    );
}
