//! Patients and reads by key: the phone index, noted sends, `get_many` and `get_across`.

use frontdesk::domain::{PracticeId, TaskId};
use frontdesk::ports::{Expect, Item, Key, Write};
use frontdesk::Error;

use crate::fixtures::*;
use crate::ContractStore;

pub async fn a_patient_is_found_by_phone_within_its_practice_and_not_from_another<
    S: ContractStore,
>(
    store: S,
) {
    let mine = PracticeId::generate();
    let theirs = PracticeId::generate();
    let shared_phone = "+12125550111";
    let parent = patient(&mine, "pat-parent", Some(shared_phone));
    let child = patient(&mine, "pat-child", Some(shared_phone));
    let stranger = patient(&mine, "pat-other", Some("+12125550122"));
    store
        .write(vec![
            put_patient(parent.clone(), Expect::Absent, None),
            put_patient(child.clone(), Expect::Absent, None),
            put_patient(stranger, Expect::Absent, None),
        ])
        .await
        .unwrap();

    store.reset_requests();
    let found = store
        .patients_by_phone(&mine, &phone(shared_phone))
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one Query");
    let ids: Vec<_> = found.iter().map(|p| p.patient_id.as_str()).collect();
    assert_eq!(ids, ["pat-child", "pat-parent"], "in index order");
    assert!(
        found.contains(&parent) && found.contains(&child),
        "full copies"
    );

    assert!(store
        .patients_by_phone(&theirs, &phone(shared_phone))
        .await
        .unwrap()
        .is_empty());
}

pub async fn changing_a_phone_removes_the_old_index_entry<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let (old, new) = ("+12125550111", "+12125550122");
    let mut ada = patient(&p, "pat-1", Some(old));
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    ada.phone = Some(phone(new));
    ada.version = 2;
    store
        .write(vec![put_patient(
            ada.clone(),
            Expect::Version(1),
            Some(phone(old)),
        )])
        .await
        .unwrap();
    assert!(store
        .patients_by_phone(&p, &phone(old))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.patients_by_phone(&p, &phone(new)).await.unwrap(),
        vec![ada.clone()]
    );

    // Passing the unchanged phone as the previous one keeps its entry.
    ada.version = 3;
    store
        .write(vec![put_patient(
            ada.clone(),
            Expect::Version(2),
            Some(phone(new)),
        )])
        .await
        .unwrap();
    assert_eq!(
        store.patients_by_phone(&p, &phone(new)).await.unwrap(),
        vec![ada.clone()]
    );

    // Removing the phone altogether removes its entry too.
    ada.phone = None;
    ada.version = 4;
    store
        .write(vec![put_patient(ada, Expect::Version(3), Some(phone(new)))])
        .await
        .unwrap();
    assert!(store
        .patients_by_phone(&p, &phone(new))
        .await
        .unwrap()
        .is_empty());
}

