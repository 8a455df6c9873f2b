//! Broadcasts replayed against moto through the real adapters (DynamoStore, SnsSms,
//! SesEmail): patients are set up through the Practice API, the broadcast is posted there,
//! and the outreach sweep runs at chosen moments (the event time), as EventBridge would.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{
    Channel, ConsentSource, EmailAddress, MessageKind, Patient, PatientId, PhoneNumber,
};
use frontdesk::ports::{Expect, Store, Write};
use serde_json::{json, Value};
use testkit::moto::{utc, MotoPractice as Stack};

/// Mon 2026-03-02 10:00 in New York (EST).
fn start() -> DateTime<Utc> {
    utc("2026-03-02T15:00:00Z")
}

async fn practice() -> Stack {
    Stack::new(
        start() - Duration::days(1),
        json!({
            "name": "Smile Dental",
            "time_zone": "America/New_York",
            "sms_number": "+12125550199",
            "email_from": "hello@smile.example",
            "callback_phone": "+12125550100"
        }),
    )
    .await
}

/// Area codes: 100 numbers each (555-0100 to 555-0199). Tests use their own range of
/// patients (the moto outbox is shared by the tests of this binary).
const AREAS: [&str; 8] = ["212", "646", "718", "917", "347", "213", "310", "415"];

fn phone(i: usize) -> String {
    format!("+1{}5550{}", AREAS[i / 100], 100 + i % 100)
}

/// Patient `i` of the mix: 0 SMS with marketing consent, 1 email with marketing consent,
/// 2 voice (a call), 3 SMS with care consent only (suppressed: no consent), 4 SMS with
/// marketing consent in Tokyo (00:00 there: quiet hours, deferred).
fn patient(s: &Stack, i: usize) -> Patient {
    let mix = i % 5;
    let channel = [
        Channel::Sms,
        Channel::Email,
        Channel::Voice,
        Channel::Sms,
        Channel::Sms,
    ][mix];
    let at = start() - Duration::days(1);
    let mut p = Patient {
        phone: Some(PhoneNumber::parse_e164(&phone(i)).expect("a valid number")),
        email: Some(EmailAddress::parse(&format!("p{i}@example.org")).expect("an address")),
        ..Patient::new(
            s.practice_id.clone(),
            PatientId::parse(format!("p{i:03}")).expect("an id"),
            "Pat",
            format!("N{i}"),
            channel,
            at,
        )
    };
    for c in [Channel::Sms, Channel::Email, Channel::Voice] {
        p.consents
            .set(c, MessageKind::Care, true, ConsentSource::PatientForm, at);
        p.consents.set(
            c,
            MessageKind::Marketing,
            mix != 3,
            ConsentSource::PatientForm,
            at,
        );
    }
    if mix == 4 {
        p.time_zone = Some(chrono_tz::Asia::Tokyo);
    }
    p
}

/// The patients, written as the Practice API's batch writes them (the patient item and its
/// phone copy), 25 to a transaction: seeding is not what these tests measure.
async fn seed(s: &Stack, range: std::ops::Range<usize>) {
    let patients: Vec<Write> = range
        .map(|i| Write::Patient {
            patient: Box::new(patient(s, i)),
            expect: Expect::Absent,
            previous_phone: None,
        })
        .collect();
    for chunk in patients.chunks(25) {
        s.store
            .write(chunk.to_vec())
            .await
            .expect("patients are stored");
    }
}

async fn broadcast(s: &Stack, at: DateTime<Utc>) -> String {
    let (status, b) = s
        .api(
            at,
            "POST",
            "/v1/broadcasts",
            Some(json!({
                "audience": {"type": "all_active"},
                "kind": "marketing",
                "body": "Hi {{ first_name }}, {{ practice_name }} now opens on Saturdays.",
                "send_at": at.to_rfc3339(),
            })),
        )
        .await;
    assert_eq!(status, 201, "{b}");
    b["broadcast_id"].as_str().unwrap_or_default().to_string()
}

async fn progress(s: &Stack, at: DateTime<Utc>, id: &str) -> Value {
    let (status, b) = s
        .api(at, "GET", &format!("/v1/broadcasts/{id}"), None)
        .await;
    assert_eq!(status, 200, "{b}");
    b["progress"].clone()
}

async fn run(s: &Stack, at: DateTime<Utc>) -> frontdesk::sweep::SweepReport {
    let t = std::time::Instant::now();
    let r = outreach::broadcasts::run(&s.sweep_deps(), at)
        .await
        .expect("the sweep runs");
    eprintln!(
        "run at {at}: {:?} in {:?} ({} requests so far)",
        r.outcomes,
        t.elapsed(),
        s.store.requests()
    );
    r
}

