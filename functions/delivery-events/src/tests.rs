//! The events over the in-memory store (proven equal to DynamoDB by the store contract).

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use frontdesk::delivery_status::Applied;
use frontdesk::domain::{
    Channel, ChannelConsent, ConsentChangeSource, ConsentGrant, ConsentSource, Consents, Decision,
    Direction, EmailAddress, Message, MessageKind, Patient, PatientId, PhoneNumber, Practice,
    PracticeId, Purpose, TaskKind,
};
use frontdesk::ports::{Expect, FixedClock, Key, Store, Write};
use frontdesk::testing::MemoryStore;
use serde_json::{json, Value};

use super::*;

const SENDER: &str = "front@smile.example";
const NUMBER: &str = "+12125550143";

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 15, 0, 0).unwrap()
}

struct World {
    deps: Deps,
    store: MemoryStore,
    practice_id: PracticeId,
    patient_id: PatientId,
}

fn sent(p: &PracticeId, channel: Channel, purpose: Purpose, id: &str, minute: u32) -> Message {
    Message::new(
        p.clone(),
        Utc.with_ymd_and_hms(2026, 3, 10, 14, minute, 0).unwrap(),
        channel,
        Direction::Outbound,
        purpose,
        "Reminder",
        Decision::Sent {
            provider_message_id: Some(id.into()),
        },
    )
    .for_patient(&PatientId::parse("pat-1").unwrap())
}

async fn world() -> World {
    let store = MemoryStore::new();
    let practice_id = PracticeId::parse("prc_ev").unwrap();
    let mut patient = Patient::new(
        practice_id.clone(),
        PatientId::parse("pat-1").unwrap(),
        "Ann",
        "Lee",
        Channel::Email,
        now(),
    );
    patient.email = Some(EmailAddress::parse("ann@example.com").unwrap());
    patient.phone = Some(PhoneNumber::parse_e164("+14155552671").unwrap());
    let mut email = ChannelConsent::default();
    for kind in [MessageKind::Care, MessageKind::Reviews] {
        email.kinds.insert(
            kind,
            ConsentGrant {
                granted: true,
                source: ConsentSource::PracticeStaff,
                at: now(),
            },
        );
    }
    patient.consents = Consents([(Channel::Email, email)].into_iter().collect());
    let practice = Practice {
        practice_id: practice_id.clone(),
        settings: Default::default(),
        sms_provider: Default::default(),
        api_keys: vec![],
        created_at: now(),
        updated_at: now(),
    };
    store
        .write(vec![
            Write::Practice {
                practice: Box::new(practice),
                expect_absent: true,
            },
            Write::SenderRoute {
                address: EmailAddress::parse(SENDER).unwrap(),
                practice_id: practice_id.clone(),
            },
            Write::NumberRoute {
                number: PhoneNumber::parse_e164(NUMBER).unwrap(),
                practice_id: practice_id.clone(),
            },
            Write::Patient {
                patient: Box::new(patient.clone()),
                expect: Expect::Absent,
                previous_phone: None,
            },
            Write::Message(Box::new(sent(
                &practice_id,
                Channel::Email,
                Purpose::Reminder,
                "ses-1",
                0,
            ))),
            Write::Message(Box::new(sent(
                &practice_id,
                Channel::Email,
                Purpose::ReviewRequest,
                "ses-2",
                1,
            ))),
            Write::Message(Box::new(sent(
                &practice_id,
                Channel::Sms,
                Purpose::Reminder,
                "aws-1",
                2,
            ))),
        ])
        .await
        .unwrap();
    World {
        deps: Deps {
            store: Arc::new(store.clone()),
            clock: Arc::new(FixedClock(now())),
        },
        store,
        practice_id,
        patient_id: patient.patient_id,
    }
}

fn ses(kind: &str, id: &str, extra: Value) -> String {
    let mut v = json!({"eventType": kind, "mail": {"timestamp": "2026-03-10T14:00:00.000Z",
        "source": SENDER, "messageId": id, "destination": ["ann@example.com"],
        "tags": {"ses:configuration-set": ["frontdesk"]}}});
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    v.to_string()
}

impl World {
    async fn patient(&self) -> Patient {
        self.store
            .get_many(&self.practice_id, &[Key::Patient(self.patient_id.clone())])
            .await
            .unwrap()
            .patient(&self.patient_id)
            .cloned()
            .unwrap()
    }

    async fn decision_of(&self, id: &str) -> Decision {
        self.store
            .timeline(&self.practice_id, &self.patient_id, None, 50)
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|m| m.decision.provider_message_id() == Some(id))
            .map(|m| m.decision)
            .unwrap()
    }

    fn tasks(&self, kind: TaskKind) -> usize {
        self.store
            .all_tasks(&self.practice_id)
            .iter()
            .filter(|t| t.kind == kind)
            .count()
    }
}

#[tokio::test]
async fn a_permanent_bounce_marks_email_once_and_a_transient_one_is_not_flagged() {
    let w = world().await;
    let permanent = ses(
        "Bounce",
        "ses-1",
        json!({"bounce": {"bounceType": "Permanent", "bounceSubType": "NoEmail"}}),
    );
    let out = process_message(&w.deps, &permanent).await.unwrap();
    assert_eq!(out, Outcome::Report(Applied::Recorded { marked: true }));
    assert_eq!(
        process_message(&w.deps, &permanent).await.unwrap(),
        Outcome::Report(Applied::Unchanged)
    );
    let health = w.patient().await.email_health.expect("marked");
    assert_eq!(health.code, "ses:bounce:permanent:noemail");
    assert_eq!(w.tasks(TaskKind::ChannelUnusable), 1);
    assert!(matches!(
        w.decision_of("ses-1").await,
        Decision::Undelivered { .. }
    ));

    let w = world().await;
    let transient = ses(
        "Bounce",
        "ses-1",
        json!({"bounce": {"bounceType": "Transient", "bounceSubType": "MailboxFull"}}),
    );
    assert_eq!(
        process_message(&w.deps, &transient).await.unwrap(),
        Outcome::Report(Applied::Recorded { marked: false })
    );
    assert!(w.patient().await.email_health.is_none());
    assert_eq!(w.tasks(TaskKind::ChannelUnusable), 0);
}

