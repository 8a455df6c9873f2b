//! Canned replies: saved, edited only while they exist, listed per practice, removed.

use frontdesk::domain::{CannedReply, PracticeId};
use frontdesk::ports::Write;
use frontdesk::Error;

use crate::fixtures::*;
use crate::ContractStore;

pub async fn canned_replies_are_saved_listed_edited_and_removed_per_practice<S: ContractStore>(
    store: S,
) {
    let a = PracticeId::generate();
    let b = PracticeId::generate();
    let hours = CannedReply::new(a.clone(), "Hours", "We open at 8.", None, at(9, 0)).unwrap();
    let parking = CannedReply::new(a.clone(), "Parking", "Park behind.", None, at(9, 1)).unwrap();
    let theirs = CannedReply::new(b.clone(), "Hours", "We open at 9.", None, at(9, 0)).unwrap();
    for r in [&hours, &parking, &theirs] {
        store
            .write(vec![Write::CannedReply {
                reply: Box::new(r.clone()),
                create: true,
            }])
            .await
            .unwrap();
    }
    store.reset_requests();
    let mut mine = store.canned_replies(&a).await.unwrap();
    assert_eq!(store.requests(), 1, "one Query");
    mine.sort_by_key(|r| r.created_at);
    assert_eq!(mine, vec![hours.clone(), parking.clone()], "only A's");

    let create_again = store
        .write(vec![Write::CannedReply {
            reply: Box::new(hours.clone()),
            create: true,
        }])
        .await;
    assert!(matches!(create_again, Err(Error::Conflict)));

    let edited = hours
        .edited("Hours", "We open at 7:30.", None, at(10, 0))
        .unwrap();
    store
        .write(vec![Write::CannedReply {
            reply: Box::new(edited.clone()),
            create: false,
        }])
        .await
        .unwrap();
    store
        .write(vec![Write::RemoveCannedReply {
            practice_id: a.clone(),
            reply_id: parking.reply_id.clone(),
        }])
        .await
        .unwrap();
    assert_eq!(store.canned_replies(&a).await.unwrap(), vec![edited]);
    let edit_removed = store
        .write(vec![Write::CannedReply {
            reply: Box::new(parking),
            create: false,
        }])
        .await;
    assert!(
        matches!(edit_removed, Err(Error::Conflict)),
        "not resurrected"
    );
    assert_eq!(store.canned_replies(&b).await.unwrap(), vec![theirs]);
}
