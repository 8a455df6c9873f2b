//! The waitlist: entries listed per practice in the order they were made, removed; freed
//! slots read by key and written only at the version seen (the first "YES" claims a slot
//! once, and two claims at once leave exactly one winner).

use frontdesk::domain::{
    ClockTime, DayOfWeek, FreedSlot, PatientId, PracticeId, SlotReason, SlotState, WaitlistEntry,
    WaitlistWish,
};
use frontdesk::ports::{Expect, Key, Write};
use frontdesk::Error;

use crate::fixtures::*;
use crate::ContractStore;

fn entry(practice: &PracticeId, patient: &str) -> WaitlistEntry {
    let wish = WaitlistWish::new(
        None,
        Some("cleaning".into()),
        vec![DayOfWeek::Mon],
        ClockTime::hm(9, 0),
        ClockTime::hm(12, 0),
    )
    .unwrap();
    WaitlistEntry::new(
        practice.clone(),
        PatientId::parse(patient).unwrap(),
        wish,
        at(9, 0),
    )
}

pub async fn waitlist_entries_are_listed_per_practice_oldest_first_and_removed<S: ContractStore>(
    store: S,
) {
    let a = PracticeId::generate();
    let b = PracticeId::generate();
    let first = entry(&a, "pt1");
    let second = entry(&a, "pt2");
    let theirs = entry(&b, "pt1");
    for e in [&first, &second, &theirs] {
        store
            .write(vec![Write::WaitlistEntry(Box::new(e.clone()))])
            .await
            .unwrap();
    }
    let again = store
        .write(vec![Write::WaitlistEntry(Box::new(first.clone()))])
        .await;
    assert!(matches!(again, Err(Error::Conflict)), "an id is used once");
    store.reset_requests();
    let mine = store.waitlist(&a).await.unwrap();
    assert_eq!(store.requests(), 1, "one Query");
    assert_eq!(
        mine,
        vec![first.clone(), second.clone()],
        "only A's, in order"
    );
    let got = store
        .get_many(&a, &[Key::WaitlistEntry(second.entry_id.clone())])
        .await
        .unwrap();
    assert_eq!(got.waitlist_entry(&second.entry_id), Some(&second));
    assert!(store
        .get_many(&b, &[Key::WaitlistEntry(second.entry_id.clone())])
        .await
        .unwrap()
        .0
        .is_empty());
    store
        .write(vec![Write::RemoveWaitlistEntry {
            practice_id: a.clone(),
            entry_id: first.entry_id.clone(),
        }])
        .await
        .unwrap();
    assert_eq!(store.waitlist(&a).await.unwrap(), vec![second]);
    assert_eq!(store.waitlist(&b).await.unwrap(), vec![theirs]);
}

pub async fn a_freed_slot_is_written_once_and_claimed_only_at_the_version_seen<S: ContractStore>(
    store: S,
) {
    let p = PracticeId::generate();
    let appt = appointment(&p, "a1", "pt0");
    let slot = FreedSlot::new(&appt, SlotReason::Cancelled, at(9, 0));
    let put = |s: &FreedSlot, expect| Write::Slot {
        slot: Box::new(s.clone()),
        expect,
    };
    store.write(vec![put(&slot, Expect::Absent)]).await.unwrap();
    assert!(matches!(
        store.write(vec![put(&slot, Expect::Absent)]).await,
        Err(Error::Conflict)
    ));
    let read = store
        .get_many(&p, &[Key::Slot(appt.appointment_id.clone())])
        .await
        .unwrap();
    assert_eq!(read.slot(&appt.appointment_id), Some(&slot));

    let claim = |who: &str| {
        let e = entry(&p, who);
        slot.next(at(9, 5), |s| {
            s.state = SlotState::Claimed {
                patient_id: e.patient_id.clone(),
                entry_id: e.entry_id.clone(),
                at: at(9, 5),
                via: None,
            }
        })
    };
    let (one, two) = (claim("pt1"), claim("pt2"));
    let (r1, r2) = tokio::join!(
        store.write(vec![put(&one, Expect::Version(slot.version))]),
        store.write(vec![put(&two, Expect::Version(slot.version))]),
    );
    assert!(
        r1.is_ok() != r2.is_ok(),
        "exactly one claim wins: {r1:?} {r2:?}"
    );
    let stored = store
        .get_many(&p, &[Key::Slot(appt.appointment_id.clone())])
        .await
        .unwrap()
        .slot(&appt.appointment_id)
        .cloned()
        .unwrap();
    assert_eq!(stored, if r1.is_ok() { one } else { two });
    assert_eq!(stored.version, 2);
}