pub async fn get_many_reads_three_items_in_one_request<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let prac = practice(&p);
    let pat = patient(&p, "pat-1", Some("+12125550111"));
    let appt = appointment(&p, "appt-1", "pat-1");
    store
        .write(vec![
            Write::Practice {
                practice: Box::new(prac.clone()),
                expect_absent: true,
            },
            put_patient(pat.clone(), Expect::Absent, None),
            Write::Appointment {
                appointment: Box::new(appt.clone()),
                expect: Expect::Absent,
            },
        ])
        .await
        .unwrap();
    assert_eq!(
        store
            .write(vec![Write::Practice {
                practice: Box::new(prac.clone()),
                expect_absent: true,
            }])
            .await,
        Err(Error::Conflict),
        "a practice is created once"
    );

    store.reset_requests();
    let keys = [
        Key::Appointment(appt.appointment_id.clone()),
        Key::Practice,
        Key::Patient(pat.patient_id.clone()),
        Key::Task(TaskId::parse("tsk_missing").unwrap()),
        Key::Practice,
    ];
    let fetched = store.get_many(&p, &keys).await.unwrap();
    assert_eq!(store.requests(), 1, "one BatchGetItem");
    assert_eq!(
        fetched.0,
        vec![
            Item::Appointment(Box::new(appt.clone())),
            Item::Practice(Box::new(prac.clone())),
            Item::Patient(Box::new(pat.clone())),
        ],
        "in the order asked, each key once, missing items left out"
    );
    assert_eq!(fetched.practice(), Some(&prac));
    assert_eq!(fetched.patient(&pat.patient_id), Some(&pat));
    assert_eq!(fetched.appointment(&appt.appointment_id), Some(&appt));

    store.reset_requests();
    assert_eq!(store.get_practice(&p).await.unwrap(), Some(prac));
    assert_eq!(store.requests(), 1, "one GetItem");
    assert_eq!(
        store.get_practice(&PracticeId::generate()).await.unwrap(),
        None
    );
    store.reset_requests();
    assert!(store.get_many(&p, &[]).await.unwrap().0.is_empty());
    assert_eq!(store.requests(), 0, "nothing asked, nothing sent");
}

pub async fn get_across_reads_items_of_two_practices_in_one_request<S: ContractStore>(store: S) {
    let a = PracticeId::generate();
    let b = PracticeId::generate();
    let (prac_a, prac_b) = (practice(&a), practice(&b));
    // The same patient id in both practices: two different patients.
    let (pat_a, mut pat_b) = (patient(&a, "pat-1", None), patient(&b, "pat-1", None));
    pat_b.first_name = "Grace".into();
    let mut writes = vec![];
    for (prac, pat) in [(&prac_a, &pat_a), (&prac_b, &pat_b)] {
        writes.push(Write::Practice {
            practice: Box::new(prac.clone()),
            expect_absent: true,
        });
        writes.push(put_patient(pat.clone(), Expect::Absent, None));
    }
    store.write(writes).await.unwrap();

    let pat = pid("pat-1");
    store.reset_requests();
    let items = store
        .get_across(&[
            (b.clone(), Key::Patient(pat.clone())),
            (a.clone(), Key::Practice),
            (a.clone(), Key::Patient(pat.clone())),
            (b.clone(), Key::Practice),
            (b.clone(), Key::Task(TaskId::parse("tsk_missing").unwrap())),
            (a.clone(), Key::Practice),
        ])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one BatchGetItem");
    assert_eq!(
        items,
        vec![
            Item::Patient(Box::new(pat_b)),
            Item::Practice(Box::new(prac_a)),
            Item::Patient(Box::new(pat_a)),
            Item::Practice(Box::new(prac_b)),
        ],
        "in the order asked, each key once, missing ones left out"
    );

    // More than 100 keys: one BatchGetItem per 100.
    let many: Vec<(PracticeId, Key)> = (0..150)
        .map(|i| {
            let p = if i % 2 == 0 { &a } else { &b };
            (
                p.clone(),
                Key::Task(TaskId::parse(format!("tsk_{i}")).unwrap()),
            )
        })
        .chain([(a.clone(), Key::Practice)])
        .collect();
    store.reset_requests();
    let items = store.get_across(&many).await.unwrap();
    assert_eq!(store.requests(), 2);
    assert_eq!(items.len(), 1);

    store.reset_requests();
    assert!(store.get_across(&[]).await.unwrap().is_empty());
    assert_eq!(store.requests(), 0);
}

