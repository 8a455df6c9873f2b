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

use std::sync::Arc;
use std::time::Instant;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{
    Appointment, AppointmentId, AppointmentStatus, Channel, ConsentSource, Consents, MessageKind,
    Patient, PatientId, PhoneNumber, Practice, PracticeId, PracticeSettings, ProviderSecrets,
};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::{Expect, FixedClock, Store, Write};
use frontdesk::ses::SesEmail;
use frontdesk::sns::SnsSms;
use serde_json::json;
use testkit::SpyStore;

const TOKEN: &str = "bench-twilio-token";
const PRACTICE_NUMBER: &str = "+12125550143";
const RUNS: usize = 20;

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
    testkit::signers::twilio_event(practice.as_str(), TOKEN, sid, from, PRACTICE_NUMBER, body)
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
    let trips = Arc::new(SpyStore::over(dynamo.clone()));
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
                phone: Some(phone(&patient_number(i))),
                consents,
                ..Patient::new(
                    practice_id.clone(),
                    id.clone(),
                    "Ana",
                    "Lee",
                    Channel::Sms,
                    now(),
                )
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
            trips.reset_trips();
            dynamo.reset_requests();
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
            row.trips.push(trips.trips());
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
