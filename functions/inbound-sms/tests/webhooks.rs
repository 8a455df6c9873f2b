//! Inbound SMS against moto, through the real DynamoDB, SNS and SESv2 clients: every
//! provider with really signed payloads, the SNS shape, refusals, idempotency under
//! concurrency, and the keyword paths whose effects reach the outside world.

mod common;

use chrono::Duration;
use common::*;
use frontdesk::deliver::{deliver, Content, Delivery, Outbound};
use frontdesk::domain::{
    Channel, ConsentSource, Decision, Direction, MessageKind, PatientId, Priority, Purpose,
    TaskKind,
};
use frontdesk::ports::{Key, Store};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::json;

async fn stack() -> Stack {
    Stack::new(office_hours(), json!({})).await
}

#[tokio::test]
async fn every_provider_and_aws_two_way_sms_is_verified_stored_and_answered() {
    let s = stack().await;
    let now = s.now.timestamp();
    let patient = s.n.patient.clone();

    let r = s.twilio("SMa1", &patient, "hello from twilio").await;
    assert_eq!(r.status_code, 200, "{}", body_text(&r));
    assert_eq!(
        body_text(&r),
        r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#
    );
    assert_eq!(r.headers["content-type"], "text/xml");

    let r = inbound_sms::respond(
        &s.deps,
        s.telnyx_event("tx-1", &patient, "hello from telnyx", now - 30),
    )
    .await;
    assert_eq!(r.status_code, 200, "{}", body_text(&r));
    let r = inbound_sms::respond(
        &s.deps,
        s.vonage_event("vn-1", &patient, "hello from vonage", now),
    )
    .await;
    assert_eq!(r.status_code, 200, "{}", body_text(&r));
    inbound_sms::handle_sns(&s.deps, s.sns_event("aws-1", &patient, "hello from aws"))
        .await
        .unwrap();

    let timeline = s.timeline("pat-1").await;
    let inbound: Vec<&str> = timeline
        .iter()
        .filter(|m| m.direction == Direction::Inbound)
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(
        inbound,
        vec![
            "hello from twilio",
            "hello from telnyx",
            "hello from vonage",
            "hello from aws"
        ]
    );
    assert!(timeline
        .iter()
        .filter(|m| m.direction == Direction::Inbound)
        .all(|m| m.purpose == Purpose::PatientMessage && m.decision == Decision::Received));
    // Three automatic replies an hour: the fourth is recorded as suppressed.
    let replies: Vec<&Decision> = timeline
        .iter()
        .filter(|m| m.direction == Direction::Outbound)
        .map(|m| &m.decision)
        .collect();
    assert_eq!(replies.len(), 4);
    assert_eq!(s.sms_to(&patient).await.len(), 3);
    assert!(matches!(replies[3], Decision::Suppressed { .. }));
    assert_eq!(s.open_tasks().await.len(), 4);
}

