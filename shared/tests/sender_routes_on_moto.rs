//! Email sender ownership against moto: `SENDER#<address>` is claimed with a conditional
//! put, only its owner removes it, and the send guard refuses another practice's sender
//! before any provider call.

use std::sync::Arc;

use frontdesk::domain::{EmailAddress, PracticeId};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::{Email, EmailSender, Store, Write};
use frontdesk::sender_guard::OwnedSenderEmail;
use frontdesk::testing::RecordingEmail;
use frontdesk::Error;
use local_stack::Moto;

async fn store() -> DynamoStore {
    let moto = Moto::shared().await.expect("moto starts");
    let table = moto.fresh_table().await.expect("table is created");
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&moto.sdk_config()), table)
}

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

fn claim(address: &str, practice: &PracticeId) -> Write {
    Write::SenderRoute {
        address: addr(address),
        practice_id: practice.clone(),
    }
}

#[tokio::test]
async fn a_sender_has_one_owner_and_only_the_owner_releases_it() {
    let store = store().await;
    let a = PracticeId::parse("prc_a").unwrap();
    let b = PracticeId::parse("prc_b").unwrap();
    store
        .write(vec![claim("hello@b-dental.example", &b)])
        .await
        .unwrap();
    // Claiming again is a no-op for the owner; another practice conflicts, whatever case.
    store
        .write(vec![claim("hello@b-dental.example", &b)])
        .await
        .unwrap();
    for sender in ["hello@b-dental.example", "HELLO@b-dental.EXAMPLE"] {
        let err = store.write(vec![claim(sender, &a)]).await.unwrap_err();
        assert!(matches!(err, Error::Conflict), "{err:?}");
    }
    store.reset_requests();
    assert_eq!(
        store
            .sender_owner(&addr("hello@b-dental.example"))
            .await
            .unwrap(),
        Some(b.clone())
    );
    assert_eq!(store.requests(), 1, "one GetItem");
    // A cannot remove B's sender (lenient: nothing to remove for A).
    store
        .write(vec![Write::RemoveSenderRoute {
            address: addr("hello@b-dental.example"),
            practice_id: a.clone(),
        }])
        .await
        .unwrap();
    assert_eq!(
        store
            .sender_owner(&addr("hello@b-dental.example"))
            .await
            .unwrap(),
        Some(b.clone())
    );
    store
        .write(vec![Write::RemoveSenderRoute {
            address: addr("hello@b-dental.example"),
            practice_id: b.clone(),
        }])
        .await
        .unwrap();
    assert_eq!(
        store
            .sender_owner(&addr("hello@b-dental.example"))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn the_send_guard_refuses_another_practices_sender() {
    let store = Arc::new(store().await);
    let a = PracticeId::parse("prc_a").unwrap();
    let b = PracticeId::parse("prc_b").unwrap();
    store
        .write(vec![claim("hello@b-dental.example", &b)])
        .await
        .unwrap();
    let provider = Arc::new(RecordingEmail::default());
    let guard = OwnedSenderEmail::new(provider.clone(), store.clone());
    let email = |practice: &PracticeId| Email {
        practice_id: practice.clone(),
        from: addr("hello@b-dental.example"),
        to: addr("ada@patients.example.org"),
        subject: "Hello".into(),
        text: "Hi".into(),
        patient: None,
    };
    let err = guard.send_email(&email(&a)).await.unwrap_err();
    assert!(matches!(err, Error::SendRejected(_)), "{err:?}");
    assert!(provider.sent().is_empty(), "refused before the provider");
    guard.send_email(&email(&b)).await.unwrap();
    assert_eq!(provider.sent().len(), 1);
}
