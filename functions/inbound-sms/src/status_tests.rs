//! Delivery status callbacks and channel health over the in-memory store: Twilio, Telnyx
//! and Vonage reports verified like inbound webhooks, applied once and in order, refused
//! when forged or for another practice; a failure for good marks the channel once, stops
//! automated sends to it, and a later text from the patient heals it.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use frontdesk::deliver::{deliver, Content, Delivery, Outbound};
use frontdesk::domain::{
    Decision, Direction, MessageKind, Practice, PracticeId, Priority, Purpose, TaskKind,
};
use frontdesk::ports::{Store, Write};
use frontdesk::Error;

use crate::testkit::*;

fn status_path(ev: &mut ApiGatewayV2httpRequest) {
    ev.raw_path = ev
        .raw_path
        .take()
        .map(|p| p.replace("/webhooks/sms/", "/webhooks/sms-status/"));
}

fn status_url(provider: &str, practice: &PracticeId) -> String {
    format!("http://127.0.0.1:3000/webhooks/sms-status/{provider}/{practice}")
}

/// A Twilio StatusCallback for `sid`, signed with `token`.
pub(super) fn twilio_status(
    practice: &PracticeId,
    token: &str,
    sid: &str,
    status: &str,
    code: Option<&str>,
) -> ApiGatewayV2httpRequest {
    let mut params = vec![
        ("AccountSid", "AC0000"),
        ("MessageSid", sid),
        ("MessageStatus", status),
        ("SmsSid", sid),
        ("SmsStatus", status),
        ("To", PATIENT_PHONE),
    ];
    if let Some(c) = code {
        params.push(("ErrorCode", c));
    }
    let sig = twilio_signature(token, &status_url("twilio", practice), &params);
    let form = serde_urlencoded::to_string(&params).unwrap();
    let mut ev = webhook_event(
        "twilio",
        practice.as_str(),
        &[
            ("x-twilio-signature", &sig),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        &form,
        "",
    );
    status_path(&mut ev);
    ev
}

pub(super) async fn post(app: &App, ev: ApiGatewayV2httpRequest) -> (i64, String) {
    let r: ApiGatewayV2httpResponse = crate::respond(&app.deps, ev).await;
    (r.status_code, body_text(&r))
}

pub(super) fn content() -> Content {
    Content {
        sms: "Reminder: your visit is on Tuesday.".into(),
        email_subject: "Reminder".into(),
        email_text: "Reminder".into(),
        call_script: "Call to remind of Tuesday's visit".into(),
        voicemail_script: None,
        task_title: "Reminder call".into(),
    }
}

/// An automated reminder to pat-1, its writes applied as a sweep does.
async fn remind(app: &App) -> Delivery {
    let practice: Practice = app.practice().await;
    let patient = app.patient("pat-1").await;
    let out = Outbound {
        practice: &practice,
        patient: &patient,
        kind: MessageKind::Care,
        purpose: Purpose::Reminder,
        appointment_id: None,
        not_after: None,
        content: content(),
        task_priority: Priority::Normal,
        task_due: office_hours(),
    };
    let d = deliver(&app.deps.senders, out, office_hours()).await;
    app.store.inner.write(d.writes).await.unwrap();
    d.delivery
}

pub(super) async fn app() -> App {
    let app = App::new(office_hours()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |_| {}).await;
    app
}

async fn reminder_decision(app: &App) -> Decision {
    app.timeline("pat-1")
        .await
        .into_iter()
        .find(|m| m.direction == Direction::Outbound && m.purpose == Purpose::Reminder)
        .map(|m| m.decision)
        .expect("a reminder on the timeline")
}

#[tokio::test]
async fn a_twilio_delivered_report_is_applied_once_and_a_late_sent_never_undoes_it() {
    let app = app().await;
    assert!(matches!(remind(&app).await, Delivery::Sent { .. }));
    let id = "sms-1";
    app.store.inner.reset_requests();
    let (s, b) = post(
        &app,
        twilio_status(&app.practice_id, TWILIO_TOKEN, id, "delivered", None),
    )
    .await;
    assert_eq!((s, b.as_str()), (200, r#"{"status":"recorded"}"#));
    // The practice (GetItem), the sent copy (GetItem), one conditional update.
    assert_eq!(app.store.requests(), 3);
    assert!(matches!(
        reminder_decision(&app).await,
        Decision::Delivered { .. }
    ));
    // Duplicate, then a late "sent", then a late "undelivered": nothing changes.
    for (status, code) in [
        ("delivered", None),
        ("sent", None),
        ("undelivered", Some("30006")),
    ] {
        let writes = app.store.written().len();
        let (s, b) = post(
            &app,
            twilio_status(&app.practice_id, TWILIO_TOKEN, id, status, code),
        )
        .await;
        assert_eq!(
            (s, b.as_str()),
            (200, r#"{"status":"unchanged"}"#),
            "{status}"
        );
        assert_eq!(app.store.written().len(), writes, "{status} stored nothing");
    }
    assert!(matches!(
        reminder_decision(&app).await,
        Decision::Delivered { .. }
    ));
    assert!(app.patient("pat-1").await.sms_health.is_none());
    assert!(app.tasks().is_empty());
}

#[tokio::test]
async fn forged_unknown_and_cross_practice_reports_are_refused_and_store_nothing() {
    let app = app().await;
    remind(&app).await;
    // Another practice, with its own secret, names our message id in its own path.
    let other = PracticeId::parse("prc_other").unwrap();
    let mut practice = app.practice().await;
    practice.practice_id = other.clone();
    practice.sms_provider.twilio_auth_token = Some("other-token".into());
    app.store
        .inner
        .write(vec![Write::Practice {
            practice: Box::new(practice),
            expect_absent: true,
        }])
        .await
        .unwrap();
    let writes = app.store.written().len();
    let forged = twilio_status(
        &app.practice_id,
        "wrong-token",
        "sms-1",
        "undelivered",
        Some("30006"),
    );
    assert_eq!(post(&app, forged).await.0, 403);
    let cross = twilio_status(&other, "other-token", "sms-1", "undelivered", Some("30006"));
    assert_eq!(post(&app, cross).await.0, 404);
    let unknown = twilio_status(&app.practice_id, TWILIO_TOKEN, "SMnever", "delivered", None);
    let (s, b) = post(&app, unknown).await;
    assert_eq!(s, 404, "{b}");
    assert!(b.contains("nothing was stored"), "{b}");
    let mut unsigned = twilio_status(&app.practice_id, TWILIO_TOKEN, "sms-1", "delivered", None);
    unsigned.headers.remove("x-twilio-signature");
    assert_eq!(post(&app, unsigned).await.0, 403);
    assert_eq!(app.store.written().len(), writes);
    assert!(matches!(
        reminder_decision(&app).await,
        Decision::Sent { .. }
    ));
    assert!(app.tasks().is_empty());
}

#[tokio::test]
async fn an_undelivered_report_marks_sms_once_stops_reminders_and_a_text_heals_it() {
    let app = app().await;
    remind(&app).await;
    let undelivered = || {
        twilio_status(
            &app.practice_id,
            TWILIO_TOKEN,
            "sms-1",
            "undelivered",
            Some("30006"),
        )
    };
    let (s, b) = post(&app, undelivered()).await;
    assert_eq!(
        (s, b.as_str()),
        (200, r#"{"status":"recorded_channel_marked"}"#)
    );
    let (s, b) = post(&app, undelivered()).await;
    assert_eq!((s, b.as_str()), (200, r#"{"status":"unchanged"}"#));
    match reminder_decision(&app).await {
        Decision::Undelivered { code, .. } => assert_eq!(code, "twilio:30006"),
        other => panic!("{other:?}"),
    }
    let patient = app.patient("pat-1").await;
    let health = patient.sms_health.clone().expect("marked");
    assert_eq!(health.code, "twilio:30006");
    let tasks = app.tasks_of(TaskKind::ChannelUnusable);
    assert_eq!(tasks.len(), 1, "exactly one fix-the-contact task");
    assert_eq!(tasks[0].task_id, health.task_id);
    assert!(tasks[0].title.contains("Fix the contact"));
    assert!(
        !tasks[0].detail.contains(PATIENT_PHONE),
        "no number in the task"
    );

    // The next reminder is a staff task, not a text, and never another channel.
    let sent_before = app.sms.sent().len();
    assert!(matches!(
        remind(&app).await,
        Delivery::Task {
            kind: TaskKind::ChannelUnusable,
            ..
        }
    ));
    assert_eq!(app.sms.sent().len(), sent_before);
    assert!(app.email.sent().is_empty());

    // The patient texts in: SMS works again, and the next reminder is sent.
    let r = app.text("Is my visit still on?").await;
    assert_eq!(r.status_code, 200, "{}", body_text(&r));
    assert!(app.patient("pat-1").await.sms_health.is_none());
    assert!(matches!(remind(&app).await, Delivery::Sent { .. }));
}

#[tokio::test]
async fn a_carrier_opt_out_on_send_marks_the_channel_and_raises_one_task() {
    let app = app().await;
    *app.sms.fail_with.lock().unwrap() = Some(Error::SendRejected(
        "twilio:opted_out (code 21610, HTTP 400)".into(),
    ));
    assert!(matches!(remind(&app).await, Delivery::Rejected { .. }));
    let health = app.patient("pat-1").await.sms_health.expect("marked");
    assert_eq!(health.code, "twilio:opted_out (code 21610)");
    let tasks = app.tasks_of(TaskKind::ChannelUnusable);
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        tasks[0].script.as_deref(),
        Some("Call to remind of Tuesday's visit")
    );
    // Nothing is attempted afterwards: the next reminder is a call task.
    *app.sms.fail_with.lock().unwrap() = None;
    assert!(matches!(remind(&app).await, Delivery::Task { .. }));
    assert!(app.sms.sent().is_empty());
    assert_eq!(app.tasks_of(TaskKind::ChannelUnusable).len(), 2);
    assert_eq!(
        app.tasks()
            .iter()
            .filter(|t| t.title.contains("Fix the contact"))
            .count(),
        1
    );
}

#[tokio::test]
async fn telnyx_and_vonage_reports_are_verified_and_applied() {
    let app = app().await;
    remind(&app).await;
    let body = serde_json::json!({"data": {"event_type": "message.finalized", "id": "evt-1",
        "payload": {"id": "sms-1", "direction": "outbound",
                    "to": [{"phone_number": PATIENT_PHONE, "status": "delivered"}], "errors": []}}})
    .to_string();
    let ts = office_hours().timestamp();
    let mut ev = telnyx_event(&app.practice_id, &body, ts, TELNYX_SEED);
    status_path(&mut ev);
    assert_eq!(
        post(&app, ev).await,
        (200, r#"{"status":"recorded"}"#.into())
    );
    let mut forged = telnyx_event(&app.practice_id, &body, ts, [7u8; 32]);
    status_path(&mut forged);
    assert_eq!(post(&app, forged).await.0, 403);
    let mut stale = telnyx_event(&app.practice_id, &body, ts - 3600, TELNYX_SEED);
    status_path(&mut stale);
    assert_eq!(post(&app, stale).await.0, 403);

    remind(&app).await; // sms-2
    let params: Vec<(String, String)> = [
        ("messageId", "sms-2"),
        ("msisdn", "14155552671"),
        ("to", "12125550143"),
        ("status", "failed"),
        ("err-code", "9"),
        ("timestamp", &ts.to_string()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut forged = vonage_event(&app.practice_id, params.clone(), "not-the-secret");
    status_path(&mut forged);
    assert_eq!(post(&app, forged).await.0, 403);
    let mut ev = vonage_event(&app.practice_id, params, VONAGE_SECRET);
    status_path(&mut ev);
    assert_eq!(
        post(&app, ev).await,
        (200, r#"{"status":"recorded_channel_marked"}"#.into())
    );
    assert_eq!(
        app.patient("pat-1").await.sms_health.map(|h| h.code),
        Some("vonage:9".into())
    );
}
