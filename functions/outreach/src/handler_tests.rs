//! The broadcasts job over the in-memory store and recording senders: round trips per
//! page and per recipient (as the DynamoDB adapter counts them), overlapping runs, pacing.

use chrono::Duration;
use frontdesk::domain::{
    Audience, Broadcast, Channel, ConsentSource, DueWork, MessageKind, Patient,
};
use frontdesk::ports::{Expect, Key, Store, Write};
use testkit::fixtures;
use testkit::utc;

use crate::broadcasts::{self, expand};

use crate::test_world::{world, World};

fn now() -> chrono::DateTime<chrono::Utc> {
    utc("2026-03-02T15:00:00Z")
}

fn patient(i: usize, channel: Channel) -> Patient {
    let mut p = fixtures::patient("smile", &format!("p{i:03}"), channel);
    p.phone = Some(fixtures::phone(&format!("+1212555{:04}", 1000 + i)));
    p.consents.set(
        channel,
        MessageKind::Marketing,
        true,
        ConsentSource::PatientForm,
        now(),
    );
    p
}

/// The practice, `n` patients (every third prefers a call), and a marketing broadcast to
/// all of them at `now()`.
async fn seed(w: &World, n: usize) -> Broadcast {
    let practice = fixtures::practice("smile", |_| {});
    let mut writes = vec![Write::Practice {
        practice: Box::new(practice.clone()),
        expect_absent: false,
    }];
    for i in 0..n {
        let channel = if i % 3 == 2 {
            Channel::Voice
        } else {
            Channel::Sms
        };
        writes.push(Write::Patient {
            patient: Box::new(patient(i, channel)),
            expect: Expect::Any,
            previous_phone: None,
        });
    }
    for chunk in writes.chunks(50) {
        w.store.write(chunk.to_vec()).await.unwrap();
    }
    let b = Broadcast::new(
        practice.practice_id.clone(),
        Audience::AllActive,
        MessageKind::Marketing,
        "Hi {{ first_name }}, we now open on Saturdays.".into(),
        None,
        now(),
        now(),
    )
    .unwrap();
    w.store
        .write(vec![
            Write::Broadcast {
                broadcast: Box::new(b.clone()),
                expect: Expect::Absent,
            },
            Write::Due(Box::new(DueWork::broadcast_expand(
                b.practice_id.clone(),
                &b.broadcast_id,
                now(),
            ))),
        ])
        .await
        .unwrap();
    b
}

#[tokio::test]
async fn an_expansion_page_costs_three_round_trips_and_four_with_callers_after_the_first() {
    let w = world();
    let b = seed(&w, 90).await;
    let due = DueWork::broadcast_expand(b.practice_id.clone(), &b.broadcast_id, now());
    let claimed = w
        .store
        .claim_due(&due, now() + Duration::minutes(10))
        .await
        .unwrap()
        .unwrap();
    let practice = fixtures::practice("smile", |_| {});
    w.store.reset_requests();
    let h = expand::expand(w.store.as_ref(), &claimed, &practice, now())
        .await
        .unwrap();
    assert_eq!(h.label(), "broadcast_expanded");
    // Page 1: broadcast (R1), patients (Query), write. Page 2: the same plus the call
    // list's task (R1), which page 1 created.
    assert_eq!(w.store.requests(), 3 + 4);
    let got = w
        .store
        .get_many(&b.practice_id, &[Key::Broadcast(b.broadcast_id.clone())])
        .await
        .unwrap();
    let after = got.broadcast(&b.broadcast_id).unwrap();
    assert_eq!((after.expanded, after.call_list), (90, 30));
    let tasks = w.store.all_tasks(&b.practice_id);
    assert_eq!(tasks.len(), 1, "one call list");
    assert!(
        tasks[0].detail.contains("30 patients prefer a phone call"),
        "{}",
        tasks[0].detail
    );
    assert_eq!(tasks[0].detail.matches("\n- ").count(), 30);
}

#[tokio::test]
async fn a_recipient_costs_two_round_trips_and_overlapping_runs_send_each_once() {
    let w = world();
    let b = seed(&w, 120).await;
    broadcasts::run(&w.deps, now()).await.unwrap(); // expansion
    let pid = &b.practice_id;
    // The run streams its pages, so it may already have sent some of the first minute's
    // recipients that the expansion wrote: every texted patient is either sent or due.
    assert_eq!(
        w.store.all_due(pid).len() + w.sms.sent().len(),
        80,
        "one send item per texted patient"
    );
    // Two runs at once, twice, then the rest of the pace.
    for minute in [1, 1, 2] {
        let at = now() + Duration::minutes(minute);
        let (x, y) = tokio::join!(broadcasts::run(&w.deps, at), broadcasts::run(&w.deps, at));
        x.unwrap();
        y.unwrap();
    }
    let mut to: Vec<String> = w.sms.sent().iter().map(|s| s.to.to_string()).collect();
    let n = to.len();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), n, "nobody texted twice");
    assert_eq!(n, 80);
    // Round trips of one recipient: claim, write; the broadcast read is shared by the run.
    let w2 = world();
    let b2 = seed(&w2, 1).await;
    broadcasts::run(&w2.deps, now()).await.unwrap();
    // The expanding run streams its shards, so it sends the recipient itself when the
    // recipient's shard is read after the expansion wrote it: then there is nothing to count.
    let already = w2.sms.sent().len();
    w2.store.reset_requests();
    let r = broadcasts::run(&w2.deps, now() + Duration::minutes(1))
        .await
        .unwrap();
    let sent = r.outcomes.get("broadcast_sent").copied().unwrap_or(0);
    assert_eq!(already + sent, 1, "sent once: {r:?}");
    if already == 1 {
        return;
    }
    // R9 cursor + one due page per shard read (and the unsharded bucket) + R8 batch + the
    // claim with the patient's lease + R1 broadcast + the transaction + the page's lease
    // release (the cursor did not move: no cursor write).
    assert_eq!(
        w2.store.requests(),
        1 + r.pages + 1 + 1 + 1 + 1 + 1,
        "{r:?}"
    );
    let _ = b2;
}

#[tokio::test]
async fn one_run_sends_at_most_the_pace_per_practice() {
    let w = world();
    seed(&w, 200).await;
    broadcasts::run(&w.deps, now()).await.unwrap();
    // The expanding run may send some of the first minute's recipients, within the pace.
    let first = w.sms.sent().len() as u32;
    assert!(first <= crate::pace::PER_MINUTE, "{first}");
    // Late: everything is due at once; one run still sends at most the pace.
    broadcasts::run(&w.deps, now() + Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(w.sms.sent().len() as u32 - first, crate::pace::PER_MINUTE);
}
