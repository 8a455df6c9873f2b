//! Handler tests over the in-memory store: every path, fast. The same flows run against
//! moto through the real AWS clients in `tests/`.

use aws_lambda_events::sns::SnsEvent;
use frontdesk::deliver::{deliver, Content, Delivery, Outbound};
use frontdesk::domain::{
    AppointmentStatus, Channel, ConsentSource, Decision, Direction, MessageKind, Priority, Purpose,
    TaskKind,
};
use frontdesk::ports::{Store, Write};
use lambda_runtime::{Context, LambdaEvent};

use super::*;
use crate::deps::public_base_url;
use crate::testkit::*;

fn status(r: &ApiGatewayV2httpResponse) -> i64 {
    r.status_code
}

fn is_twiml(r: &ApiGatewayV2httpResponse) -> bool {
    r.headers.get("content-type").and_then(|v| v.to_str().ok()) == Some("text/xml")
        && body_text(r) == crate::http_io::EMPTY_TWIML
}

async fn app_with_patient(now: DateTime) -> App {
    let app = App::new(now).await;
    app.add_patient("pat-1", PATIENT_PHONE, |_| {}).await;
    app
}

type DateTime = chrono::DateTime<chrono::Utc>;

fn nothing_stored(app: &App) {
    assert!(app.store.written().is_empty(), "{:?}", app.store.written());
    assert!(app.sms.sent().is_empty());
    assert!(app.email.sent().is_empty());
}

// --- Signatures -----------------------------------------------------------------------

#[tokio::test]
async fn a_signed_twilio_text_from_a_patient_is_stored_answered_and_costs_five_requests() {
    let app = app_with_patient(office_hours()).await;
    let r = app
        .twilio("SM0001", PATIENT_PHONE, "What should I bring?")
        .await;
    assert_eq!(status(&r), 200, "{}", body_text(&r));
    assert!(is_twiml(&r));
    // Practice GetItem + phone Query (concurrent), then one transaction; the reply's send
    // intent claimed and settled around its send.
    assert_eq!(app.store.requests(), 5);

    let timeline = app.timeline("pat-1").await;
    assert_eq!(timeline.len(), 2);
    assert_eq!(timeline[0].direction, Direction::Inbound);
    assert_eq!(timeline[0].purpose, Purpose::PatientMessage);
    assert_eq!(timeline[0].decision, Decision::Received);
    assert_eq!(timeline[0].body, "What should I bring?");
    assert_eq!(timeline[1].direction, Direction::Outbound);
    assert_eq!(timeline[1].purpose, Purpose::Reply);

    let sent = app.sms.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].from.as_ref().unwrap().as_str(), PRACTICE_NUMBER);
    assert_eq!(sent[0].to.as_str(), PATIENT_PHONE);
    assert!(
        sent[0].body.contains("we got your message"),
        "{}",
        sent[0].body
    );
    let tasks = app.tasks_of(TaskKind::InboxMessage);
    assert_eq!(tasks.len(), 1);
    assert!(
        !tasks[0].detail.contains("bring"),
        "no message text in tasks"
    );
}

#[tokio::test]
async fn forged_unsigned_and_wrong_key_requests_are_refused_and_nothing_is_stored() {
    let app = app_with_patient(office_hours()).await;
    // Signed with another token.
    let forged = twilio_event(
        &app.practice_id,
        "SM1",
        PATIENT_PHONE,
        "STOP",
        "not-the-token",
    );
    // A valid signature, but the body was changed.
    let mut tampered = twilio_event(
        &app.practice_id,
        "SM1",
        PATIENT_PHONE,
        "hello",
        TWILIO_TOKEN,
    );
    tampered.body = Some(tampered.body.unwrap().replace("hello", "STOP"));
    // No signature at all.
    let mut unsigned = twilio_event(
        &app.practice_id,
        "SM1",
        PATIENT_PHONE,
        "hello",
        TWILIO_TOKEN,
    );
    unsigned.headers.remove("x-twilio-signature");
    let now = office_hours().timestamp();
    let telnyx_other_key = telnyx_event(
        &app.practice_id,
        &telnyx_body("t-1", PATIENT_PHONE, "hi"),
        now,
        [1u8; 32],
    );
    let vonage_other_secret = vonage_event(
        &app.practice_id,
        vonage_params("v-1", "14155552671", "hi", now),
        "wrong",
    );
    let mut bodies = Vec::new();
    for ev in [
        forged,
        tampered,
        unsigned,
        telnyx_other_key,
        vonage_other_secret,
    ] {
        let r = respond(&app.deps, ev).await;
        assert_eq!(status(&r), 403, "{}", body_text(&r));
        bodies.push(body_text(&r));
    }
    bodies.dedup();
    assert_eq!(bodies.len(), 1, "every refusal reads the same");
    nothing_stored(&app);
}

