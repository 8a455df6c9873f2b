//! The due-work sweep every scheduled function runs. "Now" is the EventBridge event's
//! `time`, so any moment can be replayed.
//!
//! 1. Read the sweep's cursor: the earliest 5-minute bucket that may still hold work
//!    (first run: `first_run_lookback` before now; never more than `max_catch_up`).
//! 2. Query each bucket from the cursor to now on the due-work index (never a Scan), so
//!    a late or missed run catches up on everything overdue and not yet done.
//! 3. For each chunk of items, read the practices, patients and appointments they need in
//!    one batch, then handle items with bounded concurrency, interleaved across practices
//!    so one busy practice cannot starve the others.
//! 4. Each item is claimed with a conditional write before anything is sent: overlapping
//!    or retried sweeps act once. A claim is a lease: if the run dies, the work comes back
//!    when the lease ends; after `max_attempts` claims it becomes a staff task.
//!    The lease runs from the wall clock when the run is late (`LeaseClock::WallClock`,
//!    what deployed functions use), so a late retry never claims with a lease already over.
//! 5. A patient's items are handled one after another within a run, each later one on
//!    records read afresh, so caps and "one message at a time" hold inside a run; across
//!    runs each item is claimed once, and jobs supersede work a later item replaces.
//! 6. Failures are counted in the report (the first `FAILURES_KEPT` kept), never hidden.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use futures_util::stream::{self, StreamExt};
use serde::Serialize;

use crate::domain::{bucket_of, DueWork, Priority, Sweep, Task, TaskId, TaskKind, BUCKET_MINUTES};
use crate::keys;
use crate::ports::{Store, Write};
use crate::Result;

mod batch;
mod deps;
mod invoke;
pub mod send;
pub mod settle;
mod snapshot;

pub use batch::{fair_order, read_batch, Batch};
pub use deps::{wire, Deps};
pub use invoke::{handle_event, invoke, run_job, run_logged, serve, Job, SweepError};
pub use send::{entry, send, Automated, Settling};
pub use settle::{
    commit, done, record_sent, release, retry, settle, write_decided, Decided, NoExtra,
    OnUnavailable, Plan, SentRecord, Settled,
};
pub use snapshot::Snapshot;

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
    /// Items per batch read.
    pub chunk: usize,
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
            chunk: 100,
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
    async fn handle(
        &self,
        claimed: DueWork,
        snapshot: Snapshot,
        now: DateTime<Utc>,
    ) -> Result<Handled>;
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

/// Runs one sweep at `now`.
pub async fn run(
    store: &dyn Store,
    sweep: Sweep,
    now: DateTime<Utc>,
    opts: &SweepOptions,
    handler: &dyn DueHandler,
) -> Result<SweepReport> {
    let now_bucket = bucket_of(now);
    let floor = bucket_of(now - opts.max_catch_up);
    let start = match store.sweep_cursor(sweep).await? {
        Some(c) => c.max(floor),
        None => bucket_of(now - opts.first_run_lookback).max(floor),
    };
    let engine = Engine {
        store,
        sweep,
        now,
        opts,
        handler,
    };
    let mut report = SweepReport::default();
    let mut next_cursor = now_bucket;
    let mut bucket = start;
    let mut oldest_due: Option<DateTime<Utc>> = None;
    while bucket <= now_bucket {
        report.buckets += 1;
        match store.due_in_bucket(sweep, bucket, now).await {
            Ok(items) => {
                report.found += items.len();
                oldest_due = oldest_due
                    .into_iter()
                    .chain(items.iter().map(|d| d.due_at))
                    .min();
                for chunk in fair_order(items).chunks(opts.chunk.max(1)) {
                    if !engine.run_chunk(chunk, &mut report).await {
                        next_cursor = next_cursor.min(bucket);
                    }
                }
            }
            Err(e) => {
                next_cursor = next_cursor.min(bucket);
                report.fail(Failure {
                    practice_id: String::new(),
                    due_key: keys::due_bucket_pk(sweep, bucket),
                    error: e.to_string(),
                });
            }
        }
        bucket += Duration::minutes(BUCKET_MINUTES);
    }
    if next_cursor != start {
        if let Err(e) = store
            .write(vec![Write::SweepCursor {
                sweep,
                bucket: next_cursor,
            }])
            .await
        {
            report.fail(Failure {
                practice_id: String::new(),
                due_key: "cursor".into(),
                error: e.to_string(),
            });
        }
    }
    let lag = oldest_due.map_or(0.0, |d| (now - d).num_milliseconds() as f64 / 1000.0);
    crate::telemetry::sweep_run(
        sweep,
        report.claimed,
        report.failed,
        report.not_claimed,
        lag,
    );
    tracing::info!(
        sweep = sweep.as_str(),
        buckets = report.buckets,
        found = report.found,
        claimed = report.claimed,
        failures = report.failed,
        "sweep finished"
    );
    Ok(report)
}

