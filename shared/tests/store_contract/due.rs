//! Due work: the bucket index, claims (leases), finishing and releasing claimed work.

use frontdesk::domain::{DueKind, DueWork, PracticeId, ReminderOffset, Sweep};
use frontdesk::keys;
use frontdesk::ports::Write;
use frontdesk::Error;

use crate::fixtures::*;
use crate::ContractStore;

pub async fn due_in_bucket_returns_only_work_of_that_sweep_due_by_then<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let q = PracticeId::generate();
    let reminder = |appt: &str, when| {
        due(
            &p,
            appt,
            DueKind::Reminder {
                offset: ReminderOffset::Before { minutes: 2880 },
            },
            when,
        )
    };
    let early = reminder("appt-1", at(10, 1));
    let on_time = reminder("appt-2", at(10, 3));
    let later = reminder("appt-3", at(10, 4));
    let next_bucket = reminder("appt-4", at(10, 6));
    let other_practice = due(&q, "appt-5", DueKind::ConfirmationDeadline, at(10, 2));
    let no_show = due(&p, "appt-6", DueKind::NoShowCheck, at(10, 2));
    plan(
        &store,
        &[
            &early,
            &on_time,
            &later,
            &next_bucket,
            &other_practice,
            &no_show,
        ],
    )
    .await;

    store.reset_requests();
    let got = store
        .due_in_bucket(Sweep::Reminders, at(10, 0), at(10, 3))
        .await
        .unwrap();
    assert_eq!(
        store.requests(),
        keys::DUE_SHARDS as usize + 1,
        "one Query per shard and one of the unsharded partition"
    );
    assert_eq!(
        got,
        vec![early.clone(), other_practice.clone(), on_time.clone()],
        "due order, across practices"
    );
    let no_shows = store
        .due_in_bucket(Sweep::NoShows, at(10, 0), at(10, 59))
        .await
        .unwrap();
    assert_eq!(no_shows, vec![no_show]);
    let next = store
        .due_in_bucket(Sweep::Reminders, at(10, 5), at(10, 59))
        .await
        .unwrap();
    assert_eq!(next, vec![next_bucket]);
    // Any instant names its bucket.
    let same = store
        .due_in_bucket(Sweep::Reminders, at(10, 7), at(10, 59))
        .await
        .unwrap();
    assert_eq!(same, next);

    store
        .write(vec![Write::RemoveDue {
            practice_id: p.clone(),
            due_key: keys::due_key_of(&early),
        }])
        .await
        .unwrap();
    let got = store
        .due_in_bucket(Sweep::Reminders, at(10, 0), at(10, 4))
        .await
        .unwrap();
    assert!(!got.contains(&early));
    assert!(got.contains(&on_time) && got.contains(&later));

    // Planning the same appointment and kind again replaces it.
    let moved = reminder("appt-2", at(10, 4));
    plan(&store, &[&moved]).await;
    let got = store
        .due_in_bucket(Sweep::Reminders, at(10, 0), at(10, 4))
        .await
        .unwrap();
    assert_eq!(
        got,
        vec![other_practice, moved, later],
        "due order; at one time, appointment order"
    );
}

