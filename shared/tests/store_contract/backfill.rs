//! The index backfill on DynamoDB: items stored before an index existed (written here
//! behind the adapter's back, without their index attributes) are missing from it; after
//! `frontdesk::backfill::practice` they are found, unchanged, at their own version.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Duration;
use frontdesk::domain::PracticeId;
use frontdesk::keys;
use frontdesk::ports::{ChangeKind, Expect, Key, Store, Write};
use local_stack::Moto;

use crate::fixtures::*;

/// Removes the index attributes from an item, as if it had been stored before them.
async fn strip(store: &frontdesk::dynamo::DynamoStore, pk: String, sk: String) {
    strip_these(store, pk, sk, "REMOVE GSI1PK, GSI1SK, GSI3PK, GSI3SK").await;
}

async fn strip_these(
    store: &frontdesk::dynamo::DynamoStore,
    pk: String,
    sk: String,
    expression: &str,
) {
    let moto = Moto::shared().await.expect("moto starts");
    aws_sdk_dynamodb::Client::new(&moto.sdk_config())
        .update_item()
        .table_name(store.table_name())
        .key(keys::PK, AttributeValue::S(pk))
        .key(keys::SK, AttributeValue::S(sk))
        .update_expression(expression)
        .send()
        .await
        .expect("stripped");
}

#[tokio::test]
async fn a_backfill_puts_old_items_into_the_new_indexes_and_changes_nothing_else() {
    let store = crate::dynamo_store().await;
    let p = PracticeId::generate();
    let mut writes = Vec::new();
    for i in 0..45 {
        writes.push(put_patient(
            patient(&p, &format!("pt-{i:02}"), None),
            Expect::Absent,
            None,
        ));
    }
    for chunk in writes.chunks(40) {
        store.write(chunk.to_vec()).await.unwrap();
    }
    let appt = appointment(&p, "ap-1", "pt-00");
    store
        .write(vec![Write::Appointment {
            appointment: Box::new(appt.clone()),
            expect: Expect::Absent,
        }])
        .await
        .unwrap();
    for i in 0..45 {
        strip(
            &store,
            keys::practice_pk(&p),
            keys::patient_sk(&pid(&format!("pt-{i:02}"))),
        )
        .await;
    }
    strip(
        &store,
        keys::practice_pk(&p),
        keys::appointment_sk(&appt.appointment_id),
    )
    .await;

    let since = at(0, 0) - Duration::days(3);
    let until = at(23, 0) + Duration::days(3);
    let before = store
        .changed_since(&p, ChangeKind::Patients, since, until, None, 100)
        .await
        .unwrap();
    assert!(
        before.items.is_empty(),
        "stored before the index: not in it"
    );
    let day = store
        .appointments_starting(
            &p,
            appt.starts_at - Duration::hours(1),
            appt.starts_at + Duration::hours(1),
        )
        .await
        .unwrap();
    assert!(day.is_empty());

    let report = frontdesk::backfill::practice(&store, &p).await.unwrap();
    assert_eq!((report.patients, report.appointments), (45, 1));

    let mut found = 0;
    let mut cursor = None;
    loop {
        let page = store
            .changed_since(
                &p,
                ChangeKind::Patients,
                since,
                until,
                cursor.as_deref(),
                100,
            )
            .await
            .unwrap();
        found += page.items.len();
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(found, 45, "every patient in the change feed");
    let day = store
        .appointments_starting(
            &p,
            appt.starts_at - Duration::hours(1),
            appt.starts_at + Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(day, vec![appt.clone()], "in the day schedule, unchanged");
    let fetched = store
        .get_many(&p, &[Key::Patient(pid("pt-07"))])
        .await
        .unwrap();
    assert_eq!(
        fetched.patient(&pid("pt-07")),
        Some(&patient(&p, "pt-07", None)),
        "same item, same version"
    );
    // Running it again is harmless.
    let again = frontdesk::backfill::practice(&store, &p).await.unwrap();
    assert_eq!(again.patients, 45);
}

#[tokio::test]
async fn a_backfill_puts_old_tasks_into_their_patients_task_index_and_nothing_else() {
    use frontdesk::domain::{PatientId, Priority};
    let store = crate::dynamo_store().await;
    let p = PracticeId::generate();
    let mut open = task(&p, Priority::High, at(9, 0));
    open.patient_id = Some(PatientId::parse("pt-1").unwrap());
    let mut resolved = task(&p, Priority::Low, at(9, 1));
    resolved.patient_id = Some(PatientId::parse("pt-1").unwrap());
    resolved.resolve_as("reached", at(10, 0));
    let nobody = task(&p, Priority::Low, at(9, 2));
    store
        .write(
            [&open, &resolved, &nobody]
                .into_iter()
                .map(|t| Write::Task(Box::new(t.clone())))
                .collect(),
        )
        .await
        .unwrap();
    for t in [&open, &resolved] {
        strip_these(
            &store,
            keys::practice_pk(&p),
            keys::task_sk(&t.task_id),
            "REMOVE GSI4PK, GSI4SK",
        )
        .await;
    }
    let pt = PatientId::parse("pt-1").unwrap();
    assert!(store.patient_tasks(&p, &pt).await.unwrap().is_empty());
    let due_before = store
        .webhook_events_due(at(23, 0), 500)
        .await
        .unwrap()
        .len();

    let report = frontdesk::backfill::practice(&store, &p).await.unwrap();
    assert_eq!(report.tasks, 2, "the two tasks about a patient");
    let mut found = store.patient_tasks(&p, &pt).await.unwrap();
    found.sort_by_key(|t| t.created_at);
    assert_eq!(found, vec![open, resolved], "in the index, unchanged");
    assert_eq!(
        store
            .webhook_events_due(at(23, 0), 500)
            .await
            .unwrap()
            .len(),
        due_before,
        "no webhook event from a backfill"
    );
    // Twice is harmless.
    frontdesk::backfill::practice(&store, &p).await.unwrap();
    assert_eq!(store.patient_tasks(&p, &pt).await.unwrap().len(), 2);
}
