//! The due-work sweep every scheduled function runs. "Now" is the EventBridge event's
//! `time`, so any moment can be replayed.
//!
//! 1. Read the sweep's cursor: the earliest 5-minute bucket that may still hold work
//!    (first run: `first_run_lookback` before now; never more than `max_catch_up`).
//! 2. Stream each bucket from the cursor to now on the due-work index (never a Scan): its
//!    32 shards (`DUE#<sweep>#<bucket>#<shard>`, see `keys::DUE_SHARDS`) and the unsharded
//!    partition of work written before sharding, one page (`chunk`, 100) at a time, each
//!    page handled before the next is read, so memory is one page however full the bucket.
//!    A late or missed run catches up on everything overdue and not yet done; a run near
//!    its deadline (`stop_at`) stops between pages and leaves the cursor on that bucket.
//! 3. For each page, read the practices, patients and appointments it needs in one batch,
//!    then handle items with bounded concurrency, interleaved across practices (O(n)
//!    [`fair_order`]) so one busy practice cannot starve the others.
//! 4. Each item is claimed with a conditional write before anything is sent: overlapping
//!    or retried sweeps act once. A claim is a lease: if the run dies, the work comes back
//!    when the lease ends; after `max_attempts` claims it becomes a staff task.
//!    The lease runs from the wall clock when the run is late (`LeaseClock::WallClock`,
//!    what deployed functions use), so a late retry never claims with a lease already over.
//! 5. **One patient, one message at a time, across runs.** The claim takes the patient's
//!    lease in the same transaction (`Store::claim_due_leased`): while one run (of any
//!    sweep) holds a patient, another run's claims for that patient are refused untouched
//!    (`patient_busy` in the report; the cursor stays, the next run retries). A run's items
//!    of one patient are handled one after another, each later one on records read afresh,
//!    so caps and supersession see the earlier send. The run ends its leases once a page's
//!    work is settled (one batch per page); a crashed run's run out (`patient_lease`).
//! 6. **Sends are paced** by the [`Governor`] in [`Deps`]: per provider account, per
//!    origination number and per practice, bounded in flight (see [`governor`]). Waiting
//!    for it is never a failed attempt.
//! 7. Failures are counted in the report (the first `FAILURES_KEPT` kept), never hidden.
//!
//! 8. **Fan-out** ([`fanout`], [`worker`]): with `SWEEP_QUEUE_URL` set, the scheduled
//!    invocation is a coordinator that enqueues (partition, range) work units on SQS, and
//!    `sweep-worker` invocations stream them with the same engine, checkpointing by page
//!    and stopping before their deadline. Without it, one invocation runs the whole sweep.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::DueWork;
use crate::Result;

mod batch;
mod claim;
mod deps;
mod engine;
pub mod fanout;
pub mod governor;
mod invoke;
pub mod send;
pub mod settle;
mod snapshot;
mod stream;
pub mod worker;

pub use batch::{fair_order, read_batch, Batch};
pub use deps::{wire, Deps};
pub use engine::run;
pub use governor::{Governor, Lane, Limits, Permit};
pub use invoke::{handle_event, invoke, run_job, run_logged, serve, Job, SweepError};
pub use send::{entry, send, Automated, Settling};
pub use settle::{
    commit, done, record_sent, release, retry, settle, write_decided, Decided, NoExtra,
    OnUnavailable, Plan, SentRecord, Settled,
};
pub use snapshot::Snapshot;
pub use worker::{coordinate_event, coordinate_job, serve_worker, Worked, Workers};

/// Failures kept in a report (the count covers them all): a report stays small however
/// much fails.
pub const FAILURES_KEPT: usize = 100;

/// Where a claim's lease is measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseClock {
    /// The later of the event's time and the wall clock: a run started late (a retry, a
    /// backlog) still holds its claims for the whole lease. What deployed functions use.
    WallClock,
    /// The event's time only: replays of past moments (tests, benchmarks).
    EventTime,
}

#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Items handled at once.
    pub concurrency: usize,
    /// How long a claim holds before the work comes back.
    pub lease: Duration,
    /// Where the lease is measured from.
    pub lease_clock: LeaseClock,
    /// Claims before the work is handed to staff instead.
    pub max_attempts: u32,
    /// How far back the very first run looks.
    pub first_run_lookback: Duration,
    /// The furthest back any run looks.
    pub max_catch_up: Duration,
    /// Items per page read (and per batch read of their records).
    pub chunk: usize,
    /// How long a claim keeps its patient from other runs (renewed by each further claim
    /// of the same run). Covers one item's decision, send and record.
    pub patient_lease: Duration,
    /// Whether each bucket's unsharded partition (work indexed before sharding) is read
    /// too. One Query per bucket, empty once drained.
    pub read_unsharded: bool,
    /// Wall-clock time to stop starting pages (the invocation's deadline less a margin);
    /// what is left stays in its bucket for the next run.
    pub stop_at: Option<DateTime<Utc>>,
}

