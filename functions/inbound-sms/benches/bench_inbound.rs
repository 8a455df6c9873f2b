//! Counts DynamoDB requests and sequential round trips for inbound texts, against moto
//! through the real clients, and times them.
//!
//! `cargo bench -p inbound-sms --bench bench-inbound` (add `--profile dev` for a quick
//! build). Uses `FRONTDESK_MOTO_ENDPOINT` if set, else starts moto from the project venv.
//!
//! - requests: HTTP requests the DynamoDB client sent (`DynamoStore::requests()`, an SDK
//!   interceptor, so retries would count too);
//! - sequential round trips: store calls that had to wait for the previous one, i.e. calls
//!   started while no other call was in flight (concurrent calls share a trip).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{
    Appointment, AppointmentId, AppointmentStatus, Channel, ConsentSource, Consents, DueWork,
    Message, MessageKind, Patient, PatientId, PhoneNumber, Practice, PracticeId, PracticeSettings,
    ProviderSecrets, Sweep, Task,
};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::{Expect, Fetched, FixedClock, Item, Key, Page, Store, Write};
use frontdesk::ses::SesEmail;
use frontdesk::sns::SnsSms;
use hmac::{Hmac, Mac};
use http::{HeaderValue, Method};
use serde_json::json;

const TOKEN: &str = "bench-twilio-token";
const PRACTICE_NUMBER: &str = "+12125550143";
const RUNS: usize = 20;

/// Counts sequential round trips: a call that starts while none is in flight opens a trip.
struct Trips {
    inner: Arc<DynamoStore>,
    in_flight: AtomicUsize,
    trips: AtomicUsize,
}

