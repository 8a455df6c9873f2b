//! Birthday greetings and recall series replayed against moto through the real adapters (DynamoStore,
//! SnsSms, SesEmail): patients are stored through the Practice API's PUT (which plans each
//! one's greeting), and the outreach job runs at chosen moments (the event time), some
//! twice and some overlapping, as EventBridge retries and overlaps would.

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{Decision, Purpose};
use serde_json::{json, Value};
use testkit::moto::{utc, MotoPractice as Stack};

async fn practice(at: DateTime<Utc>) -> Stack {
    let mut s = Stack::new(
        at,
        json!({
            "name": "Smile Dental",
            "time_zone": "America/New_York",
            "sms_number": "+12125550199",
            "email_from": "hello@smile.example",
            "birthday_greetings": true,
            "birthday_offer": "Book a cleaning this month for 10% off."
        }),
    )
    .await;
    // Work written since sharding never lands in the old unsharded buckets; these replays
    // jump days ahead, and reading a week of 5-minute buckets is not what they measure.
    s.options.read_unsharded = false;
    s
}

fn body(phone: &str, email: &str, channel: &str, birth: &str, marketing: bool) -> Value {
    json!({
        "first_name": "Ana", "last_name": "Lopez",
        "phone": phone, "email": email,
        "preferred_channel": channel,
        "birth_date": birth,
        "consents": {
            "sms": {"care": true, "marketing": marketing},
            "email": {"care": true, "marketing": marketing},
            "voice": {"care": true, "marketing": marketing}
        }
    })
}

/// One run of the birthdays job, as EventBridge invokes it.
async fn run(s: &Stack, at: DateTime<Utc>) -> Value {
    run_job(s, "birthdays", at).await
}

/// One run of `job`, as the schedule's event names it.
async fn run_job(s: &Stack, job: &str, at: DateTime<Utc>) -> Value {
    let event = lambda_runtime::LambdaEvent::new(
        json!({"time": at.to_rfc3339(), "detail": {"job": job}}),
        Default::default(),
    );
    let r = outreach::handle(&s.sweep_deps(), event)
        .await
        .expect("the job runs");
    eprintln!("run at {at}: {}", r["outcomes"]);
    r
}

