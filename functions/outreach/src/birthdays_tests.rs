//! The birthdays job over the in-memory store and recording senders: the pure step, one
//! greeting under overlapping runs, a replanned item after the send, the call rule.

use chrono::{DateTime, NaiveDate, Utc};
use frontdesk::domain::{Channel, ConsentSource, MessageKind, Patient, Practice};
use frontdesk::ports::{Expect, Store, Write};
use testkit::{fixtures, utc};

use super::*;

use crate::test_world::{world, World};

/// 10:00 in New York on 15 June 2026 (EDT).
fn greeting() -> DateTime<Utc> {
    utc("2026-06-15T14:00:00Z")
}

fn practice(on: bool, calls: bool) -> Practice {
    fixtures::practice("smile", |s| {
        s.birthday_greetings = on;
        s.birthday_call_tasks = calls;
        s.birthday_offer = Some("10% off whitening this month.".into());
    })
}

fn patient(channel: Channel) -> Patient {
    let mut p = fixtures::patient("smile", "p1", channel);
    p.birth_date = NaiveDate::from_ymd_opt(1990, 6, 15);
    p.consents.set(
        channel,
        MessageKind::Marketing,
        true,
        ConsentSource::PatientForm,
        utc("2026-01-01T00:00:00Z"),
    );
    p
}

/// The practice and the patient stored, with the item a patient write plans.
async fn seed(w: &World, practice: &Practice, p: &Patient, at: DateTime<Utc>) {
    let mut writes = vec![
        Write::Practice {
            practice: Box::new(practice.clone()),
            expect_absent: false,
        },
        Write::Patient {
            patient: Box::new(p.clone()),
            expect: Expect::Any,
            previous_phone: None,
        },
    ];
    writes.extend(frontdesk::birthdays::plan(p, None, &practice.settings, at));
    w.store.write(writes).await.unwrap();
}

#[test]
fn the_step_follows_the_setting_the_channel_and_quiet_hours() {
    let on = practice(true, false).settings;
    let sms = patient(Channel::Sms);
    assert_eq!(step(&on, &sms, greeting(), greeting()), Step::Greet);
    let off = practice(false, false).settings;
    assert_eq!(
        step(&off, &sms, greeting(), greeting()),
        Step::Skip("birthday_off")
    );
    let voice = patient(Channel::Voice);
    assert_eq!(
        step(&on, &voice, greeting(), greeting()),
        Step::Skip("birthday_no_call")
    );
    let calls = practice(true, true).settings;
    assert_eq!(step(&calls, &voice, greeting(), greeting()), Step::Greet);
    // Released into quiet hours (a run late at night on the birthday): deferred to the
    // morning is after the birthday, so the delivery path suppresses it (Greet), never sends.
    let late = utc("2026-06-16T03:00:00Z"); // 23:00 in New York
    assert_eq!(step(&on, &sms, greeting(), late), Step::Greet);
    let text = content(&on, &sms);
    assert!(text.sms.contains("10% off whitening") && text.sms.ends_with("Reply STOP to opt out."));
}

#[tokio::test]
async fn overlapping_runs_greet_once_and_plan_next_year() {
    let w = world();
    let pr = practice(true, false);
    let p = patient(Channel::Sms);
    seed(&w, &pr, &p, utc("2026-06-01T12:00:00Z")).await;
    let due = w.store.all_due(&pr.practice_id);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].due_at, greeting());
    let (a, b) = tokio::join!(run(&w.deps, greeting()), run(&w.deps, greeting()));
    a.unwrap();
    b.unwrap();
    run(&w.deps, greeting()).await.unwrap();
    assert_eq!(w.sms.sent().len(), 1, "greeted once");
    assert!(w.sms.sent()[0].body.contains("Happy birthday, "));
    let due = w.store.all_due(&pr.practice_id);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].due_at, utc("2027-06-15T14:00:00Z"), "next year's");
}

#[tokio::test]
async fn a_patient_write_later_on_the_birthday_does_not_greet_twice() {
    let w = world();
    let pr = practice(true, false);
    let p = patient(Channel::Sms);
    seed(&w, &pr, &p, utc("2026-06-01T12:00:00Z")).await;
    run(&w.deps, greeting()).await.unwrap();
    assert_eq!(w.sms.sent().len(), 1);
    // The PMS syncs the patient at 15:00: the write plans today's greeting again, due now.
    let afternoon = utc("2026-06-15T19:00:00Z");
    seed(&w, &pr, &p, afternoon).await;
    assert_eq!(w.store.all_due(&pr.practice_id)[0].due_at, afternoon);
    let r = run(&w.deps, afternoon).await.unwrap();
    assert_eq!(r.outcomes.get("birthday_already_sent"), Some(&1), "{r:?}");
    assert_eq!(w.sms.sent().len(), 1, "still once");
    assert_eq!(
        w.store.all_due(&pr.practice_id)[0].due_at,
        utc("2027-06-15T14:00:00Z")
    );
}

#[tokio::test]
async fn a_caller_gets_no_task_unless_the_practice_wants_one() {
    let w = world();
    let pr = practice(true, false);
    let p = patient(Channel::Voice);
    seed(&w, &pr, &p, utc("2026-06-01T12:00:00Z")).await;
    let r = run(&w.deps, greeting()).await.unwrap();
    assert_eq!(r.outcomes.get("birthday_no_call"), Some(&1), "{r:?}");
    assert!(w.store.all_tasks(&pr.practice_id).is_empty());

    let w = world();
    let pr = practice(true, true);
    seed(&w, &pr, &p, utc("2026-06-01T12:00:00Z")).await;
    let r = run(&w.deps, greeting()).await.unwrap();
    assert_eq!(r.outcomes.get("birthday_staff_task"), Some(&1), "{r:?}");
    let tasks = w.store.all_tasks(&pr.practice_id);
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].priority, frontdesk::domain::Priority::Low);
}
