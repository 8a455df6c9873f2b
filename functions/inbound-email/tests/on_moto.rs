//! Inbound email against moto through the real adapters: the raw MIME in S3 (as the
//! receipt rule's S3 action stores it), SES's notification shape, `DynamoStore`, SESv2.
//! Real MIME samples in `tests/mime/`: a reply with quoted history, HTML-only
//! quoted-printable, multipart ISO-8859-1, and a base64 text part with an attachment.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{Channel, Decision, Direction, MessageKind, Patient, PatientId};
use frontdesk::ports::{FixedClock, Key, Store};
use inbound_email::receipt::notification;
use inbound_email::{handle_value, Deps, S3Mail, OBJECT_PREFIX};
use serde_json::{json, Value};
use testkit::moto::{patient_body, utc, MotoPractice as Stack};

const DOMAIN: &str = "mail.smile.example";
const PASS: [(&str, &str); 5] = [
    ("spam", "PASS"),
    ("virus", "PASS"),
    ("spf", "PASS"),
    ("dkim", "PASS"),
    ("dmarc", "PASS"),
];

fn booked() -> DateTime<Utc> {
    utc("2026-03-09T14:00:00Z")
}

/// Tue 2026-03-10, 10:00 in New York (office open).
fn replied() -> DateTime<Utc> {
    utc("2026-03-10T14:00:00Z")
}

struct World {
    s: Stack,
    s3: aws_sdk_s3::Client,
    bucket: String,
}

async fn world() -> World {
    let s = Stack::new(
        booked(),
        json!({
            "name": "Smile Dental",
            "time_zone": "America/New_York",
            "sms_number": "+12125550199",
            "email_from": "hello@smile.example",
            "callback_phone": "+12125550100"
        }),
    )
    .await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&s.moto.sdk_config())
            .force_path_style(true)
            .build(),
    );
    let bucket = format!("inbound-{}", s.table.to_lowercase().replace('_', "-"));
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("bucket");
    World { s, s3, bucket }
}

impl World {
    fn deps(&self, at: DateTime<Utc>) -> Deps {
        Deps {
            store: self.s.store.clone(),
            senders: self.s.senders.clone(),
            clock: Arc::new(FixedClock(at)),
            domain: DOMAIN.into(),
        }
    }

    /// Stores the sample as SES would and delivers SES's notification for it.
    async fn deliver(
        &self,
        at: DateTime<Utc>,
        sample: &str,
        from: &str,
        id: &str,
        verdicts: [(&str, &str); 5],
    ) -> Value {
        let raw = sample
            .replace("{FROM}", from)
            .replace("{TAG}", self.s.practice_id.as_str());
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(format!("{OBJECT_PREFIX}{id}"))
            .body(raw.into_bytes().into())
            .send()
            .await
            .expect("put");
        let to = vec![format!("reply+{}@{DOMAIN}", self.s.practice_id)];
        let event = notification(id, from, &to, verdicts);
        let mail = S3Mail {
            client: self.s3.clone(),
            bucket: self.bucket.clone(),
            prefix: OBJECT_PREFIX.into(),
        };
        handle_value(&self.deps(at), &mail, &event)
            .await
            .expect("handled")
    }

    /// The patient as stored.
    async fn stored(&self, id: &str) -> Patient {
        let id = PatientId::parse(id).unwrap();
        self.s
            .store
            .get_many(&self.s.practice_id, &[Key::Patient(id.clone())])
            .await
            .unwrap()
            .patient(&id)
            .cloned()
            .expect("patient")
    }

    async fn patient(&self, id: &str, email: &str) {
        self.s
            .put_patient(
                booked(),
                id,
                patient_body("+12125550142", email, "email", false),
            )
            .await;
    }
}

const REPLY_QUOTED: &str = include_str!("mime/reply_quoted.eml");
const HTML_STOP: &str = include_str!("mime/html_only_stop.eml");
const LATIN1: &str = include_str!("mime/multipart_latin1.eml");
const ATTACHMENT: &str = include_str!("mime/attachment.eml");