async fn bodies(s: &Stack, to: &str) -> Vec<String> {
    s.sent_to(to)
        .await
        .iter()
        .map(|m| {
            let text = m["body"]
                .as_str()
                .or(m["text"].as_str())
                .unwrap_or_default();
            format!("{} {text}", m["subject"].as_str().unwrap_or_default())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn birthdays_respect_consent_time_zones_and_the_29th_of_february_once_each() {
    let setup = utc("2027-02-01T12:00:00Z");
    let s = practice(setup).await;
    // Ana in New York, texted; Ben in Tokyo, texted; Cy without marketing consent; Di born
    // on 29 February, by email.
    s.put_patient(
        setup,
        "ana",
        body("+12125551101", "ana@example.org", "sms", "1990-03-10", true),
    )
    .await;
    let mut ben = body("+12125551102", "ben@example.org", "sms", "1985-03-10", true);
    ben["time_zone"] = json!("Asia/Tokyo");
    s.put_patient(setup, "ben", ben).await;
    s.put_patient(
        setup,
        "cy",
        body("+12125551103", "cy@example.org", "sms", "1990-03-10", false),
    )
    .await;
    s.put_patient(
        setup,
        "di",
        body(
            "+12125551104",
            "di@example.org",
            "email",
            "2000-02-29",
            true,
        ),
    )
    .await;

    // 2027 has no 29 February: Di is greeted on the 28th at 10:00 in New York (15:00Z),
    // not a minute before, and once under a duplicate and an overlapping invocation.
    run(&s, utc("2027-02-28T14:55:00Z")).await;
    assert!(
        bodies(&s, "di@example.org").await.is_empty(),
        "not before 10:00"
    );
    let at = utc("2027-02-28T15:00:00Z");
    run(&s, at).await;
    run(&s, at).await;
    let _ = tokio::join!(
        run(&s, at + Duration::minutes(1)),
        run(&s, at + Duration::minutes(1))
    );
    let di = bodies(&s, "di@example.org").await;
    assert_eq!(di.len(), 1, "once: {di:?}");
    assert!(
        di[0].contains("Happy birthday, Ana!") && di[0].contains("10% off"),
        "{di:?}"
    );

    // 10 March: 10:00 in Tokyo comes first (01:00Z); New York's at 15:00Z (EST: daylight
    // time starts on the 14th in 2027), and not at 14:00Z.
    run(&s, utc("2027-03-10T00:55:00Z")).await;
    assert!(bodies(&s, "+12125551102").await.is_empty());
    run(&s, utc("2027-03-10T01:00:00Z")).await;
    assert_eq!(
        bodies(&s, "+12125551102").await.len(),
        1,
        "Tokyo at 10:00 there"
    );
    assert!(
        bodies(&s, "+12125551101").await.is_empty(),
        "New York still asleep"
    );
    run(&s, utc("2027-03-10T14:00:00Z")).await;
    assert!(
        bodies(&s, "+12125551101").await.is_empty(),
        "not at 09:00 there"
    );
    let at = utc("2027-03-10T15:00:00Z");
    let _ = tokio::join!(run(&s, at), run(&s, at));
    run(&s, at + Duration::minutes(5)).await;
    let ana = bodies(&s, "+12125551101").await;
    assert_eq!(ana.len(), 1, "once: {ana:?}");
    assert!(ana[0].contains("Reply STOP to opt out."), "{ana:?}");
    assert_eq!(bodies(&s, "+12125551102").await.len(), 1, "Ben still once");
    // Cy gave no marketing consent: nothing sent, the suppression on the timeline.
    assert!(bodies(&s, "+12125551103").await.is_empty());
    assert!(bodies(&s, "cy@example.org").await.is_empty());
    let cy = s.timeline("cy").await;
    assert!(
        cy.iter()
            .any(|m| m.purpose == Purpose::Birthday
                && matches!(m.decision, Decision::Suppressed { .. })),
        "{cy:?}"
    );

    // The PMS syncs Ana again that afternoon: her greeting is planned again, due now, and
    // the year's claim keeps it to one.
    let afternoon = utc("2027-03-10T19:00:00Z");
    s.put_patient(
        afternoon,
        "ana",
        body("+12125551101", "ana@example.org", "sms", "1990-03-10", true),
    )
    .await;
    run(&s, afternoon).await;
    assert_eq!(bodies(&s, "+12125551101").await.len(), 1, "still once");

    // Next year's greeting was planned by the send: 2028 has a 29 February.
    run(&s, utc("2028-02-28T15:00:00Z")).await;
    assert_eq!(
        bodies(&s, "di@example.org").await.len(),
        1,
        "not on the 28th in a leap year"
    );
    run(&s, utc("2028-02-29T15:00:00Z")).await;
    assert_eq!(bodies(&s, "di@example.org").await.len(), 2, "on the 29th");
}

/// A recall patient texted at `phone`, due on Monday 1 June 2026.
fn recall_body(phone: &str) -> Value {
    json!({
        "first_name": "Rae", "last_name": "Ito", "phone": phone,
        "preferred_channel": "sms",
        "consents": {"sms": {"care": true}},
        "recall_due": "2026-06-01"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recall_skips_the_booked_stops_after_booking_and_sends_at_most_three_six_weeks_apart() {
    let setup = utc("2026-01-10T12:00:00Z");
    let s = practice(setup).await;
    let (rae, sam, ty) = ("+12125551201", "+12125551202", "+12125551203");
    s.put_patient(setup, "rae", recall_body(rae)).await;
    s.put_patient(setup, "sam", recall_body(sam)).await;
    s.put_patient(setup, "ty", recall_body(ty)).await;
    // Sam already has a visit booked.
    s.put_appointment(
        setup,
        "ap-sam",
        "sam",
        "2026-05-20T10:00:00-04:00",
        "hygiene",
    )
    .await;
    let recall = |at: &str| {
        let at = utc(at);
        let s = &s;
        async move {
            // A duplicate delivery of the event, at once.
            let _ = tokio::join!(run_job(s, "recall", at), run_job(s, "recall", at));
        }
    };
    // Four weeks before the due date, 10:00 in New York (EDT), and not before.
    recall("2026-05-04T13:55:00Z").await;
    assert!(bodies(&s, rae).await.is_empty());
    recall("2026-05-04T14:00:00Z").await;
    assert_eq!(bodies(&s, rae).await.len(), 1);
    assert_eq!(bodies(&s, ty).await.len(), 1);
    assert!(bodies(&s, sam).await.is_empty(), "booked: not invited");
    assert!(bodies(&s, rae).await[0].contains("time for your checkup"));
    // Six weeks later, not a few minutes sooner.
    recall("2026-06-15T13:55:00Z").await;
    assert_eq!(bodies(&s, rae).await.len(), 1);
    recall("2026-06-15T14:00:00Z").await;
    assert_eq!(bodies(&s, rae).await.len(), 2);
    assert_eq!(bodies(&s, ty).await.len(), 2);
    // Rae books: the series stops. Ty gets the third and last.
    s.put_appointment(
        utc("2026-06-20T12:00:00Z"),
        "ap-rae",
        "rae",
        "2026-08-03T10:00:00-04:00",
        "hygiene",
    )
    .await;
    recall("2026-07-27T14:00:00Z").await;
    assert_eq!(bodies(&s, rae).await.len(), 2, "stopped by the booking");
    assert_eq!(bodies(&s, ty).await.len(), 3);
    recall("2026-09-07T14:00:00Z").await;
    assert_eq!(bodies(&s, ty).await.len(), 3, "at most three");
    assert!(bodies(&s, sam).await.is_empty());
    // The PMS syncs Ty with the same recall date: the series is not started again.
    s.put_patient(utc("2026-09-08T12:00:00Z"), "ty", recall_body(ty))
        .await;
    recall("2026-09-08T12:00:00Z").await;
    assert_eq!(
        bodies(&s, ty).await.len(),
        3,
        "unchanged date, no new series"
    );
}

/// The practice's recall interval after a completed visit of a kind: completing Lea's
/// hygiene visit sets her `recall_due` (the visit's date + 6 months), the first
/// invitation goes 4 weeks before it at 10:00 on her clock, and booking stops the series.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_hygiene_visit_sets_recall_due_and_the_series_invites_until_booked() {
    let setup = utc("2026-03-01T12:00:00Z");
    let s = practice(setup).await;
    let (st, b) = s
        .api(
            setup,
            "PATCH",
            "/v1/practice",
            Some(json!({"recall": [{"kind": "Hygiene", "every_months": 6}]})),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    let lea = "+12125551211";
    s.put_patient(
        setup,
        "lea",
        json!({"first_name": "Lea", "last_name": "Ono", "phone": lea,
               "preferred_channel": "sms", "consents": {"sms": {"care": true}}}),
    )
    .await;
    s.put_appointment(
        setup,
        "ap-lea",
        "lea",
        "2026-03-16T10:00:00-04:00",
        "hygiene",
    )
    .await;
    s.act(utc("2026-03-16T15:00:00Z"), "ap-lea", "complete")
        .await;
    let p = s.patient(utc("2026-03-16T15:00:00Z"), "lea").await;
    assert_eq!(p["recall_due"], json!("2026-09-16"), "{p}");

    // 2026-09-16 less four weeks is Wednesday 19 August, 10:00 EDT.
    run_job(&s, "recall", utc("2026-08-19T13:55:00Z")).await;
    assert!(bodies(&s, lea).await.is_empty(), "not before");
    run_job(&s, "recall", utc("2026-08-19T14:00:00Z")).await;
    let sent = bodies(&s, lea).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("time for your checkup"), "{}", sent[0]);
    // Lea books: the next invitation (six weeks later) is not sent.
    s.put_appointment(
        utc("2026-08-20T12:00:00Z"),
        "ap-lea-2",
        "lea",
        "2026-10-05T10:00:00-04:00",
        "hygiene",
    )
    .await;
    run_job(&s, "recall", utc("2026-09-30T14:00:00Z")).await;
    assert_eq!(bodies(&s, lea).await.len(), 1, "stopped by the booking");
}