#[tokio::test]
async fn forged_stale_and_unsigned_requests_are_refused_and_nothing_is_stored() {
    let s = stack().await;
    let before = s.item_count().await;
    let now = s.now.timestamp();
    let patient = s.n.patient.clone();
    let practice = s.practice_id.to_string();

    let mut forged = s.twilio_event("SMf1", &patient, "STOP");
    forged.headers.insert(
        "x-twilio-signature",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAA=".parse().unwrap(),
    );
    let mut unsigned = s.twilio_event("SMf2", &patient, "STOP");
    unsigned.headers.remove("x-twilio-signature");
    let mut tampered = s.twilio_event("SMf3", &patient, "hello");
    tampered.body = tampered.body.map(|b| b.replace("hello", "STOP"));
    let telnyx_stale = s.telnyx_event("tx-s", &patient, "STOP", now - 6 * 60);
    let telnyx_future = s.telnyx_event("tx-f", &patient, "STOP", now + 10 * 60);
    let telnyx_wrong_key = telnyx_signed(
        &practice,
        &telnyx_body("tx-w", &patient, &s.n.practice, "STOP"),
        now,
        [3u8; 32],
    );
    let mut telnyx_unsigned = s.telnyx_event("tx-u", &patient, "STOP", now);
    telnyx_unsigned.headers.remove("telnyx-signature-ed25519");
    let vonage_stale = s.vonage_event("vn-s", &patient, "STOP", now - 3600);
    let vonage_forged = vonage_signed(
        &practice,
        vonage_params("vn-f", &patient, &s.n.practice, "STOP", now),
        "guessed-secret",
    );
    let mut other_practice = s.twilio_event("SMf4", &patient, "STOP");
    other_practice.raw_path = Some("/webhooks/sms/twilio/prc_doesnotexist".into());

    for (what, ev) in [
        ("forged twilio", forged),
        ("unsigned twilio", unsigned),
        ("tampered twilio", tampered),
        ("stale telnyx", telnyx_stale),
        ("future telnyx", telnyx_future),
        ("telnyx signed by another key", telnyx_wrong_key),
        ("unsigned telnyx", telnyx_unsigned),
        ("stale vonage", vonage_stale),
        ("forged vonage", vonage_forged),
        ("unknown practice", other_practice),
    ] {
        let r = inbound_sms::respond(&s.deps, ev).await;
        assert_eq!(r.status_code, 403, "{what}: {}", body_text(&r));
        assert!(
            !body_text(&r).contains("practice"),
            "{what}: no hint about practices"
        );
    }
    assert_eq!(s.item_count().await, before, "nothing stored");
    assert!(s.timeline("pat-1").await.is_empty());
    assert!(s.open_tasks().await.is_empty());
    assert!(s.sms_to(&patient).await.is_empty());
    let p = s
        .store
        .get_many(
            &s.practice_id,
            &[Key::Patient(PatientId::parse("pat-1").unwrap())],
        )
        .await
        .unwrap();
    assert!(!p.0.is_empty());
    let unknown = inbound_sms::respond(&s.deps, webhook("bandwidth", &practice, &[], "x")).await;
    assert_eq!(unknown.status_code, 404);
}

#[tokio::test]
async fn duplicates_and_concurrent_duplicates_are_processed_once() {
    let s = stack().await;
    let patient = s.n.patient.clone();
    let (a, b, c) = tokio::join!(
        s.twilio("SMdup", &patient, "Running 10 min late"),
        s.twilio("SMdup", &patient, "Running 10 min late"),
        s.twilio("SMdup", &patient, "Running 10 min late"),
    );
    for r in [a, b, c] {
        assert_eq!(r.status_code, 200, "{}", body_text(&r));
    }
    let again = s.twilio("SMdup", &patient, "Running 10 min late").await;
    assert_eq!(again.status_code, 200);
    let now = s.now.timestamp();
    let (x, y) = tokio::join!(
        inbound_sms::respond(&s.deps, s.telnyx_event("tx-dup", &patient, "ok", now)),
        inbound_sms::respond(&s.deps, s.telnyx_event("tx-dup", &patient, "ok", now)),
    );
    assert_eq!((x.status_code, y.status_code), (200, 200));
    let sns = s.sns_event("aws-dup", &patient, "thanks");
    let (p, q) = tokio::join!(
        inbound_sms::handle_sns(&s.deps, sns.clone()),
        inbound_sms::handle_sns(&s.deps, sns.clone()),
    );
    p.unwrap();
    q.unwrap();

    let timeline = s.timeline("pat-1").await;
    let inbound = timeline
        .iter()
        .filter(|m| m.direction == Direction::Inbound)
        .count();
    assert_eq!(inbound, 3, "one entry per provider message");
    assert_eq!(
        s.sms_to(&patient).await.len(),
        3,
        "one reply per provider message"
    );
    assert_eq!(s.open_tasks().await.len(), 3);
}

