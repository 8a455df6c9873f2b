//! A day replayed against moto through the real adapters (DynamoStore, SnsSms, SesEmail):
//! the practice and its patients are set up through the Practice API, then the no-shows
//! sweep runs at chosen times, exactly as EventBridge would invoke it.

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{Channel, Decision, Purpose};
use no_shows::{run, Deps};
use serde_json::{json, Value};
use testkit::moto::{patient_body, utc, MotoPractice as Stack};

/// Tue 2026-03-10 14:00 in New York (EDT).
const START: &str = "2026-03-10T14:00:00-04:00";

fn start() -> DateTime<Utc> {
    utc(START)
}

/// The practice was onboarded, and the appointments booked, in advance.
fn booked() -> DateTime<Utc> {
    utc("2026-03-01T15:00:00Z")
}

/// Wed 09:00 in New York.
fn next_morning() -> DateTime<Utc> {
    utc("2026-03-11T13:00:00Z")
}

async fn practice() -> Stack {
    Stack::new(
        booked(),
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

fn deps(stack: &Stack) -> Deps {
    stack.sweep_deps()
}

fn wellbeing_task_for<'a>(tasks: &'a [Value], appointment: &str) -> &'a Value {
    tasks
        .iter()
        .find(|t| t["kind"] == json!("wellbeing_call") && t["appointment_id"] == json!(appointment))
        .unwrap_or_else(|| panic!("no wellbeing task for {appointment}: {tasks:?}"))
}

