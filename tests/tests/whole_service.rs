//! The whole service through the local gateway: a reminder fired by the schedule route,
//! the patient's "C" arriving as AWS two-way SMS over SNS, and the outbox.

use e2e_tests::spawn_app;
use serde_json::json;

#[tokio::test]
async fn a_reminder_goes_out_and_the_patients_reply_confirms_the_visit() {
    let app = spawn_app().await;
    let (_, key) = app.onboard("Lakeside Dental", Some("+13125550143")).await;
    // A visit in three days at 10:00 Chicago; the two-day reminder is due two days before.
    let starts = app.ann_in_three_days(&key).await;

    let fire_at = starts - chrono::Duration::days(2) + chrono::Duration::minutes(1);
    let report = app.fire("reminders", fire_at).await;
    assert_eq!(report["result"]["claimed"], json!(1), "{report}");
    let (_, outbox) = app.call("GET", "/_local/outbox", None, None).await;
    let texts: Vec<&serde_json::Value> = outbox["sms"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|m| m["to"] == json!("+13125550188"))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(texts.len(), 1, "{outbox}");
    assert!(texts[0]["body"]
        .as_str()
        .is_some_and(|b| b.contains('C') && !b.contains("CANCEL")));

    let (s, b) = app
        .call(
            "POST",
            "/_local/sns/inbound-sms",
            None,
            Some(json!({
                "originationNumber": "+13125550188", "destinationNumber": "+13125550143",
                "messageBody": "C", "inboundMessageId": "e2e-confirm-1"
            })),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, appt) = app
        .call("GET", "/v1/appointments/ap-1", Some(&key), None)
        .await;
    assert_eq!(appt["confirmed"], json!(true), "{appt}");
    let (_, timeline) = app
        .call("GET", "/v1/patients/pt-1/timeline", Some(&key), None)
        .await;
    let items = timeline["items"].as_array().cloned().unwrap_or_default();
    assert!(
        items.iter().any(|m| m["direction"] == json!("inbound")),
        "{timeline}"
    );
    assert!(
        items.iter().any(|m| m["purpose"] == json!("reminder")),
        "{timeline}"
    );
}
