//! The waitlist routes and the release action, over the in-memory store.

use serde_json::json;

use super::{app, appt_body, App};
use frontdesk::domain::DueKind;

async fn seeded(app: &App) -> String {
    let (_, key) = app.practice("Wait Dental").await;
    app.patient(&key, "pt-1").await;
    app.patient(&key, "pt-2").await;
    // Thursday 2026-03-05, 09:00 in Chicago.
    let (s, b) = app
        .call(
            "PUT",
            "/v1/appointments/a1",
            Some(&key),
            Some(appt_body("pt-1", "2026-03-05T15:00:00Z")),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    key
}

#[tokio::test]
async fn waitlist_entries_are_validated_listed_and_deleted() {
    let app = app();
    let key = seeded(&app).await;
    let entry = json!({"patient_id": "pt-2", "kind": "cleaning", "days": ["thu", "FRI"], "from": "08:00", "until": "12:00"});
    let (s, made) = app
        .call("POST", "/v1/waitlist", Some(&key), Some(entry))
        .await;
    assert_eq!(s, 201, "{made}");
    let id = made["entry_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("wl_"));
    for bad in [
        json!({"patient_id": "pt-2", "days": [], "from": "08:00", "until": "12:00"}),
        json!({"patient_id": "pt-2", "days": ["someday"], "from": "08:00", "until": "12:00"}),
        json!({"patient_id": "pt-2", "days": ["mon"], "from": "13:00", "until": "12:00"}),
        json!({"patient_id": "nobody", "days": ["mon"], "from": "08:00", "until": "12:00"}),
    ] {
        let (s, b) = app
            .call("POST", "/v1/waitlist", Some(&key), Some(bad))
            .await;
        assert!((400..500).contains(&s), "{s} {b}");
    }
    let (s, list) = app.call("GET", "/v1/waitlist", Some(&key), None).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["wish"]["days"], json!(["thu", "fri"]));
    // Another practice sees nothing of it, and cannot delete it.
    let (s, made) = app
        .call(
            "POST",
            "/v1/practices",
            Some(super::OP),
            Some(json!({"name": "Other Dental", "sms_number": "+13125550144"})),
        )
        .await;
    assert_eq!(s, 201, "{made}");
    let other = made["api_key"].as_str().unwrap().to_string();
    let (_, theirs) = app.call("GET", "/v1/waitlist", Some(&other), None).await;
    assert_eq!(theirs["items"], json!([]));
    let path = format!("/v1/waitlist/{id}");
    let (s, _) = app.call("DELETE", &path, Some(&other), None).await;
    assert_eq!(s, 404);
    let (s, b) = app.call("DELETE", &path, Some(&key), None).await;
    assert_eq!(s, 200, "{b}");
    let (s, _) = app.call("DELETE", &path, Some(&key), None).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_release_cancels_tells_the_patient_kindly_and_feeds_the_waitlist_once() {
    let app = app();
    let key = seeded(&app).await;
    let (s, b) = app
        .call("POST", "/v1/appointments/a1/release", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["appointment"]["status"], json!("cancelled"));
    assert_eq!(b["patient_told"], json!("sent"), "{b}");
    let texts = app.sms.sent();
    assert_eq!(texts.len(), 1);
    assert!(
        texts[0]
            .body
            .contains("offered the time to another patient"),
        "{}",
        texts[0].body
    );
    let practice_id = frontdesk::domain::PracticeId::parse(
        app.call("GET", "/v1/practice", Some(&key), None).await.1["practice_id"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let due = app.store.all_due(&practice_id);
    assert_eq!(due.len(), 1, "only the waitlist offer is left: {due:?}");
    assert_eq!(due[0].kind, DueKind::WaitlistOffer);

    let (s, again) = app
        .call("POST", "/v1/appointments/a1/release", Some(&key), None)
        .await;
    assert_eq!((s, again["patient_told"].as_str()), (200, Some("already")));
    assert_eq!(app.sms.sent().len(), 1, "told once");
    let (s, _) = app
        .call("POST", "/v1/appointments/nope/release", Some(&key), None)
        .await;
    assert_eq!(s, 404);
}

/// Staff's "accepted by phone": the same claim as a patient's yes, for a patient the slot
/// was offered to; 404 for another practice, 409 with a code once taken or never offered.
#[tokio::test]
async fn a_phone_claim_takes_an_offered_slot_once_and_names_why_it_cannot() {
    use frontdesk::ports::{Key, Store};
    let app = app();
    let key = seeded(&app).await;
    let entry = json!({"patient_id": "pt-2", "days": ["thu"], "from": "00:00", "until": "23:59"});
    let (s, b) = app
        .call("POST", "/v1/waitlist", Some(&key), Some(entry))
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app
        .call("POST", "/v1/appointments/a1/release", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{b}");
    let sweep = frontdesk::sweep::Deps {
        store: app.store.clone(),
        senders: app.deps.senders.clone(),
        options: Default::default(),
        governor: frontdesk::sweep::Governor::unlimited(),
    };
    frontdesk::waitlist::offer_due(&sweep, super::now())
        .await
        .unwrap();
    let path = "/v1/waitlist/slots/a1/claim";
    let (s, b) = app
        .call(
            "POST",
            path,
            Some(&key),
            Some(json!({"patient_id": "pt-1"})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (409, Some("not_offered")),
        "{b}"
    );
    let (_, other) = app
        .call(
            "POST",
            "/v1/practices",
            Some(super::OP),
            Some(json!({"name": "Other Dental", "sms_number": "+13125550144"})),
        )
        .await;
    let other = other["api_key"].as_str().unwrap().to_string();
    let claim = json!({"patient_id": "pt-2"});
    let (s, _) = app
        .call("POST", path, Some(&other), Some(claim.clone()))
        .await;
    assert_eq!(s, 404, "another practice's slot is not found");

    let (s, b) = app
        .call("POST", path, Some(&key), Some(claim.clone()))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["claimed"], json!("claimed"));
    assert_eq!(b["state"]["state"], json!("claimed"));
    assert_eq!(b["state"]["via"], json!("voice"));
    let (s, b) = app.call("POST", path, Some(&key), Some(claim)).await;
    assert_eq!((s, b["claimed"].as_str()), (200, Some("already")));
    app.patient(&key, "pt-3").await;
    let pid = frontdesk::domain::PracticeId::parse(
        app.call("GET", "/v1/practice", Some(&key), None).await.1["practice_id"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let (s, b) = app
        .call(
            "POST",
            path,
            Some(&key),
            Some(json!({"patient_id": "pt-3"})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (409, Some("slot_taken")),
        "{b}"
    );

    let pt2 = frontdesk::domain::PatientId::parse("pt-2").unwrap();
    let read = app
        .store
        .get_many(&pid, &[Key::Patient(pt2.clone())])
        .await
        .unwrap();
    assert!(
        read.patient(&pt2).unwrap().slot_offers.is_empty(),
        "the offer is answered"
    );
    assert!(
        app.store.waitlist(&pid).await.unwrap().is_empty(),
        "off the waitlist"
    );
    let booking: Vec<_> = app
        .store
        .all_tasks(&pid)
        .into_iter()
        .filter(|t| t.kind == frontdesk::domain::TaskKind::WaitlistBooking)
        .collect();
    assert_eq!(booking.len(), 1);
    let events = app
        .store
        .webhook_events_due(super::now() + chrono::Duration::days(1), 100)
        .await
        .unwrap();
    let claimed: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == frontdesk::webhooks::EventType::WaitlistSlotClaimed)
        .collect();
    assert_eq!(claimed.len(), 1, "one event, in the claim's batch");
    assert_eq!(claimed[0].data["patient_id"], json!("pt-2"));
}

/// A completed visit of a kind with a recall interval sets the patient's recall_due (the
/// visit's date plus the interval) and plans the first invitation 4 weeks before it.
#[tokio::test]
async fn completing_a_visit_with_a_recall_interval_sets_recall_due() {
    let app = app();
    let key = seeded(&app).await;
    for bad in [
        json!([{"kind": "cleaning", "every_months": 0}]),
        json!([{"kind": "", "every_months": 6}]),
        json!([{"kind": "cleaning", "every_months": 6}, {"kind": "Cleaning", "every_months": 3}]),
    ] {
        let (s, b) = app
            .call(
                "PATCH",
                "/v1/practice",
                Some(&key),
                Some(json!({"recall": bad})),
            )
            .await;
        assert_eq!(s, 422, "{b}");
    }
    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"recall": [{"kind": "cleaning", "every_months": 6}]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .call("POST", "/v1/appointments/a1/complete", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, p) = app.call("GET", "/v1/patients/pt-1", Some(&key), None).await;
    assert_eq!(p["recall_due"], json!("2026-09-05"), "{p}");
    let pid = frontdesk::domain::PracticeId::parse(
        app.call("GET", "/v1/practice", Some(&key), None).await.1["practice_id"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let recall: Vec<_> = app
        .store
        .all_due(&pid)
        .into_iter()
        .filter(|d| matches!(d.kind, DueKind::Recall { .. }))
        .collect();
    assert_eq!(recall.len(), 1, "the series is planned");
    // Four weeks before 2026-09-05 is 2026-08-08, 10:00 in Chicago.
    assert_eq!(recall[0].due_at.to_rfc3339(), "2026-08-08T15:00:00+00:00");
}
