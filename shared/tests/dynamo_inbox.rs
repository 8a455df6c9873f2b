//! The staff inbox items against moto, through the real SDK client: inbox entries (R10),
//! unknown senders' thread items (R11, the upsert without a read and the conditional
//! rewrite) and their messages (R12). The in-memory store must agree on each.

use chrono::{DateTime, Duration, TimeZone, Utc};
use frontdesk::domain::{
    Channel, Decision, Direction, Message, PatientId, PhoneNumber, PracticeId, Purpose, ThreadId,
    Waiting,
};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::{Store, Write};
use frontdesk::Error;
use local_stack::Moto;

async fn dynamo() -> DynamoStore {
    let moto = Moto::shared().await.expect("moto starts");
    let table = moto.fresh_table().await.expect("table is created");
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&moto.sdk_config()), table)
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, h, m, 0).unwrap()
}

fn practice(id: &str) -> PracticeId {
    PracticeId::parse(id).unwrap()
}

fn number() -> PhoneNumber {
    PhoneNumber::parse_e164("+12125550177").unwrap()
}

fn stranger_text(p: &PracticeId, when: DateTime<Utc>) -> Message {
    Message::new(
        p.clone(),
        when,
        Channel::Sms,
        Direction::Inbound,
        Purpose::PatientMessage,
        "Is this the dentist?",
        Decision::Received,
    )
    .from_unknown(&number())
}

fn stranger_texted(p: &PracticeId, when: DateTime<Utc>, waiting: bool) -> Vec<Write> {
    let mut w = vec![
        Write::Message(Box::new(stranger_text(p, when))),
        Write::UnknownInbound {
            practice_id: p.clone(),
            number: number(),
            at: when,
            waiting,
            opted_out: None,
        },
    ];
    if waiting {
        w.push(Write::Waiting(Box::new(Waiting::unknown(
            p,
            &number(),
            when,
        ))));
    }
    w
}

/// The same story on any store: what each step returns.
async fn inbox_story(store: &dyn Store) {
    let a = practice("prc_a");
    let b = practice("prc_b");
    let pt = PatientId::parse("pt-1").unwrap();
    store
        .write(vec![Write::Waiting(Box::new(Waiting::patient(
            &a,
            &pt,
            at(10, 0),
            Channel::Sms,
        )))])
        .await
        .unwrap();
    store
        .write(stranger_texted(&a, at(9, 0), true))
        .await
        .unwrap();
    store
        .write(stranger_texted(&a, at(11, 0), true))
        .await
        .unwrap();
    store
        .write(stranger_texted(&a, at(11, 30), false))
        .await
        .unwrap();

    // R10: oldest first, paged, only the practice's own.
    let first = store.waiting(&a, None, 2).await.unwrap();
    let thread = ThreadId::unknown(&a, &number());
    assert_eq!(
        first
            .items
            .iter()
            .map(|w| (w.thread_id.clone(), w.since))
            .collect::<Vec<_>>(),
        vec![
            (thread.clone(), at(9, 0)),
            (ThreadId::patient(&pt), at(10, 0))
        ]
    );
    let cursor = first.next.expect("a third entry follows");
    let rest = store.waiting(&a, Some(&cursor), 2).await.unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.next, None);
    assert!(store.waiting(&b, None, 10).await.unwrap().items.is_empty());

    // R11: the upserts made one item; an automatic answer added no inbox entry.
    let t = store.unknown_thread(&a, &thread).await.unwrap().unwrap();
    assert_eq!(t.number, number());
    assert_eq!(t.waits, vec![at(9, 0), at(11, 0)]);
    assert_eq!(t.last_inbound_at, Some(at(11, 30)));
    assert!(!t.opted_out);
    assert_eq!(store.unknown_thread(&b, &thread).await.unwrap(), None);
    assert_eq!(
        store
            .unknown_thread(&a, &ThreadId::patient(&pt))
            .await
            .unwrap(),
        None
    );

    // R12: the sender's messages, oldest first.
    let m = store
        .unknown_timeline(&a, &number(), None, 10)
        .await
        .unwrap();
    assert_eq!(
        m.items.iter().map(|m| m.at).collect::<Vec<_>>(),
        vec![at(9, 0), at(11, 0), at(11, 30)]
    );
    assert!(store
        .unknown_timeline(&b, &number(), None, 10)
        .await
        .unwrap()
        .items
        .is_empty());

    // A staff reply: clear the entries, only while the thread is as read.
    let mut answered = t.clone();
    answered.waits.clear();
    let reply = |seen| {
        let mut w: Vec<Write> = t
            .waits
            .iter()
            .map(|since| Write::RemoveWaiting {
                practice_id: a.clone(),
                thread_id: thread.clone(),
                since: *since,
            })
            .collect();
        w.push(Write::UnknownThread {
            thread: Box::new(answered.clone()),
            seen_waits: seen,
        });
        w
    };
    assert!(matches!(store.write(reply(1)).await, Err(Error::Conflict)));
    assert_eq!(store.waiting(&a, None, 10).await.unwrap().items.len(), 3);
    store.write(reply(2)).await.unwrap();
    let left = store.waiting(&a, None, 10).await.unwrap();
    assert_eq!(left.items.len(), 1);
    assert_eq!(left.items[0].thread_id, ThreadId::patient(&pt));
    let t = store.unknown_thread(&a, &thread).await.unwrap().unwrap();
    assert!(t.waits.is_empty());

    // An opt-out word is recorded on the thread.
    store
        .write(vec![Write::UnknownInbound {
            practice_id: a.clone(),
            number: number(),
            at: at(12, 0) + Duration::seconds(1),
            waiting: false,
            opted_out: Some(true),
        }])
        .await
        .unwrap();
    assert!(
        store
            .unknown_thread(&a, &thread)
            .await
            .unwrap()
            .unwrap()
            .opted_out
    );
}