#[tokio::test]
async fn stale_and_future_timestamps_are_refused_before_anything_is_read() {
    let app = app_with_patient(office_hours()).await;
    let now = office_hours().timestamp();
    for ts in [now - 301, now + 120] {
        let t = telnyx_event(
            &app.practice_id,
            &telnyx_body("t-1", PATIENT_PHONE, "hi"),
            ts,
            TELNYX_SEED,
        );
        assert_eq!(status(&respond(&app.deps, t).await), 403);
        let v = vonage_event(
            &app.practice_id,
            vonage_params("v-1", "14155552671", "hi", ts),
            VONAGE_SECRET,
        );
        assert_eq!(status(&respond(&app.deps, v).await), 403);
    }
    assert_eq!(app.store.requests(), 0);
    nothing_stored(&app);
}

#[tokio::test]
async fn telnyx_and_vonage_texts_are_verified_and_acknowledged_with_json() {
    let app = app_with_patient(office_hours()).await;
    let now = office_hours().timestamp();
    let t = telnyx_event(
        &app.practice_id,
        &telnyx_body("t-1", PATIENT_PHONE, "hello from telnyx"),
        now - 10,
        TELNYX_SEED,
    );
    let r = respond(&app.deps, t).await;
    assert_eq!(status(&r), 200, "{}", body_text(&r));
    assert_eq!(body_text(&r), r#"{"status":"received"}"#);
    let v = vonage_event(
        &app.practice_id,
        vonage_params("v-1", "14155552671", "hello & = from vonage", now),
        VONAGE_SECRET,
    );
    let r = respond(&app.deps, v).await;
    assert_eq!(status(&r), 200, "{}", body_text(&r));
    let bodies: Vec<String> = app
        .timeline("pat-1")
        .await
        .into_iter()
        .filter(|m| m.direction == Direction::Inbound)
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, vec!["hello from telnyx", "hello & = from vonage"]);
}

#[tokio::test]
async fn vonage_form_posts_verify_too() {
    let app = app_with_patient(office_hours()).await;
    let mut params = vonage_params(
        "v-9",
        "14155552671",
        "form post",
        office_hours().timestamp(),
    );
    let sig = vonage_sig(VONAGE_SECRET, &params);
    params.push(("sig".into(), sig));
    let body = serde_urlencoded::to_string(&params).unwrap();
    let ev = webhook_event(
        "vonage",
        app.practice_id.as_str(),
        &[("content-type", "application/x-www-form-urlencoded")],
        &body,
        "",
    );
    let r = respond(&app.deps, ev).await;
    assert_eq!(status(&r), 200, "{}", body_text(&r));
}

#[tokio::test]
async fn unknown_practices_and_missing_secrets_are_refused_like_bad_signatures() {
    let app = app_with_patient(office_hours()).await;
    let other = frontdesk::domain::PracticeId::parse("prc_nobody").unwrap();
    let r = respond(
        &app.deps,
        twilio_event(&other, "SM1", PATIENT_PHONE, "hi", TWILIO_TOKEN),
    )
    .await;
    assert_eq!(status(&r), 403);
    let mut bad_id = twilio_event(&app.practice_id, "SM1", PATIENT_PHONE, "hi", TWILIO_TOKEN);
    bad_id.raw_path = Some("/webhooks/sms/twilio/bad%23id".into());
    assert_eq!(status(&respond(&app.deps, bad_id).await), 403);

    let mut practice = app.practice().await;
    practice.sms_provider.twilio_auth_token = None;
    app.store
        .inner
        .write(vec![Write::Practice {
            practice: Box::new(practice),
            expect_absent: false,
        }])
        .await
        .unwrap();
    let r = app.twilio("SM2", PATIENT_PHONE, "hi").await;
    assert_eq!(status(&r), 403);
    nothing_stored(&app);
}

#[tokio::test]
async fn unknown_providers_are_404_and_other_methods_405() {
    let app = app_with_patient(office_hours()).await;
    let r = respond(&app.deps, webhook_event("plivo", "prc_test", &[], "x", "")).await;
    assert_eq!(status(&r), 404);
    let mut get = twilio_event(&app.practice_id, "SM1", PATIENT_PHONE, "hi", TWILIO_TOKEN);
    get.request_context.http.method = http::Method::GET;
    assert_eq!(status(&respond(&app.deps, get).await), 405);
    let mut elsewhere = get_event();
    elsewhere.raw_path = Some("/v1/practice".into());
    assert_eq!(status(&respond(&app.deps, elsewhere).await), 404);
    nothing_stored(&app);
}

fn get_event() -> aws_lambda_events::apigw::ApiGatewayV2httpRequest {
    webhook_event("twilio", "prc_test", &[], "", "")
}

