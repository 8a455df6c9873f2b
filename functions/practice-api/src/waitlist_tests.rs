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
