use std::sync::Arc;

use chrono::Duration;
use proptest::prelude::*;

use super::*;
use crate::deliver::Senders;
use crate::domain::{
    Channel, ClockTime, DayOfWeek, OfferedTo, Patient, PatientId, Practice, PracticeId, SlotState,
    WaitlistWish,
};
use crate::policy::test_fixtures::{appointment, consent_all, patient, practice};
use crate::ports::{Key, Store};
use crate::sweep::Deps;
use crate::testing::{utc, MemoryStore, RecordingEmail, RecordingSms};

const NY: Tz = chrono_tz::America::New_York;
// Monday 2026-03-16, 10:00 EDT, 45 minutes with Dr. Chen.
const VISIT: &str = "2026-03-16T14:00:00Z";

fn slot() -> FreedSlot {
    FreedSlot::new(
        &appointment(VISIT, None),
        SlotReason::Cancelled,
        utc("2026-03-12T15:00:00Z"),
    )
}

fn entry(
    patient: &str,
    days: Vec<DayOfWeek>,
    from: u32,
    until: u32,
    doctor: bool,
) -> WaitlistEntry {
    let provider = doctor.then(|| "dr. chen".to_string());
    let wish = WaitlistWish::new(
        provider,
        None,
        days,
        ClockTime::hm(from, 0),
        ClockTime::hm(until, 0),
    )
    .unwrap();
    WaitlistEntry::new(
        PracticeId::parse("prc_test").unwrap(),
        PatientId::parse(patient).unwrap(),
        wish,
        utc("2026-03-01T00:00:00Z"),
    )
}

fn entries_strategy() -> impl Strategy<Value = Vec<WaitlistEntry>> {
    let one = (0u8..12, any::<bool>(), 6u32..11, 11u32..14, any::<bool>());
    proptest::collection::vec(one, 0..30).prop_map(|v| {
        v.into_iter()
            .map(|(who, monday, from, until, doctor)| {
                let day = if monday {
                    DayOfWeek::Mon
                } else {
                    DayOfWeek::Tue
                };
                entry(&format!("pat-{who}"), vec![day], from, until, doctor)
            })
            .collect()
    })
}

proptest! {
    /// Batches never offer a slot twice to one patient, never to the patient who freed it,
    /// only to matching entries, oldest first, at most `batch` at a time; and applied
    /// until done, they reach every matching patient.
    #[test]
    fn batches_reach_each_matching_patient_once_oldest_first(
        entries in entries_strategy(),
        batch in 1usize..7,
    ) {
        let mut s = slot();
        let now = utc("2026-03-12T15:00:00Z");
        let mut offered: Vec<PatientId> = Vec::new();
        for _ in 0..40 {
            match plan_batch(&s, &entries, NY, batch, now) {
                BatchPlan::Offer { picks, .. } => {
                    prop_assert!(!picks.is_empty() && picks.len() <= batch);
                    for p in &picks {
                        prop_assert!(p.wish.matches(&s, NY));
                        prop_assert!(p.patient_id != s.freed_by);
                        prop_assert!(!offered.contains(&p.patient_id), "offered twice");
                        offered.push(p.patient_id.clone());
                    }
                    s = s.next(now, |x| x.offered.extend(picks.iter().map(|p| OfferedTo {
                        patient_id: p.patient_id.clone(),
                        entry_id: p.entry_id.clone(),
                        at: now,
                        outcome: "offered".into(),
                    })));
                }
                BatchPlan::Wait | BatchPlan::Close(_) => break,
                BatchPlan::Done => prop_assert!(false, "the slot is open"),
            }
        }
        let mut expected: Vec<PatientId> = Vec::new();
        for e in entries.iter().filter(|e| e.wish.matches(&s, NY) && e.patient_id != s.freed_by) {
            if !expected.contains(&e.patient_id) {
                expected.push(e.patient_id.clone());
            }
        }
        prop_assert_eq!(offered, expected, "every match, first come first served");
    }
}

#[test]
fn a_claimed_or_imminent_slot_is_not_offered() {
    let entries = vec![entry("pat-2", vec![DayOfWeek::Mon], 9, 12, false)];
    let now = utc("2026-03-12T15:00:00Z");
    let claimed = slot().next(now, |s| {
        s.state = SlotState::Claimed {
            patient_id: entries[0].patient_id.clone(),
            entry_id: entries[0].entry_id.clone(),
            at: now,
            via: None,
        }
    });
    assert_eq!(plan_batch(&claimed, &entries, NY, 5, now), BatchPlan::Done);
    let late = utc(VISIT) - Duration::minutes(30);
    assert!(matches!(
        plan_batch(&slot(), &entries, NY, 5, late),
        BatchPlan::Close(_)
    ));
    assert!(free_slot(&appointment(VISIT, None), SlotReason::Released, late).is_empty());
    assert!(matches!(
        plan_batch(&slot(), &[], NY, 5, now),
        BatchPlan::Close(_)
    ));
}

