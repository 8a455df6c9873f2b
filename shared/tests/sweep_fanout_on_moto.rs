//! Fan-out end to end on moto: a coordinator enqueues a sweep's work units on a real SQS
//! queue, `sweep-worker`'s Lambda entry point handles them as the event source mapping
//! delivers them (batches of up to 10, `ReportBatchItemFailures`), over the DynamoDB
//! adapter: every due item settled once, the cursor moved, the queue empty; a worker
//! past its deadline continues on the queue; a bad unit is a batch item failure.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use chrono::{Duration, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{AppointmentId, DueKind, DueWork, PatientId, PracticeId, Sweep};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::{Store, Write};
use frontdesk::sqs::SqsQueue;
use frontdesk::sweep::fanout::{coordinate, UnitQueue};
use frontdesk::sweep::{Claimed, Deps, DueHandler, Governor, Handled, Job, SweepOptions, Workers};
use frontdesk::testing::{utc, RecordingEmail, RecordingSms};
use lambda_runtime::{Context, LambdaEvent};
use local_stack::Moto;

/// Each appointment's handlings, across the test's workers.
static SEEN: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);

struct Finish {
    store: Arc<dyn Store>,
}

impl Job for Finish {
    const SWEEP: Sweep = Sweep::NoShows;
    fn for_run(deps: &Deps) -> Self {
        Finish {
            store: deps.store.clone(),
        }
    }
}

#[async_trait]
impl DueHandler for Finish {
    async fn handle(&self, item: Claimed) -> frontdesk::Result<Handled> {
        let claimed = item.work;
        *SEEN
            .lock()
            .unwrap()
            .get_or_insert_with(HashMap::new)
            .entry(claimed.appointment_id.to_string())
            .or_default() += 1;
        self.store
            .write(vec![Write::DoneDue {
                claimed: Box::new(claimed),
            }])
            .await?;
        Ok(Handled::Done("done"))
    }
}

/// What the event source mapping does: receive a batch, invoke, delete all but the
/// reported failures. Returns the failures' ids.
async fn deliver(workers: &Workers, queue: &SqsQueue, deadline_ms: u64) -> Option<Vec<String>> {
    let got = queue.receive(10).await.unwrap();
    if got.is_empty() {
        return None;
    }
    let mut event = SqsEvent::default();
    event.records = got
        .iter()
        .map(|m| {
            let mut msg = SqsMessage::default();
            msg.message_id = Some(m.id.clone());
            msg.body = Some(m.body.clone());
            msg
        })
        .collect();
    let mut context = Context::default();
    context.deadline = deadline_ms;
    let out = workers
        .handle(LambdaEvent::new(event, context))
        .await
        .unwrap();
    let failed: Vec<String> = out
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    for m in got.iter().filter(|m| !failed.contains(&m.id)) {
        queue.delete(&m.receipt).await.unwrap();
    }
    Some(failed)
}

#[tokio::test]
async fn coordinator_to_sqs_to_worker_settles_every_item_once() {
    let moto = Moto::shared().await.expect("moto starts (make venv)");
    let sdk = moto.sdk_config();
    let table = moto.fresh_table().await.expect("a fresh table");
    let store: Arc<dyn Store> = Arc::new(DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        table.clone(),
    ));
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let url = sqs
        .create_queue()
        .queue_name(format!("sweep-work-{table}"))
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_string();
    let queue = Arc::new(SqsQueue::new(sqs, url));

    let practice = PracticeId::parse("prc_fanout_moto").unwrap();
    let work: Vec<DueWork> = (0..120)
        .map(|i| DueWork {
            practice_id: practice.clone(),
            appointment_id: AppointmentId::parse(format!("appt-{i}")).unwrap(),
            patient_id: PatientId::parse(format!("pat-{i}")).unwrap(),
            kind: DueKind::NoShowCheck,
            due_at: utc("2026-01-01T10:01:00Z") + Duration::seconds(i),
            planned_for: utc("2026-01-01T10:00:00Z"),
            attempts: 0,
        })
        .collect();
    for chunk in work.chunks(25) {
        let writes = chunk.iter().cloned().map(|d| Write::Due(Box::new(d)));
        store.write(writes.collect()).await.unwrap();
    }
    let deps = Deps {
        store: store.clone(),
        senders: Senders {
            sms: Arc::new(RecordingSms::default()),
            email: Arc::new(RecordingEmail::default()),
        },
        options: SweepOptions {
            chunk: 5,
            read_unsharded: false,
            ..SweepOptions::default()
        },
        governor: Governor::unlimited(),
    };
    let workers = Workers::new(deps.clone(), queue.clone()).with::<Finish>();
    let now = utc("2026-01-01T10:20:00Z");
    let c = coordinate(
        store.as_ref(),
        queue.as_ref(),
        Sweep::NoShows,
        now,
        &deps.options,
    )
    .await
    .unwrap();
    assert_eq!(c.units, 32, "one unit per shard of the day");
    assert_eq!(
        store.sweep_cursor(Sweep::NoShows).await.unwrap(),
        Some(frontdesk::domain::bucket_of(now))
    );
    // The first batch's invocation is already past its deadline: every unit in it
    // continues on the queue, none fails.
    let past = u64::try_from(Utc::now().timestamp_millis()).unwrap();
    assert_eq!(deliver(&workers, &queue, past).await, Some(vec![]));
    assert!(SEEN.lock().unwrap().as_ref().is_none_or(|s| s.is_empty()));
    // Then workers with time to spare take the continuations.
    while let Some(failed) = deliver(&workers, &queue, 0).await {
        assert!(failed.is_empty(), "{failed:?}");
    }
    let seen = SEEN.lock().unwrap().clone().unwrap_or_default();
    assert_eq!(seen.len(), 120, "none skipped");
    assert!(seen.values().all(|n| *n == 1), "none twice");
    assert!(store
        .due_in_bucket(Sweep::NoShows, utc("2026-01-01T10:00:00Z"), now)
        .await
        .unwrap()
        .is_empty());

    // A bad message is a batch item failure (SQS redelivers it, then dead-letters it).
    let mut event = SqsEvent::default();
    let mut msg = SqsMessage::default();
    msg.message_id = Some("bad-1".into());
    msg.body = Some("{\"sweep\":\"no_shows\"}".into());
    event.records = vec![msg];
    let out = workers
        .handle(LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert_eq!(out.batch_item_failures.len(), 1);
    assert_eq!(out.batch_item_failures[0].item_identifier, "bad-1");
}