pub async fn due_work_is_claimed_once_even_by_overlapping_sweeps<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let seen = no_show_check(&p, "appt-1", at(10, 1));
    plan(&store, &[&seen]).await;

    store.reset_requests();
    let claimed = store
        .claim_due(&seen, at(10, 11))
        .await
        .unwrap()
        .expect("the first sweep claims it");
    assert_eq!(store.requests(), 1, "one UpdateItem");
    let mut expected = seen.clone();
    expected.due_at = at(10, 11);
    expected.attempts = 1;
    assert_eq!(claimed, expected, "the stored item as it is now");

    // A second sweep that read the same item before the claim loses.
    assert_eq!(store.claim_due(&seen, at(10, 12)).await.unwrap(), None);
    // After the lease, the next sweep sees the claimed item and may claim it again.
    let again = store
        .claim_due(&claimed, at(10, 21))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.attempts, 2);
    assert_eq!(store.claim_due(&claimed, at(10, 22)).await.unwrap(), None);

    // Two sweeps claiming the same items at the same moment, through clones of one store.
    // moto 5.2.5 serves requests on threads and checks an UpdateItem's condition without a
    // lock, so two truly simultaneous claims sometimes both succeed there (from 1 in ~170
    // races alone to 1 in ~10 with the suite running in parallel); DynamoDB serialises the
    // writes to one item. Exactly-once is proven deterministically above. Here: both sweeps
    // get an answer, not an error; one of them wins; and the item as seen is spent.
    let other = store.clone();
    let work: Vec<DueWork> = (0..10)
        .map(|i| no_show_check(&p, &format!("appt-race-{i}"), at(10, 2)))
        .collect();
    plan(&store, &work.iter().collect::<Vec<_>>()).await;
    for w in &work {
        let (a, b) = tokio::join!(
            store.claim_due(w, at(10, 12)),
            other.claim_due(w, at(10, 13))
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(a.is_some() || b.is_some(), "one of the sweeps claims it");
        assert_eq!(
            store.claim_due(w, at(10, 14)).await.unwrap(),
            None,
            "a third sweep with the same view loses"
        );
    }

    // Work that was removed (or never planned) cannot be claimed.
    let gone = no_show_check(&p, "appt-gone", at(10, 1));
    assert_eq!(store.claim_due(&gone, at(10, 11)).await.unwrap(), None);
    // A claim answers with the item as stored, whatever else the caller's view holds.
    let stored = no_show_check(&p, "appt-view", at(10, 1));
    plan(&store, &[&stored]).await;
    let mut view = stored.clone();
    view.planned_for = at(16, 0);
    let got = store.claim_due(&view, at(10, 11)).await.unwrap().unwrap();
    assert_eq!(got.planned_for, stored.planned_for);
    // Work whose attempts can no longer be counted cannot be claimed.
    let mut spent = no_show_check(&p, "appt-spent", at(10, 1));
    spent.attempts = u32::MAX;
    plan(&store, &[&spent]).await;
    let err = store.claim_due(&spent, at(10, 11)).await.unwrap_err();
    assert!(matches!(err, Error::Storage(_)), "{err:?}");
}

pub async fn a_claimed_item_moves_from_its_bucket_to_the_lease_bucket<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let seen = no_show_check(&p, "appt-1", at(10, 1));
    let neighbour = no_show_check(&p, "appt-2", at(10, 3));
    plan(&store, &[&seen, &neighbour]).await;

    let claimed = store.claim_due(&seen, at(10, 17)).await.unwrap().unwrap();
    assert_eq!(
        store
            .due_in_bucket(Sweep::NoShows, at(10, 0), at(10, 59))
            .await
            .unwrap(),
        vec![neighbour],
        "gone from the old bucket"
    );
    assert_eq!(
        store
            .due_in_bucket(Sweep::NoShows, at(10, 15), at(10, 17))
            .await
            .unwrap(),
        vec![claimed],
        "in the lease bucket"
    );
    assert!(
        store
            .due_in_bucket(Sweep::NoShows, at(10, 15), at(10, 16))
            .await
            .unwrap()
            .is_empty(),
        "not due before the lease ends"
    );
}

pub async fn finishing_due_work_needs_the_current_claim<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let seen = no_show_check(&p, "appt-1", at(10, 1));
    plan(&store, &[&seen]).await;
    let claimed = store.claim_due(&seen, at(10, 11)).await.unwrap().unwrap();

    let done = |d: &DueWork| Write::DoneDue {
        claimed: Box::new(d.clone()),
    };
    assert_eq!(
        store.write(vec![done(&seen)]).await,
        Err(Error::Conflict),
        "a stale claim"
    );
    // In a transaction, a stale claim writes nothing else either.
    let note = message(&p, "pat-1", at(10, 5));
    assert_eq!(
        store
            .write(vec![done(&seen), Write::Message(Box::new(note))])
            .await,
        Err(Error::Conflict)
    );
    assert!(store
        .timeline(&p, &pid("pat-1"), None, 10)
        .await
        .unwrap()
        .items
        .is_empty());

    store.reset_requests();
    store.write(vec![done(&claimed)]).await.unwrap();
    assert_eq!(store.requests(), 1, "one DeleteItem");
    assert!(store
        .due_in_bucket(Sweep::NoShows, at(10, 10), at(10, 59))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.claim_due(&claimed, at(10, 21)).await.unwrap(), None);
    assert_eq!(
        store.write(vec![done(&claimed)]).await,
        Err(Error::Conflict),
        "already done"
    );
}

