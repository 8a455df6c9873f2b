//! Test fixtures for the handler and plan tests: a practice and patients in a
//! `MemoryStore`, independent implementations of each provider's signing (so the tests
//! check the algorithms rather than reuse the code under test), and a store wrapper that
//! keeps every batch written.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::{Signer, SigningKey};
use frontdesk::deliver::Senders;
use frontdesk::domain::{
    Appointment, AppointmentId, AppointmentStatus, Channel, ConsentSource, Consents, DueWork,
    EmailAddress, Message, MessageKind, OnCall, Patient, PatientId, PhoneNumber, Practice,
    PracticeId, PracticeSettings, ProviderSecrets, Sweep, Task, TaskKind,
};
use frontdesk::ports::{Expect, FixedClock, Item, Key, Page, Store, Write};
use frontdesk::testing::{MemoryStore, RecordingEmail, RecordingSms};
use hmac::{Hmac, Mac};
use http::{HeaderValue, Method};
use serde_json::{json, Value};

use crate::deps::Deps;

pub const PRACTICE_NUMBER: &str = "+12125550143";
pub const ON_CALL_PHONE: &str = "+12125550199";
pub const ON_CALL_EMAIL: &str = "oncall@smile.example";
pub const PATIENT_PHONE: &str = "+14155552671";
pub const STRANGER_PHONE: &str = "+14155559876";
pub const TWILIO_TOKEN: &str = "twilio-auth-token-123";
pub const VONAGE_SECRET: &str = "vonage-signature-secret";
pub const TELNYX_SEED: [u8; 32] = [42u8; 32];

/// Tuesday 2026-03-10, 11:00 in New York (office hours).
pub fn office_hours() -> DateTime<Utc> {
    utc("2026-03-10T15:00:00Z")
}

/// Tuesday 2026-03-10, 19:30 in New York (closed).
pub fn after_hours() -> DateTime<Utc> {
    utc("2026-03-10T23:30:00Z")
}

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

pub fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse_e164(s).unwrap()
}

/// A store that records every batch written, over a `MemoryStore`.
#[derive(Default)]
pub struct RecordingStore {
    pub inner: MemoryStore,
    pub batches: Mutex<Vec<Vec<Write>>>,
    /// Applied to the inner store just before the next batch: another writer racing us.
    pub before_next_write: Mutex<Option<Vec<Write>>>,
}

impl RecordingStore {
    pub fn written(&self) -> Vec<Write> {
        self.batches
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .cloned()
            .collect()
    }

    pub fn messages(&self) -> Vec<Message> {
        // Later writes of the same entry (a failed send) replace earlier ones.
        let mut out: Vec<Message> = Vec::new();
        for w in self.written() {
            if let Write::Message(m) = w {
                match out.iter_mut().find(|x| x.message_id == m.message_id) {
                    Some(x) => *x = *m,
                    None => out.push(*m),
                }
            }
        }
        out.sort_by_key(|m| m.at);
        out
    }

    pub fn requests(&self) -> usize {
        self.inner.requests()
    }
}