fn emails_to(outbox: &[Value]) -> Vec<String> {
    outbox
        .iter()
        .map(|m| m["body"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn an_emailed_c_confirms_the_next_appointment_and_is_answered_by_email() {
    let w = world().await;
    w.patient("em-c", "ana.c@patients.example").await;
    w.s.put_appointment(booked(), "ap-c", "em-c", "2026-03-12T15:00:00Z", "cleaning")
        .await;
    let out = w
        .deliver(
            replied(),
            REPLY_QUOTED,
            "Ana.C@patients.example",
            "ses-c-1",
            PASS,
        )
        .await;
    assert_eq!(out["outcomes"][0]["action"], json!("confirm"), "{out}");

    let a = w.s.appointment(replied(), "ap-c").await;
    assert_eq!(a["confirmation"]["channel"], json!("email"), "{a}");
    let sent = emails_to(&w.s.sent_to("ana.c@patients.example").await);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("confirmed"), "{}", sent[0]);

    let tl = w.s.timeline("em-c").await;
    let inbound = tl
        .iter()
        .find(|m| m.direction == Direction::Inbound)
        .expect("inbound");
    assert_eq!(inbound.channel, Channel::Email);
    assert!(
        !inbound.body.contains("Reply C to confirm"),
        "the quoted history is cut: {}",
        inbound.body
    );

    // SES delivering the same message again is handled once: no second reply.
    let again = w
        .deliver(
            replied(),
            REPLY_QUOTED,
            "ana.c@patients.example",
            "ses-c-1",
            PASS,
        )
        .await;
    assert_eq!(again["outcomes"][0]["duplicate"], json!(true), "{again}");
    assert_eq!(w.s.sent_to("ana.c@patients.example").await.len(), 1);
    assert_eq!(w.s.timeline("em-c").await.len(), tl.len());
}

#[tokio::test]
async fn stop_by_email_opts_out_and_the_next_reminder_is_a_staff_task() {
    let w = world().await;
    w.patient("em-stop", "ana.stop@patients.example").await;
    let out = w
        .deliver(
            replied(),
            HTML_STOP,
            "ana.stop@patients.example",
            "ses-stop-1",
            PASS,
        )
        .await;
    assert_eq!(out["outcomes"][0]["action"], json!("opt_out"), "{out}");
    let p = w.stored("em-stop").await;
    assert!(p.consents.is_opted_out(Channel::Email));
    assert!(
        !p.consents.is_opted_out(Channel::Sms),
        "never another channel"
    );
    let sent = emails_to(&w.s.sent_to("ana.stop@patients.example").await);
    assert_eq!(sent.len(), 1, "one confirmation: {sent:?}");
    assert!(sent[0].contains("unsubscribed"));

    // The next reminder (48 h before) is a staff task, not an email.
    w.s.put_appointment(
        replied(),
        "ap-stop",
        "em-stop",
        "2026-03-14T15:00:00Z",
        "cleaning",
    )
    .await;
    let deps = w.s.sweep_deps();
    reminders::run(
        &reminders::Deps {
            store: deps.store.clone(),
            senders: deps.senders.clone(),
            options: deps.options.clone(),
            governor: deps.governor.clone(),
        },
        utc("2026-03-12T15:00:00Z"),
    )
    .await
    .expect("sweep");
    assert_eq!(
        w.s.sent_to("ana.stop@patients.example").await.len(),
        1,
        "no reminder email"
    );
    let tasks = w.s.open_tasks(utc("2026-03-12T15:00:00Z")).await;
    assert!(
        tasks
            .iter()
            .any(|t| t["patient_id"] == json!("em-stop") && t["kind"] == json!("channel_unusable")),
        "{tasks:?}"
    );
}

#[tokio::test]
async fn failed_spf_or_dkim_changes_nothing_and_raises_a_low_priority_task() {
    let w = world().await;
    w.patient("em-forged", "ana.f@patients.example").await;
    for (id, check) in [("ses-f-1", 2), ("ses-f-2", 3)] {
        let mut v = PASS;
        v[check].1 = "FAIL";
        let out = w
            .deliver(replied(), HTML_STOP, "ana.f@patients.example", id, v)
            .await;
        assert_eq!(out["outcomes"][0]["action"], json!("unverified"), "{out}");
    }
    let p = w.stored("em-forged").await;
    assert!(!p.consents.is_opted_out(Channel::Email), "no opt-out");
    assert!(
        w.s.sent_to("ana.f@patients.example").await.is_empty(),
        "no reply"
    );
    assert!(w.s.timeline("em-forged").await.is_empty());
    let tasks = w.s.open_tasks(replied()).await;
    let low: Vec<_> = tasks
        .iter()
        .filter(|t| t["priority"] == json!("low"))
        .collect();
    assert_eq!(low.len(), 2, "{tasks:?}");
}

#[tokio::test]
async fn charsets_and_attachments_are_read_and_free_text_reaches_the_inbox() {
    let w = world().await;
    w.patient("em-fr", "ana.fr@patients.example").await;
    w.deliver(
        replied(),
        LATIN1,
        "ana.fr@patients.example",
        "ses-fr-1",
        PASS,
    )
    .await;
    w.deliver(
        replied() + Duration::minutes(1),
        ATTACHMENT,
        "ana.fr@patients.example",
        "ses-fr-2",
        PASS,
    )
    .await;
    let tl = w.s.timeline("em-fr").await;
    let bodies: Vec<&str> = tl
        .iter()
        .filter(|m| m.direction == Direction::Inbound)
        .map(|m| m.body.as_str())
        .collect();
    assert!(
        bodies.iter().any(|b| b.contains("venir à cette heure-là")),
        "{bodies:?}"
    );
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("I attached my insurance card.")),
        "{bodies:?}"
    );
    let replies = tl
        .iter()
        .filter(|m| {
            m.direction == Direction::Outbound && matches!(m.decision, Decision::Sent { .. })
        })
        .count();
    assert!(replies >= 1, "every email is answered (within the limit)");
    let (status, inbox) =
        w.s.api(replied() + Duration::minutes(2), "GET", "/v1/inbox", None)
            .await;
    assert_eq!(status, 200);
    assert!(inbox.to_string().contains("p_em-fr"), "{inbox}");
}