#[tokio::test]
async fn inbox_entries_and_unknown_sender_threads_round_trip_on_dynamodb() {
    let store = dynamo().await;
    inbox_story(&store).await;
}

#[tokio::test]
async fn an_inbox_cursor_of_another_practice_or_listing_is_rejected() {
    let store = dynamo().await;
    let a = practice("prc_a");
    for h in 1..4 {
        store
            .write(stranger_texted(&a, at(h, 0), true))
            .await
            .unwrap();
    }
    let cursor = store.waiting(&a, None, 1).await.unwrap().next.unwrap();
    assert_eq!(
        store
            .waiting(&a, Some(&cursor), 5)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    let timeline_cursor = store
        .unknown_timeline(&a, &number(), None, 1)
        .await
        .unwrap()
        .next
        .unwrap();
    for (p, c) in [
        (practice("prc_b"), cursor.as_str()),
        (a.clone(), timeline_cursor.as_str()),
    ] {
        assert!(matches!(
            store.waiting(&p, Some(c), 10).await,
            Err(Error::Invalid {
                field: "cursor",
                ..
            })
        ));
    }
}

/// Runs with `--features testing` (as `cargo test --workspace` unifies it).
#[cfg(feature = "testing")]
#[tokio::test]
async fn the_memory_store_keeps_the_inbox_like_dynamodb() {
    inbox_story(&frontdesk::testing::MemoryStore::new()).await;
}

#[tokio::test]
async fn inbox_reads_are_one_round_trip_each() {
    let store = dynamo().await;
    let a = practice("prc_a");
    store
        .write(stranger_texted(&a, at(9, 0), true))
        .await
        .unwrap();
    let before = store.requests();
    store.waiting(&a, None, 50).await.unwrap();
    let thread = ThreadId::unknown(&a, &number());
    store.unknown_thread(&a, &thread).await.unwrap();
    store
        .unknown_timeline(&a, &number(), None, 50)
        .await
        .unwrap();
    assert_eq!(store.requests() - before, 3);
}

#[tokio::test]
async fn deferred_replies_come_due_across_practices_and_are_taken_once() {
    let store = dynamo().await;
    let reply = |p: &PracticeId, until: DateTime<Utc>| {
        let mut m = stranger_text(p, at(3, 0));
        m.direction = Direction::Outbound;
        m.purpose = Purpose::StaffReply;
        m.decision = Decision::Deferred { until };
        m
    };
    let early = reply(&practice("prc_a"), at(8, 0));
    let other = reply(&practice("prc_b"), at(8, 0) + Duration::minutes(1));
    let late = reply(&practice("prc_a"), at(9, 0));
    for m in [&early, &other, &late] {
        store
            .write(vec![Write::DeferReply(Box::new(m.clone()))])
            .await
            .unwrap();
    }
    let due = store.deferred_replies(at(8, 30)).await.unwrap();
    assert_eq!(
        due,
        vec![early.clone(), other.clone()],
        "oldest first, up to now"
    );
    let done = |m: &Message| Write::DoneDeferReply {
        practice_id: m.practice_id.clone(),
        message_id: m.message_id.clone(),
    };
    store.write(vec![done(&early)]).await.unwrap();
    assert!(matches!(
        store.write(vec![done(&early)]).await,
        Err(Error::Conflict)
    ));
    assert_eq!(
        store.deferred_replies(at(8, 30)).await.unwrap(),
        vec![other]
    );
    let not_deferred = stranger_text(&practice("prc_a"), at(3, 0));
    assert!(matches!(
        store
            .write(vec![Write::DeferReply(Box::new(not_deferred))])
            .await,
        Err(Error::Storage(_))
    ));
}