#[async_trait]
impl Store for RecordingStore {
    async fn get_many(
        &self,
        p: &PracticeId,
        keys: &[Key],
    ) -> frontdesk::Result<frontdesk::ports::Fetched> {
        self.inner.get_many(p, keys).await
    }
    async fn patients_by_phone(
        &self,
        p: &PracticeId,
        phone: &PhoneNumber,
    ) -> frontdesk::Result<Vec<Patient>> {
        self.inner.patients_by_phone(p, phone).await
    }
    async fn practice_for_number(&self, n: &PhoneNumber) -> frontdesk::Result<Option<PracticeId>> {
        self.inner.practice_for_number(n).await
    }
    async fn timeline(
        &self,
        p: &PracticeId,
        id: &PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> frontdesk::Result<Page<Message>> {
        self.inner.timeline(p, id, cursor, limit).await
    }
    async fn open_tasks(
        &self,
        p: &PracticeId,
        cursor: Option<&str>,
        limit: usize,
    ) -> frontdesk::Result<Page<Task>> {
        self.inner.open_tasks(p, cursor, limit).await
    }
    async fn due_in_bucket(
        &self,
        s: Sweep,
        b: DateTime<Utc>,
        u: DateTime<Utc>,
    ) -> frontdesk::Result<Vec<DueWork>> {
        self.inner.due_in_bucket(s, b, u).await
    }
    async fn appointments_for_patient(
        &self,
        p: &PracticeId,
        id: &PatientId,
        from: DateTime<Utc>,
        limit: usize,
    ) -> frontdesk::Result<Vec<Appointment>> {
        self.inner
            .appointments_for_patient(p, id, from, limit)
            .await
    }
    async fn get_across(&self, keys: &[(PracticeId, Key)]) -> frontdesk::Result<Vec<Item>> {
        self.inner.get_across(keys).await
    }
    async fn claim_due(
        &self,
        due: &DueWork,
        lease: DateTime<Utc>,
    ) -> frontdesk::Result<Option<DueWork>> {
        self.inner.claim_due(due, lease).await
    }
    async fn sweep_cursor(&self, s: Sweep) -> frontdesk::Result<Option<DateTime<Utc>>> {
        self.inner.sweep_cursor(s).await
    }
    async fn write(&self, writes: Vec<Write>) -> frontdesk::Result<()> {
        let racing = self.before_next_write.lock().unwrap().take();
        if let Some(other) = racing {
            self.inner.write(other).await?;
        }
        let result = self.inner.write(writes.clone()).await;
        if result.is_ok() {
            self.batches.lock().unwrap().push(writes);
        }
        result
    }
}

pub struct App {
    pub deps: Deps,
    pub store: Arc<RecordingStore>,
    pub sms: Arc<RecordingSms>,
    pub email: Arc<RecordingEmail>,
    pub practice_id: PracticeId,
}

pub fn settings() -> PracticeSettings {
    PracticeSettings {
        name: "Smile Dental".into(),
        time_zone: chrono_tz::America::New_York,
        sms_number: Some(phone(PRACTICE_NUMBER)),
        email_from: Some(EmailAddress::parse("front@smile.example").unwrap()),
        callback_phone: Some(phone("+12125550100")),
        on_call: OnCall {
            phone: Some(phone(ON_CALL_PHONE)),
            email: Some(EmailAddress::parse(ON_CALL_EMAIL).unwrap()),
        },
        ..Default::default()
    }
}

pub fn telnyx_public_key() -> String {
    base64::engine::general_purpose::STANDARD.encode(
        SigningKey::from_bytes(&TELNYX_SEED)
            .verifying_key()
            .to_bytes(),
    )
}

impl App {
    pub async fn new(now: DateTime<Utc>) -> App {
        Self::with_settings(now, settings()).await
    }

    pub async fn with_settings(now: DateTime<Utc>, settings: PracticeSettings) -> App {
        let store = Arc::new(RecordingStore::default());
        let sms = Arc::new(RecordingSms::default());
        let email = Arc::new(RecordingEmail::default());
        let practice_id = PracticeId::parse("prc_test").unwrap();
        let practice = Practice {
            practice_id: practice_id.clone(),
            settings,
            sms_provider: ProviderSecrets {
                twilio_auth_token: Some(TWILIO_TOKEN.into()),
                telnyx_public_key: Some(telnyx_public_key()),
                vonage_signature_secret: Some(VONAGE_SECRET.into()),
            },
            api_keys: vec![],
            created_at: now,
            updated_at: now,
        };
        store
            .inner
            .write(vec![
                Write::NumberRoute {
                    number: phone(PRACTICE_NUMBER),
                    practice_id: practice_id.clone(),
                },
                Write::Practice {
                    practice: Box::new(practice),
                    expect_absent: true,
                },
            ])
            .await
            .unwrap();
        let deps = Deps {
            store: store.clone(),
            senders: Senders {
                sms: sms.clone(),
                email: email.clone(),
            },
            clock: Arc::new(FixedClock(now)),
            public_base_url: None,
        };
        let app = App {
            deps,
            store,
            sms,
            email,
            practice_id,
        };
        app.store.inner.reset_requests();
        app
    }

    /// The same store and senders, at another time.
    pub fn at(&self, now: DateTime<Utc>) -> App {
        let mut deps = self.deps.clone();
        deps.clock = Arc::new(FixedClock(now));
        App {
            deps,
            store: self.store.clone(),
            sms: self.sms.clone(),
            email: self.email.clone(),
            practice_id: self.practice_id.clone(),
        }
    }

    pub async fn practice(&self) -> Practice {
        self.store
            .inner
            .get_practice(&self.practice_id)
            .await
            .unwrap()
            .unwrap()
    }

    pub async fn update_settings(&self, f: impl FnOnce(&mut PracticeSettings)) {
        let mut p = self.practice().await;
        f(&mut p.settings);
        self.store
            .inner
            .write(vec![Write::Practice {
                practice: Box::new(p),
                expect_absent: false,
            }])
            .await
            .unwrap();
    }

