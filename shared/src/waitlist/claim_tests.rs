use chrono::Duration;

use super::*;
use crate::domain::{OfferedTo, SlotReason};
use crate::policy::test_fixtures::{appointment, patient, practice};
use crate::testing::{utc, MemoryStore};

// Monday 2026-03-16, 10:00 EDT.
const VISIT: &str = "2026-03-16T14:00:00Z";

fn now() -> DateTime<Utc> {
    utc("2026-03-12T15:00:00Z")
}

fn pid(s: &str) -> PatientId {
    PatientId::parse(s).unwrap()
}

/// A slot freed by `pat-1`, offered to `offered` (each with their own entry).
fn slot_at(id: &str, starts: &str, offered: &[&str]) -> FreedSlot {
    let mut a = appointment(starts, None);
    a.appointment_id = AppointmentId::parse(id).unwrap();
    let mut s = FreedSlot::new(&a, SlotReason::Cancelled, now() - Duration::hours(1));
    s.offered = offered
        .iter()
        .map(|p| OfferedTo {
            patient_id: pid(p),
            entry_id: WaitlistEntryId::parse(format!("wl-{p}")).unwrap(),
            at: now() - Duration::minutes(30),
            outcome: "offered".into(),
        })
        .collect();
    s
}

fn offer(slot: &FreedSlot) -> SlotOffer {
    SlotOffer {
        appointment_id: slot.appointment_id.clone(),
        entry_id: WaitlistEntryId::parse("wl-pat-2").unwrap(),
        starts_at: slot.starts_at,
        offered_at: now() - Duration::minutes(30),
    }
}

fn waiting(offers: &[&FreedSlot]) -> Patient {
    let mut p = patient();
    p.patient_id = pid("pat-2");
    p.slot_offers = offers.iter().map(|s| offer(s)).collect();
    p
}

#[test]
fn a_yes_claims_the_soonest_open_offer_and_answers_the_rest() {
    let later = slot_at("a-later", "2026-03-17T14:00:00Z", &["pat-2"]);
    let sooner = slot_at("a-sooner", VISIT, &["pat-2"]);
    let mut gone = slot_at("a-gone", "2026-03-13T14:00:00Z", &["pat-2"]);
    gone.state = SlotState::Closed {
        reason: "too late".into(),
    };
    let slots = vec![later.clone(), sooner.clone(), gone.clone()];
    let mut p = waiting(&[&later, &sooner, &gone]);
    let (o, s) = choose(&p, &slots, now()).expect("an open offer");
    assert_eq!(s.appointment_id, sooner.appointment_id);
    assert_eq!(o.appointment_id, sooner.appointment_id);
    answer_offers(&mut p, Some(&s.appointment_id), &slots, now());
    let left: Vec<&str> = p
        .slot_offers
        .iter()
        .map(|o| o.appointment_id.as_str())
        .collect();
    assert_eq!(left, ["a-later"], "the other open offer stays");

    // Nothing open: no choice, and the yes answers every offer.
    let closed = vec![gone.clone()];
    let mut p = waiting(&[&gone]);
    assert!(choose(&p, &closed, now()).is_none());
    answer_offers(&mut p, None, &closed, now());
    assert!(p.slot_offers.is_empty());
}

#[test]
fn only_an_open_slot_offered_to_the_patient_can_be_claimed() {
    let s = slot_at("a-free", VISIT, &["pat-2", "pat-3"]);
    assert_eq!(
        claimable(&s, &pid("pat-2"), now()),
        Ok(Some(WaitlistEntryId::parse("wl-pat-2").unwrap()))
    );
    assert_eq!(
        claimable(&s, &pid("pat-9"), now()),
        Err(Refusal::NotOffered)
    );
    assert_eq!(
        claimable(&s, &pid("pat-2"), utc(VISIT)),
        Err(Refusal::TooLate)
    );
    let writes = claim_writes(
        &s,
        &pid("pat-2"),
        &WaitlistEntryId::parse("wl-pat-2").unwrap(),
        Channel::Voice,
        &practice(),
        "",
        now(),
    );
    let Write::Slot { slot: claimed, .. } = &writes[0] else {
        panic!("the slot first: {writes:?}")
    };
    assert_eq!(claimable(claimed, &pid("pat-2"), now()), Ok(None));
    assert_eq!(
        claimable(claimed, &pid("pat-3"), now()),
        Err(Refusal::Taken)
    );
    let mut closed = s.clone();
    closed.state = SlotState::Closed {
        reason: "nobody".into(),
    };
    assert_eq!(
        claimable(&closed, &pid("pat-2"), now()),
        Err(Refusal::Closed)
    );
    for r in [
        Refusal::Taken,
        Refusal::Closed,
        Refusal::NotOffered,
        Refusal::TooLate,
    ] {
        assert!(r.code().starts_with("slot_") || r.code() == "not_offered");
        assert!(!r.message().is_empty());
    }
}

#[tokio::test]
async fn of_two_claims_of_one_slot_version_exactly_one_commits() {
    let store = MemoryStore::new();
    let s = slot_at("a-free", VISIT, &["pat-2", "pat-3"]);
    store
        .write(vec![Write::Slot {
            slot: Box::new(s.clone()),
            expect: Expect::Absent,
        }])
        .await
        .unwrap();
    let settings = practice();
    let by = |who: &str, via| {
        let e = WaitlistEntryId::parse(format!("wl-{who}")).unwrap();
        claim_writes(&s, &pid(who), &e, via, &settings, "", now())
    };
    let (text, phone) = (by("pat-2", Channel::Sms), by("pat-3", Channel::Voice));
    let (r1, r2) = tokio::join!(store.write(text), store.write(phone));
    assert!(r1.is_ok() != r2.is_ok(), "exactly one wins: {r1:?} {r2:?}");
    assert!(matches!(
        r1.as_ref().err().or(r2.as_ref().err()),
        Some(crate::Error::Conflict)
    ));
    let winner = if r1.is_ok() { "pat-2" } else { "pat-3" };
    let stored = store
        .get_many(&s.practice_id, &[Key::Slot(s.appointment_id.clone())])
        .await
        .unwrap()
        .slot(&s.appointment_id)
        .cloned()
        .unwrap();
    match &stored.state {
        SlotState::Claimed {
            patient_id, via, ..
        } => {
            assert_eq!(patient_id.as_str(), winner);
            assert!(via.is_some());
        }
        other => panic!("{other:?}"),
    }
    let tasks = store.all_tasks(&s.practice_id);
    assert_eq!(tasks.len(), 1, "one booking task");
    assert_eq!(tasks[0].kind, TaskKind::WaitlistBooking);
    assert_eq!(
        tasks[0].patient_id.as_ref().map(|p| p.as_str()),
        Some(winner)
    );

    // The loser decides again on the fresh slot: it is taken, and the answer says so.
    let fresh = offered_slots(&store, &s.practice_id, &waiting(&[&s]))
        .await
        .unwrap();
    assert!(choose(&waiting(&[&s]), &fresh, now()).is_none());
    assert!(taken(&settings).contains("has just been taken"));
    assert!(yours(&settings, &s, chrono_tz::America::New_York).contains("it's yours"));
}
