//! What only DynamoDB itself can show: attributes as stored (TTL), items written behind the
//! adapter's back (corrupt), a table that is not there, and round trips that only the
//! adapter pays (a lenient condition's resend).

use aws_sdk_dynamodb::types::AttributeValue;
use frontdesk::domain::{PracticeId, TaskId};
use frontdesk::dynamo::DynamoStore;
use frontdesk::keys;
use frontdesk::ports::{Expect, Key, Store, Write};
use frontdesk::Error;
use local_stack::Moto;

use crate::fixtures::*;

async fn raw_client() -> aws_sdk_dynamodb::Client {
    let moto = Moto::shared().await.expect("moto starts");
    aws_sdk_dynamodb::Client::new(&moto.sdk_config())
}

#[tokio::test]
async fn a_claim_is_stored_with_its_ttl() {
    let store = crate::dynamo_store().await;
    let p = PracticeId::generate();
    store.write(vec![claim(&p, "inbound#SM123")]).await.unwrap();
    let item = raw_client()
        .await
        .get_item()
        .table_name(store.table_name())
        .key(keys::PK, AttributeValue::S(keys::practice_pk(&p)))
        .key(keys::SK, AttributeValue::S(keys::claim_sk("inbound#SM123")))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let expected = claim_expiry().timestamp().to_string();
    assert_eq!(item[keys::TTL], AttributeValue::N(expected));
}

#[tokio::test]
async fn a_corrupt_item_is_reported_not_skipped() {
    let store = crate::dynamo_store().await;
    let p = PracticeId::generate();
    let good = patient(&p, "pat-good", Some("+12125550111"));
    store
        .write(vec![put_patient(good, Expect::Absent, None)])
        .await
        .unwrap();
    let raw = raw_client().await;
    for (sk, ty) in [
        (keys::patient_sk(&pid("pat-bad")), "patient"),
        (
            keys::phone_sk(&phone("+12125550111"), &pid("pat-bad")),
            "patient_phone",
        ),
    ] {
        raw.put_item()
            .table_name(store.table_name())
            .item(keys::PK, AttributeValue::S(keys::practice_pk(&p)))
            .item(keys::SK, AttributeValue::S(sk))
            .item("type", AttributeValue::S(ty.into()))
            .item("first_name", AttributeValue::S("Grace Hopper".into()))
            .send()
            .await
            .unwrap();
    }
    let err = store
        .get_many(&p, &[Key::Patient(pid("pat-bad"))])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    assert!(
        !err.to_string().contains("Grace"),
        "no stored values in errors: {err}"
    );
    let err = store
        .patients_by_phone(&p, &phone("+12125550111"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    // An item of another type under a key read as a task is corrupt too.
    raw.put_item()
        .table_name(store.table_name())
        .item(keys::PK, AttributeValue::S(keys::practice_pk(&p)))
        .item(
            keys::SK,
            AttributeValue::S(keys::task_sk(&TaskId::parse("tsk_odd").unwrap())),
        )
        .item("type", AttributeValue::S("claim".into()))
        .send()
        .await
        .unwrap();
    let err = store
        .get_many(&p, &[Key::Task(TaskId::parse("tsk_odd").unwrap())])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_table_is_a_storage_error_without_item_contents() {
    let moto = Moto::shared().await.unwrap();
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&moto.sdk_config()),
        "frontdesk-test-no-such-table",
    );
    let p = PracticeId::generate();
    let err = store
        .write(vec![put_patient(
            patient(&p, "pat-1", Some("+12125550111")),
            Expect::Any,
            None,
        )])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Storage(_)), "{err:?}");
    let text = err.to_string();
    assert!(!text.contains("+1212") && !text.contains("Ada"), "{text}");
}

/// A noted send on a phone copy that is gone, or removing another practice's number route,
/// fails a lenient condition; the adapter drops that operation and sends the rest again.
/// The in-memory store has no round trip to repeat, so these counts are DynamoDB's alone
/// (the outcomes are in the contract).
#[tokio::test]
async fn a_lenient_condition_that_fails_in_a_batch_costs_one_resend() {
    let store = crate::dynamo_store().await;
    let p = PracticeId::generate();
    let ada = patient(&p, "pat-1", Some("+12125550111"));
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    store.reset_requests();
    store
        .write(vec![note_send(
            &p,
            &ada.patient_id,
            Some("+12125550999"),
            at(10, 6),
        )])
        .await
        .unwrap();
    assert_eq!(
        store.requests(),
        2,
        "one TransactWriteItems, one UpdateItem"
    );

    // Removing a number route that is not the practice's, beside another write: the same.
    let number = phone("+12125550199");
    store
        .write(vec![Write::NumberRoute {
            number: number.clone(),
            practice_id: PracticeId::generate(),
        }])
        .await
        .unwrap();
    let unroute = || Write::RemoveNumberRoute {
        number: number.clone(),
        practice_id: p.clone(),
    };
    store.reset_requests();
    store
        .write(vec![unroute(), claim(&p, "inbound#SM9")])
        .await
        .unwrap();
    assert_eq!(store.requests(), 2, "one TransactWriteItems, one PutItem");
    // Alone, a lenient condition that fails leaves nothing to send again.
    store.reset_requests();
    store.write(vec![unroute()]).await.unwrap();
    assert_eq!(store.requests(), 1, "one DeleteItem");
}

#[tokio::test]
async fn work_indexed_before_sharding_is_read_from_the_unsharded_partition_and_moves_on_claim() {
    use frontdesk::domain::{bucket_of, Sweep};
    use frontdesk::ports::{DuePartition, LeasedClaim, PatientLease};
    let store = crate::dynamo_store().await;
    let p = PracticeId::generate();
    let old = no_show_check(&p, "appt-old", at(10, 1));
    plan(&store, &[&old]).await;
    // As the item was indexed before sharding.
    raw_client()
        .await
        .update_item()
        .table_name(store.table_name())
        .key(keys::PK, AttributeValue::S(keys::practice_pk(&p)))
        .key(keys::SK, AttributeValue::S(keys::due_key_of(&old)))
        .update_expression("SET GSI1PK = :legacy")
        .expression_attribute_values(
            ":legacy",
            AttributeValue::S(keys::due_bucket_pk(Sweep::NoShows, bucket_of(old.due_at))),
        )
        .send()
        .await
        .unwrap();
    let shard = DuePartition::of(&old);
    let read = |partition| {
        let store = store.clone();
        async move {
            store
                .due_page(Sweep::NoShows, partition, at(10, 0), at(11, 0), None, 10)
                .await
                .unwrap()
                .items
        }
    };
    let unsharded = |b| DuePartition::Unsharded { bucket: b };
    assert!(read(shard).await.is_empty());
    assert_eq!(read(unsharded(at(10, 0))).await, vec![old.clone()]);
    let lease = PatientLease {
        holder: "run".into(),
        until: at(10, 4),
        now: at(10, 2),
    };
    let LeasedClaim::Claimed(claimed) = store
        .claim_due_leased(&old, at(10, 12), &lease)
        .await
        .unwrap()
    else {
        panic!("the old item is claimable");
    };
    assert!(read(unsharded(at(10, 0))).await.is_empty());
    assert!(read(unsharded(at(10, 10))).await.is_empty());
    assert_eq!(read(shard).await, vec![claimed], "now under its shard");
}
