//! SES events end to end: a reminder emailed through SES (moto), then its events through
//! `POST /_local/ses/events` (delivery-events' own code for an SNS record). A permanent
//! bounce marks the email channel with one task and the next reminder becomes a task; a
//! corrected address heals it; a complaint opts the patient out of that kind of email with
//! the consent history source "complaint".

use e2e_tests::{spawn_app, TestApp};
use serde_json::{json, Value};

const SENDER: &str = "front@mail-dental.example";

async fn email_practice(app: &TestApp, email: &str) -> String {
    let (_, key) = app.onboard("Mail Dental", None).await;
    local_stack::verify_sender(&app.moto.sdk_config(), SENDER)
        .await
        .expect("sender verified in moto");
    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"email_from": SENDER})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    patient(app, &key, email).await;
    key
}

async fn patient(app: &TestApp, key: &str, email: &str) -> u16 {
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(key),
            Some(json!({
                "first_name": "Ann", "last_name": "Lee", "email": email,
                "preferred_channel": "email", "consents": {"email": {"care": true, "reviews": true}}
            })),
        )
        .await;
    assert!(s == 200 || s == 201, "{b}");
    s
}

/// Books a visit `days` ahead and fires its two-day reminder; the reminder's SES id, if
/// it was emailed.
async fn remind(app: &TestApp, key: &str, appointment: &str, days: i64) -> Option<String> {
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
    assert_eq!(s, 201, "{b}");
    let fire_at = starts - chrono::Duration::days(2) + chrono::Duration::minutes(1);
    app.fire("reminders", fire_at).await;
    let (_, timeline) = app
        .call("GET", "/v1/patients/pt-1/timeline", Some(key), None)
        .await;
    timeline["items"]
        .as_array()
        .and_then(|items| {
            items.iter().rev().find(|m| {
                m["appointment_id"] == json!(appointment)
                    && m["decision"]["outcome"] == json!("sent")
            })
        })
        .and_then(|m| m["decision"]["provider_message_id"].as_str())
        .map(str::to_string)
}

async fn ses_event(app: &TestApp, kind: &str, id: &str, extra: Value) -> Value {
    let mut event = json!({"eventType": kind, "mail": {
        "timestamp": "2026-03-10T14:00:00.000Z", "source": SENDER, "messageId": id,
        "destination": ["ann@example.com"], "tags": {"ses:configuration-set": ["frontdesk"]}}});
    if let (Some(o), Some(e)) = (event.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    let (s, b) = app
        .call("POST", "/_local/ses/events", None, Some(event))
        .await;
    assert_eq!(s, 200, "{b}");
    b
}

async fn email_health(app: &TestApp, key: &str) -> Value {
    let (_, p) = app.call("GET", "/v1/patients/pt-1", Some(key), None).await;
    p["channel_health"]["email"].clone()
}

async fn tasks_titled(app: &TestApp, key: &str, prefix: &str) -> usize {
    let (_, tasks) = app.call("GET", "/v1/tasks", Some(key), None).await;
    tasks["items"].as_array().map_or(0, |t| {
        t.iter()
            .filter(|t| t["title"].as_str().unwrap_or("").starts_with(prefix))
            .count()
    })
}

async fn emails_to(app: &TestApp, to: &str) -> usize {
    let (_, outbox) = app.call("GET", "/_local/outbox", None, None).await;
    outbox["email"].as_array().map_or(0, |e| {
        e.iter()
            .filter(|m| m["to"].to_string().contains(to))
            .count()
    })
}

#[tokio::test]
async fn a_permanent_bounce_marks_email_once_the_next_reminder_is_a_task_and_a_new_address_heals() {
    let app = spawn_app().await;
    let key = email_practice(&app, "bounce@example.com").await;
    let id = remind(&app, &key, "ap-1", 3)
        .await
        .expect("the reminder was emailed");
    assert_eq!(emails_to(&app, "bounce@example.com").await, 1);

    let bounce = json!({"bounce": {"bounceType": "Permanent", "bounceSubType": "NoEmail",
        "bouncedRecipients": [{"emailAddress": "bounce@example.com"}], "feedbackId": "b-1"}});
    let first = ses_event(&app, "Bounce", &id, bounce.clone()).await;
    assert_eq!(
        first["outcome"],
        json!("recorded_channel_marked"),
        "{first}"
    );
    let again = ses_event(&app, "Bounce", &id, bounce).await;
    assert_eq!(again["outcome"], json!("unchanged"), "{again}");
    let health = email_health(&app, &key).await;
    assert_eq!(health["status"], json!("unhealthy"), "{health}");
    assert_eq!(health["code"], json!("ses:bounce:permanent:noemail"));
    assert_eq!(tasks_titled(&app, &key, "Fix the contact").await, 1);

    // The next reminder is a staff task; nothing more is emailed, nothing texted.
    assert_eq!(remind(&app, &key, "ap-2", 4).await, None);
    assert_eq!(emails_to(&app, "bounce@example.com").await, 1);
    assert_eq!(tasks_titled(&app, &key, "Fix the contact").await, 1);

    // The PMS sends a corrected address: email is healthy again.
    assert_eq!(patient(&app, &key, "bounce.fixed@example.com").await, 200);
    assert_eq!(email_health(&app, &key).await, json!({"status": "healthy"}));
}

#[tokio::test]
async fn a_transient_bounce_is_not_flagged_and_a_complaint_opts_out_of_that_kind() {
    let app = spawn_app().await;
    let key = email_practice(&app, "complaint@example.com").await;
    let id = remind(&app, &key, "ap-1", 3).await.expect("emailed");
    let transient = json!({"bounce": {"bounceType": "Transient", "bounceSubType": "MailboxFull"}});
    let out = ses_event(&app, "Bounce", &id, transient).await;
    assert_eq!(out["outcome"], json!("recorded"), "{out}");
    assert_eq!(email_health(&app, &key).await, json!({"status": "healthy"}));

    let id = remind(&app, &key, "ap-2", 4).await.expect("still emailed");
    let complaint = json!({"complaint": {"feedbackId": "c-1", "complaintFeedbackType": "abuse"}});
    let out = ses_event(&app, "Complaint", &id, complaint.clone()).await;
    assert_eq!(out["outcome"], json!("opted_out"), "{out}");
    let out = ses_event(&app, "Complaint", &id, complaint).await;
    assert_eq!(out["outcome"], json!("already_opted_out"), "{out}");
    let (_, p) = app.call("GET", "/v1/patients/pt-1", Some(&key), None).await;
    assert_eq!(
        p["consents"]["email"]["kinds"]["care"]["granted"],
        json!(false),
        "{p}"
    );
    assert_eq!(
        p["consents"]["email"]["kinds"]["reviews"]["granted"],
        json!(true),
        "{p}"
    );
    let (_, history) = app
        .call(
            "GET",
            "/v1/patients/pt-1/consents/history",
            Some(&key),
            None,
        )
        .await;
    assert!(history.to_string().contains("\"complaint\""), "{history}");
    assert_eq!(tasks_titled(&app, &key, "A patient reported").await, 1);
    // Never emailed that kind again.
    let before = emails_to(&app, "complaint@example.com").await;
    assert_eq!(remind(&app, &key, "ap-3", 5).await, None);
    assert_eq!(emails_to(&app, "complaint@example.com").await, before);
}
