//! Review requests against moto through the real adapters (DynamoStore, SnsSms, SesEmail):
//! the practice, patients and visits are set up through the Practice API, then the sweep
//! runs at chosen times, exactly as EventBridge would invoke it.

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{AppointmentId, Decision, DueKind, DueWork, PatientId, Purpose};
use frontdesk::ports::{Store, Write};
use review_requests::{run, Deps};
use serde_json::{json, Value};
use testkit::moto::{patient_body, utc, MotoPractice as Stack};

const REVIEW_URL: &str = "https://g.page/r/smile-dental/review";
const FEEDBACK_URL: &str = "https://smile.example/feedback";

/// Tue 2026-03-10 13:00 in New York (EDT); completed at 14:00, due at 16:00.
const START: &str = "2026-03-10T13:00:00-04:00";

fn start() -> DateTime<Utc> {
    utc(START)
}

fn completed() -> DateTime<Utc> {
    start() + Duration::hours(1)
}

fn due() -> DateTime<Utc> {
    completed() + Duration::hours(2)
}

fn booked() -> DateTime<Utc> {
    utc("2026-03-01T15:00:00Z")
}

async fn practice() -> Stack {
    Stack::new(
        booked(),
        json!({
            "name": "Smile Dental",
            "time_zone": "America/New_York",
            "sms_number": "+12125550199",
            "email_from": "hello@smile.example",
            "callback_phone": "+12125550100",
            "review_url": REVIEW_URL,
            "feedback_url": FEEDBACK_URL,
            "review_cap_days": 90
        }),
    )
    .await
}

fn deps(stack: &Stack) -> Deps {
    stack.sweep_deps()
}

/// Books a visit at `starts` and completes it an hour later, through the API.
async fn visit(s: &Stack, id: &str, patient: &str, starts: DateTime<Utc>) {
    s.put_appointment(booked(), id, patient, &starts.to_rfc3339(), "cleaning")
        .await;
    let a = s.act(starts + Duration::hours(1), id, "complete").await;
    assert_eq!(a["status"], json!("completed"));
}

fn body(m: &Value) -> &str {
    m["body"].as_str().unwrap_or_default()
}

/// The review link(s) in a message body.
fn review_links(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .filter(|t| t.starts_with("https://g.page"))
        .collect()
}

#[tokio::test]
async fn the_delay_is_respected_and_each_visit_is_asked_once() {
    let s = practice().await;
    let d = deps(&s);
    s.put_patient(
        booked(),
        "rv-delay",
        patient_body("+12125550201", "rv-delay@example.com", "sms", false),
    )
    .await;
    visit(&s, "a-delay", "rv-delay", start()).await;

    let r = run(&d, due() - Duration::minutes(1)).await.unwrap();
    assert_eq!(r.claimed, 0, "{r:?}");
    assert!(s.sent_to("+12125550201").await.is_empty());

    let r = run(&d, due()).await.unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&1), "{r:?}");
    let sent = s.sent_to("+12125550201").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(review_links(body(&sent[0])), vec![REVIEW_URL]);
    assert!(body(&sent[0]).contains(FEEDBACK_URL));
    assert!(s.sent_to("rv-delay@example.com").await.is_empty());

    for minutes in [15, 30, 180] {
        run(&d, due() + Duration::minutes(minutes)).await.unwrap();
    }
    assert_eq!(s.sent_to("+12125550201").await.len(), 1);
    let timeline = s.timeline("rv-delay").await;
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].purpose, Purpose::ReviewRequest);
    assert!(matches!(timeline[0].decision, Decision::Sent { .. }));
}

#[tokio::test]
async fn the_cap_holds_across_visits() {
    let s = practice().await;
    let d = deps(&s);
    s.put_patient(
        booked(),
        "rv-cap",
        patient_body("+12125550211", "rv-cap@example.com", "sms", false),
    )
    .await;
    visit(&s, "a-cap-1", "rv-cap", start()).await;
    run(&d, due()).await.unwrap();

    // Two days later (the sweep catches up bucket by bucket; a short gap keeps this fast).
    let next = start() + Duration::days(2);
    visit(&s, "a-cap-2", "rv-cap", next).await;
    let r = run(&d, next + Duration::hours(3)).await.unwrap();
    assert_eq!(r.outcomes.get("suppressed_cap"), Some(&1), "{r:?}");
    assert_eq!(s.sent_to("+12125550211").await.len(), 1);
    let last = s.timeline("rv-cap").await.pop().unwrap();
    assert!(
        matches!(&last.decision, Decision::Suppressed { reason } if reason.contains("90 days")),
        "{last:?}"
    );
}

