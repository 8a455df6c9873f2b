//! The consent history against moto: append-only items under the practice, one Query per
//! page in time order, written in the same transaction as the patient, tenant-checked
//! cursors.

use chrono::{DateTime, Duration, TimeZone, Utc};
use frontdesk::domain::{
    Channel, ConsentChangeSource, ConsentEvent, MessageKind, PatientId, PracticeId,
};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::{Store, Write};
use frontdesk::Error;
use local_stack::Moto;

async fn store() -> DynamoStore {
    let moto = Moto::shared().await.expect("moto starts");
    let table = moto.fresh_table().await.expect("table is created");
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&moto.sdk_config()), table)
}

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap() + Duration::minutes(minute)
}

fn event(practice: &PracticeId, patient: &str, minute: i64, granted: bool) -> ConsentEvent {
    ConsentEvent::record(
        practice,
        &PatientId::parse(patient).unwrap(),
        &[(Channel::Sms, Some(MessageKind::Care), granted)],
        &ConsentChangeSource::Pms,
        at(minute),
    )
    .remove(0)
}

#[tokio::test]
async fn the_history_pages_in_time_order_and_stays_with_its_patient_and_practice() {
    let store = store().await;
    let a = PracticeId::parse("prc_a").unwrap();
    let b = PracticeId::parse("prc_b").unwrap();
    let mut writes: Vec<Write> = (0..5)
        .rev()
        .map(|m| Write::ConsentEvent(Box::new(event(&a, "pt-1", m, m % 2 == 0))))
        .collect();
    writes.push(Write::ConsentEvent(Box::new(event(&a, "pt-2", 1, true))));
    writes.push(Write::ConsentEvent(Box::new(event(&b, "pt-1", 1, true))));
    let keyword = ConsentEvent::record(
        &a,
        &PatientId::parse("pt-1").unwrap(),
        &[(Channel::Sms, None, false)],
        &ConsentChangeSource::keyword("STOP"),
        at(10),
    );
    writes.extend(
        keyword
            .into_iter()
            .map(|e| Write::ConsentEvent(Box::new(e))),
    );
    store.write(writes).await.unwrap();

    let pt1 = PatientId::parse("pt-1").unwrap();
    store.reset_requests();
    let first = store.consent_history(&a, &pt1, None, 4).await.unwrap();
    assert_eq!(store.requests(), 1, "one Query per page");
    assert_eq!(first.items.len(), 4);
    let cursor = first.next.clone().expect("a second page");
    let second = store
        .consent_history(&a, &pt1, Some(&cursor), 4)
        .await
        .unwrap();
    assert_eq!(second.items.len(), 2);
    assert!(second.next.is_none());
    let all: Vec<_> = first.items.iter().chain(&second.items).collect();
    let times: Vec<_> = all.iter().map(|e| e.at).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "oldest first");
    assert!(all
        .iter()
        .all(|e| e.practice_id == a && e.patient_id == pt1));
    let last = all.last().unwrap();
    assert_eq!(
        (last.kind, last.granted, &last.source),
        (None, false, &ConsentChangeSource::keyword("STOP"))
    );

    // Another practice's cursor, or another patient's, is refused.
    let err = store
        .consent_history(&b, &pt1, Some(&cursor), 4)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                field: "cursor",
                ..
            }
        ),
        "{err:?}"
    );
    let err = store
        .consent_history(&a, &PatientId::parse("pt-2").unwrap(), Some(&cursor), 4)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                field: "cursor",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_history_record_is_never_overwritten() {
    let store = store().await;
    let a = PracticeId::parse("prc_a").unwrap();
    let e = event(&a, "pt-1", 0, true);
    store
        .write(vec![Write::ConsentEvent(Box::new(e.clone()))])
        .await
        .unwrap();
    let mut changed = e.clone();
    changed.granted = false;
    let err = store
        .write(vec![Write::ConsentEvent(Box::new(changed))])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict), "{err:?}");
    let page = store
        .consent_history(&a, &e.patient_id, None, 10)
        .await
        .unwrap();
    assert_eq!(page.items, vec![e]);
}
