//! The email index: an inbound email's sender, found by address within one practice only.

use frontdesk::domain::{EmailAddress, PracticeId};
use frontdesk::ports::Expect;

use crate::fixtures::*;
use crate::ContractStore;

fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

pub async fn a_patient_is_found_by_email_within_its_practice_only<S: ContractStore>(store: S) {
    let mine = PracticeId::generate();
    let theirs = PracticeId::generate();
    let mut ada = patient(&mine, "pat-ada", None);
    ada.email = Some(email("Ada@Example.org"));
    let mut twin = patient(&mine, "pat-twin", None);
    twin.email = Some(email("ada@example.org"));
    let mut other = patient(&theirs, "pat-ada", None);
    other.email = Some(email("ada@example.org"));
    let mut stranger = patient(&mine, "pat-bob", None);
    stranger.email = Some(email("bob@example.org"));
    store
        .write(vec![
            put_patient(ada.clone(), Expect::Absent, None),
            put_patient(twin.clone(), Expect::Absent, None),
            put_patient(other, Expect::Absent, None),
            put_patient(stranger, Expect::Absent, None),
        ])
        .await
        .unwrap();

    store.reset_requests();
    let mut found = store
        .patients_by_email(&mine, &email("ADA@example.org"))
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one Query");
    found.sort_by(|a, b| a.patient_id.cmp(&b.patient_id));
    assert_eq!(
        found,
        vec![ada, twin],
        "case-insensitive, full patients, this practice"
    );
    assert!(store
        .patients_by_email(&mine, &email("nobody@example.org"))
        .await
        .unwrap()
        .is_empty());
}

pub async fn a_changed_or_removed_email_moves_the_index_with_it<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let mut ada = patient(&p, "pat-1", None);
    ada.email = Some(email("old@example.org"));
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    ada.email = Some(email("new@example.org"));
    ada.version = 2;
    store
        .write(vec![put_patient(ada.clone(), Expect::Version(1), None)])
        .await
        .unwrap();
    assert!(store
        .patients_by_email(&p, &email("old@example.org"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .patients_by_email(&p, &email("new@example.org"))
            .await
            .unwrap(),
        vec![ada.clone()]
    );
    ada.email = None;
    ada.version = 3;
    store
        .write(vec![put_patient(ada, Expect::Version(2), None)])
        .await
        .unwrap();
    assert!(store
        .patients_by_email(&p, &email("new@example.org"))
        .await
        .unwrap()
        .is_empty());
}
