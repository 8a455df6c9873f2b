//! Fan-out: the coordinator's plan and cursor, a worker stopped by its deadline or killed
//! mid-unit, redelivered and duplicated units: every item settled exactly once.

use super::Claimed;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::fanout::{coordinate, plan_units, work_unit, Unit, UnitEnd, UnitQueue};
use super::*;
use crate::domain::{AppointmentId, DueKind, PatientId, PracticeId, Sweep};
use crate::ports::{DuePartition, Store, Write};
use crate::testing::{utc, MemoryQueue, MemoryStore};

/// Finishes every item (after `pause_ms`), counting each item's handlings and noting the
/// lease each claim ran to.
struct Counting {
    store: Arc<MemoryStore>,
    pause_ms: u64,
    seen: Arc<Mutex<HashMap<String, usize>>>,
    leases: Arc<Mutex<Vec<DateTime<Utc>>>>,
}

impl Counting {
    fn new(store: &Arc<MemoryStore>, pause_ms: u64) -> Self {
        Self {
            store: store.clone(),
            pause_ms,
            seen: Arc::default(),
            leases: Arc::default(),
        }
    }

    fn once_each(&self, n: usize) {
        let seen = self.seen.lock().unwrap();
        assert_eq!(seen.len(), n, "none skipped");
        assert!(seen.values().all(|c| *c == 1), "none twice: {seen:?}");
    }
}

#[async_trait]
impl DueHandler for Counting {
    async fn handle(&self, item: Claimed) -> Result<Handled> {
        let claimed = item.work;
        if self.pause_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(self.pause_ms)).await;
        }
        self.leases.lock().unwrap().push(claimed.due_at);
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

pub(super) fn practice() -> PracticeId {
    PracticeId::parse("prc_fanout").unwrap()
}

/// `n` no-show checks due a second apart from 10:01, one patient each (so across shards).
pub(super) async fn seed(store: &MemoryStore, n: usize) {
    let work: Vec<DueWork> = (0..n)
        .map(|i| DueWork {
            practice_id: practice(),
            appointment_id: AppointmentId::parse(format!("appt-{i}")).unwrap(),
            patient_id: PatientId::parse(format!("pat-{i}")).unwrap(),
            kind: DueKind::NoShowCheck,
            due_at: utc("2026-01-01T10:01:00Z") + Duration::seconds(i as i64),
            planned_for: utc("2026-01-01T10:00:00Z"),
            attempts: 0,
        })
        .collect();
    for chunk in work.chunks(100) {
        let writes = chunk.iter().cloned().map(|d| Write::Due(Box::new(d)));
        store.write(writes.collect()).await.unwrap();
    }
}

/// What the event source mapping does, until nothing is visible: settled messages
/// deleted, failed ones left in flight.
async fn drain(store: &MemoryStore, queue: &MemoryQueue, opts: &SweepOptions, h: &dyn DueHandler) {
    loop {
        let got = queue.receive(10).await.unwrap();
        if got.is_empty() {
            return;
        }
        for m in got {
            let unit = Unit::parse(&m.body).unwrap();
            if let (_, UnitEnd::Settled { .. }) = work_unit(store, queue, &unit, opts, h).await {
                queue.delete(&m.receipt).await.unwrap();
            }
        }
    }
}

#[test]
fn the_plan_covers_each_days_shards_and_each_unsharded_bucket() {
    let (start, now) = (utc("2026-01-01T23:50:00Z"), utc("2026-01-02T00:10:00Z"));
    let units = plan_units(Sweep::NoShows, start, now, &SweepOptions::default());
    // 2 days of 32 shards, and the 5 buckets 23:50 … 00:10 unsharded.
    assert_eq!(units.len(), 2 * 32 + 5);
    let first = &units[0];
    assert_eq!(
        first.partition,
        DuePartition::Shard {
            day: start.date_naive(),
            shard: 0
        }
    );
    assert_eq!(
        (first.from, first.until),
        (start, utc("2026-01-01T23:59:59.999Z"))
    );
    let second_day = &units[32];
    assert_eq!(
        (second_day.from, second_day.until),
        (utc("2026-01-02T00:00:00Z"), now)
    );
    for u in &units {
        assert_eq!(&Unit::parse(&u.body()).unwrap(), u);
    }
    let no_unsharded = SweepOptions {
        read_unsharded: false,
        ..SweepOptions::default()
    };
    assert_eq!(
        plan_units(Sweep::NoShows, start, now, &no_unsharded).len(),
        64
    );
}

