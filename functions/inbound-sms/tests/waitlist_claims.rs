//! The waitlist end to end against moto: a cancelled appointment's slot is offered to the
//! waitlist by text, and two patients answering YES at the same moment race for it
//! through the real DynamoStore. Exactly one gets it; the other is told kindly it has been
//! taken; staff get one task to book it.

mod common;

use std::collections::BTreeMap;

use chrono::Duration;
use common::*;
use frontdesk::domain::{
    ClockTime, DayOfWeek, PatientId, SlotState, TaskKind, WaitlistEntry, WaitlistWish,
};
use frontdesk::ports::{Key, Store, Write};
use serde_json::json;

fn any_time(practice: &frontdesk::domain::PracticeId, patient: &str) -> WaitlistEntry {
    use DayOfWeek::*;
    let wish = WaitlistWish::new(
        None,
        None,
        vec![Mon, Tue, Wed, Thu, Fri, Sat, Sun],
        ClockTime::hm(0, 0),
        ClockTime::hm(23, 59),
    )
    .unwrap();
    WaitlistEntry::new(
        practice.clone(),
        PatientId::parse(patient).unwrap(),
        wish,
        office_hours(),
    )
}

#[tokio::test]
async fn two_patients_answering_yes_at_once_exactly_one_gets_the_slot() {
    let s = Stack::new(office_hours(), json!({})).await;
    let (first, second) = (s.n.patient.clone(), s.n.stranger.clone());
    s.put_patient("pat-2", &second, json!({"first_name": "Ben"}))
        .await;
    s.put_patient("pat-9", &s.n.on_call.clone(), json!({}))
        .await;
    s.put_appointment("a-free", "pat-9", office_hours() + Duration::days(2))
        .await;
    s.store
        .write(vec![
            Write::WaitlistEntry(Box::new(any_time(&s.practice_id, "pat-1"))),
            Write::WaitlistEntry(Box::new(any_time(&s.practice_id, "pat-2"))),
            Write::WaitlistEntry(Box::new(any_time(&s.practice_id, "pat-9"))),
        ])
        .await
        .unwrap();

    let (status, out) = s.api("POST", "/v1/appointments/a-free/cancel", None).await;
    assert_eq!(status, 200, "{out}");
    let sweep = frontdesk::sweep::Deps {
        store: s.store.clone(),
        senders: s.deps.senders.clone(),
        options: Default::default(),
        governor: frontdesk::sweep::Governor::unlimited(),
    };
    let r = frontdesk::waitlist::offer_due(&sweep, office_hours())
        .await
        .unwrap();
    assert_eq!(r.outcomes.get("offers_sent"), Some(&1), "{r:?}");
    for to in [&first, &second] {
        let texts = s.sms_to(to).await;
        assert_eq!(texts.len(), 1, "{texts:?}");
        assert!(texts[0].contains("Reply YES to take it"), "{}", texts[0]);
    }
    assert!(
        s.sms_to(&s.n.on_call).await.is_empty(),
        "never offered their own slot"
    );

    let (a, b) = tokio::join!(
        s.twilio("SMyes0000000000000000000000000001", &first, "YES"),
        s.twilio("SMyes0000000000000000000000000002", &second, "yes!"),
    );
    assert_eq!(a.status_code, 200, "{}", body_text(&a));
    assert_eq!(b.status_code, 200, "{}", body_text(&b));
    let mut answers = BTreeMap::new();
    for (who, to) in [("pat-1", &first), ("pat-2", &second)] {
        let texts = s.sms_to(to).await;
        assert_eq!(texts.len(), 2, "the offer and one answer: {texts:?}");
        answers.insert(who, texts[1].clone());
    }
    let won: Vec<&&str> = answers
        .iter()
        .filter(|(_, t)| t.contains("it's yours"))
        .map(|(w, _)| w)
        .collect();
    let lost: Vec<&&str> = answers
        .iter()
        .filter(|(_, t)| t.contains("has just been taken"))
        .map(|(w, _)| w)
        .collect();
    assert_eq!((won.len(), lost.len()), (1, 1), "{answers:?}");
    let winner = won[0].to_string();

    let read = s
        .store
        .get_many(
            &s.practice_id,
            &[Key::Slot(
                frontdesk::domain::AppointmentId::parse("a-free").unwrap(),
            )],
        )
        .await
        .unwrap();
    let slot = read.0.first().cloned();
    let Some(frontdesk::ports::Item::Slot(slot)) = slot else {
        panic!("the slot is stored")
    };
    match &slot.state {
        SlotState::Claimed { patient_id, .. } => assert_eq!(patient_id.as_str(), winner),
        other => panic!("{other:?}"),
    }
    let booking: Vec<_> = s
        .open_tasks()
        .await
        .into_iter()
        .filter(|t| t.kind == TaskKind::WaitlistBooking)
        .collect();
    assert_eq!(booking.len(), 1, "one task to book it");
    assert_eq!(booking[0].patient_id.as_ref().unwrap().as_str(), winner);
    let left: Vec<String> = s
        .store
        .waitlist(&s.practice_id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.patient_id.as_str().to_string())
        .collect();
    assert!(!left.contains(&winner), "the winner is off the waitlist");
    assert_eq!(
        left.len(),
        2,
        "the other and the one who cancelled stay: {left:?}"
    );

    // A later yes from the one who lost is an ordinary yes again: the offer is answered.
    let r = s
        .twilio(
            "SMyes0000000000000000000000000003",
            if winner == "pat-1" { &second } else { &first },
            "yes",
        )
        .await;
    assert_eq!(r.status_code, 200);
}