#[tokio::test]
async fn no_show_and_cancelled_visits_are_skipped() {
    let s = practice().await;
    let d = deps(&s);
    s.put_patient(
        booked(),
        "rv-skip",
        patient_body("+12125550221", "rv-skip@example.com", "sms", false),
    )
    .await;
    s.put_appointment(booked(), "a-noshow", "rv-skip", START, "cleaning")
        .await;
    let (status, b) = s
        .api(
            start() + Duration::minutes(20),
            "PUT",
            "/v1/appointments/a-noshow",
            Some(json!({
                "patient_id": "rv-skip", "starts_at": START, "duration_minutes": 30,
                "status": "no_show"
            })),
        )
        .await;
    assert_eq!(status, 200, "{b}");
    s.put_appointment(
        booked(),
        "a-cancel",
        "rv-skip",
        "2026-03-10T15:00:00-04:00",
        "cleaning",
    )
    .await;
    s.act(start(), "a-cancel", "cancel").await;

    // A review request left behind for the missed visit (e.g. planned before a PMS
    // correction) is still refused.
    s.store
        .write(vec![Write::Due(Box::new(DueWork {
            practice_id: s.practice_id.clone(),
            appointment_id: AppointmentId::parse("a-noshow").unwrap(),
            patient_id: PatientId::parse("rv-skip").unwrap(),
            kind: DueKind::ReviewRequest,
            due_at: due(),
            planned_for: start(),
            attempts: 0,
        }))])
        .await
        .unwrap();

    let r = run(&d, due()).await.unwrap();
    assert_eq!(
        r.outcomes.get("suppressed_not_completed"),
        Some(&1),
        "{r:?}"
    );
    for t in [due() + Duration::hours(1), due() + Duration::days(1)] {
        let r = run(&d, t).await.unwrap();
        assert_eq!(r.claimed, 0, "{r:?}");
    }
    assert!(s.sent_to("+12125550221").await.is_empty());
    assert!(s.sent_to("rv-skip@example.com").await.is_empty());
}

#[tokio::test]
async fn overlapping_sweeps_send_once() {
    let s = practice().await;
    let d = deps(&s);
    for i in 0..5 {
        let id = format!("rv-join-{i}");
        s.put_patient(
            booked(),
            &id,
            patient_body(
                &format!("+1212555023{i}"),
                &format!("{id}@example.com"),
                "sms",
                false,
            ),
        )
        .await;
        visit(&s, &format!("a-join-{i}"), &id, start()).await;
    }
    let (a, b, c) = tokio::join!(run(&d, due()), run(&d, due()), run(&d, due()));
    let reports = [a.unwrap(), b.unwrap(), c.unwrap()];
    assert_eq!(
        reports.iter().map(|r| r.claimed).sum::<usize>(),
        5,
        "{reports:?}"
    );
    for i in 0..5 {
        assert_eq!(s.sent_to(&format!("+1212555023{i}")).await.len(), 1);
    }
}

