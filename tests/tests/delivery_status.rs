//! Delivery status and channel health end to end: the local gateway with the fake Twilio
//! calling back the status URL each message names. An `undelivered` report, and separately
//! a 21610 send error, mark the patient's SMS unhealthy with exactly one task; the next
//! reminder becomes a staff task and nothing more is sent; a text from the patient heals
//! it; duplicate reports are applied once; and with automatic reports (as in `make run`)
//! the timeline shows the reminder delivered.

use e2e_tests::{spawn_app_with_callbacks, TestApp};
use serde_json::{json, Value};

const NUMBER: &str = "+13125550211";
const PATIENT: &str = "+13125550311";

async fn twilio_practice(app: &TestApp) -> (String, String) {
    let (practice_id, key) = app.onboard("Twilio Dental", Some(NUMBER)).await;
    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"sms_provider": {"provider": "twilio",
                "twilio_account_sid": fake_providers::DEMO_TWILIO_SID,
                "twilio_auth_token": fake_providers::DEMO_TWILIO_TOKEN}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(json!({
                "first_name": "Ann", "last_name": "Lee", "phone": PATIENT,
                "preferred_channel": "sms", "consents": {"sms": {"care": true}}
            })),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    (practice_id, key)
}

async fn fake(app: &TestApp, path: &str, body: Value) -> Value {
    let base = app
        .fake_providers
        .clone()
        .expect("the gateway started the fake");
    let r = app
        .http
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .expect("fake reachable");
    r.json().await.unwrap_or(Value::Null)
}

/// A visit `days` ahead at 16:00 UTC, and its two-day reminder fired.
async fn remind(app: &TestApp, key: &str, appointment: &str, days: i64) -> Value {
    let starts = (chrono::Utc::now() + chrono::Duration::days(days))
        .date_naive()
        .and_hms_opt(16, 0, 0)
        .expect("valid time")
        .and_utc();
    let (s, b) = app
        .call(
            "PUT",
            &format!("/v1/appointments/{appointment}"),
            Some(key),
            Some(json!({"patient_id": "pt-1", "starts_at": starts.to_rfc3339(), "duration_minutes": 30})),
        )
        .await;
    assert!(s == 201 || s == 200, "{b}");
    let fire_at = starts - chrono::Duration::days(2) + chrono::Duration::minutes(1);
    app.fire("reminders", fire_at).await
}

fn twilio_sends(outbox: &Value) -> Vec<Value> {
    outbox["providers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r["provider"] == json!("twilio") && r["fields"]["To"] == json!(PATIENT))
        .collect()
}

async fn fix_contact_tasks(app: &TestApp, key: &str) -> Vec<Value> {
    let (s, tasks) = app.call("GET", "/v1/tasks", Some(key), None).await;
    assert_eq!(s, 200, "{tasks}");
    tasks["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| {
            t["title"]
                .as_str()
                .unwrap_or("")
                .starts_with("Fix the contact")
        })
        .collect()
}

async fn sms_health(app: &TestApp, key: &str) -> Value {
    let (s, p) = app.call("GET", "/v1/patients/pt-1", Some(key), None).await;
    assert_eq!(s, 200, "{p}");
    p["channel_health"]["sms"].clone()
}

/// The patient texts the practice, through Twilio, signed as Twilio signs it.
async fn patient_texts(app: &TestApp, practice_id: &str, body: &str) {
    let url = format!("{}/webhooks/sms/twilio/{practice_id}", app.base);
    let params = [
        ("AccountSid", fake_providers::DEMO_TWILIO_SID),
        ("Body", body),
        ("From", PATIENT),
        ("MessageSid", "SMinbound0001"),
        ("NumMedia", "0"),
        ("To", NUMBER),
    ];
    let sig = testkit::signers::twilio_signature(fake_providers::DEMO_TWILIO_TOKEN, &url, &params);
    let r = app
        .http
        .post(&url)
        .header("x-twilio-signature", sig)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(params).expect("form"))
        .send()
        .await
        .expect("gateway reachable");
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn an_undelivered_callback_marks_sms_once_stops_reminders_and_a_text_heals_it() {
    let app = spawn_app_with_callbacks().await;
    fake(&app, "/_fake/auto_status", json!({"enabled": false})).await;
    let (practice_id, key) = twilio_practice(&app).await;
    remind(&app, &key, "ap-1", 3).await;
    let (_, outbox) = app.call("GET", "/_local/outbox", None, None).await;
    let sent = twilio_sends(&outbox);
    assert_eq!(sent.len(), 1, "{outbox}");
    let callback = sent[0]["fields"]["StatusCallback"].as_str().unwrap_or("");
    assert!(
        callback.ends_with(&format!("/webhooks/sms-status/twilio/{practice_id}")),
        "{callback}"
    );
    let sid = sent[0]["message_id"].as_str().expect("an id").to_string();

    // Twilio reports it undelivered (landline), twice: applied once, one task.
    for expected in [200, 200] {
        let r = fake(
            &app,
            "/_fake/status",
            json!({"message_id": sid, "status": "undelivered", "error_code": "30006"}),
        )
        .await;
        assert_eq!(r["answered"], json!(expected), "{r}");
    }
    let health = sms_health(&app, &key).await;
    assert_eq!(health["status"], json!("unhealthy"), "{health}");
    assert_eq!(health["code"], json!("twilio:30006"));
    let tasks = fix_contact_tasks(&app, &key).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["task_id"], health["task_id"]);
    let (_, timeline) = app
        .call("GET", "/v1/patients/pt-1/timeline", Some(&key), None)
        .await;
    assert!(
        timeline.to_string().contains("\"undelivered\""),
        "{timeline}"
    );
    // A late "delivered" does not undo it.
    fake(
        &app,
        "/_fake/status",
        json!({"message_id": sid, "status": "delivered"}),
    )
    .await;
    let (_, again) = app
        .call("GET", "/v1/patients/pt-1/timeline", Some(&key), None)
        .await;
    assert!(!again.to_string().contains("\"delivered\""), "{again}");

    // The next reminder is a staff task: nothing more goes to that number.
    remind(&app, &key, "ap-2", 4).await;
    let (_, outbox) = app.call("GET", "/_local/outbox", None, None).await;
    assert_eq!(twilio_sends(&outbox).len(), 1, "{outbox}");
    assert_eq!(fix_contact_tasks(&app, &key).await.len(), 1);

    // The patient texts in: the number works; SMS is healthy again.
    patient_texts(&app, &practice_id, "Is my visit still on?").await;
    assert_eq!(sms_health(&app, &key).await, json!({"status": "healthy"}));
}