/// One item's result.
enum Outcome {
    NotClaimed,
    Handled(Handled),
    Failed(crate::Error),
    /// Left for the next run: the patient's earlier item in this run failed.
    Skipped,
}

struct Engine<'a> {
    store: &'a dyn Store,
    sweep: Sweep,
    now: DateTime<Utc>,
    opts: &'a SweepOptions,
    handler: &'a dyn DueHandler,
}

impl Engine<'_> {
    /// Handles one chunk; false if any item failed in a way that leaves it in its bucket.
    async fn run_chunk(&self, chunk: &[DueWork], report: &mut SweepReport) -> bool {
        let batch = match read_batch(self.store, chunk).await {
            Ok(b) => b,
            Err(e) => {
                for d in chunk {
                    report.fail(failure(d, &e));
                }
                return false;
            }
        };
        let results: Vec<Vec<(DueWork, Outcome)>> = stream::iter(batch::by_patient(chunk))
            .map(|group| self.run_patient(group, &batch))
            .buffer_unordered(self.opts.concurrency.max(1))
            .collect()
            .await;
        let mut clean = true;
        for (due, outcome) in results.into_iter().flatten() {
            match outcome {
                Outcome::NotClaimed => report.not_claimed += 1,
                Outcome::Skipped => {
                    clean = false;
                    report.not_claimed += 1;
                }
                Outcome::Handled(h) => {
                    report.claimed += 1;
                    *report.outcomes.entry(h.label().to_string()).or_default() += 1;
                }
                Outcome::Failed(e) => {
                    // Claimed work comes back after its lease; unclaimed work stays in
                    // this bucket.
                    clean = false;
                    report.fail(failure(&due, &e));
                }
            }
        }
        clean
    }

    /// One patient's items of a chunk, one after another: a later item is decided on
    /// records read after the earlier one was written, and none follows a failure.
    async fn run_patient(&self, group: Vec<DueWork>, batch: &Batch) -> Vec<(DueWork, Outcome)> {
        let mut out = Vec::with_capacity(group.len());
        let mut touched = false;
        let mut failed = false;
        for due in group {
            if failed {
                out.push((due, Outcome::Skipped));
                continue;
            }
            let outcome = match self.handle_one(&due, batch, touched).await {
                Ok(None) => Outcome::NotClaimed,
                Ok(Some(h)) => {
                    touched = true;
                    Outcome::Handled(h)
                }
                Err(e) => {
                    failed = true;
                    Outcome::Failed(e)
                }
            };
            out.push((due, outcome));
        }
        out
    }

    async fn handle_one(
        &self,
        due: &DueWork,
        batch: &Batch,
        fresh: bool,
    ) -> Result<Option<Handled>> {
        let Some(claimed) = self
            .store
            .claim_due(due, self.opts.lease_until(self.now))
            .await?
        else {
            return Ok(None);
        };
        if claimed.attempts > self.opts.max_attempts {
            give_up(self.store, &claimed, self.now).await?;
            return Ok(Some(Handled::Done("gave_up")));
        }
        if claimed.kind.sweep() != self.sweep {
            return Err(crate::Error::Invalid {
                field: "kind",
                reason: format!(
                    "{} is not {} work; it belongs to the {} sweep",
                    claimed.kind.label(),
                    self.sweep.as_str(),
                    claimed.kind.sweep().as_str()
                ),
            });
        }
        let snapshot = if fresh {
            Snapshot::read(self.store, &claimed).await?
        } else {
            Snapshot::from_batch(batch, &claimed)
        };
        let (practice_id, job) = (claimed.practice_id.clone(), claimed.kind.label());
        let handled = self.handler.handle(claimed, snapshot, self.now).await;
        match &handled {
            Ok(h) => {
                tracing::debug!(practice_id = %practice_id, job = %job, outcome = h.label(), "due work handled")
            }
            Err(e) => {
                tracing::warn!(practice_id = %practice_id, job = %job, error = %e, "due work failed; it comes back after its lease")
            }
        }
        handled.map(Some)
    }
}

/// After repeated failed attempts, a person takes over.
async fn give_up(store: &dyn Store, claimed: &DueWork, now: DateTime<Utc>) -> Result<()> {
    let task = Task {
        patient_id: Some(claimed.patient_id.clone()),
        appointment_id: claimed
            .kind
            .about_appointment()
            .then(|| claimed.appointment_id.clone()),
        ..Task::open(
            claimed.practice_id.clone(),
            TaskId::generate(),
            TaskKind::SendFailed,
            Priority::High,
            "Automated message could not be sent",
            format!(
                "The {} for this patient failed {} times. Please contact the patient directly.",
                claimed.kind.label(),
                claimed.attempts - 1
            ),
            now,
        )
    };
    let writes = vec![Write::Task(Box::new(task)), done(claimed)];
    store.write(crate::webhooks::with_events(writes, now)).await
}

fn failure(d: &DueWork, e: &crate::Error) -> Failure {
    Failure {
        practice_id: d.practice_id.to_string(),
        due_key: keys::due_key_of(d),
        error: e.to_string(),
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
