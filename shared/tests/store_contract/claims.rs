//! Conditions and atomicity: claims, versions, number routes, all-or-nothing batches and
//! what one batch costs.

use frontdesk::domain::{PracticeId, Priority};
use frontdesk::ports::{Expect, Key, Write};
use frontdesk::Error;

use crate::fixtures::*;
use crate::ContractStore;

pub async fn a_claim_can_be_made_only_once<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    store
        .write(vec![claim(&p, "reminder#a1#b2880")])
        .await
        .unwrap();
    let again = store.write(vec![claim(&p, "reminder#a1#b2880")]).await;
    assert_eq!(again, Err(Error::Conflict));
    // The same key in another practice is another claim.
    store
        .write(vec![claim(&PracticeId::generate(), "reminder#a1#b2880")])
        .await
        .unwrap();
}

pub async fn creating_a_patient_that_already_exists_conflicts<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let ada = patient(&p, "pat-1", Some("+12125550111"));
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    let mut other = ada.clone();
    other.first_name = "Someone else".into();
    assert_eq!(
        store
            .write(vec![put_patient(other, Expect::Absent, None)])
            .await,
        Err(Error::Conflict)
    );
    let fetched = store
        .get_many(&p, &[Key::Patient(ada.patient_id.clone())])
        .await
        .unwrap();
    assert_eq!(fetched.patient(&ada.patient_id), Some(&ada));
}

pub async fn a_stale_version_conflicts_and_the_current_version_wins<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let mut ada = patient(&p, "pat-1", None);
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    ada.version = 2;
    ada.first_name = "Augusta".into();
    assert_eq!(
        store
            .write(vec![put_patient(ada.clone(), Expect::Version(7), None)])
            .await,
        Err(Error::Conflict)
    );
    store
        .write(vec![put_patient(ada.clone(), Expect::Version(1), None)])
        .await
        .unwrap();
    assert_eq!(
        store
            .write(vec![put_patient(ada.clone(), Expect::Version(1), None)])
            .await,
        Err(Error::Conflict),
        "version 1 is gone now"
    );
    // A version is expected of an item that exists.
    assert_eq!(
        store
            .write(vec![put_patient(
                patient(&p, "pat-never", None),
                Expect::Version(1),
                None
            )])
            .await,
        Err(Error::Conflict)
    );
    let appt = appointment(&p, "appt-1", "pat-1");
    store
        .write(vec![Write::Appointment {
            appointment: Box::new(appt.clone()),
            expect: Expect::Absent,
        }])
        .await
        .unwrap();
    assert_eq!(
        store
            .write(vec![Write::Appointment {
                appointment: Box::new(appt),
                expect: Expect::Version(0),
            }])
            .await,
        Err(Error::Conflict)
    );
}

pub async fn a_number_route_belongs_to_one_practice<S: ContractStore>(store: S) {
    let a = PracticeId::generate();
    let b = PracticeId::generate();
    let number = phone("+12125550199");
    let route = |p: &PracticeId| Write::NumberRoute {
        number: number.clone(),
        practice_id: p.clone(),
    };
    let unroute = |p: &PracticeId| Write::RemoveNumberRoute {
        number: number.clone(),
        practice_id: p.clone(),
    };
    assert_eq!(store.practice_for_number(&number).await.unwrap(), None);
    store.write(vec![route(&a)]).await.unwrap();
    store.write(vec![route(&a)]).await.unwrap();
    assert_eq!(store.write(vec![route(&b)]).await, Err(Error::Conflict));
    assert_eq!(
        store.practice_for_number(&number).await.unwrap(),
        Some(a.clone())
    );

    // Another practice removing it does nothing, alone or in a batch.
    store.write(vec![unroute(&b)]).await.unwrap();
    store
        .write(vec![
            unroute(&b),
            Write::Task(Box::new(task(&b, Priority::Low, at(1, 0)))),
        ])
        .await
        .unwrap();
    assert_eq!(
        store.open_tasks(&b, None, 10).await.unwrap().items.len(),
        1,
        "the rest of the batch is written"
    );
    assert_eq!(
        store.practice_for_number(&number).await.unwrap(),
        Some(a.clone())
    );

    store.write(vec![unroute(&a)]).await.unwrap();
    assert_eq!(store.practice_for_number(&number).await.unwrap(), None);
    store.write(vec![route(&b)]).await.unwrap();
    assert_eq!(store.practice_for_number(&number).await.unwrap(), Some(b));
}

pub async fn a_transaction_with_a_failed_condition_writes_nothing<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    store.write(vec![claim(&p, "inbound#SM1")]).await.unwrap();
    let pat = pid("pat-1");
    let result = store
        .write(vec![
            Write::Message(Box::new(message(&p, "pat-1", at(10, 0)))),
            Write::Task(Box::new(task(&p, Priority::Urgent, at(10, 0)))),
            put_patient(
                patient(&p, "pat-1", Some("+12125550111")),
                Expect::Absent,
                None,
            ),
            claim(&p, "inbound#SM1"),
        ])
        .await;
    assert_eq!(result, Err(Error::Conflict));
    assert!(store
        .timeline(&p, &pat, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(store
        .open_tasks(&p, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(store
        .get_many(&p, &[Key::Patient(pat.clone())])
        .await
        .unwrap()
        .0
        .is_empty());
    assert!(store
        .patients_by_phone(&p, &phone("+12125550111"))
        .await
        .unwrap()
        .is_empty());
}

pub async fn every_batch_of_writes_is_one_request<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    store.reset_requests();
    store
        .write(vec![Write::Message(Box::new(message(
            &p,
            "pat-1",
            at(10, 0),
        )))])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one PutItem");
    store.reset_requests();
    store
        .write(vec![
            put_patient(
                patient(&p, "pat-1", Some("+12125550111")),
                Expect::Absent,
                None,
            ),
            Write::Message(Box::new(message(&p, "pat-1", at(10, 1)))),
            claim(&p, "k"),
        ])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one TransactWriteItems");
    store.reset_requests();
    store.write(vec![]).await.unwrap();
    assert_eq!(store.requests(), 0, "an empty batch is no round trip");
}

/// The limit is on item writes, not port writes: a patient with a phone is two items.
pub async fn a_batch_of_more_than_100_item_writes_is_refused_and_writes_nothing<
    S: ContractStore,
>(
    store: S,
) {
    let p = PracticeId::generate();
    let patients = |prefix: &str, n: usize| -> Vec<Write> {
        (0..n)
            .map(|i| {
                let number = format!("+12125550{:03}", 200 + i);
                put_patient(
                    patient(&p, &format!("{prefix}-{i}"), Some(&number)),
                    Expect::Absent,
                    None,
                )
            })
            .collect()
    };
    store.write(patients("fits", 50)).await.unwrap();
    assert_eq!(
        store
            .patients_by_phone(&p, &phone("+12125550249"))
            .await
            .unwrap()
            .len(),
        1,
        "50 patients with phones are 100 item writes: one transaction"
    );

    store.reset_requests();
    let err = store.write(patients("over", 51)).await.unwrap_err();
    assert!(matches!(err, Error::Storage(_)), "{err:?}");
    assert_eq!(store.requests(), 0, "refused before it is sent");
    assert!(store
        .get_many(&p, &[Key::Patient(pid("over-0"))])
        .await
        .unwrap()
        .0
        .is_empty());
}