#[tokio::test]
async fn a_complaint_opts_out_of_that_kind_once_with_a_task_and_history() {
    let w = world().await;
    let complaint = ses(
        "Complaint",
        "ses-2",
        json!({"complaint": {"feedbackId": "fb-1", "complaintFeedbackType": "abuse"}}),
    );
    assert_eq!(
        process_message(&w.deps, &complaint).await.unwrap(),
        Outcome::OptedOut
    );
    assert_eq!(
        process_message(&w.deps, &complaint).await.unwrap(),
        Outcome::AlreadyOptedOut
    );
    let p = w.patient().await;
    assert!(!p.consents.allows(Channel::Email, MessageKind::Reviews));
    assert!(
        p.consents.allows(Channel::Email, MessageKind::Care),
        "only that kind"
    );
    assert_eq!(w.tasks(TaskKind::FeedbackFollowUp), 1);
    let history = w
        .store
        .consent_history(&w.practice_id, &w.patient_id, None, 10)
        .await
        .unwrap()
        .items;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].source, ConsentChangeSource::Complaint);
    assert_eq!(history[0].kind, Some(MessageKind::Reviews));
    assert!(!history[0].granted);
}

#[tokio::test]
async fn deliveries_are_recorded_and_unknown_or_unrouted_events_store_nothing() {
    let w = world().await;
    assert_eq!(
        process_message(&w.deps, &ses("Delivery", "ses-1", json!({"delivery": {}})))
            .await
            .unwrap(),
        Outcome::Report(Applied::Recorded { marked: false })
    );
    assert!(matches!(
        w.decision_of("ses-1").await,
        Decision::Delivered { .. }
    ));
    assert_eq!(
        process_message(&w.deps, &ses("DeliveryDelay", "ses-2", json!({})))
            .await
            .unwrap(),
        Outcome::Ignored("delivery_delay")
    );
    assert_eq!(
        process_message(&w.deps, &ses("Delivery", "ses-never", json!({})))
            .await
            .unwrap(),
        Outcome::UnknownMessage
    );
    let foreign = ses("Delivery", "ses-2", json!({})).replace(SENDER, "other@else.example");
    assert!(matches!(
        process_message(&w.deps, &foreign).await,
        Err(EventError::Unroutable)
    ));
    assert!(matches!(
        process_message(&w.deps, "{not json").await,
        Err(EventError::Unreadable(_))
    ));
    assert!(matches!(
        w.decision_of("ses-2").await,
        Decision::Sent { .. }
    ));
}

#[tokio::test]
async fn an_sms_opted_out_event_marks_sms_and_the_sns_handler_reports_counts() {
    let w = world().await;
    let event = json!({"eventType": "TEXT_OPTED_OUT", "eventVersion": "1.0", "messageId": "aws-1",
        "originationPhoneNumber": NUMBER, "destinationPhoneNumber": "+14155552671",
        "messageStatus": "OPTED_OUT", "messageStatusDescription": "opted out", "isFinal": true});
    let sns = json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:aws:sns:us-east-1:000000000000:t:s",
        "Sns": {"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
            "Subject": null, "Message": event.to_string(), "Timestamp": "2026-03-10T15:00:00.000Z",
            "SignatureVersion": "1", "Signature": "x", "SigningCertUrl": "https://x", "UnsubscribeUrl": "https://x",
            "MessageAttributes": {}}}]});
    let out = handle(&w.deps, LambdaEvent::new(sns, Default::default()))
        .await
        .unwrap();
    assert_eq!(out, json!({"records": 1, "changed": 1}));
    let health = w.patient().await.sms_health.expect("marked");
    assert_eq!(health.code, "aws:opted_out");
    assert_eq!(w.tasks(TaskKind::ChannelUnusable), 1);
}

/// An End User Messaging event is matched by its `messageId` only: one about a message we
/// recorded under another id (an SNS `MessageId`) is acknowledged and changes nothing, and
/// is never matched by the destination number instead.
#[tokio::test]
async fn an_sms_event_whose_id_we_never_recorded_changes_nothing() {
    let w = world().await;
    let event = |id: &str| {
        json!({"eventType": "TEXT_DELIVERED", "eventVersion": "1.0", "messageId": id,
            "originationPhoneNumber": NUMBER, "destinationPhoneNumber": "+14155552671",
            "messageStatus": "DELIVERED", "isFinal": true})
        .to_string()
    };
    assert_eq!(
        process_message(&w.deps, &event("862a8790-60c0-4430-9b2b-658bdexample"))
            .await
            .unwrap(),
        Outcome::UnknownMessage
    );
    assert!(matches!(
        w.decision_of("aws-1").await,
        Decision::Sent { .. }
    ));
    assert_eq!(
        process_message(&w.deps, &event("aws-1")).await.unwrap(),
        Outcome::Report(Applied::Recorded { marked: false })
    );
}