#[tokio::test]
async fn stop_opts_out_with_one_confirmation_and_a_reminder_like_send_then_sends_nothing() {
    let s = stack().await;
    let patient = s.n.patient.clone();
    assert_eq!(s.text("STOP").await.status_code, 200);
    assert_eq!(s.text("Stop").await.status_code, 200);
    let sent = s.sms_to(&patient).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("unsubscribed"));

    let id = PatientId::parse("pat-1").unwrap();
    let fetched = s
        .store
        .get_many(&s.practice_id, &[Key::Practice, Key::Patient(id.clone())])
        .await
        .unwrap();
    let practice = fetched.practice().unwrap().clone();
    let p = fetched.patient(&id).unwrap().clone();
    let grant = p.consents.0[&Channel::Sms].opted_out.clone().unwrap();
    assert_eq!(grant.source, ConsentSource::PatientKeyword);
    // The phone index copy agrees (it is what the next inbound text reads).
    let copies = s
        .store
        .patients_by_phone(&s.practice_id, &p.phone.clone().unwrap())
        .await
        .unwrap();
    assert!(copies[0].consents.is_opted_out(Channel::Sms));

    let out = Outbound {
        practice: &practice,
        patient: &p,
        kind: MessageKind::Care,
        purpose: Purpose::Reminder,
        appointment_id: None,
        not_after: None,
        content: Content {
            sms: format!("{}: reminder of your appointment", s.name),
            email_subject: "Reminder".into(),
            email_text: "Reminder".into(),
            call_script: "Call".into(),
            voicemail_script: None,
            task_title: "Reminder call".into(),
        },
        task_priority: Priority::Normal,
        task_due: s.now,
    };
    let delivered = deliver(&s.deps.senders, out, s.now).await;
    assert!(
        !matches!(delivered.delivery, Delivery::Sent { .. }),
        "{:?}",
        delivered.delivery
    );
    assert_eq!(
        s.sms_to(&patient).await.len(),
        1,
        "zero SMS after the opt-out"
    );
}

#[tokio::test]
async fn cancel_my_appointment_sends_the_one_clarification() {
    let s = stack().await;
    let patient = s.n.patient.clone();
    s.text("cancel my appointment").await;
    let sent = s.sms_to(&patient).await;
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("Reply CANCEL VISIT to cancel your appointment, or STOP to stop texts")
    );
    let tasks = s.open_tasks().await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].kind, TaskKind::CancelRequest);
    s.text("CANCEL VISIT").await;
    let sent = s.sms_to(&patient).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent.iter().filter(|b| b.contains("CANCEL VISIT")).count(),
        1
    );
}

#[tokio::test]
async fn an_emergency_reaches_the_on_call_phone_and_email_at_once() {
    let s = stack().await;
    let patient = s.n.patient.clone();
    let r = s.text("I'm in severe pain and my face is swelling").await;
    assert_eq!(r.status_code, 200);
    let on_call = s.sms_to(&s.n.on_call).await;
    assert_eq!(on_call.len(), 1);
    assert!(on_call[0].contains("URGENT"));
    assert!(
        !on_call[0].contains("swelling"),
        "no clinical text to on-call"
    );
    let emails = s.emails_to_on_call().await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert_eq!(emails[0]["from"], EMAIL_FROM);
    let reply = s.sms_to(&patient).await;
    assert!(reply[0].contains("call 911"), "{}", reply[0]);
    let tasks = s.open_tasks().await;
    assert_eq!(tasks[0].kind, TaskKind::Emergency);
    assert_eq!(tasks[0].priority, Priority::Urgent);
}

#[tokio::test]
async fn after_hours_the_reply_says_when_someone_will_answer_and_how_to_get_help_now() {
    let s = Stack::new(after_hours(), json!({})).await;
    let patient = s.n.patient.clone();
    s.text("Do you take my insurance?").await;
    let sent = s.sms_to(&patient).await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("We're closed"), "{}", sent[0]);
    assert!(
        sent[0].contains("when we open tomorrow at 8:00 AM"),
        "{}",
        sent[0]
    );
    assert!(sent[0].contains("call 911"), "{}", sent[0]);
}