/// How many messages moto holds for each of patients `range` (SMS to the phone, email to
/// the address), from one read of the outbox.
async fn received(s: &Stack, range: std::ops::Range<usize>) -> Vec<usize> {
    let outbox = s.moto.outbox().await.expect("outbox");
    let mut count: HashMap<String, usize> = HashMap::new();
    for m in ["sms", "email"]
        .iter()
        .flat_map(|k| outbox[*k].as_array().cloned().unwrap_or_default())
    {
        *count
            .entry(m["to"].as_str().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    range
        .map(|i| {
            count.get(&phone(i)).copied().unwrap_or(0)
                + count
                    .get(&format!("p{i}@example.org"))
                    .copied()
                    .unwrap_or(0)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_to_500_patients_reaches_each_once_on_their_channel_with_true_counts() {
    let s = practice().await;
    seed(&s, 0..500).await;
    let id = broadcast(&s, start()).await;
    // Every minute for 14 minutes; some moments invoked twice (a duplicate delivery of
    // the event), one pair at once (overlapping runs).
    for minute in 0..14 {
        let at = start() + Duration::minutes(minute);
        match minute {
            3 => {
                run(&s, at).await;
                run(&s, at).await;
            }
            5 => {
                let _ = tokio::join!(run(&s, at), run(&s, at));
            }
            _ => {
                run(&s, at).await;
            }
        }
    }
    let p = progress(&s, start() + Duration::minutes(14), &id).await;
    assert_eq!(p["recipients"], 500, "{p}");
    assert_eq!(p["sent"], 200, "{p}");
    assert_eq!(
        p["sent_by_channel"],
        json!({"sms": 100, "email": 100}),
        "{p}"
    );
    assert_eq!(p["call_list"], 100, "{p}");
    assert_eq!(p["staff_tasks"], 1, "one call-list task, not one each: {p}");
    assert_eq!(p["suppressed_by_reason"], json!({"no_consent": 100}), "{p}");
    assert_eq!(p["deferred"], 100, "{p}");
    assert_eq!(
        p["deferred_until"]["earliest"],
        json!("2026-03-02T23:00:00Z"),
        "08:00 in Tokyo: {p}"
    );
    assert_eq!(p["pending"], 0, "{p}");
    let got = received(&s, 0..500).await;
    for (i, n) in got.iter().enumerate() {
        let want = usize::from(i % 5 == 0 || i % 5 == 1);
        assert_eq!(*n, want, "patient {i}");
    }
    let calls: Vec<Value> = s
        .open_tasks(start() + Duration::minutes(14))
        .await
        .into_iter()
        .filter(|t| t["kind"] == json!("call_patient"))
        .collect();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0]["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("100 patients prefer a phone call"));
    // Quiet hours end in Tokyo: the deferred ones go, once.
    for at in [
        utc("2026-03-02T23:01:00Z"),
        utc("2026-03-02T23:05:00Z"),
        utc("2026-03-02T23:06:00Z"),
    ] {
        run(&s, at).await;
        run(&s, at).await;
    }
    let p = progress(&s, utc("2026-03-02T23:10:00Z"), &id).await;
    assert_eq!(p["sent"], 300, "{p}");
    assert_eq!(p["deferred"], 0, "{p}");
    let got = received(&s, 0..500).await;
    for (i, n) in got.iter().enumerate() {
        assert_eq!(*n, usize::from(i % 5 != 2 && i % 5 != 3), "patient {i}");
    }
    let timeline = s.timeline("p004").await;
    assert!(timeline
        .iter()
        .any(|m| matches!(m.decision, frontdesk::domain::Decision::Deferred { .. })));
}

#[tokio::test]
async fn a_cancel_stops_what_has_not_gone_yet() {
    // 200 patients: 144 are handled in the first two minutes (the pace), the rest wait.
    let s = practice().await;
    seed(&s, 500..700).await;
    let id = broadcast(&s, start()).await;
    run(&s, start()).await; // expansion
    run(&s, start() + Duration::minutes(1)).await; // the first minute's sends
    let before = progress(&s, start() + Duration::minutes(1), &id).await;
    let sent_before = before["sent"].as_u64().unwrap_or_default();
    assert!(sent_before > 0 && sent_before < 80, "{before}");
    let (status, b) = s
        .api(
            start() + Duration::minutes(2),
            "POST",
            &format!("/v1/broadcasts/{id}/cancel"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["status"], "cancelled");
    for minute in 2..10 {
        run(&s, start() + Duration::minutes(minute)).await;
    }
    let after = progress(&s, start() + Duration::minutes(10), &id).await;
    assert_eq!(
        after["sent"].as_u64(),
        Some(sent_before),
        "nothing more went: {after}"
    );
    assert_eq!(after["pending"], 0, "{after}");
    let delivered: usize = received(&s, 500..700).await.iter().sum();
    assert_eq!(delivered as u64, sent_before);
    assert!(
        after["cancelled"].as_u64().unwrap_or_default() > 0,
        "{after}"
    );
}
