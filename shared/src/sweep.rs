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
//! 5. Failures are collected in the report, never hidden.

use std::collections::{BTreeMap, HashMap, VecDeque};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use futures_util::stream::{self, StreamExt};
use serde::Serialize;

use crate::domain::{
    bucket_of, Appointment, AppointmentId, DueWork, Patient, PatientId, Practice, PracticeId,
    Priority, Sweep, Task, TaskId, TaskKind, BUCKET_MINUTES,
};
use crate::keys;
use crate::ports::{Item, Key, Store, Write};
use crate::Result;

mod deps;
mod invoke;
mod snapshot;

pub use deps::{wire, Deps};
pub use invoke::{handle_event, run_logged, SweepError};
pub use snapshot::Snapshot;

#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Items handled at once.
    pub concurrency: usize,
    /// How long a claim holds before the work comes back.
    pub lease: Duration,
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
    fn default() -> Self {
        Self {
            concurrency: 16,
            lease: Duration::minutes(10),
            max_attempts: 4,
            first_run_lookback: Duration::hours(6),
            max_catch_up: Duration::days(7),
            chunk: 100,
        }
    }
}

/// The records a chunk of due work needs, read in one batch.
#[derive(Debug, Default)]
pub struct Batch {
    pub practices: HashMap<PracticeId, Practice>,
    pub patients: HashMap<(PracticeId, PatientId), Patient>,
    pub appointments: HashMap<(PracticeId, AppointmentId), Appointment>,
}