    pub async fn add_patient(
        &self,
        id: &str,
        number: &str,
        f: impl FnOnce(&mut Patient),
    ) -> Patient {
        let now = self.deps.clock.now();
        let mut consents = Consents::default();
        consents.set(
            Channel::Sms,
            MessageKind::Care,
            true,
            ConsentSource::PracticeStaff,
            now,
        );
        consents.set(
            Channel::Email,
            MessageKind::Care,
            true,
            ConsentSource::PracticeStaff,
            now,
        );
        let mut p = Patient {
            practice_id: self.practice_id.clone(),
            patient_id: PatientId::parse(id).unwrap(),
            first_name: "Ana".into(),
            last_name: "Lee".into(),
            phone: Some(phone(number)),
            email: Some(EmailAddress::parse("ana@example.com").unwrap()),
            preferred_channel: Channel::Sms,
            consents,
            time_zone: None,
            birth_date: None,
            voicemail_waiver: false,
            new_patient: false,
            no_show_count: 0,
            recent_automated: vec![],
            thread: Default::default(),
            last_review_request_at: None,
            open_feedback_task: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        f(&mut p);
        self.store
            .inner
            .write(vec![Write::Patient {
                patient: Box::new(p.clone()),
                expect: Expect::Absent,
                previous_phone: None,
            }])
            .await
            .unwrap();
        self.store.inner.reset_requests();
        p
    }

    pub async fn add_appointment(
        &self,
        id: &str,
        patient: &str,
        starts_at: DateTime<Utc>,
    ) -> Appointment {
        let now = self.deps.clock.now();
        let a = Appointment {
            practice_id: self.practice_id.clone(),
            appointment_id: AppointmentId::parse(id).unwrap(),
            patient_id: PatientId::parse(patient).unwrap(),
            starts_at,
            duration_minutes: 30,
            provider: None,
            kind: None,
            status: AppointmentStatus::Scheduled,
            confirmation: None,
            planned_due: vec![],
            tasks: vec![],
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.store
            .inner
            .write(vec![Write::Appointment {
                appointment: Box::new(a.clone()),
                expect: Expect::Absent,
            }])
            .await
            .unwrap();
        self.store.inner.reset_requests();
        a
    }

    pub async fn patient(&self, id: &str) -> Patient {
        let id = PatientId::parse(id).unwrap();
        self.store
            .inner
            .get_many(&self.practice_id, &[Key::Patient(id.clone())])
            .await
            .unwrap()
            .patient(&id)
            .cloned()
            .unwrap()
    }

    pub async fn appointment(&self, id: &str) -> Appointment {
        let id = AppointmentId::parse(id).unwrap();
        self.store
            .inner
            .get_many(&self.practice_id, &[Key::Appointment(id.clone())])
            .await
            .unwrap()
            .appointment(&id)
            .cloned()
            .unwrap()
    }

    pub async fn timeline(&self, patient: &str) -> Vec<Message> {
        self.store
            .inner
            .timeline(
                &self.practice_id,
                &PatientId::parse(patient).unwrap(),
                None,
                200,
            )
            .await
            .unwrap()
            .items
    }

    pub fn tasks(&self) -> Vec<Task> {
        let mut t = self.store.inner.all_tasks(&self.practice_id);
        t.sort_by_key(|t| t.created_at);
        t
    }

    pub fn tasks_of(&self, kind: TaskKind) -> Vec<Task> {
        self.tasks()
            .into_iter()
            .filter(|t| t.kind == kind)
            .collect()
    }

    /// SMS bodies sent to `to`.
    pub fn sms_to(&self, to: &str) -> Vec<String> {
        self.sms
            .sent()
            .into_iter()
            .filter(|s| s.to.as_str() == to)
            .map(|s| s.body)
            .collect()
    }

    pub async fn twilio(&self, sid: &str, from: &str, body: &str) -> ApiGatewayV2httpResponse {
        crate::respond(
            &self.deps,
            twilio_event(&self.practice_id, sid, from, body, TWILIO_TOKEN),
        )
        .await
    }

    /// A Twilio text from the patient, with a fresh message id.
    pub async fn text(&self, body: &str) -> ApiGatewayV2httpResponse {
        let sid = format!("SM{}", ulid_like());
        self.twilio(&sid, PATIENT_PHONE, body).await
    }
}

fn ulid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{:032x}", N.fetch_add(1, Ordering::SeqCst))
}

pub fn webhook_event(
    provider: &str,
    practice: &str,
    headers: &[(&str, &str)],
    body: &str,
    query: &str,
) -> ApiGatewayV2httpRequest {
    let mut ev = ApiGatewayV2httpRequest::default();
    ev.request_context.http.method = Method::POST;
    ev.raw_path = Some(format!("/webhooks/sms/{provider}/{practice}"));
    ev.raw_query_string = Some(query.to_string());
    ev.headers
        .insert("host", HeaderValue::from_static("127.0.0.1:3000"));
    for (k, v) in headers {
        ev.headers.insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    if !body.is_empty() {
        ev.body = Some(body.to_string());
    }
    ev
}

/// Twilio's algorithm: base64(HMAC-SHA1(token, url + sorted name+value pairs)).
pub fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

pub fn twilio_params<'a>(sid: &'a str, from: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("AccountSid", "AC0000"),
        ("Body", body),
        ("From", from),
        ("MessageSid", sid),
        ("NumMedia", "0"),
        ("SmsStatus", "received"),
        ("To", PRACTICE_NUMBER),
    ]
}

pub fn twilio_event(
    practice: &PracticeId,
    sid: &str,
    from: &str,
    body: &str,
    token: &str,
) -> ApiGatewayV2httpRequest {
    let params = twilio_params(sid, from, body);
    let url = format!("http://127.0.0.1:3000/webhooks/sms/twilio/{practice}");
    let sig = twilio_signature(token, &url, &params);
    let form = serde_urlencoded::to_string(&params).unwrap();
    webhook_event(
        "twilio",
        practice.as_str(),
        &[
            ("x-twilio-signature", &sig),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        &form,
        "",
    )
}

pub fn telnyx_body(id: &str, from: &str, text: &str) -> String {
    json!({
        "data": {
            "event_type": "message.received",
            "id": format!("evt-{id}"),
            "occurred_at": "2026-03-10T15:00:00.000+00:00",
            "payload": {
                "id": id,
                "direction": "inbound",
                "from": {"phone_number": from, "carrier": "T-Mobile USA", "line_type": "Wireless"},
                "to": [{"phone_number": PRACTICE_NUMBER, "status": "webhook_delivered"}],
                "text": text,
                "type": "SMS"
            },
            "record_type": "event"
        },
        "meta": {"attempt": 1, "delivered_to": "http://127.0.0.1:3000/"}
    })
    .to_string()
}

pub fn telnyx_event(
    practice: &PracticeId,
    body: &str,
    timestamp: i64,
    seed: [u8; 32],
) -> ApiGatewayV2httpRequest {
    let ts = timestamp.to_string();
    let key = SigningKey::from_bytes(&seed);
    let sig = key.sign(format!("{ts}|{body}").as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(sig.to_bytes());
    webhook_event(
        "telnyx",
        practice.as_str(),
        &[
            ("telnyx-signature-ed25519", &sig),
            ("telnyx-timestamp", &ts),
            ("content-type", "application/json"),
        ],
        body,
        "",
    )
}

/// Vonage's algorithm (SHA-256 HMAC): `&name=value` sorted, `&`/`=` in values as `_`.
pub fn vonage_sig(secret: &str, params: &[(String, String)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = String::new();
    for (k, v) in sorted {
        data.push('&');
        data.push_str(&k);
        data.push('=');
        data.push_str(&v.replace(['&', '='], "_"));
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn vonage_params(id: &str, msisdn: &str, text: &str, timestamp: i64) -> Vec<(String, String)> {
    [
        ("msisdn", msisdn),
        ("to", PRACTICE_NUMBER.trim_start_matches('+')),
        ("messageId", id),
        ("text", text),
        ("type", "text"),
        ("keyword", "HELLO"),
        ("message-timestamp", "2026-03-10 15:00:00"),
        ("timestamp", &timestamp.to_string()),
        ("nonce", "a1b2c3"),
        ("api-key", "abcd1234"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

pub fn vonage_event(
    practice: &PracticeId,
    params: Vec<(String, String)>,
    secret: &str,
) -> ApiGatewayV2httpRequest {
    let mut params = params;
    let sig = vonage_sig(secret, &params);
    params.push(("sig".into(), sig.to_uppercase()));
    let body: serde_json::Map<String, Value> = params
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    webhook_event(
        "vonage",
        practice.as_str(),
        &[("content-type", "application/json")],
        &Value::Object(body).to_string(),
        "",
    )
}

/// An SNS Lambda event carrying an AWS two-way SMS message.
pub fn sns_event_json(message: &str) -> Value {
    json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": "arn:aws:sns:us-east-1:000000000000:inbound:sub",
            "Sns": {
                "Type": "Notification",
                "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                "TopicArn": "arn:aws:sns:us-east-1:000000000000:inbound",
                "Subject": null,
                "Message": message,
                "Timestamp": "2026-03-10T15:00:00.000Z",
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/cert.pem",
                "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                "MessageAttributes": {}
            }
        }]
    })
}

pub fn aws_message(id: &str, from: &str, to: &str, body: &str) -> String {
    json!({
        "originationNumber": from,
        "destinationNumber": to,
        "messageKeyword": "KEYWORD_000000000000",
        "messageBody": body,
        "inboundMessageId": id,
        "previousPublishedMessageId": "wJ0BANG6jsGnyHBWq5wVuDZPLgqgfSbP"
    })
    .to_string()
}

pub fn body_text(r: &ApiGatewayV2httpResponse) -> String {
    match &r.body {
        Some(Body::Text(t)) => t.clone(),
        _ => String::new(),
    }
}

pub fn hours(n: i64) -> Duration {
    Duration::hours(n)
}
