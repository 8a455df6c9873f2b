//! Staff replies, the inbox and threads, over the in-memory store and recording senders.

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{
    Channel, ConsentSource, Decision, Direction, Message, PatientId, PhoneNumber, PracticeId,
    Purpose, ThreadId, Waiting,
};
use frontdesk::ports::{Expect, Key, Store, Write};
use serde_json::{json, Value};

use super::{app, app_at, now, App};

pub(super) fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

impl App {
    /// A second practice, with its own number.
    pub(super) async fn other_practice(&self) -> String {
        let (s, b) = self
            .call(
                "POST",
                "/v1/practices",
                Some(super::OP),
                Some(json!({"name": "B Dental", "time_zone": "America/Chicago", "sms_number": "+13125550144"})),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        b["api_key"].as_str().unwrap().to_string()
    }

    /// The patient texted at `at`, as inbound-sms records it: the timeline entry, the
    /// thread state and the inbox entry.
    pub(super) async fn patient_texted(
        &self,
        practice_id: &str,
        patient_id: &str,
        at: DateTime<Utc>,
    ) {
        let practice_id = PracticeId::parse(practice_id).unwrap();
        let patient_id = PatientId::parse(patient_id).unwrap();
        let fetched = self
            .store
            .get_many(&practice_id, &[Key::Patient(patient_id.clone())])
            .await
            .unwrap();
        let mut p = fetched.patient(&patient_id).unwrap().clone();
        let seen = p.version;
        p.thread.last_inbound_at = Some(at);
        p.thread.last_inbound_channel = Some(Channel::Sms);
        let mut writes = vec![Write::Message(Box::new(inbound(
            &practice_id,
            Some(&patient_id),
            None,
            at,
        )))];
        if p.thread.waiting_since.is_none() {
            p.thread.waiting_since = Some(at);
            writes.push(Write::Waiting(Box::new(Waiting::patient(
                &practice_id,
                &patient_id,
                at,
                Channel::Sms,
            ))));
        }
        p.version += 1;
        writes.push(Write::Patient {
            patient: Box::new(p),
            expect: Expect::Version(seen),
            previous_phone: None,
        });
        self.store.write(writes).await.unwrap();
    }

    /// An unknown number texted at `at`; returns its thread id.
    pub(super) async fn stranger_texted(
        &self,
        practice_id: &str,
        number: &str,
        at: DateTime<Utc>,
    ) -> String {
        let practice_id = PracticeId::parse(practice_id).unwrap();
        let number = PhoneNumber::parse_e164(number).unwrap();
        self.store
            .write(vec![
                Write::Message(Box::new(inbound(&practice_id, None, Some(&number), at))),
                Write::UnknownInbound {
                    practice_id: practice_id.clone(),
                    number: number.clone(),
                    at,
                    waiting: true,
                    opted_out: None,
                },
                Write::Waiting(Box::new(Waiting::unknown(&practice_id, &number, at))),
            ])
            .await
            .unwrap();
        ThreadId::unknown(&practice_id, &number).to_string()
    }

    pub(super) async fn reply(&self, key: &str, path: &str, body: Value) -> (i64, Value) {
        self.call("POST", path, Some(key), Some(body)).await
    }

    pub(super) async fn timeline_of(&self, key: &str, patient: &str) -> Vec<Value> {
        let (s, b) = self
            .call(
                "GET",
                &format!("/v1/patients/{patient}/timeline"),
                Some(key),
                None,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["items"].as_array().unwrap().clone()
    }

    pub(super) async fn inbox(&self, key: &str) -> Vec<Value> {
        let (s, b) = self.call("GET", "/v1/inbox", Some(key), None).await;
        assert_eq!(s, 200, "{b}");
        b["items"].as_array().unwrap().clone()
    }
}

fn inbound(
    practice_id: &PracticeId,
    patient_id: Option<&PatientId>,
    number: Option<&PhoneNumber>,
    at: DateTime<Utc>,
) -> Message {
    Message::new(
        practice_id.clone(),
        at,
        Channel::Sms,
        Direction::Inbound,
        Purpose::PatientMessage,
        "Can I bring my son too?",
        Decision::Received,
    )
    .on_thread(patient_id.cloned(), number.cloned())
}

#[tokio::test]
async fn a_staff_reply_goes_out_by_sms_from_the_practice_number_and_answers_the_thread() {
    let app = app();
    let (pid, key) = app.practice("Lakeside Dental").await;
    app.patient(&key, "pt-1").await;
    app.patient_texted(&pid, "pt-1", now() - Duration::hours(1))
        .await;
    assert_eq!(app.inbox(&key).await.len(), 1);

    let (s, b) = app
        .reply(
            &key,
            "/v1/patients/pt-1/messages",
            json!({"body": "Yes, of course. See you Tuesday!", "staff_id": "stf_ana"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["status"], json!("sent"));
    assert_eq!(b["channel"], json!("sms"));
    assert_eq!(b["thread_id"], json!("p_pt-1"));
    let sent = app.sms.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to.as_str(), "+13125550188");
    assert_eq!(sent[0].from.as_ref().unwrap().as_str(), "+13125550143");
    assert_eq!(sent[0].body, "Yes, of course. See you Tuesday!");

    let timeline = app.timeline_of(&key, "pt-1").await;
    let last = timeline.last().unwrap();
    assert_eq!(last["purpose"], json!("staff_reply"));
    assert_eq!(last["direction"], json!("outbound"));
    assert_eq!(last["decision"]["outcome"], json!("sent"));
    assert_eq!(
        last["actor"],
        json!({"type": "staff", "staff_id": "stf_ana"})
    );
    assert!(
        app.inbox(&key).await.is_empty(),
        "answered threads leave the inbox"
    );
}

#[tokio::test]
async fn a_reply_goes_on_the_preferred_channel_when_the_patient_never_wrote() {
    let app = app();
    let (_, key) = app.practice("Lakeside Dental").await;
    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"email_from": "desk@lakeside.example"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-2",
            Some(&key),
            Some(
                json!({"first_name": "Bo", "last_name": "Ng", "email": "bo@example.com",
                "phone": "(312) 555-0177", "preferred_channel": "email",
                "consents": {"email": {"care": true}, "sms": {"care": true}}}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app
        .reply(
            &key,
            "/v1/patients/pt-2/messages",
            json!({"body": "Your forms are ready."}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["channel"], json!("email"));
    assert!(app.sms.sent().is_empty(), "never another channel");
    let mail = app.email.sent();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].from.as_str(), "desk@lakeside.example");
    assert_eq!(mail[0].subject, "A message from Lakeside Dental");
    assert_eq!(b["message"]["actor"], json!({"type": "api_key"}));
}

#[tokio::test]
async fn outside_the_24_hour_window_quiet_hours_defer_the_reply_and_say_until_when() {
    // 21:30 in Chicago.
    let app = app_at(utc("2026-03-02T03:30:00Z"));
    let (pid, key) = app.practice("Lakeside Dental").await;
    app.patient(&key, "pt-1").await;
    app.patient_texted(&pid, "pt-1", utc("2026-02-28T15:00:00Z"))
        .await;
    let (s, b) = app
        .reply(
            &key,
            "/v1/patients/pt-1/messages",
            json!({"body": "Sorry for the delay."}),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    assert_eq!(b["status"], json!("deferred"));
    assert_eq!(
        b["deferred_until"],
        json!("2026-03-02T14:00:00Z"),
        "08:00 CST"
    );
    assert_eq!(b["message"]["decision"]["outcome"], json!("deferred"));
    assert!(app.sms.sent().is_empty());
    assert_eq!(
        app.inbox(&key).await.len(),
        1,
        "not answered until it goes out: the thread stays in the inbox"
    );

    // Within 24 hours of the patient's message, the same hour is conversation.
    let app = app_at(utc("2026-03-02T03:30:00Z"));
    let (pid, key) = app.practice("Lakeside Dental").await;
    app.patient(&key, "pt-1").await;
    app.patient_texted(&pid, "pt-1", utc("2026-03-02T03:00:00Z"))
        .await;
    let (s, b) = app
        .reply(
            &key,
            "/v1/patients/pt-1/messages",
            json!({"body": "Yes, that works."}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(app.sms.sent().len(), 1);
}

#[tokio::test]
async fn replies_to_opted_out_unconsented_or_voice_patients_are_409_saying_what_to_do() {
    let app = app();
    let (pid, key) = app.practice("Lakeside Dental").await;
    app.patient(&key, "pt-1").await;
    let practice_id = PracticeId::parse(&pid).unwrap();
    let patient_id = PatientId::parse("pt-1").unwrap();
    let f = app
        .store
        .get_many(&practice_id, &[Key::Patient(patient_id.clone())])
        .await
        .unwrap();
    let mut p = f.patient(&patient_id).unwrap().clone();
    p.consents
        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, now());
    let v = p.version;
    p.version += 1;
    app.store
        .write(vec![Write::Patient {
            patient: Box::new(p),
            expect: Expect::Version(v),
            previous_phone: None,
        }])
        .await
        .unwrap();
    let (s, b) = app
        .reply(&key, "/v1/patients/pt-1/messages", json!({"body": "Hello"}))
        .await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(b["error"]["code"], json!("opted_out"));
    assert!(b["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Call the patient"));

    let (s, _) = app
        .call(
            "PUT",
            "/v1/patients/pt-v",
            Some(&key),
            Some(
                json!({"first_name": "Cy", "last_name": "Po", "phone": "(312) 555-0166",
                "preferred_channel": "voice", "consents": {"voice": {"care": true}}}),
            ),
        )
        .await;
    assert_eq!(s, 201);
    let (s, b) = app
        .reply(&key, "/v1/patients/pt-v/messages", json!({"body": "Hello"}))
        .await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (409, json!("call_the_patient"))
    );
    assert!(app.sms.sent().is_empty() && app.email.sent().is_empty());
    assert!(
        app.timeline_of(&key, "pt-1").await.is_empty(),
        "a refused reply records nothing"
    );
}

#[tokio::test]
async fn an_idempotency_key_sends_a_retried_reply_once() {
    let app = app();
    let (pid, key) = app.practice("Lakeside Dental").await;
    app.patient(&key, "pt-1").await;
    app.patient_texted(&pid, "pt-1", now() - Duration::minutes(5))
        .await;
    let send = || async {
        let mut ev = super::event(
            "POST",
            "/v1/patients/pt-1/messages",
            Some(&key),
            Some(r#"{"body":"On my way"}"#),
        );
        ev.headers
            .insert("idempotency-key", http::HeaderValue::from_static("retry-1"));
        let r = super::respond(&app.deps, ev).await;
        (r.status_code, super::body_json(&r))
    };
    let (s1, b1) = send().await;
    let (s2, b2) = send().await;
    assert_eq!(s1, 201, "{b1}");
    assert_eq!(s2, 201, "the retry gets the first answer: {b2}");
    assert_eq!(b2, b1);
    assert_eq!(app.sms.sent().len(), 1, "and nothing is sent again");
}

#[tokio::test]
async fn a_reply_needs_a_key_a_body_and_a_patient_of_the_callers_own_practice() {
    let app = app();
    let (_, key_a) = app.practice("A Dental").await;
    let key_b = app.other_practice().await;
    app.patient(&key_a, "pt-1").await;
    let path = "/v1/patients/pt-1/messages";
    let (s, _) = app
        .call("POST", path, None, Some(json!({"body": "x"})))
        .await;
    assert_eq!(s, 401);
    let (s, b) = app.reply(&key_a, path, json!({"body": "   "})).await;
    assert_eq!((s, b["error"]["field"].clone()), (422, json!("body")));
    let (s, _) = app
        .reply(&key_a, path, json!({"body": "x", "to": "+1"}))
        .await;
    assert_eq!(s, 422, "unknown fields are refused");
    let (s, b) = app
        .reply(&key_a, path, json!({"body": "x", "staff_id": "a#b"}))
        .await;
    assert_eq!((s, b["error"]["field"].clone()), (422, json!("staff_id")));
    let (s, _) = app
        .reply(&key_a, "/v1/patients/nobody/messages", json!({"body": "x"}))
        .await;
    assert_eq!(s, 404);
    let (s, _) = app.reply(&key_b, path, json!({"body": "x"})).await;
    assert_eq!(s, 404, "another practice's patient does not exist for B");
    let (s, _) = app
        .reply(&key_b, "/v1/threads/p_pt-1/messages", json!({"body": "x"}))
        .await;
    assert_eq!(s, 404);
    assert!(app.sms.sent().is_empty());
}

#[tokio::test]
async fn a_failed_send_is_recorded_as_failed_and_the_thread_goes_back_to_the_inbox() {
    let app = app();
    let (pid, key) = app.practice("Lakeside Dental").await;
    app.patient(&key, "pt-1").await;
    app.patient_texted(&pid, "pt-1", now() - Duration::minutes(5))
        .await;
    *app.sms.fail_with.lock().unwrap() =
        Some(frontdesk::Error::SendRejected("invalid destination".into()));
    let (s, b) = app
        .reply(&key, "/v1/patients/pt-1/messages", json!({"body": "Hi"}))
        .await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (502, json!("reply_failed")),
        "{b}"
    );
    let timeline = app.timeline_of(&key, "pt-1").await;
    assert_eq!(
        timeline.last().unwrap()["decision"]["outcome"],
        json!("failed")
    );
    assert_eq!(
        app.inbox(&key).await.len(),
        1,
        "still waiting for an answer"
    );
    *app.sms.fail_with.lock().unwrap() = None;
    let (s, b) = app
        .reply(&key, "/v1/patients/pt-1/messages", json!({"body": "Hi"}))
        .await;
    assert_eq!(s, 201, "{b}");
    assert!(app.inbox(&key).await.is_empty());
}