impl Default for SweepOptions {
    /// Replay options (leases from the event time); [`SweepOptions::deployed`] for Lambda.
    fn default() -> Self {
        Self {
            concurrency: 16,
            lease: Duration::minutes(10),
            lease_clock: LeaseClock::EventTime,
            max_attempts: 4,
            first_run_lookback: Duration::hours(6),
            max_catch_up: Duration::days(7),
            chunk: crate::ports::DUE_PAGE,
            patient_lease: Duration::minutes(2),
            read_unsharded: true,
            stop_at: None,
        }
    }
}

impl SweepOptions {
    /// As deployed: leases from the wall clock.
    pub fn deployed() -> Self {
        Self {
            lease_clock: LeaseClock::WallClock,
            ..Self::default()
        }
    }

    /// When a claim made by a run at `now` ends.
    pub fn lease_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let from = match self.lease_clock {
            LeaseClock::WallClock => now.max(Utc::now()),
            LeaseClock::EventTime => now,
        };
        from + self.lease
    }
}

/// How one claimed item ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Finished (the handler's writes included `Write::DoneDue`). The label counts in the report.
    Done(&'static str),
    /// Given back for later (the handler's writes included `Write::ReleaseDue`).
    Released(&'static str),
}

impl Handled {
    pub fn label(&self) -> &'static str {
        match self {
            Handled::Done(l) | Handled::Released(l) => l,
        }
    }
}

/// What a scheduled function does with one claimed item, decided on `snapshot` (the
/// practice, patient and appointment as the run read them). It must finish or release the
/// claim in the same transaction as its other writes. The engine only hands it items of
/// its own sweep.
#[async_trait]
pub trait DueHandler: Send + Sync {
    async fn handle(&self, item: Claimed) -> Result<Handled>;
}

/// One claimed item as the engine hands it to its job: the due work (claimed, with its
/// lease), the records read for it, and the run's moment.
pub struct Claimed {
    pub work: DueWork,
    pub snapshot: Snapshot,
    pub now: DateTime<Utc>,
}

impl Claimed {
    pub fn new(work: DueWork, snapshot: Snapshot, now: DateTime<Utc>) -> Self {
        Self {
            work,
            snapshot,
            now,
        }
    }

    /// The due work, its snapshot and the run's moment, for a job that wants all three.
    pub fn into_parts(self) -> (DueWork, Snapshot, DateTime<Utc>) {
        (self.work, self.snapshot, self.now)
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Failure {
    pub practice_id: String,
    pub due_key: String,
    pub error: String,
}

#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub buckets: usize,
    pub found: usize,
    pub claimed: usize,
    /// Claimed by an overlapping run, or re-planned, before this run got to it; or left
    /// for the next run because the patient's earlier item in this run failed.
    pub not_claimed: usize,
    /// Left for a later run because another run held the patient's lease.
    pub patient_busy: usize,
    /// Pages of due work read.
    pub pages: usize,
    /// The run stopped before its invocation's deadline; the rest is left for the next.
    pub stopped_early: bool,
    pub outcomes: BTreeMap<String, usize>,
    /// Every failure, counted.
    pub failed: usize,
    /// The first [`FAILURES_KEPT`] failures.
    pub failures: Vec<Failure>,
}

impl SweepReport {
    fn fail(&mut self, f: Failure) {
        self.failed += 1;
        if self.failures.len() < FAILURES_KEPT {
            self.failures.push(f);
        }
    }
}

/// Parses the `time` of an EventBridge scheduled event: the "now" of a sweep.
pub fn event_time(event: &serde_json::Value) -> std::result::Result<DateTime<Utc>, crate::Error> {
    event
        .get("time")
        .and_then(|t| t.as_str())
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.to_utc())
        .ok_or_else(|| crate::Error::Invalid {
            field: "time",
            reason: "the scheduled event has no RFC 3339 `time`".into(),
        })
}

#[cfg(test)]
#[path = "sweep/sweep_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "sweep/lease_tests.rs"]
mod lease_tests;

#[cfg(test)]
#[path = "sweep/deadline_tests.rs"]
mod deadline_tests;

#[cfg(test)]
#[path = "sweep/fanout_tests.rs"]
mod fanout_tests;

#[cfg(test)]
#[path = "sweep/fanout_proptests.rs"]
mod fanout_proptests;