#[tokio::test]
async fn a_stop_reply_to_a_review_email_opts_out_of_reviews_only() {
    let w = world().await;
    w.patient("em-rv", "ana.rv@patients.example").await;
    let sample = HTML_STOP.replace("reply+{TAG}@", "reply+{TAG}+reviews@");
    let raw = sample
        .replace("{FROM}", "ana.rv@patients.example")
        .replace("{TAG}", w.s.practice_id.as_str());
    w.s3.put_object()
        .bucket(&w.bucket)
        .key(format!("{OBJECT_PREFIX}ses-rv-1"))
        .body(raw.into_bytes().into())
        .send()
        .await
        .unwrap();
    let to = vec![format!("reply+{}+reviews@{DOMAIN}", w.s.practice_id)];
    let mail = S3Mail {
        client: w.s3.clone(),
        bucket: w.bucket.clone(),
        prefix: OBJECT_PREFIX.into(),
    };
    handle_value(
        &w.deps(replied()),
        &mail,
        &notification("ses-rv-1", "ana.rv@patients.example", &to, PASS),
    )
    .await
    .unwrap();
    let p = w.stored("em-rv").await;
    assert!(!p.consents.is_opted_out(Channel::Email));
    assert!(!p.consents.allows(Channel::Email, MessageKind::Reviews));
    assert!(p.consents.allows(Channel::Email, MessageKind::Care));
}

#[path = "on_moto_parts/waitlist.rs"]
mod waitlist;
