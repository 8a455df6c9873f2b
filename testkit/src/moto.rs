//! A practice on moto: the real `DynamoStore`, `SnsSms` and `SesEmail` over one moto server
//! per test binary (`local_stack::Moto::shared()`), a fresh table per test, the practice
//! onboarded and seeded through the Practice API in-process, the way a practice's systems
//! would. Calls take the moment they happen at, so a test can replay a day.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use frontdesk::aws::Clients;
use frontdesk::config::Config;
use frontdesk::deliver::Senders;
use frontdesk::domain::{Message, PatientId, PracticeId};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::{FixedClock, Store};
use frontdesk::sweep::SweepOptions;
use local_stack::Moto;
use serde_json::{json, Value};

pub use crate::time::utc;

/// The operator secret of the in-process Practice API.
pub const OPERATOR: &str = "moto-test-operator";
/// The sender every practice here uses (verified in moto).
pub const EMAIL_FROM: &str = "hello@smile.example";

pub struct MotoPractice {
    pub moto: &'static Moto,
    pub table: String,
    pub clients: Clients,
    pub store: Arc<DynamoStore>,
    pub senders: Senders,
    pub options: SweepOptions,
    pub practice_id: PracticeId,
    /// The practice's API key.
    pub key: String,
}

impl MotoPractice {
    /// A fresh table and a practice created through the API at `at` with `settings` (the
    /// onboarding body). `EMAIL_FROM` is verified in moto.
    pub async fn new(at: DateTime<Utc>, settings: Value) -> MotoPractice {
        Self::with_senders(at, settings, &[EMAIL_FROM]).await
    }

    /// Like `new`, verifying these sender addresses in moto.
    pub async fn with_senders(
        at: DateTime<Utc>,
        settings: Value,
        verified: &[&str],
    ) -> MotoPractice {
        let moto = Moto::shared().await.expect("moto starts (make venv)");
        let table = moto.fresh_table().await.expect("table is created");
        let sdk = moto.sdk_config();
        for address in verified {
            local_stack::verify_sender(&sdk, address)
                .await
                .expect("sender verified");
        }
        let clients = Clients::new(&sdk);
        let config = Config::local(table.clone());
        let store = Arc::new(clients.store(&config));
        let senders = clients.senders(&config, store.clone());
        let (status, body) = call(
            &store,
            at,
            "POST",
            "/v1/practices",
            OPERATOR,
            Some(settings),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        MotoPractice {
            moto,
            table,
            senders,
            clients,
            store,
            options: SweepOptions::default(),
            practice_id: PracticeId::parse(body["practice_id"].as_str().unwrap_or_default())
                .expect("a practice id"),
            key: body["api_key"].as_str().unwrap_or_default().to_string(),
        }
    }

    /// The Practice API's dependencies over this table, with the clock at `at`.
    pub fn api_deps(&self, at: DateTime<Utc>) -> practice_api::Deps {
        api_deps(&self.store, at)
    }

    /// The sweep functions' dependencies over this table.
    pub fn sweep_deps(&self) -> frontdesk::sweep::Deps {
        let mut deps = frontdesk::sweep::Deps::new(self.store.clone(), self.senders.clone());
        deps.options = self.options.clone();
        deps
    }

    /// Calls the Practice API with the practice's key at `at`.
    pub async fn api(
        &self,
        at: DateTime<Utc>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (i64, Value) {
        call(&self.store, at, method, path, &self.key, body).await
    }

    pub async fn put_patient(&self, at: DateTime<Utc>, id: &str, body: Value) {
        let (s, b) = self
            .api(at, "PUT", &format!("/v1/patients/{id}"), Some(body))
            .await;
        assert!(s == 200 || s == 201, "{s} {b}");
    }

    pub async fn put_appointment(
        &self,
        at: DateTime<Utc>,
        id: &str,
        patient: &str,
        starts_at: &str,
        kind: &str,
    ) -> Value {
        let body = json!({
            "patient_id": patient, "starts_at": starts_at, "duration_minutes": 30,
            "provider": "Dr. Ruiz", "kind": kind
        });
        let (s, b) = self
            .api(at, "PUT", &format!("/v1/appointments/{id}"), Some(body))
            .await;
        assert!(s == 200 || s == 201, "{s} {b}");
        b
    }

    /// `POST /v1/appointments/{id}/{action}`, which must succeed.
    pub async fn act(&self, at: DateTime<Utc>, id: &str, action: &str) -> Value {
        let path = format!("/v1/appointments/{id}/{action}");
        let (s, b) = self.api(at, "POST", &path, None).await;
        assert_eq!(s, 200, "{b}");
        b
    }

    pub async fn appointment(&self, at: DateTime<Utc>, id: &str) -> Value {
        self.get_ok(at, &format!("/v1/appointments/{id}")).await
    }

    pub async fn patient(&self, at: DateTime<Utc>, id: &str) -> Value {
        self.get_ok(at, &format!("/v1/patients/{id}")).await
    }

    async fn get_ok(&self, at: DateTime<Utc>, path: &str) -> Value {
        let (s, b) = self.api(at, "GET", path, None).await;
        assert_eq!(s, 200, "{b}");
        b
    }

    /// Every open task, through the API.
    pub async fn open_tasks(&self, at: DateTime<Utc>) -> Vec<Value> {
        let b = self.get_ok(at, "/v1/tasks?status=open&limit=200").await;
        b["items"].as_array().cloned().unwrap_or_default()
    }

    /// The patient's timeline from the store.
    pub async fn timeline(&self, patient: &str) -> Vec<Message> {
        let id = PatientId::parse(patient).expect("a patient id");
        self.store
            .timeline(&self.practice_id, &id, None, 500)
            .await
            .expect("timeline")
            .items
    }

    /// What moto recorded as sent to this phone number or email address (the server is
    /// shared by the tests of one binary, so always filter by recipient).
    pub async fn sent_to(&self, to: &str) -> Vec<Value> {
        let outbox = self.moto.outbox().await.expect("outbox");
        ["sms", "email"]
            .iter()
            .flat_map(|k| outbox[*k].as_array().cloned().unwrap_or_default())
            .filter(|m| m["to"] == json!(to))
            .collect()
    }
}

fn api_deps(store: &Arc<DynamoStore>, at: DateTime<Utc>) -> practice_api::Deps {
    practice_api::Deps {
        store: store.clone(),
        clock: Arc::new(FixedClock(at)),
        operator: practice_api::auth::OperatorSecret::new(OPERATOR),
        email_links: None,
        senders: Senders {
            sms: Arc::new(frontdesk::testing::RecordingSms::default()),
            email: Arc::new(frontdesk::testing::RecordingEmail::default()),
        },
    }
}

async fn call(
    store: &Arc<DynamoStore>,
    at: DateTime<Utc>,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (i64, Value) {
    crate::api::call(&api_deps(store, at), method, path, Some(token), body).await
}

/// A patient body for `PUT /v1/patients/{id}`, with consent on every channel.
pub fn patient_body(phone: &str, email: &str, channel: &str, waiver: bool) -> Value {
    json!({
        "first_name": "Ana", "last_name": "Lopez",
        "phone": phone, "email": email,
        "preferred_channel": channel,
        "consents": {
            "sms": {"care": true, "reviews": true},
            "email": {"care": true, "reviews": true},
            "voice": {"care": true, "reviews": true}
        },
        "voicemail_waiver": waiver
    })
}