#[tokio::test]
async fn the_public_base_url_is_what_twilio_signs_when_it_is_set() {
    let mut app = app_with_patient(office_hours()).await;
    app.deps.public_base_url = Some("https://sms.example.com".into());
    let params = twilio_params("SM7", PATIENT_PHONE, "hi");
    let url = "https://sms.example.com/webhooks/sms/twilio/prc_test";
    let sig = twilio_signature(TWILIO_TOKEN, url, &params);
    let ev = webhook_event(
        "twilio",
        "prc_test",
        &[
            ("x-twilio-signature", &sig),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        &serde_urlencoded::to_string(&params).unwrap(),
        "",
    );
    assert_eq!(status(&respond(&app.deps, ev).await), 200);
    // The locally rebuilt URL no longer verifies.
    assert_eq!(status(&app.twilio("SM8", PATIENT_PHONE, "hi").await), 403);
}

#[tokio::test]
async fn provider_events_that_are_not_inbound_texts_are_acknowledged_and_ignored() {
    let app = app_with_patient(office_hours()).await;
    let body =
        serde_json::json!({"data": {"event_type": "message.finalized", "payload": {"id": "x"}}})
            .to_string();
    let r = respond(
        &app.deps,
        telnyx_event(
            &app.practice_id,
            &body,
            office_hours().timestamp(),
            TELNYX_SEED,
        ),
    )
    .await;
    assert_eq!(status(&r), 200);
    assert_eq!(body_text(&r), r#"{"status":"ignored"}"#);
    let params = [("MessageSid", "SM1"), ("MessageStatus", "delivered")];
    let url = "http://127.0.0.1:3000/webhooks/sms/twilio/prc_test";
    let sig = twilio_signature(TWILIO_TOKEN, url, &params);
    let ev = webhook_event(
        "twilio",
        "prc_test",
        &[("x-twilio-signature", &sig)],
        &serde_urlencoded::to_string(params).unwrap(),
        "",
    );
    assert_eq!(status(&respond(&app.deps, ev).await), 200);
    nothing_stored(&app);
}

// --- Idempotency ----------------------------------------------------------------------

#[tokio::test]
async fn a_provider_retry_is_stored_once_and_answered_once() {
    let app = app_with_patient(office_hours()).await;
    assert_eq!(
        status(&app.twilio("SM42", PATIENT_PHONE, "hello").await),
        200
    );
    let r = app.twilio("SM42", PATIENT_PHONE, "hello").await;
    assert_eq!(status(&r), 200);
    assert_eq!(app.timeline("pat-1").await.len(), 2);
    assert_eq!(app.sms.sent().len(), 1);
    assert_eq!(app.tasks().len(), 1);
}

#[tokio::test]
async fn concurrent_duplicates_are_processed_once() {
    let app = app_with_patient(office_hours()).await;
    let (a, b, c) = tokio::join!(
        app.twilio("SM77", PATIENT_PHONE, "R"),
        app.twilio("SM77", PATIENT_PHONE, "R"),
        app.twilio("SM77", PATIENT_PHONE, "R"),
    );
    for r in [a, b, c] {
        assert_eq!(status(&r), 200, "{}", body_text(&r));
    }
    assert_eq!(app.sms.sent().len(), 1);
    assert_eq!(app.tasks_of(TaskKind::RescheduleRequest).len(), 1);
    let inbound = app
        .timeline("pat-1")
        .await
        .into_iter()
        .filter(|m| m.direction == Direction::Inbound)
        .count();
    assert_eq!(inbound, 1);
}

#[tokio::test]
async fn the_same_message_id_from_two_providers_is_two_messages() {
    let app = app_with_patient(office_hours()).await;
    app.twilio("same-id", PATIENT_PHONE, "one").await;
    let v = vonage_event(
        &app.practice_id,
        vonage_params("same-id", "14155552671", "two", office_hours().timestamp()),
        VONAGE_SECRET,
    );
    assert_eq!(status(&respond(&app.deps, v).await), 200);
    assert_eq!(app.sms.sent().len(), 2);
}

// --- Keywords -------------------------------------------------------------------------

#[tokio::test]
async fn stop_opts_out_with_one_confirmation_and_automated_care_messages_then_stay_silent() {
    let app = app_with_patient(office_hours()).await;
    app.text("STOP").await;
    let p = app.patient("pat-1").await;
    assert!(p.consents.is_opted_out(Channel::Sms));
    let grant = p.consents.0[&Channel::Sms].opted_out.clone().unwrap();
    assert_eq!(grant.source, ConsentSource::PatientKeyword);
    let sent = app.sms_to(PATIENT_PHONE);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("unsubscribed"), "{}", sent[0]);
    assert!(!sent[0].to_lowercase().contains("offer"));

    // A second STOP and a question: no more texts.
    app.text("stop").await;
    app.text("what time is my appointment?").await;
    assert_eq!(app.sms_to(PATIENT_PHONE).len(), 1);
    let suppressed = app
        .timeline("pat-1")
        .await
        .into_iter()
        .filter(|m| matches!(m.decision, Decision::Suppressed { .. }))
        .count();
    assert_eq!(suppressed, 2, "suppressed replies are on the timeline");
    assert_eq!(
        app.tasks_of(TaskKind::InboxMessage).len(),
        1,
        "staff still see it"
    );

    // A reminder-like automated send is suppressed.
    let practice = app.practice().await;
    let patient = app.patient("pat-1").await;
    let out = Outbound {
        practice: &practice,
        patient: &patient,
        kind: MessageKind::Care,
        purpose: Purpose::Reminder,
        appointment_id: None,
        not_after: None,
        content: Content {
            sms: "Reminder".into(),
            email_subject: "Reminder".into(),
            email_text: "Reminder".into(),
            call_script: "Call".into(),
            voicemail_script: None,
            task_title: "Reminder call".into(),
        },
        task_priority: Priority::Normal,
        task_due: office_hours(),
    };
    let delivered = deliver(&app.deps.senders, out, office_hours()).await;
    // Care on an opted-out channel becomes a staff task (never another channel): no SMS.
    assert!(
        matches!(
            delivered.delivery,
            Delivery::Task {
                kind: TaskKind::ChannelUnusable,
                ..
            }
        ),
        "{:?}",
        delivered.delivery
    );
    assert_eq!(app.sms_to(PATIENT_PHONE).len(), 1);
}

#[tokio::test]
async fn start_opts_back_in_with_a_confirmation() {
    let app = app_with_patient(office_hours()).await;
    app.text("STOP").await;
    app.text("START").await;
    let p = app.patient("pat-1").await;
    assert!(!p.consents.is_opted_out(Channel::Sms));
    assert!(p.consents.allows(Channel::Sms, MessageKind::Care));
    let sent = app.sms_to(PATIENT_PHONE);
    assert_eq!(sent.len(), 2);
    assert!(
        sent[1].contains("subscribed to appointment texts again"),
        "{}",
        sent[1]
    );
}

#[tokio::test]
async fn help_names_the_practice_its_phone_and_how_to_opt_out() {
    let app = app_with_patient(office_hours()).await;
    app.text("HELP").await;
    let sent = app.sms_to(PATIENT_PHONE);
    assert_eq!(sent.len(), 1);
    for want in ["Smile Dental", "(212) 555-0100", "STOP"] {
        assert!(sent[0].contains(want), "{want} in {}", sent[0]);
    }
}

#[tokio::test]
async fn c_confirms_the_next_pending_appointment_in_six_requests() {
    let app = app_with_patient(office_hours()).await;
    app.add_appointment("past", "pat-1", office_hours() - hours(48))
        .await;
    app.add_appointment("next", "pat-1", office_hours() + hours(48))
        .await;
    app.add_appointment("later", "pat-1", office_hours() + hours(24 * 30))
        .await;
    let r = app.text("C").await;
    assert_eq!(status(&r), 200);
    // Four, then the reply's intent claimed and settled.
    assert_eq!(app.store.requests(), 6);
    let next = app.appointment("next").await;
    let c = next.confirmation.clone().expect("confirmed");
    assert_eq!(c.channel, Channel::Sms);
    assert_eq!(c.at, office_hours());
    assert_eq!(next.version, 2);
    assert!(app.appointment("later").await.confirmation.is_none());
    let sent = app.sms_to(PATIENT_PHONE);
    assert!(
        sent[0].contains("You're confirmed for Thu, Mar 12 at 11:00 AM"),
        "{}",
        sent[0]
    );
    let inbound = &app.timeline("pat-1").await[0];
    assert_eq!(inbound.appointment_id.as_ref().unwrap().as_str(), "next");
    assert!(app.tasks().is_empty());
}

#[tokio::test]
async fn yes_and_thumbs_up_confirm_too_and_with_nothing_to_confirm_staff_are_told() {
    let app = app_with_patient(office_hours()).await;
    app.add_appointment("next", "pat-1", office_hours() + hours(3))
        .await;
    app.text("👍").await;
    assert!(app.appointment("next").await.confirmation.is_some());
    let app = app_with_patient(office_hours()).await;
    app.text("Yes I'll be there").await;
    assert!(app.sms_to(PATIENT_PHONE)[0].contains("We've noted your reply"));
    assert_eq!(app.tasks_of(TaskKind::InboxMessage).len(), 1);
}

#[tokio::test]
async fn r_asks_staff_to_reschedule_and_acknowledges() {
    let app = app_with_patient(office_hours()).await;
    app.text("R").await;
    let t = app.tasks_of(TaskKind::RescheduleRequest);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].patient_id.as_ref().unwrap().as_str(), "pat-1");
    assert!(app.sms_to(PATIENT_PHONE)[0].contains("to find a new time"));
}

