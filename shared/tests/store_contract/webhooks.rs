//! Webhook subscriptions and the outbox: created once, listed per practice, rewritten only
//! while they exist; outbox items due across practices by shard, claimed by version (a
//! stale claim conflicts), out of the index once finished, deleted only at their version.

use chrono::Duration;
use frontdesk::domain::PracticeId;
use frontdesk::ports::Write;
use frontdesk::webhooks::{EventType, OutboxEvent, WebhookEndpoint};
use frontdesk::Error;

use crate::fixtures::*;
use crate::ContractStore;

fn endpoint(p: &PracticeId) -> WebhookEndpoint {
    WebhookEndpoint::new(
        p.clone(),
        "https://pms.example/h",
        vec![EventType::TaskCreated],
        false,
        at(9, 0),
    )
    .unwrap()
}

pub async fn webhook_endpoints_are_created_once_listed_per_practice_and_removed<
    S: ContractStore,
>(
    store: S,
) {
    let a = PracticeId::generate();
    let b = PracticeId::generate();
    let mine = endpoint(&a);
    let theirs = endpoint(&b);
    for e in [&mine, &theirs] {
        store
            .write(vec![Write::WebhookEndpoint {
                endpoint: Box::new(e.clone()),
                create: true,
            }])
            .await
            .unwrap();
    }
    let again = store
        .write(vec![Write::WebhookEndpoint {
            endpoint: Box::new(mine.clone()),
            create: true,
        }])
        .await;
    assert!(matches!(again, Err(Error::Conflict)));
    store.reset_requests();
    assert_eq!(
        store.webhook_endpoints(&a).await.unwrap(),
        vec![mine.clone()]
    );
    assert_eq!(store.requests(), 1, "one Query");
    store
        .write(vec![Write::RemoveWebhookEndpoint {
            practice_id: a.clone(),
            webhook_id: mine.webhook_id.clone(),
        }])
        .await
        .unwrap();
    assert!(store.webhook_endpoints(&a).await.unwrap().is_empty());
    // A rewrite (the job recording a failure) does not bring a deleted one back.
    let rewrite = store
        .write(vec![Write::WebhookEndpoint {
            endpoint: Box::new(mine),
            create: false,
        }])
        .await;
    assert!(matches!(rewrite, Err(Error::Conflict)));
    assert_eq!(store.webhook_endpoints(&b).await.unwrap(), vec![theirs]);
}

pub async fn outbox_items_are_due_across_practices_claimed_by_version_and_finished<
    S: ContractStore,
>(
    store: S,
) {
    let practices: Vec<PracticeId> = (0..6).map(|_| PracticeId::generate()).collect();
    let mut events = Vec::new();
    for (i, p) in practices.iter().enumerate() {
        let e = OutboxEvent::new(
            p.clone(),
            EventType::TaskCreated,
            &format!("t{i}"),
            at(9, i as u32),
            serde_json::json!({"task_id": format!("t{i}")}),
        );
        store
            .write(vec![Write::WebhookEvent {
                event: Box::new(e.clone()),
                expect_version: None,
            }])
            .await
            .unwrap();
        events.push(e);
    }
    store.reset_requests();
    let due = store.webhook_events_due(at(9, 3), 100).await.unwrap();
    assert_eq!(store.requests(), 4, "one Query per shard");
    let ids: Vec<&str> = due.iter().map(|e| e.event_id.as_str()).collect();
    let want: Vec<&str> = events[..4].iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids, want, "due at or before, oldest first");
    assert_eq!(due[0], events[0], "stored as written");

    // Claim: version 0 -> 1, leased for later.
    let mut claimed = events[0].clone();
    claimed.version = 1;
    claimed.next_at = at(11, 0);
    let claim = |e: &OutboxEvent, v: u64| Write::WebhookEvent {
        event: Box::new(e.clone()),
        expect_version: Some(v),
    };
    store.write(vec![claim(&claimed, 0)]).await.unwrap();
    assert!(matches!(
        store.write(vec![claim(&claimed, 0)]).await,
        Err(Error::Conflict)
    ));
    let due = store.webhook_events_due(at(10, 0), 100).await.unwrap();
    assert!(due.iter().all(|e| e.event_id != claimed.event_id), "leased");
    let due = store.webhook_events_due(at(11, 0), 100).await.unwrap();
    assert_eq!(
        due.iter()
            .filter(|e| e.event_id == claimed.event_id)
            .count(),
        1
    );

    // Finished items leave the index; delete only at the version seen.
    let mut done = claimed.clone();
    done.version = 2;
    done.fanned_out = true;
    store.write(vec![claim(&done, 1)]).await.unwrap();
    let due = store
        .webhook_events_due(at(11, 0) + Duration::days(1), 100)
        .await
        .unwrap();
    assert!(
        due.iter().all(|e| e.event_id != done.event_id),
        "finished: not due"
    );
    let stale = Write::DoneWebhookEvent {
        practice_id: done.practice_id.clone(),
        event_id: done.event_id.clone(),
        version: 1,
    };
    assert!(matches!(
        store.write(vec![stale]).await,
        Err(Error::Conflict)
    ));
    store
        .write(vec![Write::DoneWebhookEvent {
            practice_id: done.practice_id.clone(),
            event_id: done.event_id.clone(),
            version: 2,
        }])
        .await
        .unwrap();
    // At most `limit` per shard.
    let capped = store.webhook_events_due(at(12, 0), 1).await.unwrap();
    assert!(capped.len() <= 4 && !capped.is_empty());
}