#[tokio::test]
async fn a_missed_day_raises_wellbeing_calls_sends_nothing_then_follows_up_next_morning() {
    let s = practice().await;
    let d = deps(&s);
    let patients = [
        ("ns-sms", "+12125550101", "ns-sms@example.com", "sms", false),
        (
            "ns-email",
            "+12125550102",
            "ns-email@example.com",
            "email",
            true,
        ),
        (
            "ns-voice",
            "+12125550103",
            "ns-voice@example.com",
            "voice",
            false,
        ),
    ];
    for (id, phone, email, channel, waiver) in patients {
        s.put_patient(booked(), id, patient_body(phone, email, channel, waiver))
            .await;
        s.put_appointment(booked(), &format!("a-{id}"), id, START, "root canal")
            .await;
    }

    let r = run(&d, start()).await.unwrap();
    assert_eq!(r.claimed, 0, "not before start + grace: {r:?}");
    let r = run(&d, start() + Duration::minutes(1)).await.unwrap();
    assert_eq!(r.outcomes.get("no_show"), Some(&3), "{r:?}");
    assert!(r.failures.is_empty(), "{r:?}");

    let at = start() + Duration::minutes(2);
    let tasks = s.open_tasks(at).await;
    assert_eq!(tasks.len(), 3, "{tasks:?}");
    for (id, _, _, _, waiver) in patients {
        let appointment = format!("a-{id}");
        assert_eq!(
            s.appointment(at, &appointment).await["status"],
            json!("no_show")
        );
        assert_eq!(s.patient(at, id).await["no_show_count"], json!(1));
        let task = wellbeing_task_for(&tasks, &appointment);
        assert_eq!(task["priority"], json!("urgent"));
        assert_eq!(task["due_at"], json!("2026-03-10T18:01:00Z"));
        let voicemail = task["voicemail_script"].as_str().unwrap();
        for must in [
            "Smile Dental",
            "(212) 555-0100",
            "We missed you today",
            "hope you're alright",
            "holding options to rebook soon",
        ] {
            assert!(voicemail.contains(must), "{must:?} missing: {voicemail}");
        }
        assert_eq!(voicemail.contains("root canal"), waiver, "{voicemail}");
        assert!(!voicemail.contains("Dr. Ruiz"), "{voicemail}");
        let timeline = s.timeline(id).await;
        assert_eq!(timeline.len(), 1, "{timeline:?}");
        assert_eq!(timeline[0].channel, Channel::Voice);
        assert!(matches!(timeline[0].decision, Decision::StaffTask { .. }));
    }

    // The rest of the day and the night: nothing reaches any of them.
    let mut t = start() + Duration::minutes(5);
    while t < next_morning() - Duration::minutes(1) {
        let r = run(&d, t).await.unwrap();
        assert_eq!(r.claimed, 0, "at {t}: {r:?}");
        t += Duration::minutes(90);
    }
    run(&d, next_morning() - Duration::minutes(1))
        .await
        .unwrap();
    for (_, phone, email, _, _) in patients {
        assert!(s.sent_to(phone).await.is_empty());
        assert!(s.sent_to(email).await.is_empty());
    }

    // 09:00 the next morning: each on their own channel.
    let r = run(&d, next_morning()).await.unwrap();
    assert_eq!(r.outcomes.get("sent"), Some(&2), "{r:?}");
    assert_eq!(r.outcomes.get("staff_task"), Some(&1), "{r:?}");

    let texts = s.sent_to("+12125550101").await;
    assert_eq!(texts.len(), 1, "{texts:?}");
    let body = texts[0]["body"].as_str().unwrap();
    assert!(body.contains("we missed you yesterday"), "{body}");
    assert!(body.contains("Reply R to rebook"), "{body}");
    assert!(!body.contains("root canal"), "{body}");
    assert!(s.sent_to("ns-sms@example.com").await.is_empty());

    let emails = s.sent_to("ns-email@example.com").await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(emails[0]["body"].as_str().unwrap().contains("Reply R"));
    assert!(
        s.sent_to("+12125550102").await.is_empty(),
        "never a text to an email patient"
    );

    assert!(s.sent_to("+12125550103").await.is_empty());
    let call = s
        .open_tasks(next_morning())
        .await
        .into_iter()
        .find(|t| t["kind"] == json!("call_patient"))
        .expect("a call task for the voice patient");
    assert!(call["script"]
        .as_str()
        .unwrap()
        .contains("We missed you yesterday"));

    for (id, _, _, _, _) in patients {
        let last = s.timeline(id).await.pop().unwrap();
        assert_eq!(last.purpose, Purpose::NoShowFollowUp);
    }
    // And exactly once.
    let r = run(&d, next_morning() + Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(r.claimed, 0, "{r:?}");
}

#[tokio::test]
async fn a_late_check_in_closes_the_wellbeing_task_and_nothing_follows() {
    let s = practice().await;
    let d = deps(&s);
    s.put_patient(
        booked(),
        "late",
        patient_body("+12125550111", "late@example.com", "sms", false),
    )
    .await;
    s.put_appointment(booked(), "a-late", "late", START, "cleaning")
        .await;
    run(&d, start() + Duration::minutes(1)).await.unwrap();
    assert_eq!(s.open_tasks(start() + Duration::minutes(2)).await.len(), 1);

    // They arrive twenty minutes late.
    let arrived = start() + Duration::minutes(20);
    let a = s.act(arrived, "a-late", "check-in").await;
    assert_eq!(a["status"], json!("checked_in"));
    assert!(
        s.open_tasks(arrived).await.is_empty(),
        "the wellbeing task is resolved"
    );

    let r = run(&d, next_morning()).await.unwrap();
    assert_eq!(
        r.claimed, 0,
        "the follow-up was removed with the re-plan: {r:?}"
    );
    assert!(s.sent_to("+12125550111").await.is_empty());
}

#[tokio::test]
async fn overlapping_sweeps_make_one_task() {
    let s = practice().await;
    let d = deps(&s);
    s.put_patient(
        booked(),
        "twice",
        patient_body("+12125550121", "twice@example.com", "sms", false),
    )
    .await;
    s.put_appointment(booked(), "a-twice", "twice", START, "cleaning")
        .await;
    let now = start() + Duration::minutes(1);
    let (a, b, c) = tokio::join!(run(&d, now), run(&d, now), run(&d, now));
    let reports = [a.unwrap(), b.unwrap(), c.unwrap()];
    assert_eq!(
        reports.iter().map(|r| r.claimed).sum::<usize>(),
        1,
        "{reports:?}"
    );
    let tasks = s.open_tasks(now).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(s.patient(now, "twice").await["no_show_count"], json!(1));
    assert_eq!(s.timeline("twice").await.len(), 1);
}

#[tokio::test]
async fn a_rescheduled_patient_gets_no_follow_up() {
    let s = practice().await;
    let d = deps(&s);
    // One patient books a new appointment; the other's missed one is moved.
    s.put_patient(
        booked(),
        "rebook",
        patient_body("+12125550131", "rebook@example.com", "sms", false),
    )
    .await;
    s.put_patient(
        booked(),
        "moved",
        patient_body("+12125550132", "moved@example.com", "sms", false),
    )
    .await;
    s.put_appointment(booked(), "a-rebook", "rebook", START, "cleaning")
        .await;
    s.put_appointment(booked(), "a-moved", "moved", START, "cleaning")
        .await;
    run(&d, start() + Duration::minutes(1)).await.unwrap();

    let afternoon = start() + Duration::hours(2);
    s.put_appointment(
        afternoon,
        "a-rebook-2",
        "rebook",
        "2026-03-17T10:00:00-04:00",
        "cleaning",
    )
    .await;
    let moved = s
        .put_appointment(
            afternoon,
            "a-moved",
            "moved",
            "2026-03-18T10:00:00-04:00",
            "cleaning",
        )
        .await;
    assert_eq!(moved["status"], json!("scheduled"));

    let r = run(&d, next_morning()).await.unwrap();
    assert!(r.failures.is_empty(), "{r:?}");
    assert_eq!(r.outcomes.get("suppressed_rebooked"), Some(&1), "{r:?}");
    assert!(s.sent_to("+12125550131").await.is_empty());
    assert!(s.sent_to("+12125550132").await.is_empty());
    let last = s.timeline("rebook").await.pop().unwrap();
    assert!(
        matches!(&last.decision, Decision::Suppressed { reason } if reason.contains("another appointment")),
        "{last:?}"
    );
}

#[tokio::test]
async fn staff_who_reached_the_patient_stop_the_follow_up() {
    let s = practice().await;
    let d = deps(&s);
    s.put_patient(
        booked(),
        "reached",
        patient_body("+12125550141", "reached@example.com", "sms", false),
    )
    .await;
    s.put_appointment(booked(), "a-reached", "reached", START, "cleaning")
        .await;
    run(&d, start() + Duration::minutes(1)).await.unwrap();
    let later = start() + Duration::hours(1);
    let tasks = s.open_tasks(later).await;
    let task_id = wellbeing_task_for(&tasks, "a-reached")["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = s
        .api(
            later,
            "POST",
            &format!("/v1/tasks/{task_id}/resolve"),
            Some(json!({"resolution": "reached"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let r = run(&d, next_morning()).await.unwrap();
    assert_eq!(r.outcomes.get("suppressed_reached"), Some(&1), "{r:?}");
    assert!(s.sent_to("+12125550141").await.is_empty());
}