#[tokio::test]
async fn cancel_my_appointment_is_clarified_once_and_cancel_visit_raises_the_cancel_request() {
    let app = app_with_patient(office_hours()).await;
    app.text("cancel my appointment").await;
    let sent = app.sms_to(PATIENT_PHONE);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("CANCEL VISIT") && sent[0].contains("STOP"),
        "{}",
        sent[0]
    );
    assert!(!app
        .patient("pat-1")
        .await
        .consents
        .is_opted_out(Channel::Sms));
    assert_eq!(app.tasks_of(TaskKind::CancelRequest).len(), 1);

    let app = app.at(office_hours() + hours(1));
    app.text("CANCEL VISIT").await;
    let sent = app.sms_to(PATIENT_PHONE);
    assert_eq!(sent.len(), 2);
    assert!(
        !sent[1].contains("CANCEL VISIT"),
        "asked only once: {}",
        sent[1]
    );
    let tasks = app.tasks_of(TaskKind::CancelRequest);
    assert_eq!(tasks.len(), 2);
    assert!(tasks[1].detail.contains("confirmed"), "{}", tasks[1].detail);
    assert_eq!(app.patient("pat-1").await.thread.cancel_clarified_at, None);
}

#[tokio::test]
async fn a_second_ambiguous_cancel_is_not_asked_again() {
    let app = app_with_patient(office_hours()).await;
    app.text("I need to cancel tomorrow").await;
    app.at(office_hours() + hours(2))
        .text("cancel tomorrow please")
        .await;
    let sent = app.sms_to(PATIENT_PHONE);
    assert_eq!(
        sent.iter().filter(|s| s.contains("CANCEL VISIT")).count(),
        1
    );
    assert_eq!(app.tasks_of(TaskKind::CancelRequest).len(), 2);
}