#[tokio::test]
async fn after_the_configured_exchanges_a_call_is_suggested_once_in_the_same_channel() {
    let s = Stack::new(
        office_hours(),
        json!({"escalate_after_exchanges": 3, "auto_replies_per_hour": 20}),
    )
    .await;
    let patient = s.n.patient.clone();
    for text in [
        "question about my bill",
        "the amount looks wrong",
        "hello?",
        "still there?",
    ] {
        assert_eq!(s.text(text).await.status_code, 200);
    }
    let sent = s.sms_to(&patient).await;
    let suggestions: Vec<&String> = sent
        .iter()
        .filter(|b| b.contains("easier by phone"))
        .collect();
    assert_eq!(suggestions.len(), 1, "{sent:?}");
    let timeline = s.timeline("pat-1").await;
    let suggestion = timeline
        .iter()
        .find(|m| m.purpose == Purpose::CallSuggestion)
        .expect("on the timeline");
    assert_eq!(suggestion.channel, Channel::Sms);
    // Saying yes books the call; the patient's channel does not change by itself.
    s.text("yes").await;
    let calls: Vec<_> = s
        .open_tasks()
        .await
        .into_iter()
        .filter(|t| t.kind == TaskKind::ChannelSwitchRequest)
        .collect();
    assert_eq!(calls.len(), 1);
    let (_, p) = s.api("GET", "/v1/patients/pat-1", None).await;
    assert_eq!(p["preferred_channel"], "sms");
}

#[tokio::test]
async fn c_confirms_the_next_appointment() {
    let s = stack().await;
    s.put_appointment("appt-1", "pat-1", s.now + Duration::days(2))
        .await;
    let r = s.text("C").await;
    assert_eq!(r.status_code, 200, "{}", body_text(&r));
    let (_, a) = s.api("GET", "/v1/appointments/appt-1", None).await;
    assert_eq!(a["confirmed"], true, "{a}");
    assert_eq!(a["confirmation"]["channel"], "sms");
    let sent = s.sms_to(&s.n.patient).await;
    assert!(sent[0].contains("You're confirmed for"), "{}", sent[0]);
}

#[tokio::test]
async fn an_unknown_number_gets_its_own_thread_and_a_task_that_shows_only_the_last_four_digits() {
    let s = stack().await;
    let stranger = s.n.stranger.clone();
    let r = s.twilio("SMst1", &stranger, "Hi, who is this?").await;
    assert_eq!(r.status_code, 200);
    let tasks = s.open_tasks().await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].kind, TaskKind::UnknownSender);
    let last4 = &stranger[stranger.len() - 4..];
    assert!(tasks[0].title.contains(last4));
    assert!(
        !tasks[0].detail.contains(&stranger[2..]),
        "{}",
        tasks[0].detail
    );
    let messages = s.all_messages().await;
    let thread: Vec<_> = messages
        .iter()
        .filter(|m| {
            m["SK"]
                .as_str()
                .unwrap()
                .starts_with(&format!("TL#~{stranger}#"))
        })
        .collect();
    assert_eq!(thread.len(), 2, "{messages:?}");
    assert!(thread.iter().all(|m| m["patient_id"].is_null()));
    assert_eq!(s.sms_to(&stranger).await.len(), 1);
}

#[tokio::test]
async fn the_lambda_entry_point_takes_sns_events() {
    let s = stack().await;
    let event = sns_json(&aws_message("aws-e1", &s.n.patient, &s.n.practice, "R"));
    let out = inbound_sms::handle(&s.deps, LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert_eq!(out["records"], 1);
    let tasks = s.open_tasks().await;
    assert_eq!(tasks[0].kind, TaskKind::RescheduleRequest);
    let bad = sns_json(&aws_message("aws-e2", &s.n.patient, "+19995550100", "R"));
    let err = inbound_sms::handle(&s.deps, LambdaEvent::new(bad, Context::default()))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "InboundSmsRecordsFailed");
}
