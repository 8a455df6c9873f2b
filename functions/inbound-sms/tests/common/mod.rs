//! The local stack for the inbound-sms tests: moto (DynamoDB, SNS, SESv2) through the real
//! AWS SDK clients, a fresh table per test, a practice onboarded through the Practice API,
//! and each provider's signing implemented here from its documentation, so the tests check
//! the algorithms rather than reuse the code under test.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::sns::SnsEvent;
use chrono::{DateTime, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{Message, PatientId, PracticeId, Task};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::{FixedClock, Store};
use frontdesk::ses::SesEmail;
use frontdesk::sns::SnsSms;
use local_stack::Moto;
use serde_json::{json, Value};

pub const OPERATOR: &str = "test-operator-secret";
pub const TWILIO_TOKEN: &str = "twilio-auth-token-xyz";
pub const VONAGE_SECRET: &str = "vonage-signature-secret-xyz";
pub const TELNYX_SEED: [u8; 32] = [9u8; 32];
pub const EMAIL_FROM: &str = "front@smile-dental.example";
pub const ON_CALL_EMAIL: &str = "oncall@smile-dental.example";

/// Tuesday 2026-03-10, 11:00 in New York.
pub fn office_hours() -> DateTime<Utc> {
    utc("2026-03-10T15:00:00Z")
}

/// Tuesday 2026-03-10, 19:30 in New York.
pub fn after_hours() -> DateTime<Utc> {
    utc("2026-03-10T23:30:00Z")
}

pub use testkit::utc;

/// Numbers unique to one test, so the shared moto outbox can be read per test.
pub struct Numbers {
    pub practice: String,
    pub patient: String,
    pub stranger: String,
    pub on_call: String,
    pub callback: String,
}

fn numbers() -> Numbers {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    // Valid North American numbers: area codes from this list, 555-01xx is fictional.
    const AREAS: [&str; 8] = ["212", "312", "415", "617", "646", "718", "773", "917"];
    let n = NEXT.fetch_add(1, Ordering::SeqCst) + u64::from(std::process::id() % 997) * 13;
    let area = |k: u64| AREAS[((n + k) % AREAS.len() as u64) as usize];
    let line = |k: u64| format!("{:02}", (n * 5 + k) % 100);
    Numbers {
        practice: format!("+1{}55501{}", area(0), line(0)),
        patient: format!("+1{}55501{}", area(1), line(1)),
        stranger: format!("+1{}55501{}", area(2), line(2)),
        on_call: format!("+1{}55501{}", area(3), line(3)),
        callback: format!("+1{}55501{}", area(4), line(4)),
    }
}

pub struct Stack {
    pub moto: &'static Moto,
    pub table: String,
    pub store: Arc<DynamoStore>,
    pub deps: inbound_sms::Deps,
    pub api: practice_api::Deps,
    pub practice_id: PracticeId,
    pub api_key: String,
    /// Unique per test: every text the practice sends starts with it.
    pub name: String,
    pub n: Numbers,
    pub now: DateTime<Utc>,
}

pub fn unique_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "Smile {}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        Utc::now().timestamp_subsec_nanos()
    )
}

pub fn telnyx_public_key() -> String {
    testkit::signers::telnyx_public_key(TELNYX_SEED)
}