#[tokio::test]
async fn a_patient_who_asks_for_email_and_has_one_is_switched_and_staff_are_told() {
    let app = app_with_patient(office_hours()).await;
    app.text("email me instead").await;
    let p = app.patient("pat-1").await;
    assert_eq!(p.preferred_channel, Channel::Email);
    let sent = app.sms_to(PATIENT_PHONE);
    assert!(sent[0].contains("by email from now on"), "{}", sent[0]);
    let t = app.tasks_of(TaskKind::ChannelSwitchRequest);
    assert_eq!(t.len(), 1);
    assert!(t[0].detail.contains("patient's request"));
    let reply = app.timeline("pat-1").await.pop().unwrap();
    assert_eq!(reply.purpose, Purpose::ChannelSwitch);
}

#[tokio::test]
async fn a_switch_that_cannot_be_made_becomes_a_request_for_staff() {
    let app = App::new(office_hours()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |p| p.email = None)
        .await;
    app.text("EMAIL").await;
    assert_eq!(app.patient("pat-1").await.preferred_channel, Channel::Sms);
    let t = app.tasks_of(TaskKind::ChannelSwitchRequest);
    assert!(t[0].detail.contains("no email address"), "{}", t[0].detail);
    assert!(!app.sms_to(PATIENT_PHONE)[0].contains("Done"));
}

#[tokio::test]
async fn call_me_raises_a_call_task_without_changing_the_channel() {
    let app = app_with_patient(office_hours()).await;
    app.text("Can you call me please").await;
    let t = app.tasks_of(TaskKind::ChannelSwitchRequest);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].priority, Priority::High);
    assert!(app.sms_to(PATIENT_PHONE)[0].contains("will call you"));
    assert_eq!(app.patient("pat-1").await.preferred_channel, Channel::Sms);
}

#[tokio::test]
async fn an_emergency_alerts_on_call_by_text_and_email_at_once_with_minimal_detail() {
    let app = app_with_patient(office_hours()).await;
    app.text("My jaw is swelling badly and there is bleeding")
        .await;
    let on_call = app.sms_to(ON_CALL_PHONE);
    assert_eq!(on_call.len(), 1);
    assert!(
        on_call[0].contains("URGENT") && on_call[0].contains("(415) 555-2671"),
        "{}",
        on_call[0]
    );
    assert!(
        !on_call[0].contains("jaw") && !on_call[0].contains("bleeding"),
        "no clinical text"
    );
    let emails = app.email.sent();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].to.as_str(), ON_CALL_EMAIL);
    assert!(!emails[0].text.contains("jaw"));
    let urgent = app.tasks_of(TaskKind::Emergency);
    assert_eq!(urgent.len(), 1);
    assert_eq!(urgent[0].priority, Priority::Urgent);
    assert_eq!(urgent[0].due_at, office_hours());
    let reply = app.sms_to(PATIENT_PHONE);
    assert!(
        reply[0].contains("call 911") && reply[0].contains("on-call"),
        "{}",
        reply[0]
    );
    let forwards = app
        .timeline("pat-1")
        .await
        .into_iter()
        .filter(|m| m.purpose == Purpose::EmergencyForward)
        .count();
    assert_eq!(forwards, 2);
}

#[tokio::test]
async fn an_emergency_with_nobody_on_call_still_gets_an_urgent_task_and_an_honest_reply() {
    let mut s = settings();
    s.on_call = Default::default();
    let app = App::with_settings(office_hours(), s).await;
    app.add_patient("pat-1", PATIENT_PHONE, |_| {}).await;
    app.text("emergency").await;
    let reply = app.sms_to(PATIENT_PHONE);
    assert!(
        reply[0].contains("marked your message urgent"),
        "{}",
        reply[0]
    );
    assert!(app.tasks_of(TaskKind::Emergency)[0]
        .detail
        .contains("nobody was alerted"));
}

