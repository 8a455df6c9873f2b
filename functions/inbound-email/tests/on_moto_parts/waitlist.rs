//! A yes by email to a waitlist offer claims the slot exactly like a text (helpers in
//! `../on_moto.rs`): the first yes wins by the conditional write on the slot, a later or
//! losing one is told kindly it has been taken, and every answer goes by email. Here the
//! emailed yes races staff's "accepted by phone" for the same slot: exactly one wins.

use frontdesk::domain::{AppointmentId, SlotState};
use frontdesk::ports::Item;

use super::*;

fn yes_mail(subject: &str) -> String {
    format!(
        "From: Wes <{{FROM}}>\r\nTo: reply+{{TAG}}@mail.smile.example\r\nSubject: {subject}\r\n\
         Message-ID: <yes-1@patients.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Yes\r\n"
    )
}

async fn wait_for(w: &World, id: &str) {
    let entry = json!({"patient_id": id, "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                       "from": "00:00", "until": "23:59"});
    let (s, b) =
        w.s.api(replied(), "POST", "/v1/waitlist", Some(entry))
            .await;
    assert_eq!(s, 201, "{b}");
}

#[tokio::test]
async fn an_emailed_yes_and_a_phone_claim_at_once_exactly_one_gets_the_slot() {
    let w = world().await;
    w.patient("em-wes", "wes@patients.example").await;
    w.s.put_patient(
        booked(),
        "ph-bo",
        patient_body("+12125550143", "bo@patients.example", "voice", false),
    )
    .await;
    w.patient("em-free", "free@patients.example").await;
    w.s.put_appointment(
        booked(),
        "ap-free",
        "em-free",
        "2026-03-12T15:00:00Z",
        "cleaning",
    )
    .await;
    wait_for(&w, "em-wes").await;
    wait_for(&w, "ph-bo").await;
    w.s.act(replied(), "ap-free", "cancel").await;
    frontdesk::waitlist::offer_due(&w.s.sweep_deps(), replied())
        .await
        .unwrap();
    let offer = emails_to(&w.s.sent_to("wes@patients.example").await);
    assert_eq!(offer.len(), 1, "{offer:?}");
    assert!(offer[0].contains("earlier appointment"), "{}", offer[0]);

    let claim = json!({"patient_id": "ph-bo"});
    let mail = yes_mail("Re: an earlier appointment is free");
    let (out, (status, body)) = tokio::join!(
        w.deliver(replied(), &mail, "wes@patients.example", "ses-yes-1", PASS),
        w.s.api(
            replied(),
            "POST",
            "/v1/waitlist/slots/ap-free/claim",
            Some(claim)
        ),
    );
    assert_eq!(out["outcomes"][0]["action"], json!("claim_slot"), "{out}");
    let answers = emails_to(&w.s.sent_to("wes@patients.example").await);
    assert_eq!(
        answers.len(),
        2,
        "the offer and one answer, by email: {answers:?}"
    );
    let by_email = answers[1].contains("it's yours");
    if by_email {
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"]["code"], "slot_taken");
    } else {
        assert_eq!(status, 200, "{body}");
        assert!(answers[1].contains("has just been taken"), "{}", answers[1]);
    }
    let winner = if by_email { "em-wes" } else { "ph-bo" };
    let id = AppointmentId::parse("ap-free").unwrap();
    let read =
        w.s.store
            .get_many(&w.s.practice_id, &[Key::Slot(id)])
            .await
            .unwrap();
    let Some(Item::Slot(slot)) = read.0.first().cloned() else {
        panic!("the slot is stored")
    };
    let SlotState::Claimed {
        patient_id, via, ..
    } = &slot.state
    else {
        panic!("{:?}", slot.state)
    };
    assert_eq!(patient_id.as_str(), winner);
    assert_eq!(
        *via,
        Some(if by_email {
            Channel::Email
        } else {
            Channel::Voice
        })
    );
    let booking: Vec<Value> =
        w.s.open_tasks(replied())
            .await
            .into_iter()
            .filter(|t| t["kind"] == json!("waitlist_booking"))
            .collect();
    assert_eq!(booking.len(), 1, "one task to book it");
    assert_eq!(booking[0]["patient_id"], json!(winner));
    let events: Vec<_> =
        w.s.store
            .webhook_events_due(replied() + Duration::days(1), 500)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| {
                e.practice_id == w.s.practice_id
                    && e.event_type == frontdesk::webhooks::EventType::WaitlistSlotClaimed
            })
            .collect();
    assert_eq!(events.len(), 1, "{events:?}");

    // The emailed yes is on the patient's timeline, on the offer's appointment when it won.
    let tl = w.s.timeline("em-wes").await;
    let inbound = tl
        .iter()
        .find(|m| m.direction == Direction::Inbound)
        .expect("the yes is recorded");
    assert_eq!(inbound.channel, Channel::Email);
    if by_email {
        assert_eq!(
            inbound.appointment_id.as_ref().map(|a| a.as_str()),
            Some("ap-free")
        );
    }
}