#[tokio::test]
async fn a_21610_send_error_marks_sms_with_one_task_and_nothing_is_sent_after() {
    let app = spawn_app_with_callbacks().await;
    fake(&app, "/_fake/auto_status", json!({"enabled": false})).await;
    let (_, key) = twilio_practice(&app).await;
    fake(
        &app,
        "/_fake/fail",
        json!({"provider": "twilio", "times": 1, "status": 400, "code": "21610"}),
    )
    .await;
    remind(&app, &key, "ap-1", 3).await;
    let health = sms_health(&app, &key).await;
    assert_eq!(health["status"], json!("unhealthy"), "{health}");
    assert_eq!(health["code"], json!("twilio:opted_out (code 21610)"));
    assert_eq!(fix_contact_tasks(&app, &key).await.len(), 1);
    remind(&app, &key, "ap-2", 4).await;
    let (_, outbox) = app.call("GET", "/_local/outbox", None, None).await;
    let attempts = outbox["providers"].as_array().map_or(0, Vec::len);
    assert_eq!(attempts, 1, "only the refused attempt: {outbox}");
    assert_eq!(fix_contact_tasks(&app, &key).await.len(), 1);
}

#[tokio::test]
async fn with_automatic_reports_the_timeline_shows_the_reminder_delivered() {
    let app = spawn_app_with_callbacks().await;
    let (_, key) = twilio_practice(&app).await;
    remind(&app, &key, "ap-1", 3).await;
    let mut delivered = false;
    for _ in 0..40 {
        let (_, timeline) = app
            .call("GET", "/v1/patients/pt-1/timeline", Some(&key), None)
            .await;
        if timeline.to_string().contains("\"delivered\"") {
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(
        delivered,
        "the fake's automatic report reached the timeline"
    );
    assert_eq!(sms_health(&app, &key).await, json!({"status": "healthy"}));
}

#[tokio::test]
async fn telnyx_and_vonage_practices_see_the_fakes_signed_reports_delivered() {
    let app = spawn_app_with_callbacks().await;
    let practices = [
        (
            "Telnyx Dental",
            "+13125550221",
            "+13125550321",
            json!({"provider": "telnyx", "telnyx_api_key": fake_providers::DEMO_TELNYX_KEY,
                   "telnyx_public_key": fake_providers::demo_telnyx_public_key()}),
        ),
        (
            "Vonage Dental",
            "+13125550222",
            "+13125550322",
            json!({"provider": "vonage", "vonage_api_key": fake_providers::DEMO_VONAGE_KEY,
                   "vonage_api_secret": fake_providers::DEMO_VONAGE_SECRET,
                   "vonage_signature_secret": fake_providers::DEMO_VONAGE_SIGNATURE_SECRET}),
        ),
    ];
    for (name, number, phone, provider) in practices {
        let (_, key) = app.onboard(name, Some(number)).await;
        let (s, b) = app
            .call(
                "PATCH",
                "/v1/practice",
                Some(&key),
                Some(json!({"sms_provider": provider})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = app
            .call(
                "PUT",
                "/v1/patients/pt-1",
                Some(&key),
                Some(
                    json!({"first_name": "Ann", "last_name": "Lee", "phone": phone,
                    "preferred_channel": "sms", "consents": {"sms": {"care": true}}}),
                ),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        remind(&app, &key, "ap-1", 3).await;
        let mut delivered = false;
        for _ in 0..40 {
            let (_, timeline) = app
                .call("GET", "/v1/patients/pt-1/timeline", Some(&key), None)
                .await;
            if timeline.to_string().contains("\"delivered\"") {
                delivered = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        assert!(
            delivered,
            "{name}: the fake's signed report reached the timeline"
        );
    }
}