#[tokio::test]
async fn when_every_on_call_alert_fails_the_patient_is_not_told_someone_was_alerted() {
    let app = app_with_patient(office_hours()).await;
    let mut s = settings();
    s.on_call.email = None;
    app.update_settings(|x| *x = s).await;
    *app.sms.fail_with.lock().unwrap() = Some(frontdesk::Error::SendRejected(
        "SNS Publish: InvalidParameter (HTTP 400)".into(),
    ));
    app.text("emergency").await;
    let timeline = app.store.messages();
    let forward = timeline
        .iter()
        .find(|m| m.purpose == Purpose::EmergencyForward)
        .unwrap();
    assert!(matches!(forward.decision, Decision::Failed { .. }));
    let reply = timeline
        .iter()
        .find(|m| m.purpose == Purpose::Reply && m.direction == Direction::Outbound)
        .unwrap();
    assert!(
        reply.body.contains("marked your message urgent"),
        "{}",
        reply.body
    );
    assert!(app.tasks_of(TaskKind::Emergency)[0]
        .detail
        .contains("ALERT FAILED"));
}

#[tokio::test]
async fn after_hours_the_reply_says_when_a_person_will_answer_and_the_emergency_path() {
    let app = app_with_patient(after_hours()).await;
    app.text("Is parking free?").await;
    let sent = app.sms_to(PATIENT_PHONE);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("We're closed"), "{}", sent[0]);
    assert!(sent[0].contains("tomorrow at 8:00 AM"), "{}", sent[0]);
    assert!(sent[0].contains("call 911"), "{}", sent[0]);
    // The task waits for the opening.
    assert_eq!(app.tasks()[0].due_at, utc("2026-03-11T12:00:00Z"));
}

#[tokio::test]
async fn a_low_rating_after_a_review_request_opens_one_follow_up_and_thanks_once() {
    let app = App::new(office_hours()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |p| {
        p.last_review_request_at = Some(office_hours() - hours(3))
    })
    .await;
    app.text("2").await;
    let t = app.tasks_of(TaskKind::FeedbackFollowUp);
    assert_eq!(t.len(), 1);
    assert_eq!(
        app.patient("pat-1").await.open_feedback_task,
        Some(t[0].task_id.clone())
    );
    let sent = app.sms_to(PATIENT_PHONE);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("sorry we fell short"), "{}", sent[0]);
    assert!(
        !sent[0].contains("http"),
        "no review link for anyone in a thank-you"
    );
}

#[tokio::test]
async fn a_high_rating_is_thanked_without_a_task_and_a_rating_out_of_the_blue_goes_to_staff() {
    let app = App::new(office_hours()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |p| {
        p.last_review_request_at = Some(office_hours() - hours(3))
    })
    .await;
    app.text("5").await;
    assert!(app.tasks().is_empty());
    assert!(app.sms_to(PATIENT_PHONE)[0].contains("Thank you for your rating"));

    let app = app_with_patient(office_hours()).await;
    app.text("5").await;
    assert_eq!(app.tasks_of(TaskKind::InboxMessage).len(), 1);
}

#[tokio::test]
async fn a_complaint_after_a_review_request_opens_a_feedback_follow_up() {
    let app = App::new(office_hours()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |p| {
        p.last_review_request_at = Some(office_hours() - hours(30))
    })
    .await;
    app.text("The front desk was rude and I waited an hour")
        .await;
    assert_eq!(app.tasks_of(TaskKind::FeedbackFollowUp).len(), 1);
    assert!(app.patient("pat-1").await.open_feedback_task.is_some());
}

// --- Threads --------------------------------------------------------------------------

#[tokio::test]
async fn a_stalled_thread_gets_one_call_suggestion_and_yes_then_books_the_call() {
    let mut s = settings();
    s.escalate_after_exchanges = 2;
    s.auto_replies_per_hour = 10;
    let app = App::with_settings(office_hours(), s).await;
    app.add_patient("pat-1", PATIENT_PHONE, |_| {}).await;
    app.text("hi, question about my bill").await;
    assert_eq!(app.sms_to(PATIENT_PHONE).len(), 1);
    app.at(office_hours() + hours(1))
        .text("hello? anyone")
        .await;
    let sent = app.sms_to(PATIENT_PHONE);
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(
        sent[2].contains("easier by phone") && sent[2].contains("CALL ME"),
        "{}",
        sent[2]
    );
    let p = app.patient("pat-1").await;
    assert!(p.thread.call_suggested_at.is_some());

    app.at(office_hours() + hours(2))
        .text("still waiting")
        .await;
    let suggestions = app
        .sms_to(PATIENT_PHONE)
        .iter()
        .filter(|s| s.contains("easier by phone"))
        .count();
    assert_eq!(suggestions, 1, "suggested once");

    app.at(office_hours() + hours(3)).text("yes").await;
    let calls = app.tasks_of(TaskKind::ChannelSwitchRequest);
    assert_eq!(calls.len(), 1);
    assert!(calls[0].detail.contains("accepted"), "{}", calls[0].detail);
    // All on the one patient timeline.
    assert_eq!(
        app.timeline("pat-1")
            .await
            .iter()
            .filter(|m| m.direction == Direction::Inbound)
            .count(),
        4
    );
}

