//! Broadcasts: the broadcast is created once and moved on by version; each recipient is
//! created once (the keyed send intent) and its outcome rewritten; recipients page within
//! their broadcast and practice only.

use frontdesk::domain::{
    Audience, Broadcast, Channel, MessageKind, PatientId, PracticeId, Recipient, RecipientOutcome,
};
use frontdesk::ports::{Expect, Key, Write};
use frontdesk::Error;

use crate::fixtures::*;
use crate::ContractStore;

fn broadcast(p: &PracticeId) -> Broadcast {
    Broadcast::new(
        p.clone(),
        Audience::AllActive,
        MessageKind::Care,
        "The office is closed today.".into(),
        None,
        at(9, 0),
        at(8, 0),
    )
    .unwrap()
}

fn recipient(b: &Broadcast, patient: &str, outcome: RecipientOutcome) -> Recipient {
    Recipient {
        practice_id: b.practice_id.clone(),
        broadcast_id: b.broadcast_id.clone(),
        patient_id: PatientId::parse(patient).unwrap(),
        outcome,
        at: at(9, 0),
    }
}

pub async fn a_broadcast_is_created_once_and_moved_on_by_version<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let b = broadcast(&p);
    let create = || Write::Broadcast {
        broadcast: Box::new(b.clone()),
        expect: Expect::Absent,
    };
    store.write(vec![create()]).await.unwrap();
    assert!(matches!(
        store.write(vec![create()]).await,
        Err(Error::Conflict)
    ));
    let moved = Broadcast {
        expanded: 45,
        version: 1,
        ..b.clone()
    };
    let step = |expect| Write::Broadcast {
        broadcast: Box::new(moved.clone()),
        expect,
    };
    store.write(vec![step(Expect::Version(0))]).await.unwrap();
    assert!(
        matches!(
            store.write(vec![step(Expect::Version(0))]).await,
            Err(Error::Conflict)
        ),
        "a run that read version 0 has lost"
    );
    let got = store
        .get_many(&p, &[Key::Broadcast(b.broadcast_id.clone())])
        .await
        .unwrap();
    assert_eq!(got.broadcast(&b.broadcast_id), Some(&moved));
    let other = PracticeId::generate();
    let theirs = store
        .get_many(&other, &[Key::Broadcast(b.broadcast_id.clone())])
        .await
        .unwrap();
    assert_eq!(
        theirs.broadcast(&b.broadcast_id),
        None,
        "never another practice's"
    );
}

pub async fn a_recipient_is_created_once_and_its_outcome_rewritten<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let b = broadcast(&p);
    let other = broadcast(&p);
    let pending = |b: &Broadcast, id: &str| Write::BroadcastRecipient {
        recipient: Box::new(recipient(b, id, RecipientOutcome::Pending)),
        create: true,
    };
    store
        .write(vec![
            pending(&b, "pt-1"),
            pending(&b, "pt-2"),
            pending(&other, "pt-1"),
        ])
        .await
        .unwrap();
    assert!(
        matches!(
            store.write(vec![pending(&b, "pt-1")]).await,
            Err(Error::Conflict)
        ),
        "the intent exists: no second recipient, no second send"
    );
    let sent = recipient(
        &b,
        "pt-1",
        RecipientOutcome::Sent {
            channel: Channel::Sms,
        },
    );
    store
        .write(vec![Write::BroadcastRecipient {
            recipient: Box::new(sent.clone()),
            create: false,
        }])
        .await
        .unwrap();
    let never = Write::BroadcastRecipient {
        recipient: Box::new(recipient(&b, "pt-9", RecipientOutcome::Cancelled)),
        create: false,
    };
    assert!(
        matches!(store.write(vec![never]).await, Err(Error::Conflict)),
        "an outcome needs its intent"
    );
    store.reset_requests();
    let first = store
        .broadcast_recipients(&p, &b.broadcast_id, None, 1)
        .await
        .unwrap();
    assert_eq!(first.items, vec![sent]);
    let rest = store
        .broadcast_recipients(&p, &b.broadcast_id, first.next.as_deref(), 10)
        .await
        .unwrap();
    assert_eq!(store.requests(), 2, "one Query a page");
    assert_eq!(
        rest.items,
        vec![recipient(&b, "pt-2", RecipientOutcome::Pending)]
    );
    assert_eq!(rest.next, None);
    let none = store
        .broadcast_recipients(&PracticeId::generate(), &b.broadcast_id, None, 10)
        .await
        .unwrap();
    assert!(none.items.is_empty(), "never another practice's");
}