impl Stack {
    /// A fresh table, and a practice onboarded through the Practice API, with `settings`
    /// merged over the defaults used here.
    pub async fn new(now: DateTime<Utc>, settings: Value) -> Stack {
        let moto = Moto::shared().await.expect("moto starts");
        let table = moto.fresh_table().await.expect("a fresh table");
        let config = moto.sdk_config();
        local_stack::verify_sender(&config, EMAIL_FROM)
            .await
            .expect("the sender is verified");
        let store = Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            table.clone(),
        ));
        let deps = inbound_sms::Deps {
            store: store.clone(),
            senders: Senders {
                sms: Arc::new(SnsSms::from_conf(&config)),
                email: Arc::new(SesEmail::from_conf(&config, None)),
            },
            clock: Arc::new(FixedClock(now)),
            public_base_url: None,
        };
        let api = practice_api::Deps {
            store: store.clone(),
            clock: Arc::new(FixedClock(now)),
            operator: practice_api::auth::OperatorSecret::new(OPERATOR),
            email_links: None,
            senders: deps.senders.clone(),
        };
        let n = numbers();
        let name = unique_name();
        let mut body = json!({
            "name": name,
            "time_zone": "America/New_York",
            "sms_number": n.practice,
            "email_from": EMAIL_FROM,
            "callback_phone": n.callback,
            "on_call": {"phone": n.on_call, "email": ON_CALL_EMAIL},
            "sms_provider": {
                "twilio_auth_token": TWILIO_TOKEN,
                "telnyx_public_key": telnyx_public_key(),
                "vonage_signature_secret": VONAGE_SECRET
            }
        });
        if let (Some(b), Some(extra)) = (body.as_object_mut(), settings.as_object()) {
            for (k, v) in extra {
                b.insert(k.clone(), v.clone());
            }
        }
        let (status, created) =
            api_call(&api, "POST", "/v1/practices", Some(OPERATOR), Some(body)).await;
        assert_eq!(status, 201, "{created}");
        let practice_id = PracticeId::parse(created["practice_id"].as_str().unwrap()).unwrap();
        let api_key = created["api_key"].as_str().unwrap().to_string();
        let stack = Stack {
            moto,
            table,
            store,
            deps,
            api,
            practice_id,
            api_key,
            name,
            n,
            now,
        };
        stack
            .put_patient("pat-1", &stack.n.patient.clone(), json!({}))
            .await;
        stack
    }

    pub async fn put_patient(&self, id: &str, phone: &str, extra: Value) {
        let mut body = json!({
            "first_name": "Ana",
            "last_name": "Lee",
            "phone": phone,
            "email": "ana@example.org",
            "preferred_channel": "sms",
            "consents": {"sms": {"care": true, "reviews": true}, "email": {"care": true}}
        });
        if let (Some(b), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                b.insert(k.clone(), v.clone());
            }
        }
        let (status, out) = self
            .api("PUT", &format!("/v1/patients/{id}"), Some(body))
            .await;
        assert!(status == 201 || status == 200, "{out}");
    }

    pub async fn put_appointment(&self, id: &str, patient: &str, starts_at: DateTime<Utc>) {
        let (status, out) = self
            .api(
                "PUT",
                &format!("/v1/appointments/{id}"),
                Some(json!({
                    "patient_id": patient,
                    "starts_at": starts_at.to_rfc3339(),
                    "duration_minutes": 30
                })),
            )
            .await;
        assert!(status == 201 || status == 200, "{out}");
    }

    pub async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (i64, Value) {
        api_call(&self.api, method, path, Some(&self.api_key), body).await
    }

    pub async fn timeline(&self, patient: &str) -> Vec<Message> {
        self.store
            .timeline(
                &self.practice_id,
                &PatientId::parse(patient).unwrap(),
                None,
                500,
            )
            .await
            .unwrap()
            .items
    }

    pub async fn open_tasks(&self) -> Vec<Task> {
        self.store
            .open_tasks(&self.practice_id, None, 500)
            .await
            .unwrap()
            .items
    }

    /// How many items the table holds (a test-only Scan).
    pub async fn item_count(&self) -> i32 {
        aws_sdk_dynamodb::Client::new(&self.moto.sdk_config())
            .scan() // allow-scan: test-only proof that a refused request stored nothing
            .table_name(&self.table)
            .select(aws_sdk_dynamodb::types::Select::Count)
            .send()
            .await
            .unwrap()
            .count()
    }

    /// Every timeline entry of the practice, any thread (a test-only Query).
    pub async fn all_messages(&self) -> Vec<Value> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let out = aws_sdk_dynamodb::Client::new(&self.moto.sdk_config())
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :tl)")
            .expression_attribute_values(
                ":pk",
                AttributeValue::S(format!("P#{}", self.practice_id)),
            )
            .expression_attribute_values(":tl", AttributeValue::S("TL#".into()))
            .send()
            .await
            .unwrap();
        out.items()
            .iter()
            .map(|item| {
                let mut v = serde_json::Map::new();
                for key in ["SK", "body", "direction", "purpose"] {
                    if let Some(AttributeValue::S(s)) = item.get(key) {
                        v.insert(key.into(), Value::String(s.clone()));
                    }
                }
                v.insert(
                    "patient_id".into(),
                    match item.get("patient_id") {
                        Some(AttributeValue::S(s)) => Value::String(s.clone()),
                        _ => Value::Null,
                    },
                );
                Value::Object(v)
            })
            .collect()
    }

    /// SMS this practice sent to `to` (moto's outbox, filtered by this test's numbers).
    pub async fn sms_to(&self, to: &str) -> Vec<String> {
        let outbox = self.moto.outbox().await.unwrap();
        outbox["sms"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["to"] == to && m["body"].as_str().unwrap_or("").contains(&self.name))
            .map(|m| m["body"].as_str().unwrap_or("").to_string())
            .collect()
    }

    pub async fn emails_to_on_call(&self) -> Vec<Value> {
        let outbox = self.moto.outbox().await.unwrap();
        outbox["email"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| {
                m["to"] == ON_CALL_EMAIL && m["subject"].as_str().unwrap_or("").contains(&self.name)
            })
            .cloned()
            .collect()
    }

    pub fn twilio_event(&self, sid: &str, from: &str, body: &str) -> ApiGatewayV2httpRequest {
        let params = twilio_params(sid, from, &self.n.practice, body);
        let refs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let url = format!(
            "http://127.0.0.1:3000/webhooks/sms/twilio/{}",
            self.practice_id
        );
        let sig = twilio_signature(TWILIO_TOKEN, &url, &refs);
        webhook(
            "twilio",
            self.practice_id.as_str(),
            &[
                ("x-twilio-signature", &sig),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            &serde_urlencoded::to_string(&params).unwrap(),
        )
    }

    pub async fn twilio(&self, sid: &str, from: &str, body: &str) -> ApiGatewayV2httpResponse {
        inbound_sms::respond(&self.deps, self.twilio_event(sid, from, body)).await
    }

    /// A text from the patient, with a fresh message id.
    pub async fn text(&self, body: &str) -> ApiGatewayV2httpResponse {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let sid = format!("SM{:032x}", NEXT.fetch_add(1, Ordering::SeqCst));
        let from = self.n.patient.clone();
        self.twilio(&sid, &from, body).await
    }

    pub fn telnyx_event(
        &self,
        id: &str,
        from: &str,
        text: &str,
        timestamp: i64,
    ) -> ApiGatewayV2httpRequest {
        let body = telnyx_body(id, from, &self.n.practice, text);
        telnyx_signed(self.practice_id.as_str(), &body, timestamp, TELNYX_SEED)
    }

    pub fn vonage_event(
        &self,
        id: &str,
        from: &str,
        text: &str,
        timestamp: i64,
    ) -> ApiGatewayV2httpRequest {
        let params = vonage_params(id, from, &self.n.practice, text, timestamp);
        vonage_signed(self.practice_id.as_str(), params, VONAGE_SECRET)
    }

    pub fn sns_event(&self, id: &str, from: &str, text: &str) -> SnsEvent {
        serde_json::from_value(sns_json(&aws_message(id, from, &self.n.practice, text))).unwrap()
    }
}

pub async fn api_call(
    deps: &practice_api::Deps,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (i64, Value) {
    testkit::api::call(deps, method, path, token, body).await
}

pub use testkit::api::body_text;
pub use testkit::signers::{
    aws_message, sns_json, telnyx_body, telnyx_signed, twilio_params, twilio_signature,
    vonage_params, vonage_signed,
};

pub fn webhook(
    provider: &str,
    practice: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> ApiGatewayV2httpRequest {
    testkit::signers::webhook_event(provider, practice, headers, body, "")
}

/// A Twilio request whose signature covers exactly `params`, sent as `form`.
pub fn twilio_signed_form(
    practice: &str,
    params: &[(&str, &str)],
    form: &str,
) -> ApiGatewayV2httpRequest {
    testkit::signers::twilio_signed_form(practice, TWILIO_TOKEN, params, form)
}