#[tokio::test]
async fn auto_replies_are_rate_limited_but_an_opt_out_is_still_confirmed() {
    let app = app_with_patient(office_hours()).await; // 3 per hour
    for (i, text) in ["one", "two", "three", "four"].iter().enumerate() {
        app.at(office_hours() + chrono::Duration::minutes(i as i64))
            .text(text)
            .await;
    }
    assert_eq!(app.sms_to(PATIENT_PHONE).len(), 3);
    let limited = app
        .timeline("pat-1")
        .await
        .into_iter()
        .filter(
            |m| matches!(&m.decision, Decision::Suppressed { reason } if reason.contains("limit")),
        )
        .count();
    assert_eq!(limited, 1);
    app.at(office_hours() + chrono::Duration::minutes(5))
        .text("STOP")
        .await;
    assert_eq!(app.sms_to(PATIENT_PHONE).len(), 4);
}

#[tokio::test]
async fn an_unknown_number_gets_its_own_thread_a_task_with_the_last_four_digits_and_one_reply_an_hour(
) {
    let app = app_with_patient(office_hours()).await;
    app.twilio("SMu1", STRANGER_PHONE, "Hi, is this the dentist?")
        .await;
    app.twilio("SMu2", STRANGER_PHONE, "hello?").await;
    let messages = app.store.messages();
    let inbound: Vec<_> = messages
        .iter()
        .filter(|m| m.direction == Direction::Inbound)
        .collect();
    assert_eq!(inbound.len(), 2);
    for m in &inbound {
        assert_eq!(m.patient_id, None);
        assert_eq!(m.unknown_sender.as_ref().unwrap().as_str(), STRANGER_PHONE);
    }
    let tasks = app.tasks_of(TaskKind::UnknownSender);
    assert_eq!(tasks.len(), 2);
    for t in &tasks {
        assert!(t.title.contains("9876") && t.detail.contains("9876"));
        assert!(
            !t.title.contains("415555") && !t.detail.contains("415555"),
            "{t:?}"
        );
    }
    assert_eq!(
        app.sms_to(STRANGER_PHONE).len(),
        1,
        "one automatic reply per hour"
    );
    // An emergency from the same number is answered anyway.
    app.twilio("SMu3", STRANGER_PHONE, "emergency, bleeding")
        .await;
    assert_eq!(app.sms_to(STRANGER_PHONE).len(), 2);
    assert!(app.sms_to(ON_CALL_PHONE)[0].contains("unknown sender"));
}

#[tokio::test]
async fn a_shared_family_phone_files_the_text_under_the_patient_with_the_soonest_visit() {
    let app = App::new(office_hours()).await;
    app.add_patient("kid", PATIENT_PHONE, |p| p.first_name = "Kim".into())
        .await;
    app.add_patient("parent", PATIENT_PHONE, |p| p.first_name = "Pat".into())
        .await;
    app.add_appointment("kid-visit", "kid", office_hours() + hours(24 * 9))
        .await;
    app.add_appointment("parent-visit", "parent", office_hours() + hours(24))
        .await;
    app.text("C").await;
    assert!(app.appointment("parent-visit").await.confirmation.is_some());
    assert!(app.appointment("kid-visit").await.confirmation.is_none());
    assert!(app.sms_to(PATIENT_PHONE)[0].contains("Pat"));
    assert_eq!(app.timeline("kid").await.len(), 0);

    // A STOP from the shared phone covers everyone on it.
    app.text("STOP").await;
    assert!(app.patient("kid").await.consents.is_opted_out(Channel::Sms));
    assert!(app
        .patient("parent")
        .await
        .consents
        .is_opted_out(Channel::Sms));
    app.text("R").await;
    let t = app.tasks_of(TaskKind::RescheduleRequest);
    assert!(
        t[0].detail.contains("2 patients share this phone number"),
        "{}",
        t[0].detail
    );
}

#[tokio::test]
async fn a_reply_refused_for_good_is_recorded_as_a_staff_task() {
    let app = app_with_patient(office_hours()).await;
    *app.sms.fail_with.lock().unwrap() = Some(frontdesk::Error::SendRejected(
        "SNS Publish: InvalidParameter (HTTP 400)".into(),
    ));
    let r = app.text("hello").await;
    assert_eq!(status(&r), 200);
    let reply = app.timeline("pat-1").await.pop().unwrap();
    // Its send intent hands it to staff at once (a refusal is not retried).
    assert!(
        matches!(reply.decision, Decision::StaffTask { .. }),
        "{:?}",
        reply.decision
    );
    assert_eq!(app.tasks_of(TaskKind::SendFailed).len(), 1);
}

#[tokio::test]
async fn a_storage_outage_is_a_503_so_the_provider_retries() {
    let app = app_with_patient(office_hours()).await;
    let mut deps = app.deps.clone();
    let failing = SpyStore::new();
    failing.fail_every_call(frontdesk::Error::Storage(
        "GetItem: ThrottlingException".into(),
    ));
    deps.store = std::sync::Arc::new(failing);
    let r = respond(
        &deps,
        twilio_event(&app.practice_id, "SM1", PATIENT_PHONE, "hi", TWILIO_TOKEN),
    )
    .await;
    assert_eq!(status(&r), 503);
    assert!(!body_text(&r).contains("Throttl"));
}