/// (DynamoDB also pays one extra round trip for a stale phone copy: see `dynamo_only`.)
pub async fn noting_an_automated_send_updates_both_copies_and_the_version<S: ContractStore>(
    store: S,
) {
    let p = PracticeId::generate();
    let number = "+12125550111";
    let ada = patient(&p, "pat-1", Some(number));
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    let id = ada.patient_id.clone();

    store.reset_requests();
    store
        .write(vec![note_send(&p, &id, Some(number), at(10, 0))])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one TransactWriteItems");
    let mut expected = ada.clone();
    expected.recent_automated = vec![at(9, 30), at(10, 0)];
    expected.version = 2;
    let fetched = store
        .get_many(&p, &[Key::Patient(id.clone())])
        .await
        .unwrap();
    assert_eq!(fetched.patient(&id), Some(&expected));
    assert_eq!(
        store.patients_by_phone(&p, &phone(number)).await.unwrap(),
        vec![expected.clone()]
    );

    // A stale upsert can no longer erase the noted send.
    let mut stale = ada.clone();
    stale.first_name = "Augusta".into();
    stale.version = 2;
    assert_eq!(
        store
            .write(vec![put_patient(stale, Expect::Version(1), None)])
            .await,
        Err(Error::Conflict)
    );

    // Without a phone: one UpdateItem on the patient alone.
    store.reset_requests();
    store
        .write(vec![note_send(&p, &id, None, at(10, 5))])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one UpdateItem");
    let main = store
        .get_many(&p, &[Key::Patient(id.clone())])
        .await
        .unwrap();
    let main = main.patient(&id).unwrap();
    assert_eq!(main.recent_automated, vec![at(9, 30), at(10, 0), at(10, 5)]);
    assert_eq!(main.version, 3);

    // A phone that is no longer the patient's: the main item is noted, no stub copy.
    let old = "+12125550999";
    store
        .write(vec![note_send(&p, &id, Some(old), at(10, 6))])
        .await
        .unwrap();
    assert!(store
        .patients_by_phone(&p, &phone(old))
        .await
        .unwrap()
        .is_empty());
    let main = store
        .get_many(&p, &[Key::Patient(id.clone())])
        .await
        .unwrap();
    assert_eq!(main.patient(&id).unwrap().version, 4);

    // A patient that is gone is a conflict, and nothing is created.
    let ghost = pid("pat-ghost");
    assert_eq!(
        store
            .write(vec![note_send(&p, &ghost, Some(number), at(10, 7))])
            .await,
        Err(Error::Conflict)
    );
    assert!(store
        .get_many(&p, &[Key::Patient(ghost)])
        .await
        .unwrap()
        .0
        .is_empty());
    assert_eq!(
        store.patients_by_phone(&p, &phone(number)).await.unwrap()[0].version,
        2,
        "the conflicting batch left the live copy alone"
    );
}

pub async fn an_upsert_and_a_noted_send_in_one_batch_apply_in_order<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let number = "+12125550111";
    let mut ada = patient(&p, "pat-1", Some(number));
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    ada.first_name = "Augusta".into();
    ada.version = 2;
    store
        .write(vec![
            put_patient(ada.clone(), Expect::Version(1), None),
            note_send(&p, &ada.patient_id, Some(number), at(10, 0)),
        ])
        .await
        .unwrap();
    let mut expected = ada.clone();
    expected.recent_automated.push(at(10, 0));
    expected.version = 3;
    assert_eq!(
        store
            .get_many(&p, &[Key::Patient(ada.patient_id.clone())])
            .await
            .unwrap()
            .patient(&ada.patient_id),
        Some(&expected)
    );
    assert_eq!(
        store.patients_by_phone(&p, &phone(number)).await.unwrap(),
        vec![expected.clone()]
    );

    // A noted send, then an upsert expecting the version from before the batch (the
    // caller read version 3): the upsert wins and its condition holds.
    let mut later = expected.clone();
    later.first_name = "Ada".into();
    later.version = 4;
    assert_eq!(
        store
            .write(vec![
                note_send(&p, &ada.patient_id, Some(number), at(10, 5)),
                put_patient(later.clone(), Expect::Version(4), None),
            ])
            .await,
        Ok(()),
        "the upsert sees the version the noted send left"
    );
    assert_eq!(
        store
            .get_many(&p, &[Key::Patient(ada.patient_id.clone())])
            .await
            .unwrap()
            .patient(&ada.patient_id),
        Some(&later)
    );
}