pub async fn releasing_due_work_moves_it_to_its_next_bucket<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let seen = no_show_check(&p, "appt-1", at(10, 1));
    plan(&store, &[&seen]).await;
    let claimed = store.claim_due(&seen, at(10, 11)).await.unwrap().unwrap();
    let mut next = claimed.clone();
    next.due_at = at(11, 2);

    let release = |held: &DueWork| Write::ReleaseDue {
        claimed: Box::new(held.clone()),
        next: Box::new(next.clone()),
    };
    assert_eq!(
        store.write(vec![release(&seen)]).await,
        Err(Error::Conflict),
        "a stale claim"
    );
    store.reset_requests();
    store
        .write(vec![
            release(&claimed),
            Write::Message(Box::new(message(&p, "pat-1", at(10, 5)))),
        ])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one TransactWriteItems");
    assert!(store
        .due_in_bucket(Sweep::NoShows, at(10, 10), at(10, 59))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .due_in_bucket(Sweep::NoShows, at(11, 0), at(11, 2))
            .await
            .unwrap(),
        vec![next.clone()]
    );
    // The released item is claimable as it now is, and the old claim is spent.
    assert_eq!(
        store.write(vec![release(&claimed)]).await,
        Err(Error::Conflict)
    );
    let reclaimed = store.claim_due(&next, at(11, 12)).await.unwrap().unwrap();
    assert_eq!(reclaimed.attempts, claimed.attempts + 1);
}

/// A release keeps the practice, appointment and kind; other work is planned with `Due`.
pub async fn releasing_due_work_as_other_work_is_refused<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let seen = no_show_check(&p, "appt-1", at(10, 1));
    plan(&store, &[&seen]).await;
    let claimed = store.claim_due(&seen, at(10, 11)).await.unwrap().unwrap();
    let mut other_kind = claimed.clone();
    other_kind.kind = DueKind::ReviewRequest;
    let mut other_appointment = claimed.clone();
    other_appointment.appointment_id = frontdesk::domain::AppointmentId::parse("appt-2").unwrap();
    for next in [other_kind, other_appointment] {
        store.reset_requests();
        let err = store
            .write(vec![
                Write::ReleaseDue {
                    claimed: Box::new(claimed.clone()),
                    next: Box::new(next),
                },
                Write::Message(Box::new(message(&p, "pat-1", at(10, 5)))),
            ])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Storage(_)), "{err:?}");
        assert_eq!(store.requests(), 0, "refused before it is sent");
    }
    assert!(store
        .timeline(&p, &pid("pat-1"), None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        store
            .due_in_bucket(Sweep::NoShows, at(10, 10), at(10, 14))
            .await
            .unwrap(),
        vec![claimed],
        "the claim is untouched"
    );
}

/// The due index keeps times to the millisecond, so "due by `until`" and the bucket are
/// read at that precision, on both stores.
pub async fn due_work_is_due_by_the_millisecond_as_the_index_keeps_it<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let sub_ms = chrono::Duration::microseconds(500);
    let same_ms = no_show_check(&p, "appt-1", at(10, 3) + sub_ms);
    let next_ms = no_show_check(&p, "appt-2", at(10, 3) + chrono::Duration::milliseconds(1));
    plan(&store, &[&same_ms, &next_ms]).await;
    assert_eq!(
        store
            .due_in_bucket(Sweep::NoShows, at(10, 0), at(10, 3))
            .await
            .unwrap(),
        vec![same_ms.clone()]
    );
    let claimed = store
        .claim_due(&same_ms, at(10, 13))
        .await
        .unwrap()
        .expect("the exact time as stored is held");
    assert_eq!(claimed.attempts, 1);
}