impl Trips {
    fn start(&self) {
        if self.in_flight.fetch_add(1, Ordering::SeqCst) == 0 {
            self.trips.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn end(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
    fn reset(&self) {
        self.trips.store(0, Ordering::SeqCst);
        self.inner.reset_requests();
    }
}

macro_rules! counted {
    ($self:ident, $call:expr) => {{
        $self.start();
        let r = $call.await;
        $self.end();
        r
    }};
}

#[async_trait]
impl Store for Trips {
    async fn get_many(&self, p: &PracticeId, k: &[Key]) -> frontdesk::Result<Fetched> {
        counted!(self, self.inner.get_many(p, k))
    }
    async fn patients_by_phone(
        &self,
        p: &PracticeId,
        n: &PhoneNumber,
    ) -> frontdesk::Result<Vec<Patient>> {
        counted!(self, self.inner.patients_by_phone(p, n))
    }
    async fn practice_for_number(&self, n: &PhoneNumber) -> frontdesk::Result<Option<PracticeId>> {
        counted!(self, self.inner.practice_for_number(n))
    }
    async fn timeline(
        &self,
        p: &PracticeId,
        id: &PatientId,
        c: Option<&str>,
        l: usize,
    ) -> frontdesk::Result<Page<Message>> {
        counted!(self, self.inner.timeline(p, id, c, l))
    }
    async fn open_tasks(
        &self,
        p: &PracticeId,
        c: Option<&str>,
        l: usize,
    ) -> frontdesk::Result<Page<Task>> {
        counted!(self, self.inner.open_tasks(p, c, l))
    }
    async fn due_in_bucket(
        &self,
        s: Sweep,
        b: DateTime<Utc>,
        u: DateTime<Utc>,
    ) -> frontdesk::Result<Vec<DueWork>> {
        counted!(self, self.inner.due_in_bucket(s, b, u))
    }
    async fn appointments_for_patient(
        &self,
        p: &PracticeId,
        id: &PatientId,
        f: DateTime<Utc>,
        l: usize,
    ) -> frontdesk::Result<Vec<Appointment>> {
        counted!(self, self.inner.appointments_for_patient(p, id, f, l))
    }
    async fn get_across(&self, k: &[(PracticeId, Key)]) -> frontdesk::Result<Vec<Item>> {
        counted!(self, self.inner.get_across(k))
    }
    async fn claim_due(&self, d: &DueWork, l: DateTime<Utc>) -> frontdesk::Result<Option<DueWork>> {
        counted!(self, self.inner.claim_due(d, l))
    }
    async fn sweep_cursor(&self, s: Sweep) -> frontdesk::Result<Option<DateTime<Utc>>> {
        counted!(self, self.inner.sweep_cursor(s))
    }
    async fn write(&self, w: Vec<Write>) -> frontdesk::Result<()> {
        counted!(self, self.inner.write(w))
    }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-10T15:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse_e164(s).expect("a valid number")
}

fn patient_number(i: usize) -> String {
    format!("+1415555{:04}", 100 + i)
}

fn twilio_event(
    practice: &PracticeId,
    sid: &str,
    from: &str,
    body: &str,
) -> ApiGatewayV2httpRequest {
    let mut params = [
        ("AccountSid", "AC0"),
        ("Body", body),
        ("From", from),
        ("MessageSid", sid),
        ("To", PRACTICE_NUMBER),
    ];
    let url = format!("http://127.0.0.1:3000/webhooks/sms/twilio/{practice}");
    params.sort();
    let mut data = url;
    for (k, v) in params {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(TOKEN.as_bytes()).expect("any key length");
    mac.update(data.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let mut ev = ApiGatewayV2httpRequest::default();
    ev.request_context.http.method = Method::POST;
    ev.raw_path = Some(format!("/webhooks/sms/twilio/{practice}"));
    ev.headers
        .insert("host", HeaderValue::from_static("127.0.0.1:3000"));
    ev.headers.insert(
        "x-twilio-signature",
        HeaderValue::from_str(&sig).expect("ascii"),
    );
    ev.body = Some(serde_urlencoded::to_string(params).expect("form"));
    ev
}

struct Row {
    what: &'static str,
    requests: Vec<usize>,
    trips: Vec<usize>,
    millis: Vec<f64>,
    failures: usize,
}

fn summary(v: &[usize]) -> String {
    match (v.iter().min(), v.iter().max()) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a}-{b}"),
        _ => "-".into(),
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

#[tokio::main]
async fn main() {
    let moto = local_stack::Moto::shared().await.expect("moto starts");
    let table = moto.fresh_table().await.expect("a table");
    let config = moto.sdk_config();
    let dynamo = Arc::new(DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        table,
    ));
    let trips = Arc::new(Trips {
        inner: dynamo.clone(),
        in_flight: AtomicUsize::new(0),
        trips: AtomicUsize::new(0),
    });
    let deps = inbound_sms::Deps {
        store: trips.clone(),
        senders: Senders {
            sms: Arc::new(SnsSms::from_conf(&config)),
            email: Arc::new(SesEmail::from_conf(&config, None)),
        },
        clock: Arc::new(FixedClock(now())),
        public_base_url: None,
    };

    // One practice, RUNS patients (each with an appointment in two days).
    let practice_id = PracticeId::parse("prc_bench").expect("id");
    let practice = Practice {
        practice_id: practice_id.clone(),
        settings: PracticeSettings {
            name: "Bench Dental".into(),
            sms_number: Some(phone(PRACTICE_NUMBER)),
            auto_replies_per_hour: 20,
            ..Default::default()
        },
        sms_provider: ProviderSecrets {
            twilio_auth_token: Some(TOKEN.into()),
            ..Default::default()
        },
        api_keys: vec![],
        created_at: now(),
        updated_at: now(),
    };
    let mut setup = vec![
        Write::Practice {
            practice: Box::new(practice),
            expect_absent: true,
        },
        Write::NumberRoute {
            number: phone(PRACTICE_NUMBER),
            practice_id: practice_id.clone(),
        },
    ];
    for i in 0..RUNS {
        let mut consents = Consents::default();
        consents.set(
            Channel::Sms,
            MessageKind::Care,
            true,
            ConsentSource::PracticeStaff,
            now(),
        );
        let id = PatientId::parse(format!("pat-{i}")).expect("id");
        setup.push(Write::Patient {
            patient: Box::new(Patient {
                practice_id: practice_id.clone(),
                patient_id: id.clone(),
                first_name: "Ana".into(),
                last_name: "Lee".into(),
                phone: Some(phone(&patient_number(i))),
                email: None,
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
                created_at: now(),
                updated_at: now(),
                version: 1,
            }),
            expect: Expect::Absent,
            previous_phone: None,
        });
        setup.push(Write::Appointment {
            appointment: Box::new(Appointment {
                practice_id: practice_id.clone(),
                appointment_id: AppointmentId::parse(format!("appt-{i}")).expect("id"),
                patient_id: id,
                starts_at: now() + Duration::days(2),
                duration_minutes: 30,
                provider: None,
                kind: None,
                status: AppointmentStatus::Scheduled,
                confirmation: None,
                planned_due: vec![],
                tasks: vec![],
                created_at: now(),
                updated_at: now(),
                version: 1,
            }),
            expect: Expect::Absent,
        });
    }
    for chunk in setup.chunks(20) {
        dynamo.write(chunk.to_vec()).await.expect("setup");
    }

    let mut rows = Vec::new();
    type Scenario = (
        &'static str,
        fn(usize) -> (String, String, &'static str, bool),
    );
    let scenarios: [Scenario; 5] = [
        ("known patient, free text (Twilio webhook)", |i| {
            (
                format!("SMfree{i}"),
                patient_number(i),
                "What should I bring?",
                false,
            )
        }),
        ("known patient, C confirms (Twilio webhook)", |i| {
            (format!("SMconf{i}"), patient_number(i), "C", false)
        }),
        ("provider retry of an answered text", |i| {
            (
                format!("SMfree{i}"),
                patient_number(i),
                "What should I bring?",
                false,
            )
        }),
        ("unknown sender (Twilio webhook)", |i| {
            (
                format!("SMunk{i}"),
                format!("+1646555{:04}", 100 + i),
                "hello?",
                false,
            )
        }),
        ("known patient, free text (AWS two-way SMS, SNS)", |i| {
            (format!("aws-{i}"), patient_number(i), "Running late", true)
        }),
    ];
    for (what, make) in scenarios {
        let mut row = Row {
            what,
            requests: vec![],
            trips: vec![],
            millis: vec![],
            failures: 0,
        };
        for i in 0..RUNS {
            let (id, from, text, sns) = make(i);
            trips.reset();
            let started = Instant::now();
            let ok = if sns {
                let message = json!({
                    "originationNumber": from, "destinationNumber": PRACTICE_NUMBER,
                    "messageBody": text, "inboundMessageId": id
                })
                .to_string();
                let event = json!({"Records": [{
                    "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn",
                    "Sns": {"Type": "Notification", "MessageId": "m", "TopicArn": "arn",
                            "Message": message, "Timestamp": "2026-03-10T15:00:00.000Z",
                            "SignatureVersion": "1", "Signature": "x", "SigningCertUrl": "x",
                            "UnsubscribeUrl": "x", "MessageAttributes": {}}
                }]});
                match serde_json::from_value(event) {
                    Ok(ev) => inbound_sms::handle_sns(&deps, ev).await.is_ok(),
                    Err(_) => false,
                }
            } else {
                let r =
                    inbound_sms::respond(&deps, twilio_event(&practice_id, &id, &from, text)).await;
                r.status_code == 200
            };
            row.millis.push(started.elapsed().as_secs_f64() * 1000.0);
            if !ok {
                row.failures += 1;
            }
            row.requests.push(dynamo.requests());
            row.trips.push(trips.trips.load(Ordering::SeqCst));
        }
        rows.push(row);
    }

    println!();
    println!("inbound-sms: DynamoDB per inbound text ({RUNS} runs each, moto on loopback)");
    println!(
        "{:<50} {:>9} {:>17} {:>12} {:>9}",
        "scenario", "requests", "sequential trips", "median ms", "failures"
    );
    for mut r in rows {
        println!(
            "{:<50} {:>9} {:>17} {:>12.1} {:>9}",
            r.what,
            summary(&r.requests),
            summary(&r.trips),
            median(&mut r.millis),
            r.failures
        );
    }
    println!("(median ms includes the SNS Publish of the reply; moto serialises requests)");
}
