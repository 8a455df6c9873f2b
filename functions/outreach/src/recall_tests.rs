//! The recall job over the in-memory store and recording senders: a whole series (at most
//! 3, six weeks apart, from four weeks before), a booked patient skipped, booking stopping
//! the series, overlapping runs.

use chrono::{DateTime, NaiveDate, Utc};
use frontdesk::domain::{Channel, Patient, Practice};
use frontdesk::ports::{Expect, Store, Write};
use testkit::{fixtures, utc};

use super::*;

use crate::test_world::{world, World};

fn practice() -> Practice {
    fixtures::practice("smile", |_| {})
}

/// Due on Monday 1 June 2026: the first invitation on 4 May, 10:00 in New York (EDT).
fn patient() -> Patient {
    let mut p = fixtures::patient("smile", "p1", Channel::Sms);
    p.recall_due = NaiveDate::from_ymd_opt(2026, 6, 1);
    p
}

async fn seed(w: &World, pr: &Practice, p: &Patient, at: DateTime<Utc>) {
    let mut writes = vec![
        Write::Practice {
            practice: Box::new(pr.clone()),
            expect_absent: false,
        },
        Write::Patient {
            patient: Box::new(p.clone()),
            expect: Expect::Any,
            previous_phone: None,
        },
    ];
    writes.extend(frontdesk::recall::plan(p, None, &pr.settings, at));
    w.store.write(writes).await.unwrap();
}

const FIRST: &str = "2026-05-04T14:00:00Z";
const SECOND: &str = "2026-06-15T14:00:00Z";
const THIRD: &str = "2026-07-27T14:00:00Z";

#[tokio::test]
async fn a_series_is_three_invitations_six_weeks_apart_from_four_weeks_before() {
    let w = world();
    let pr = practice();
    seed(&w, &pr, &patient(), utc("2026-01-10T12:00:00Z")).await;
    let due = w.store.all_due(&pr.practice_id);
    assert_eq!(due[0].due_at, utc(FIRST));
    for (i, at) in [FIRST, SECOND, THIRD].into_iter().enumerate() {
        // A minute early: nothing; on time, twice at once: one invitation.
        run(&w.deps, utc(at) - chrono::Duration::minutes(1))
            .await
            .unwrap();
        assert_eq!(w.sms.sent().len(), i, "not before {at}");
        let (a, b) = tokio::join!(run(&w.deps, utc(at)), run(&w.deps, utc(at)));
        a.unwrap();
        b.unwrap();
        assert_eq!(w.sms.sent().len(), i + 1, "one at {at}");
    }
    assert!(w.store.all_due(&pr.practice_id).is_empty(), "at most 3");
    assert!(w.sms.sent()[0].body.contains("time for your checkup"));
}

#[tokio::test]
async fn a_patient_with_a_future_appointment_is_not_invited() {
    let w = world();
    let pr = practice();
    let p = patient();
    seed(&w, &pr, &p, utc("2026-01-10T12:00:00Z")).await;
    let visit = fixtures::appointment("ap1", &p, "2026-05-20T14:00:00Z");
    w.store
        .write(vec![Write::Appointment {
            appointment: Box::new(visit),
            expect: Expect::Any,
        }])
        .await
        .unwrap();
    let r = run(&w.deps, utc(FIRST)).await.unwrap();
    assert_eq!(r.outcomes.get("recall_booked"), Some(&1), "{r:?}");
    assert!(w.sms.sent().is_empty());
    assert!(
        w.store.all_due(&pr.practice_id).is_empty(),
        "the series ends"
    );
}

#[tokio::test]
async fn booking_after_the_first_invitation_stops_the_series() {
    let w = world();
    let pr = practice();
    let p = patient();
    seed(&w, &pr, &p, utc("2026-01-10T12:00:00Z")).await;
    run(&w.deps, utc(FIRST)).await.unwrap();
    assert_eq!(w.sms.sent().len(), 1);
    let visit = fixtures::appointment("ap1", &p, "2026-06-20T14:00:00Z");
    w.store
        .write(vec![Write::Appointment {
            appointment: Box::new(visit),
            expect: Expect::Any,
        }])
        .await
        .unwrap();
    let r = run(&w.deps, utc(SECOND)).await.unwrap();
    assert_eq!(r.outcomes.get("recall_booked"), Some(&1), "{r:?}");
    run(&w.deps, utc(THIRD)).await.unwrap();
    assert_eq!(w.sms.sent().len(), 1, "no more after booking");
}

#[test]
fn the_step_ends_a_replaced_or_finished_series() {
    let s = practice().settings;
    let p = patient();
    let due = p.recall_due.unwrap();
    let at = utc(FIRST);
    assert_eq!(step(&s, &p, due, 0, false, at), Step::Invite);
    assert_eq!(
        step(&s, &p, due.succ_opt().unwrap(), 0, false, at),
        Step::End("recall_replaced")
    );
    assert_eq!(
        step(&s, &p, due, 3, false, at),
        Step::End("recall_series_over")
    );
    assert_eq!(step(&s, &p, due, 0, true, at), Step::End("recall_booked"));
}