#[test]
fn bad_units_are_refused_with_what_is_wrong() {
    assert!(Unit::parse("{}").is_err());
    assert!(Unit::parse("not json").is_err());
    let mut u = plan_units(
        Sweep::Reminders,
        utc("2026-01-01T10:00:00Z"),
        utc("2026-01-01T10:01:00Z"),
        &SweepOptions::default(),
    )
    .remove(0);
    u.partition = DuePartition::Shard {
        day: u.from.date_naive(),
        shard: 32,
    };
    let err = Unit::parse(&u.body()).unwrap_err().to_string();
    assert!(err.contains("shard 32"), "{err}");
    u.partition = DuePartition::Shard {
        day: u.from.date_naive(),
        shard: 3,
    };
    u.from = u.until + Duration::seconds(1);
    assert!(Unit::parse(&u.body()).is_err());
}

#[tokio::test]
async fn coordinator_then_workers_settle_every_item_once_and_move_the_cursor() {
    let store = Arc::new(MemoryStore::new());
    seed(&store, 300).await;
    let queue = MemoryQueue::new();
    let opts = SweepOptions::default();
    let now = utc("2026-01-01T10:20:00Z");
    let c = coordinate(store.as_ref(), &queue, Sweep::NoShows, now, &opts)
        .await
        .unwrap();
    assert_eq!(c.units, queue.len());
    assert_eq!(
        store.sweep_cursor(Sweep::NoShows).await.unwrap(),
        Some(crate::domain::bucket_of(now))
    );
    let h = Counting::new(&store, 0);
    drain(&store, &queue, &opts, &h).await;
    h.once_each(300);
    assert!(store.all_due(&practice()).is_empty());
    assert!(queue.is_empty());
    // The next tick plans only from the cursor on.
    let next = coordinate(
        store.as_ref(),
        &queue,
        Sweep::NoShows,
        now + Duration::minutes(5),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(next.from, crate::domain::bucket_of(now));
}

#[tokio::test]
async fn a_coordinator_that_cannot_enqueue_leaves_the_cursor_for_the_next_tick() {
    let store = Arc::new(MemoryStore::new());
    seed(&store, 10).await;
    let queue = MemoryQueue::new();
    queue.refuse_enqueues(1);
    let now = utc("2026-01-01T10:20:00Z");
    let opts = SweepOptions::default();
    assert!(
        coordinate(store.as_ref(), &queue, Sweep::NoShows, now, &opts)
            .await
            .is_err()
    );
    assert_eq!(store.sweep_cursor(Sweep::NoShows).await.unwrap(), None);
    let again = coordinate(store.as_ref(), &queue, Sweep::NoShows, now, &opts)
        .await
        .unwrap();
    assert_eq!(
        again.from,
        crate::domain::bucket_of(now - opts.first_run_lookback)
    );
    let h = Counting::new(&store, 0);
    drain(&store, &queue, &opts, &h).await;
    h.once_each(10);
}

#[tokio::test]
async fn a_worker_stopped_by_its_deadline_continues_from_its_page_with_nothing_skipped_or_twice() {
    let store = Arc::new(MemoryStore::new());
    seed(&store, 300).await;
    let queue = MemoryQueue::new();
    let now = utc("2026-01-01T10:20:00Z");
    let c = coordinate(
        store.as_ref(),
        &queue,
        Sweep::NoShows,
        now,
        &SweepOptions::default(),
    )
    .await
    .unwrap();
    let h = Counting::new(&store, 2);
    // Pages of 5 handled one at a time: the deadline falls inside the units.
    let tight = SweepOptions {
        concurrency: 1,
        chunk: 5,
        stop_at: Some(Utc::now() + Duration::milliseconds(150)),
        ..SweepOptions::default()
    };
    let mut continued = 0;
    for m in queue.receive(c.units).await.unwrap() {
        let unit = Unit::parse(&m.body).unwrap();
        let (_, end) = work_unit(store.as_ref(), &queue, &unit, &tight, &h).await;
        match end {
            UnitEnd::Settled {
                continued: true, ..
            } => continued += 1,
            UnitEnd::Settled { .. } => {}
            UnitEnd::Failed(why) => panic!("{why}"),
        }
        queue.delete(&m.receipt).await.unwrap();
    }
    let first = h.seen.lock().unwrap().len();
    assert!(
        first > 0 && first < 300,
        "the deadline fell inside the work: {first}"
    );
    assert!(continued > 0);
    // The next worker (no deadline) takes the continuations.
    drain(&store, &queue, &SweepOptions::default(), &h).await;
    h.once_each(300);
    assert!(store.all_due(&practice()).is_empty());
}

#[tokio::test]
async fn a_worker_killed_mid_unit_is_redelivered_and_its_claimed_item_comes_back_after_the_lease() {
    let store = Arc::new(MemoryStore::new());
    seed(&store, 300).await;
    let queue = MemoryQueue::new();
    let now = utc("2026-01-01T10:20:00Z");
    let opts = SweepOptions {
        concurrency: 1,
        chunk: 5,
        ..SweepOptions::default()
    };
    coordinate(store.as_ref(), &queue, Sweep::NoShows, now, &opts)
        .await
        .unwrap();
    let h = Counting::new(&store, 2);
    // Kill a worker in the middle of the first unit with work: its future is dropped
    // mid-item (claimed, not settled) and its message never deleted.
    let mut killed = false;
    while !killed {
        let m = queue.receive(1).await.unwrap().remove(0);
        let unit = Unit::parse(&m.body).unwrap();
        let work = work_unit(store.as_ref(), &queue, &unit, &opts, &h);
        if tokio::time::timeout(std::time::Duration::from_millis(7), work)
            .await
            .is_err()
        {
            killed = true;
        } else {
            queue.delete(&m.receipt).await.unwrap();
        }
    }
    // The visibility timeout passes: the killed unit is redelivered and finished.
    queue.redeliver();
    drain(&store, &queue, &opts, &h).await;
    let left = store.all_due(&practice());
    assert_eq!(
        left.len(),
        1,
        "the item in flight when killed is still claimed"
    );
    // Its lease ends; a later tick plans it again.
    let later = left[0].due_at + Duration::seconds(1);
    coordinate(store.as_ref(), &queue, Sweep::NoShows, later, &opts)
        .await
        .unwrap();
    drain(&store, &queue, &opts, &h).await;
    h.once_each(300);
    assert!(store.all_due(&practice()).is_empty());
}

#[tokio::test]
async fn duplicated_and_redelivered_units_send_nothing_twice() {
    let store = Arc::new(MemoryStore::new());
    seed(&store, 120).await;
    let queue = MemoryQueue::new();
    let now = utc("2026-01-01T10:20:00Z");
    let opts = SweepOptions::default();
    coordinate(store.as_ref(), &queue, Sweep::NoShows, now, &opts)
        .await
        .unwrap();
    // Two coordinators of one tick (an EventBridge retry), and SQS duplicates.
    coordinate(store.as_ref(), &queue, Sweep::NoShows, now, &opts)
        .await
        .unwrap();
    for i in 0..queue.visible() {
        queue.duplicate(i);
    }
    let h = Counting::new(&store, 0);
    // Two workers at once over the same queue.
    let (a, b) = (
        drain(&store, &queue, &opts, &h),
        drain(&store, &queue, &opts, &h),
    );
    futures_util::future::join(a, b).await;
    queue.redeliver();
    drain(&store, &queue, &opts, &h).await;
    h.once_each(120);
}

#[tokio::test]
async fn a_late_worker_claims_with_a_lease_from_the_wall_clock() {
    let store = Arc::new(MemoryStore::new());
    seed(&store, 3).await;
    let queue = MemoryQueue::new();
    // Coordinated at 10:20 on 2026-01-01, worked now (long after).
    let opts = SweepOptions::deployed();
    coordinate(
        store.as_ref(),
        &queue,
        Sweep::NoShows,
        utc("2026-01-01T10:20:00Z"),
        &opts,
    )
    .await
    .unwrap();
    let h = Counting::new(&store, 0);
    let before = Utc::now();
    drain(&store, &queue, &opts, &h).await;
    h.once_each(3);
    for until in h.leases.lock().unwrap().iter() {
        assert!(
            *until >= before + opts.lease,
            "lease to {until} runs from the event time"
        );
    }
}
