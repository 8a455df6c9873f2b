//! The delivery job on the in-memory store with a scripted transport. The same behaviour
//! against moto with a real HTTP receiver is in tests/tests/webhooks.rs.

use std::sync::Mutex;

use async_trait::async_trait;

use super::*;
use crate::domain::PracticeId;
use crate::policy::test_fixtures::utc;
use crate::testing::MemoryStore;
use crate::webhooks::EventType;

/// One request the transport saw: URL, headers, body.
type Sent = (String, Vec<(&'static str, String)>, String);

#[derive(Default)]
struct Scripted {
    /// Statuses to answer, in order; then 200.
    answers: Mutex<Vec<std::result::Result<u16, String>>>,
    seen: Mutex<Vec<Sent>>,
}

#[async_trait]
impl Transport for Scripted {
    async fn post(
        &self,
        url: &str,
        headers: Vec<(&'static str, String)>,
        body: String,
    ) -> std::result::Result<u16, String> {
        self.seen
            .lock()
            .unwrap()
            .push((url.to_string(), headers, body));
        let mut a = self.answers.lock().unwrap();
        if a.is_empty() {
            Ok(200)
        } else {
            a.remove(0)
        }
    }
}

fn t0() -> DateTime<Utc> {
    utc("2026-03-02T15:00:00Z")
}

async fn setup(events: &[EventType]) -> (MemoryStore, WebhookEndpoint) {
    let store = MemoryStore::new();
    let p = PracticeId::parse("prc_test").unwrap();
    let ep = WebhookEndpoint::new(
        p,
        "https://pms.example/hooks",
        events.to_vec(),
        false,
        t0() - Duration::hours(1),
    )
    .unwrap();
    store
        .write(vec![Write::WebhookEndpoint {
            endpoint: Box::new(ep.clone()),
            create: true,
        }])
        .await
        .unwrap();
    (store, ep)
}

fn event(resource: &str, at: DateTime<Utc>) -> OutboxEvent {
    OutboxEvent::new(
        PracticeId::parse("prc_test").unwrap(),
        EventType::TaskCreated,
        resource,
        at,
        serde_json::json!({ "task_id": resource }),
    )
}

async fn put(store: &MemoryStore, e: &OutboxEvent) {
    store
        .write(vec![Write::WebhookEvent {
            event: Box::new(e.clone()),
            expect_version: None,
        }])
        .await
        .unwrap();
}

#[tokio::test]
async fn an_event_goes_once_signed_and_leaves_the_outbox() {
    let (store, ep) = setup(&[EventType::TaskCreated]).await;
    let e = event("t1", t0());
    put(&store, &e).await;
    let http = Scripted::default();
    let r = deliver_due(&store, &http, &Run::at(t0())).await.unwrap();
    assert_eq!((r.due, r.delivered, r.retrying), (1, 1, 0));
    let seen = http.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (url, headers, body) = &seen[0];
    assert_eq!(url, "https://pms.example/hooks");
    let h = |n: &str| headers.iter().find(|(k, _)| *k == n).unwrap().1.clone();
    assert_eq!(h("webhook-id"), e.event_id);
    signature::verify(
        &ep.secret,
        &h("webhook-id"),
        &h("webhook-timestamp"),
        &h("webhook-signature"),
        body.as_bytes(),
        t0().timestamp(),
    )
    .unwrap();
    // Nothing left: a second run sends nothing.
    let r = deliver_due(&store, &http, &Run::at(t0() + Duration::hours(1)))
        .await
        .unwrap();
    assert_eq!(r.due, 0);
    assert_eq!(http.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_event_nobody_wants_is_dropped_without_a_send() {
    let (store, _) = setup(&[EventType::TaskResolved]).await;
    put(&store, &event("t1", t0())).await;
    let http = Scripted::default();
    let r = deliver_due(&store, &http, &Run::at(t0())).await.unwrap();
    assert_eq!((r.dropped, r.delivered), (1, 0));
    assert!(http.seen.lock().unwrap().is_empty());
    assert!(store
        .webhook_events_due(t0() + Duration::days(1), 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn failures_back_off_keep_order_and_then_succeed() {
    let (store, _) = setup(&[EventType::TaskCreated]).await;
    let first = event("t1", t0() - Duration::seconds(2));
    let second = event("t2", t0() - Duration::seconds(1));
    put(&store, &first).await;
    put(&store, &second).await;
    let http = Scripted::default();
    http.answers.lock().unwrap().push(Ok(503));
    let r = deliver_due(&store, &http, &Run::at(t0())).await.unwrap();
    // The first failed; the second waits behind it, unsent.
    assert_eq!((r.delivered, r.retrying), (0, 1));
    assert_eq!(http.seen.lock().unwrap().len(), 1);
    // Not due again before the backoff (at least 15 s).
    let r = deliver_due(&store, &http, &Run::at(t0() + Duration::seconds(10)))
        .await
        .unwrap();
    assert_eq!(r.due, 0);
    let r = deliver_due(&store, &http, &Run::at(t0() + Duration::seconds(31)))
        .await
        .unwrap();
    assert_eq!(r.delivered, 2);
    let bodies: Vec<String> = http
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.2.clone())
        .collect();
    assert!(
        bodies[1].contains("\"t1\"") && bodies[2].contains("\"t2\""),
        "in order: {bodies:?}"
    );
}

#[tokio::test]
async fn an_overlapping_run_finds_the_event_claimed() {
    let (store, _) = setup(&[EventType::TaskCreated]).await;
    put(&store, &event("t1", t0())).await;
    let seen = store.webhook_events_due(t0(), 10).await.unwrap();
    // Another run claims it first.
    let mut other = seen[0].clone();
    other.version += 1;
    other.next_at = t0() + LEASE;
    store
        .write(vec![Write::WebhookEvent {
            event: Box::new(other),
            expect_version: Some(seen[0].version),
        }])
        .await
        .unwrap();
    // A run that read before the claim cannot claim it.
    let stale = Write::WebhookEvent {
        event: Box::new(seen[0].clone()),
        expect_version: Some(seen[0].version),
    };
    assert!(matches!(
        store.write(vec![stale]).await,
        Err(Error::Conflict)
    ));
    // And a run now sees nothing due until the lease ends.
    let http = Scripted::default();
    let r = deliver_due(&store, &http, &Run::at(t0())).await.unwrap();
    assert_eq!(r.due, 0);
    let r = deliver_due(&store, &http, &Run::at(t0() + LEASE))
        .await
        .unwrap();
    assert_eq!(r.delivered, 1);
}

#[tokio::test]
async fn a_day_of_failures_disables_the_endpoint_and_tells_staff() {
    let (store, ep) = setup(&[EventType::TaskCreated]).await;
    put(&store, &event("t1", t0())).await;
    let http = Scripted::default();
    http.answers
        .lock()
        .unwrap()
        .extend((0..100).map(|_| Err("timeout".to_string())));
    let mut at = t0();
    let mut disabled = 0;
    for _ in 0..200 {
        let r = deliver_due(&store, &http, &Run::at(at)).await.unwrap();
        disabled += r.disabled;
        if disabled > 0 {
            break;
        }
        at += Duration::minutes(10);
    }
    assert_eq!(disabled, 1);
    assert!(at - t0() >= backoff::GIVE_UP_AFTER);
    let eps = store.webhook_endpoints(&ep.practice_id).await.unwrap();
    assert!(matches!(eps[0].state, EndpointState::Disabled { .. }));
    assert_eq!(eps[0].last_error.as_deref(), Some("timeout"));
    let tasks = store
        .open_tasks(&ep.practice_id, None, 10)
        .await
        .unwrap()
        .items;
    assert!(tasks
        .iter()
        .any(|t| t.title == "Webhook endpoint disabled" && t.detail.contains(&ep.webhook_id)));
    // Nothing more goes to a disabled endpoint: the next run (the staff task's own
    // task.created event is due) sends nothing and empties the outbox.
    let sent = http.seen.lock().unwrap().len();
    let r = deliver_due(&store, &http, &Run::at(at + Duration::hours(1)))
        .await
        .unwrap();
    assert_eq!((r.due, r.dropped, r.delivered), (1, 1, 0));
    assert_eq!(http.seen.lock().unwrap().len(), sent);
    assert!(store
        .webhook_events_due(at + Duration::days(1), 10)
        .await
        .unwrap()
        .is_empty());
}
