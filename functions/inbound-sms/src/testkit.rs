//! Test fixtures for the handler and plan tests: a practice and patients in a
//! `MemoryStore`, independent implementations of each provider's signing (so the tests
//! check the algorithms rather than reuse the code under test), and a store wrapper that
//! keeps every batch written.

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chrono::{DateTime, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{
    Appointment, AppointmentId, AppointmentStatus, Channel, ConsentSource, Consents, EmailAddress,
    Message, MessageKind, OnCall, Patient, PatientId, PhoneNumber, Practice, PracticeId,
    PracticeSettings, ProviderSecrets, Task, TaskKind,
};
use frontdesk::ports::{Expect, FixedClock, Key, Store, Write};
use frontdesk::testing::{RecordingEmail, RecordingSms};

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

pub use testkit::{utc, SpyStore};

pub fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse_e164(s).unwrap()
}

/// The test kit's spying store: every committed batch recorded, racing writes injectable.
pub type RecordingStore = SpyStore;

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
    testkit::signers::telnyx_public_key(TELNYX_SEED)
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
                ..Default::default()
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
            phone: Some(phone(number)),
            email: Some(EmailAddress::parse("ana@example.com").unwrap()),
            consents,
            ..Patient::new(
                self.practice_id.clone(),
                PatientId::parse(id).unwrap(),
                "Ana",
                "Lee",
                Channel::Sms,
                now,
            )
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

pub use testkit::signers::webhook_event;
pub use testkit::signers::{aws_message, sns_json as sns_event_json, twilio_signature, vonage_sig};

/// The form Twilio posts, to the practice's number.
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
    testkit::signers::twilio_event(practice.as_str(), token, sid, from, PRACTICE_NUMBER, body)
}

/// A Telnyx `message.received` body, to the practice's number.
pub fn telnyx_body(id: &str, from: &str, text: &str) -> String {
    testkit::signers::telnyx_body(id, from, PRACTICE_NUMBER, text)
}

pub fn telnyx_event(
    practice: &PracticeId,
    body: &str,
    timestamp: i64,
    seed: [u8; 32],
) -> ApiGatewayV2httpRequest {
    testkit::signers::telnyx_signed(practice.as_str(), body, timestamp, seed)
}

/// Vonage's inbound parameters, to the practice's number.
pub fn vonage_params(id: &str, msisdn: &str, text: &str, timestamp: i64) -> Vec<(String, String)> {
    testkit::signers::vonage_params(id, msisdn, PRACTICE_NUMBER, text, timestamp)
}

pub fn vonage_event(
    practice: &PracticeId,
    params: Vec<(String, String)>,
    secret: &str,
) -> ApiGatewayV2httpRequest {
    testkit::signers::vonage_signed(practice.as_str(), params, secret)
}

pub use testkit::api::body_text;
pub use testkit::hours;