// --- SNS and dispatch -----------------------------------------------------------------

fn sns(message: &str) -> SnsEvent {
    serde_json::from_value(sns_event_json(message)).unwrap()
}

#[tokio::test]
async fn aws_two_way_sms_is_routed_by_the_destination_number() {
    let app = app_with_patient(office_hours()).await;
    let ev = sns(&aws_message("aws-1", PATIENT_PHONE, PRACTICE_NUMBER, "C"));
    handle_sns(&app.deps, ev.clone()).await.unwrap();
    handle_sns(&app.deps, ev).await.unwrap();
    assert_eq!(app.timeline("pat-1").await.len(), 2);
    assert_eq!(app.sms_to(PATIENT_PHONE).len(), 1);
}

#[tokio::test]
async fn malformed_or_unroutable_sns_records_are_reported_not_panicked() {
    let app = app_with_patient(office_hours()).await;
    for message in [
        "not json".to_string(),
        "{}".to_string(),
        "[1,2]".to_string(),
        aws_message("aws-1", "+1", PRACTICE_NUMBER, "hi"),
        aws_message("aws-1", PATIENT_PHONE, "+19175550100", "hi"),
        aws_message("", PATIENT_PHONE, PRACTICE_NUMBER, "hi"),
    ] {
        let err = handle_sns(&app.deps, sns(&message)).await.unwrap_err();
        assert!(!err.is_transient(), "{err}");
        assert!(!err.to_string().contains("415555"), "{err}");
    }
    nothing_stored(&app);
}

#[tokio::test]
async fn the_lambda_entry_point_dispatches_on_the_event_shape() {
    let app = app_with_patient(office_hours()).await;
    let sns_json = sns_event_json(&aws_message(
        "aws-9",
        PATIENT_PHONE,
        PRACTICE_NUMBER,
        "hello",
    ));
    let out = handle(&app.deps, LambdaEvent::new(sns_json, Context::default()))
        .await
        .unwrap();
    assert_eq!(out["records"], 1);

    let http = twilio_event(&app.practice_id, "SM5", PATIENT_PHONE, "hi", TWILIO_TOKEN);
    let http_json = serde_json::to_value(&http).unwrap();
    let out = handle(&app.deps, LambdaEvent::new(http_json, Context::default()))
        .await
        .unwrap();
    assert_eq!(out["statusCode"], 200, "{out}");

    let bad = handle(
        &app.deps,
        LambdaEvent::new(serde_json::json!({"hello": "world"}), Context::default()),
    )
    .await
    .unwrap_err();
    assert_eq!(bad.error_type, "UnsupportedEvent");

    let broken_sns = serde_json::json!({"Records": [{"EventSource": "aws:sns", "Sns": 5}]});
    let err = handle(&app.deps, LambdaEvent::new(broken_sns, Context::default()))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "InvalidSnsEvent");
    assert_eq!(app.timeline("pat-1").await.len(), 4);
}

#[test]
fn the_public_base_url_setting_is_checked() {
    assert_eq!(public_base_url(None).unwrap(), None);
    assert_eq!(public_base_url(Some("  ".into())).unwrap(), None);
    assert_eq!(
        public_base_url(Some("https://sms.example.com/".into()))
            .unwrap()
            .as_deref(),
        Some("https://sms.example.com")
    );
    for bad in [
        "sms.example.com",
        "https://",
        "https://x.com/?a=1",
        "ftp://x.com",
    ] {
        assert!(public_base_url(Some(bad.into())).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn a_patient_changed_by_another_writer_meanwhile_is_reread_and_nothing_is_lost() {
    let app = app_with_patient(office_hours()).await;
    app.add_appointment("next", "pat-1", office_hours() + hours(5))
        .await;
    // A reminder is sent to the patient between our read and our write.
    app.store.race_next_write(vec![Write::NoteAutomatedSend {
        practice_id: app.practice_id.clone(),
        patient_id: frontdesk::domain::PatientId::parse("pat-1").unwrap(),
        phone: Some(phone(PATIENT_PHONE)),
        at: office_hours() - hours(1),
    }]);
    let r = app.text("C").await;
    assert_eq!(status(&r), 200, "{}", body_text(&r));
    let p = app.patient("pat-1").await;
    assert_eq!(
        p.recent_automated,
        vec![office_hours() - hours(1)],
        "the other write survives"
    );
    assert_eq!(p.thread.recent_auto_replies.len(), 1, "and so does ours");
    assert!(app.appointment("next").await.confirmation.is_some());
    assert_eq!(
        app.appointment("next").await.status,
        AppointmentStatus::Scheduled
    );
    assert_eq!(app.sms_to(PATIENT_PHONE).len(), 1);
    assert_eq!(app.timeline("pat-1").await.len(), 2);
}

#[path = "stalled_tests.rs"]
mod stalled;

#[path = "consent_log_tests.rs"]
mod consent_log;