struct World {
    store: MemoryStore,
    sms: Arc<RecordingSms>,
    deps: Deps,
}

fn world() -> World {
    let store = MemoryStore::new();
    let sms = Arc::new(RecordingSms::default());
    let email = Arc::new(RecordingEmail::default());
    let deps = Deps {
        store: Arc::new(store.clone()),
        senders: Senders {
            sms: sms.clone(),
            email,
        },
        options: Default::default(),
        governor: crate::sweep::Governor::unlimited(),
    };
    World { store, sms, deps }
}

fn waiting(id: &str, channel: Channel) -> Patient {
    let mut p = patient();
    p.patient_id = PatientId::parse(id).unwrap();
    p.preferred_channel = channel;
    consent_all(&mut p, Channel::Sms);
    consent_all(&mut p, Channel::Email);
    p
}

#[tokio::test]
async fn offers_go_in_batches_of_five_every_ten_minutes_on_each_patients_channel() {
    let w = world();
    let settings = practice();
    let practice = Practice {
        practice_id: PracticeId::parse("prc_test").unwrap(),
        settings,
        sms_provider: Default::default(),
        api_keys: vec![],
        created_at: utc("2026-01-01T00:00:00Z"),
        updated_at: utc("2026-01-01T00:00:00Z"),
    };
    let mut writes = vec![Write::Practice {
        practice: Box::new(practice),
        expect_absent: true,
    }];
    for i in 0..7 {
        let channel = if i == 1 { Channel::Voice } else { Channel::Sms };
        let p = waiting(&format!("w{i}"), channel);
        writes.push(Write::Patient {
            patient: Box::new(p.clone()),
            expect: Expect::Absent,
            previous_phone: None,
        });
        writes.push(Write::WaitlistEntry(Box::new(entry(
            &format!("w{i}"),
            vec![DayOfWeek::Mon],
            9,
            12,
            false,
        ))));
    }
    // The one who cancelled is on the list too, and is never offered their own slot.
    writes.push(Write::WaitlistEntry(Box::new(entry(
        "pat-1",
        vec![DayOfWeek::Mon],
        9,
        12,
        false,
    ))));
    w.store.write(writes).await.unwrap();
    let freed_at = utc("2026-03-12T15:00:00Z"); // Thursday 11:00 EDT
    w.store
        .write(free_slot(
            &appointment(VISIT, None),
            SlotReason::Cancelled,
            freed_at,
        ))
        .await
        .unwrap();

    let r = offer_due(&w.deps, freed_at).await.unwrap();
    assert_eq!(r.outcomes.get("offers_sent"), Some(&1), "{r:?}");
    assert_eq!(
        w.sms.sent().len(),
        4,
        "five offered: four texts and one call task"
    );
    assert!(w.sms.sent()[0].body.contains("Reply YES to take it"));
    let tasks = w.store.all_tasks(&PracticeId::parse("prc_test").unwrap());
    assert_eq!(tasks.len(), 1);
    assert!(tasks[0].script.as_deref().unwrap().contains("waitlist"));

    let r = offer_due(&w.deps, freed_at + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(r.claimed, 0, "the next batch waits ten minutes: {r:?}");
    let r = offer_due(&w.deps, freed_at + Duration::minutes(10))
        .await
        .unwrap();
    assert_eq!(r.outcomes.get("offers_sent"), Some(&1), "{r:?}");
    assert_eq!(w.sms.sent().len(), 6, "the last two");
    let r = offer_due(&w.deps, freed_at + Duration::minutes(20))
        .await
        .unwrap();
    assert_eq!(r.found, 0, "nobody left: the work is done: {r:?}");
    let mut to: Vec<String> = w.sms.sent().iter().map(|s| s.to.to_string()).collect();
    to.dedup();
    let fetched = w
        .store
        .get_many(
            &PracticeId::parse("prc_test").unwrap(),
            &[
                Key::Slot(appointment(VISIT, None).appointment_id),
                Key::Patient(PatientId::parse("w0").unwrap()),
            ],
        )
        .await
        .unwrap();
    let stored = fetched
        .slot(&appointment(VISIT, None).appointment_id)
        .unwrap();
    assert_eq!(stored.offered.len(), 7);
    assert!(stored.is_open(), "open until someone says yes");
    let w0 = fetched.patient(&PatientId::parse("w0").unwrap()).unwrap();
    assert_eq!(w0.slot_offers.len(), 1, "the offer is on the patient");
}
