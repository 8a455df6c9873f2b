//! Erasure end to end over moto: a patient with a phone, a planned reminder, a text in
//! the inbox and a consent history is erased through `DELETE /v1/patients/{id}`. Their
//! record, phone lookup, messages, inbox entry and due work are gone (the reminder never
//! goes out); the consent history stays as the audit.

use e2e_tests::spawn_app;
use frontdesk::domain::{PatientId, PracticeId};
use frontdesk::ports::Store;
use serde_json::json;

#[tokio::test]
async fn an_erased_patient_leaves_only_the_consent_audit() {
    let app = spawn_app().await;
    let (practice_id, key) = app.onboard("Lakeside Dental", Some("+13125550143")).await;
    let practice_id = PracticeId::parse(&practice_id).expect("practice id");
    let pid = PatientId::parse("pt-1").expect("patient id");
    let starts = app.ann_in_three_days(&key).await;
    let (s, b) = app
        .call(
            "POST",
            "/_local/sns/inbound-sms",
            None,
            Some(json!({
                "originationNumber": "+13125550188", "destinationNumber": "+13125550143",
                "messageBody": "Can I bring my son?", "inboundMessageId": "erase-1"
            })),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, inbox) = app.call("GET", "/v1/inbox", Some(&key), None).await;
    assert_eq!(inbox["items"].as_array().map(Vec::len), Some(1), "{inbox}");

    let (s, b) = app
        .call("DELETE", "/v1/patients/pt-1", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(
        b["removed"]["messages"].as_u64().unwrap_or_default() >= 1,
        "{b}"
    );
    assert!(
        b["removed"]["due_work"].as_u64().unwrap_or_default() >= 1,
        "{b}"
    );

    let (s, _) = app.call("GET", "/v1/patients/pt-1", Some(&key), None).await;
    assert_eq!(s, 404);
    let (s, _) = app
        .call("DELETE", "/v1/patients/pt-1", Some(&key), None)
        .await;
    assert_eq!(s, 404, "a second erasure finds nothing");
    let phone = frontdesk::domain::PhoneNumber::parse_e164("+13125550188").expect("phone");
    assert!(app
        .store
        .patients_by_phone(&practice_id, &phone)
        .await
        .expect("query")
        .is_empty());
    let timeline = app
        .store
        .timeline(&practice_id, &pid, None, 50)
        .await
        .expect("query");
    assert!(timeline.items.is_empty(), "message bodies are gone");
    let (_, inbox) = app.call("GET", "/v1/inbox", Some(&key), None).await;
    assert_eq!(inbox["items"], json!([]), "{inbox}");
    // Their tasks leave the open list, with nothing personal left in them.
    assert!(
        b["removed"]["tasks_scrubbed"].as_u64().unwrap_or_default() >= 1,
        "{b}"
    );
    let (_, tasks) = app.call("GET", "/v1/tasks", Some(&key), None).await;
    assert!(
        tasks["items"]
            .as_array()
            .is_some_and(|t| t.iter().all(|t| t["patient_id"] != "pt-1")),
        "{tasks}"
    );
    let resolved = app
        .store
        .resolved_tasks(&practice_id, None, 50)
        .await
        .expect("query");
    let theirs: Vec<_> = resolved
        .items
        .iter()
        .filter(|t| t.patient_id.as_ref() == Some(&pid))
        .collect();
    assert!(!theirs.is_empty());
    for t in theirs {
        let text = format!("{} {} {:?} {:?}", t.title, t.detail, t.script, t.work.notes);
        assert!(
            !text.contains("son") && !text.contains("Ann") && !text.contains("Lee"),
            "{text}"
        );
    }
    let history = app
        .store
        .consent_history(&practice_id, &pid, None, 50)
        .await
        .expect("query");
    assert!(!history.items.is_empty(), "the consent audit is kept");

    // The two-day reminder's moment comes: nothing goes out to the erased patient.
    let fire_at = starts - chrono::Duration::days(2) + chrono::Duration::minutes(1);
    let report = app.fire("reminders", fire_at).await;
    assert_eq!(report["result"]["claimed"], json!(0), "{report}");
}