#[tokio::test]
async fn every_patient_gets_the_identical_public_link() {
    let s = practice().await;
    let d = deps(&s);
    let names = ["Ana", "Zoë", "O'Brien", "李", "Jean-Luc", "Ñandú"];
    let zones = [None, Some("America/Chicago"), Some("America/Los_Angeles")];
    let mut recipients = Vec::new();
    for i in 0..12usize {
        let id = format!("rv-same-{i}");
        let phone = format!("+121255502{:02}", 40 + i);
        let email = format!("{id}@example.com");
        let channel = if i % 2 == 0 { "sms" } else { "email" };
        let mut p = patient_body(&phone, &email, channel, i % 3 == 0);
        p["first_name"] = json!(names[i % names.len()]);
        p["last_name"] = json!(names[(i * 5 + 1) % names.len()]);
        p["new_patient"] = json!(i % 4 == 0);
        if let Some(z) = zones[i % zones.len()] {
            p["time_zone"] = json!(z);
        }
        s.put_patient(booked(), &id, p).await;
        visit(
            &s,
            &format!("a-same-{i}"),
            &id,
            start() + Duration::minutes(i as i64),
        )
        .await;
        recipients.push(if channel == "sms" { phone } else { email });
    }
    // 17:00 in New York, 16:00 in Chicago, 14:00 in Los Angeles: office-friendly for all.
    let r = run(&d, utc("2026-03-10T21:00:00Z")).await.unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&12), "{r:?}");
    let outbox = s.moto.outbox().await.unwrap();
    for to in recipients {
        let sent: Vec<&Value> = ["sms", "email"]
            .iter()
            .flat_map(|k| outbox[*k].as_array().into_iter().flatten())
            .filter(|m| m["to"] == json!(to))
            .collect();
        assert_eq!(sent.len(), 1, "{to}: {sent:?}");
        assert_eq!(review_links(body(sent[0])), vec![REVIEW_URL], "{to}");
        assert!(body(sent[0]).contains(FEEDBACK_URL), "{to}");
    }
}

#[tokio::test]
async fn channels_and_consent_are_honoured() {
    let s = practice().await;
    let d = deps(&s);
    // Preferred sms, consented to care texts and to review emails, not to review texts.
    let mut no_consent = patient_body("+12125550261", "rv-nc@example.com", "sms", false);
    no_consent["consents"] = json!({"sms": {"care": true}, "email": {"reviews": true}});
    s.put_patient(booked(), "rv-nc", no_consent).await;
    s.put_patient(
        booked(),
        "rv-voice",
        patient_body("+12125550262", "rv-voice@example.com", "voice", false),
    )
    .await;
    s.put_patient(
        booked(),
        "rv-email",
        patient_body("+12125550263", "rv-email@example.com", "email", false),
    )
    .await;
    for p in ["rv-nc", "rv-voice", "rv-email"] {
        visit(&s, &format!("a-{p}"), p, start()).await;
    }
    let r = run(&d, due()).await.unwrap();
    assert!(r.failures.is_empty(), "{r:?}");

    assert!(s.sent_to("+12125550261").await.is_empty());
    assert!(
        s.sent_to("rv-nc@example.com").await.is_empty(),
        "never another channel"
    );
    assert!(s.sent_to("+12125550262").await.is_empty());
    assert!(s.sent_to("rv-voice@example.com").await.is_empty());
    assert!(s.sent_to("+12125550263").await.is_empty());
    assert_eq!(s.sent_to("rv-email@example.com").await.len(), 1);

    let tasks = s.open_tasks(due()).await;
    let for_patient = |p: &str| -> Vec<Value> {
        tasks
            .iter()
            .filter(|t| t["patient_id"] == json!(p))
            .cloned()
            .collect()
    };
    let voice = for_patient("rv-voice");
    assert_eq!(voice.len(), 1, "{voice:?}");
    assert_eq!(voice[0]["priority"], json!("low"));
    assert!(voice[0]["title"]
        .as_str()
        .unwrap()
        .contains("no separate call needed"));
    assert!(voice[0]["script"].as_str().unwrap().contains(REVIEW_URL));
    assert!(
        for_patient("rv-nc").is_empty(),
        "no review consent: suppressed and recorded, staff never chase it"
    );
    assert!(for_patient("rv-email").is_empty());
    let p = s.patient(due(), "rv-nc").await;
    assert!(
        p.get("last_review_request_at").is_none_or(Value::is_null),
        "{p}"
    );
}

#[tokio::test]
async fn the_store_records_the_request_time_on_the_patient() {
    let s = practice().await;
    let d = deps(&s);
    s.put_patient(
        booked(),
        "rv-stamp",
        patient_body("+12125550271", "rv-stamp@example.com", "sms", false),
    )
    .await;
    visit(&s, "a-stamp", "rv-stamp", start()).await;
    run(&d, due()).await.unwrap();
    let id = PatientId::parse("rv-stamp").unwrap();
    let fetched = s
        .store
        .get_many(
            &s.practice_id,
            &[frontdesk::ports::Key::Patient(id.clone())],
        )
        .await
        .unwrap();
    let patient = fetched.patient(&id).unwrap();
    assert_eq!(patient.last_review_request_at, Some(due()));
    assert_eq!(patient.recent_automated, vec![due()]);
}
