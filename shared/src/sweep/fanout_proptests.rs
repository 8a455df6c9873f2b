//! Any interleaving of coordinators (ticks and retried ticks), workers, workers killed
//! mid-unit, workers stopped by their deadline, redeliveries and duplicate deliveries
//! settles every due item exactly once, once the queue is drained after the last lease.

use super::Claimed;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use proptest::prelude::*;

use super::fanout::{coordinate, work_unit, Unit, UnitEnd, UnitQueue};
use super::fanout_tests::{practice, seed};
use super::*;
use crate::domain::Sweep;
use crate::ports::{Store, Write};
use crate::testing::{utc, MemoryQueue, MemoryStore};

/// Finishes items, counting them; with `crash_after`, the item after that many never
/// finishes (its worker is killed while it is in flight).
struct Handler {
    store: Arc<MemoryStore>,
    seen: Arc<Mutex<HashMap<String, usize>>>,
    crash_after: Option<usize>,
    done_here: Mutex<usize>,
}

#[async_trait]
impl DueHandler for Handler {
    async fn handle(&self, item: Claimed) -> Result<Handled> {
        let claimed = item.work;
        let crash = {
            let mut n = self.done_here.lock().unwrap();
            *n += 1;
            self.crash_after.is_some_and(|k| *n > k)
        };
        if crash {
            std::future::pending::<()>().await;
        }
        *self
            .seen
            .lock()
            .unwrap()
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

#[derive(Debug, Clone)]
enum Op {
    /// The coordinator's tick (the clock moves on a minute first, unless `retry`).
    Coordinate { retry: bool },
    /// A worker takes up to `n` messages and works them.
    Work { n: usize },
    /// A worker takes one message and is killed after `k` items.
    Kill { k: usize },
    /// A worker takes one message with its deadline already passed.
    Deadline,
    /// Every undeleted message becomes visible again.
    Redeliver,
    /// SQS delivers a visible message twice.
    Duplicate { i: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<bool>().prop_map(|retry| Op::Coordinate { retry }),
        4 => (1usize..4).prop_map(|n| Op::Work { n }),
        2 => (0usize..6).prop_map(|k| Op::Kill { k }),
        1 => Just(Op::Deadline),
        1 => Just(Op::Redeliver),
        1 => (0usize..8).prop_map(|i| Op::Duplicate { i }),
    ]
}

async fn work_one(
    store: &Arc<MemoryStore>,
    queue: &MemoryQueue,
    opts: &SweepOptions,
    seen: &Arc<Mutex<HashMap<String, usize>>>,
    crash_after: Option<usize>,
) {
    let Some(m) = queue.receive(1).await.unwrap().pop() else {
        return;
    };
    let h = Handler {
        store: store.clone(),
        seen: seen.clone(),
        crash_after,
        done_here: Mutex::new(0),
    };
    let unit = Unit::parse(&m.body).unwrap();
    // The in-memory store never waits: one poll runs the unit to its end or to the crash,
    // and dropping it there is the kill (its message stays undeleted).
    let out = work_unit(store.as_ref(), queue, &unit, opts, &h).now_or_never();
    if let Some((_, UnitEnd::Settled { .. })) = out {
        queue.delete(&m.receipt).await.unwrap();
    }
}

async fn scenario(items: usize, ops: Vec<Op>) {
    let store = Arc::new(MemoryStore::new());
    seed(&store, items).await;
    let queue = MemoryQueue::new();
    let seen: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let opts = SweepOptions {
        chunk: 3,
        concurrency: 2,
        ..SweepOptions::default()
    };
    let late = SweepOptions {
        stop_at: Some(Utc::now() - Duration::seconds(1)),
        ..opts.clone()
    };
    let mut now = utc("2026-01-01T10:00:00Z");
    for op in ops {
        match op {
            Op::Coordinate { retry } => {
                if !retry {
                    now += Duration::minutes(1);
                }
                coordinate(store.as_ref(), &queue, Sweep::NoShows, now, &opts)
                    .await
                    .unwrap();
            }
            Op::Work { n } => {
                for _ in 0..n {
                    work_one(&store, &queue, &opts, &seen, None).await;
                }
            }
            Op::Kill { k } => work_one(&store, &queue, &opts, &seen, Some(k)).await,
            Op::Deadline => work_one(&store, &queue, &late, &seen, None).await,
            Op::Redeliver => queue.redeliver(),
            Op::Duplicate { i } => queue.duplicate(i),
        }
    }
    // After the last lease: redeliver, one tick, and workers until the queue is empty.
    let end = now + opts.lease + Duration::minutes(10);
    queue.redeliver();
    coordinate(store.as_ref(), &queue, Sweep::NoShows, end, &opts)
        .await
        .unwrap();
    for _ in 0..10_000 {
        if queue.is_empty() {
            break;
        }
        work_one(&store, &queue, &opts, &seen, None).await;
    }
    assert!(queue.is_empty(), "the queue drains");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), items, "every item settled");
    assert!(seen.values().all(|n| *n == 1), "none twice: {seen:?}");
    assert!(store.all_due(&practice()).is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_interleaving_settles_every_item_exactly_once(
        items in 1usize..40,
        ops in proptest::collection::vec(op(), 0..30),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(scenario(items, ops));
    }
}