impl Batch {
    pub fn practice(&self, d: &DueWork) -> Option<&Practice> {
        self.practices.get(&d.practice_id)
    }
    pub fn patient(&self, d: &DueWork) -> Option<&Patient> {
        self.patients
            .get(&(d.practice_id.clone(), d.patient_id.clone()))
    }
    pub fn appointment(&self, d: &DueWork) -> Option<&Appointment> {
        self.appointments
            .get(&(d.practice_id.clone(), d.appointment_id.clone()))
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

/// What a scheduled function does with one claimed item. It must finish or release the
/// claim in the same transaction as its other writes.
#[async_trait]
pub trait DueHandler: Send + Sync {
    async fn handle(&self, claimed: DueWork, batch: &Batch, now: DateTime<Utc>) -> Result<Handled>;
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
    /// Claimed by an overlapping run, or re-planned, before this run got to it.
    pub not_claimed: usize,
    pub outcomes: BTreeMap<String, usize>,
    pub failures: Vec<Failure>,
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
    let mut report = SweepReport::default();
    let mut next_cursor = now_bucket;
    let mut bucket = start;
    while bucket <= now_bucket {
        report.buckets += 1;
        match store.due_in_bucket(sweep, bucket, now).await {
            Ok(items) => {
                report.found += items.len();
                for chunk in fair_order(items).chunks(opts.chunk.max(1)) {
                    if !run_chunk(store, chunk, now, opts, handler, &mut report).await {
                        next_cursor = next_cursor.min(bucket);
                    }
                }
            }
            Err(e) => {
                next_cursor = next_cursor.min(bucket);
                report.failures.push(Failure {
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
            report.failures.push(Failure {
                practice_id: String::new(),
                due_key: "cursor".into(),
                error: e.to_string(),
            });
        }
    }
    if !report.failures.is_empty() {
        tracing::error!(
            sweep = sweep.as_str(),
            failures = report.failures.len(),
            "sweep had failures"
        );
    }
    tracing::info!(
        sweep = sweep.as_str(),
        buckets = report.buckets,
        found = report.found,
        claimed = report.claimed,
        failures = report.failures.len(),
        "sweep finished"
    );
    Ok(report)
}

/// Handles one chunk; false if any item failed in a way that leaves it in its bucket.
async fn run_chunk(
    store: &dyn Store,
    chunk: &[DueWork],
    now: DateTime<Utc>,
    opts: &SweepOptions,
    handler: &dyn DueHandler,
    report: &mut SweepReport,
) -> bool {
    let batch = match read_batch(store, chunk).await {
        Ok(b) => b,
        Err(e) => {
            for d in chunk {
                report.failures.push(failure(d, &e));
            }
            return false;
        }
    };
    let results: Vec<(DueWork, Result<Option<Handled>>)> = stream::iter(chunk.iter().cloned())
        .map(|due| {
            let batch = &batch;
            async move {
                let r = handle_one(store, due.clone(), batch, now, opts, handler).await;
                (due, r)
            }
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    let mut clean = true;
    for (due, r) in results {
        match r {
            Ok(None) => report.not_claimed += 1,
            Ok(Some(h)) => {
                report.claimed += 1;
                let label = match h {
                    Handled::Done(l) | Handled::Released(l) => l,
                };
                *report.outcomes.entry(label.to_string()).or_default() += 1;
            }
            Err(e) => {
                // Claimed work comes back after its lease; unclaimed work stays in this bucket.
                clean = false;
                report.failures.push(failure(&due, &e));
            }
        }
    }
    clean
}

async fn handle_one(
    store: &dyn Store,
    due: DueWork,
    batch: &Batch,
    now: DateTime<Utc>,
    opts: &SweepOptions,
    handler: &dyn DueHandler,
) -> Result<Option<Handled>> {
    let Some(claimed) = store.claim_due(&due, now + opts.lease).await? else {
        return Ok(None);
    };
    if claimed.attempts > opts.max_attempts {
        give_up(store, &claimed, now).await?;
        return Ok(Some(Handled::Done("gave_up")));
    }
    handler.handle(claimed, batch, now).await.map(Some)
}

/// After repeated failed attempts, a person takes over.
async fn give_up(store: &dyn Store, claimed: &DueWork, now: DateTime<Utc>) -> Result<()> {
    let task = Task {
        patient_id: Some(claimed.patient_id.clone()),
        appointment_id: Some(claimed.appointment_id.clone()),
        ..Task::open(
            claimed.practice_id.clone(),
            TaskId::generate(),
            TaskKind::SendFailed,
            Priority::High,
            "Automated message could not be sent",
            format!(
                "The {} for this appointment failed {} times. Please contact the patient directly.",
                claimed.kind.label(),
                claimed.attempts - 1
            ),
            now,
        )
    };
    store
        .write(vec![
            Write::Task(Box::new(task)),
            Write::DoneDue {
                claimed: Box::new(claimed.clone()),
            },
        ])
        .await
}

fn failure(d: &DueWork, e: &crate::Error) -> Failure {
    Failure {
        practice_id: d.practice_id.to_string(),
        due_key: keys::due_key_of(d),
        error: e.to_string(),
    }
}

/// Reads the practices, patients and appointments a chunk needs, in batches of 100 keys.
pub async fn read_batch(store: &dyn Store, chunk: &[DueWork]) -> Result<Batch> {
    let mut wanted: Vec<(PracticeId, Key)> = Vec::new();
    for d in chunk {
        for k in [
            Key::Practice,
            Key::Patient(d.patient_id.clone()),
            Key::Appointment(d.appointment_id.clone()),
        ] {
            let entry = (d.practice_id.clone(), k);
            if !wanted.contains(&entry) {
                wanted.push(entry);
            }
        }
    }
    let mut batch = Batch::default();
    for keys in wanted.chunks(100) {
        for item in store.get_across(keys).await? {
            match item {
                Item::Practice(p) => {
                    batch.practices.insert(p.practice_id.clone(), *p);
                }
                Item::Patient(p) => {
                    batch
                        .patients
                        .insert((p.practice_id.clone(), p.patient_id.clone()), *p);
                }
                Item::Appointment(a) => {
                    batch
                        .appointments
                        .insert((a.practice_id.clone(), a.appointment_id.clone()), *a);
                }
                Item::Task(_) | Item::Idempotency(_) => {}
            }
        }
    }
    Ok(batch)
}

/// Interleaves items across practices (round robin), keeping each practice's own order.
pub fn fair_order(items: Vec<DueWork>) -> Vec<DueWork> {
    let mut queues: Vec<(PracticeId, VecDeque<DueWork>)> = Vec::new();
    for d in items {
        match queues.iter_mut().find(|(p, _)| *p == d.practice_id) {
            Some((_, q)) => q.push_back(d),
            None => queues.push((d.practice_id.clone(), VecDeque::from([d]))),
        }
    }
    let mut out = Vec::new();
    loop {
        let mut any = false;
        for (_, q) in queues.iter_mut() {
            if let Some(d) = q.pop_front() {
                out.push(d);
                any = true;
            }
        }
        if !any {
            return out;
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