/// A texted YES and staff's "accepted by phone" for the same slot at the same moment, on
/// the one claim rule: exactly one wins; the other is told it has been taken (the text)
/// or refused with 409 `slot_taken` (staff); one `waitlist.slot_claimed` event.
#[tokio::test]
async fn a_texted_yes_and_a_phone_claim_at_once_exactly_one_gets_the_slot() {
    let s = Stack::new(office_hours(), json!({})).await;
    let texter = s.n.patient.clone();
    s.put_patient(
        "pat-2",
        &s.n.stranger.clone(),
        json!({"first_name": "Ben", "preferred_channel": "voice", "consents": {"voice": {"care": true}}}),
    )
    .await;
    s.put_patient("pat-9", &s.n.on_call.clone(), json!({}))
        .await;
    s.put_appointment("a-free", "pat-9", office_hours() + Duration::days(2))
        .await;
    s.store
        .write(vec![
            Write::WaitlistEntry(Box::new(any_time(&s.practice_id, "pat-1"))),
            Write::WaitlistEntry(Box::new(any_time(&s.practice_id, "pat-2"))),
        ])
        .await
        .unwrap();
    let (status, out) = s.api("POST", "/v1/appointments/a-free/cancel", None).await;
    assert_eq!(status, 200, "{out}");
    let sweep = frontdesk::sweep::Deps {
        store: s.store.clone(),
        senders: s.deps.senders.clone(),
        options: Default::default(),
        governor: frontdesk::sweep::Governor::unlimited(),
    };
    frontdesk::waitlist::offer_due(&sweep, office_hours())
        .await
        .unwrap();
    assert_eq!(s.sms_to(&texter).await.len(), 1, "pat-1 is offered by text");
    let call = s
        .open_tasks()
        .await
        .into_iter()
        .find(|t| t.title == frontdesk::waitlist::OFFER_TASK_TITLE)
        .expect("pat-2 (voice) is offered by a call task");
    assert_eq!(call.patient_id.as_ref().unwrap().as_str(), "pat-2");

    let claim = json!({"patient_id": "pat-2"});
    let (text, (status, body)) = tokio::join!(
        s.twilio("SMyes0000000000000000000000000011", &texter, "YES"),
        s.api(
            "POST",
            "/v1/waitlist/slots/a-free/claim",
            Some(claim.clone())
        ),
    );
    assert_eq!(text.status_code, 200, "{}", body_text(&text));
    let answer = s.sms_to(&texter).await[1].clone();
    let by_text = answer.contains("it's yours");
    if by_text {
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"]["code"], "slot_taken", "{body}");
    } else {
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["claimed"], "claimed");
        assert!(answer.contains("has just been taken"), "{answer}");
    }
    let winner = if by_text { "pat-1" } else { "pat-2" };
    let read = s
        .store
        .get_many(
            &s.practice_id,
            &[Key::Slot(
                frontdesk::domain::AppointmentId::parse("a-free").unwrap(),
            )],
        )
        .await
        .unwrap();
    let Some(frontdesk::ports::Item::Slot(slot)) = read.0.first().cloned() else {
        panic!("the slot is stored")
    };
    let SlotState::Claimed { patient_id, .. } = &slot.state else {
        panic!("{:?}", slot.state)
    };
    assert_eq!(patient_id.as_str(), winner);
    let booking: Vec<_> = s
        .open_tasks()
        .await
        .into_iter()
        .filter(|t| t.kind == TaskKind::WaitlistBooking)
        .collect();
    assert_eq!(booking.len(), 1, "one task to book it");
    let events: Vec<_> = s
        .store
        .webhook_events_due(office_hours() + Duration::days(1), 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.practice_id == s.practice_id
                && e.event_type == frontdesk::webhooks::EventType::WaitlistSlotClaimed
        })
        .collect();
    assert_eq!(events.len(), 1, "one event, with the claim");
    assert_eq!(events[0].data["patient_id"], winner);
    assert_eq!(events[0].data["via"], if by_text { "sms" } else { "voice" });

    // Staff claiming it again for the winner is answered the same; another practice's
    // key (or an unknown slot) is 404.
    if !by_text {
        let (status, again) = s
            .api("POST", "/v1/waitlist/slots/a-free/claim", Some(claim))
            .await;
        assert_eq!((status, again["claimed"].clone()), (200, json!("already")));
    }
    let (status, _) = s
        .api(
            "POST",
            "/v1/waitlist/slots/a-nope/claim",
            Some(json!({"patient_id": "pat-2"})),
        )
        .await;
    assert_eq!(status, 404);
}
