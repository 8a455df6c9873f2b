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
