//! A practice on moto: the real DynamoStore, SnsSms and SesEmail on one shared moto server
//! (`local_stack::Moto::shared()`), a fresh table per test, seeded through the Practice API
//! in-process (`practice_api::respond`) the way a practice's systems would.

#![allow(dead_code)]

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_lambda_events::encodings::Body;
use chrono::{DateTime, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{PatientId, PracticeId};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::{FixedClock, Store};
use frontdesk::ses::SesEmail;
use frontdesk::sns::SnsSms;
use frontdesk::sweep::SweepOptions;
use http::{HeaderValue, Method};
use local_stack::Moto;
use serde_json::{json, Value};

const OPERATOR: &str = "moto-test-operator";

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

pub struct Stack {
    pub moto: &'static Moto,
    pub store: Arc<DynamoStore>,
    pub senders: Senders,
    pub options: SweepOptions,
    pub practice_id: PracticeId,
    pub key: String,
}

fn event(method: &str, path: &str, token: &str, body: Option<&Value>) -> ApiGatewayV2httpRequest {
    let mut ev = ApiGatewayV2httpRequest::default();
    ev.request_context.http.method = Method::from_bytes(method.as_bytes()).unwrap();
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    ev.raw_path = Some(p.to_string());
    ev.raw_query_string = Some(q.to_string());
    ev.headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    if let Some(b) = body {
        ev.headers
            .insert("content-type", HeaderValue::from_static("application/json"));
        ev.body = Some(b.to_string());
    }
    ev
}

async fn call(
    store: &Arc<DynamoStore>,
    at: DateTime<Utc>,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (i64, Value) {
    let deps = practice_api::Deps {
        store: store.clone(),
        clock: Arc::new(FixedClock(at)),
        operator: practice_api::auth::OperatorSecret::new(OPERATOR),
        senders: Senders {
            sms: Arc::new(frontdesk::testing::RecordingSms::default()),
            email: Arc::new(frontdesk::testing::RecordingEmail::default()),
        },
    };
    let r = practice_api::respond(&deps, event(method, path, token, body.as_ref())).await;
    let body = match &r.body {
        Some(Body::Text(t)) => serde_json::from_str(t).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (r.status_code, body)
}

impl Stack {
    /// A fresh table and a practice created through the API at `at` with `settings`.
    pub async fn new(at: DateTime<Utc>, settings: Value) -> Stack {
        let moto = Moto::shared().await.expect("moto starts (make venv)");
        let table = moto.fresh_table().await.expect("table is created");
        let config = moto.sdk_config();
        local_stack::verify_sender(&config, "hello@smile.example")
            .await
            .expect("sender verified");
        let store = Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            table,
        ));
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
        Stack {
            moto,
            store,
            senders: Senders {
                sms: Arc::new(SnsSms::from_conf(&config)),
                email: Arc::new(SesEmail::from_conf(&config, None)),
            },
            options: SweepOptions::default(),
            practice_id: PracticeId::parse(body["practice_id"].as_str().unwrap()).unwrap(),
            key: body["api_key"].as_str().unwrap().to_string(),
        }
    }

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
        let (s, b) = self
            .api(
                at,
                "PUT",
                &format!("/v1/appointments/{id}"),
                Some(json!({
                    "patient_id": patient, "starts_at": starts_at, "duration_minutes": 30,
                    "provider": "Dr. Ruiz", "kind": kind
                })),
            )
            .await;
        assert!(s == 200 || s == 201, "{s} {b}");
        b
    }

    pub async fn act(&self, at: DateTime<Utc>, id: &str, action: &str) -> Value {
        let (s, b) = self
            .api(at, "POST", &format!("/v1/appointments/{id}/{action}"), None)
            .await;
        assert_eq!(s, 200, "{b}");
        b
    }

    pub async fn appointment(&self, at: DateTime<Utc>, id: &str) -> Value {
        let (s, b) = self
            .api(at, "GET", &format!("/v1/appointments/{id}"), None)
            .await;
        assert_eq!(s, 200, "{b}");
        b
    }

    pub async fn patient(&self, at: DateTime<Utc>, id: &str) -> Value {
        let (s, b) = self
            .api(at, "GET", &format!("/v1/patients/{id}"), None)
            .await;
        assert_eq!(s, 200, "{b}");
        b
    }

    /// Every open task, through the API.
    pub async fn open_tasks(&self, at: DateTime<Utc>) -> Vec<Value> {
        let (s, b) = self
            .api(at, "GET", "/v1/tasks?status=open&limit=200", None)
            .await;
        assert_eq!(s, 200, "{b}");
        b["items"].as_array().cloned().unwrap_or_default()
    }

    /// The patient's timeline from the store.
    pub async fn timeline(&self, patient: &str) -> Vec<frontdesk::domain::Message> {
        self.store
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

    /// What moto recorded as sent to this phone number or email address (the server is
    /// shared by the tests of this binary, so always filter by recipient).
    pub async fn sent_to(&self, to: &str) -> Vec<Value> {
        let outbox = self.moto.outbox().await.expect("outbox");
        ["sms", "email"]
            .iter()
            .flat_map(|k| outbox[*k].as_array().cloned().unwrap_or_default())
            .filter(|m| m["to"] == json!(to))
            .collect()
    }
}

/// A patient body for `PUT /v1/patients/{id}`.
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
