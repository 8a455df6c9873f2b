//! Late arrivals end to end over moto: the real no-show sweep marks a visit missed, the
//! patient turns up and is checked in, and that closes the wellbeing call as "arrived
//! late", lowers `no_show_count`, records a late arrival on the timeline and cancels the
//! next-day follow-up (the next morning's sweep sends nothing).

use e2e_tests::spawn_app;
use serde_json::{json, Value};

async fn fire(app: &e2e_tests::TestApp, time: chrono::DateTime<chrono::Utc>) -> Value {
    app.fire("no-shows", time).await
}

#[tokio::test]
async fn a_check_in_after_the_no_show_closes_the_call_and_cancels_the_follow_up() {
    let app = spawn_app().await;
    let (_, key) = app.onboard("Lakeside Dental", Some("+13125550143")).await;
    app.put_ann(&key).await;
    let now = chrono::Utc::now();
    let starts = now - chrono::Duration::minutes(20);
    app.book_ann(&key, starts).await;

    let report = fire(&app, now + chrono::Duration::minutes(1)).await;
    assert_eq!(
        report["result"]["outcomes"]["no_show"],
        json!(1),
        "{report}"
    );
    let (_, patient) = app.call("GET", "/v1/patients/pt-1", Some(&key), None).await;
    assert_eq!(patient["no_show_count"], json!(1), "{patient}");
    let (_, open) = app
        .call("GET", "/v1/tasks?status=open", Some(&key), None)
        .await;
    assert_eq!(open["items"].as_array().map(Vec::len), Some(1), "{open}");

    let (s, appt) = app
        .call("POST", "/v1/appointments/ap-1/check-in", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{appt}");
    assert_eq!(appt["status"], json!("checked_in"));

    let (_, open) = app
        .call("GET", "/v1/tasks?status=open", Some(&key), None)
        .await;
    assert_eq!(open["items"].as_array().map(Vec::len), Some(0), "{open}");
    let (_, patient) = app.call("GET", "/v1/patients/pt-1", Some(&key), None).await;
    assert_eq!(patient["no_show_count"], json!(0), "{patient}");
    let (_, timeline) = app
        .call("GET", "/v1/patients/pt-1/timeline", Some(&key), None)
        .await;
    let items = timeline["items"].as_array().cloned().unwrap_or_default();
    assert!(
        items.iter().any(|m| m["purpose"] == json!("late_arrival")),
        "{timeline}"
    );

    // The next morning's follow-up was cancelled: nothing goes to the patient.
    fire(&app, now + chrono::Duration::days(2)).await;
    let (_, outbox) = app.call("GET", "/_local/outbox", None, None).await;
    let to_patient = outbox["sms"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|m| m["to"] == json!("+13125550188"))
                .count()
        })
        .unwrap_or_default();
    assert_eq!(to_patient, 0, "{outbox}");
}
