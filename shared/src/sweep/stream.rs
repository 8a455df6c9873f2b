//! Streaming one due-work partition: page by page (`Limit`), each page's records read in
//! one batch, each patient's items one after another under the patient's lease, the
//! leases ended once the page is settled. A whole sweep run ([`super::run`]) and one
//! fan-out work unit ([`super::fanout`]) both stream partitions this way.

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};

use super::batch::{self, fair_order, read_batch, Batch};
use super::claim::{failure, Busy};
use super::{DueHandler, Failure, Handled, SweepOptions, SweepReport};
use crate::domain::{bucket_of, DueWork, Sweep};
use crate::ports::{DuePartition, Store, Write};

/// How streaming a partition ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Streamed {
    /// Every page read (whatever was left is noted in `left`).
    Done,
    /// Stopped before reading a page because the invocation's deadline is near: `page`
    /// is where to continue (`None`: from the partition's start).
    Stopped { page: Option<String> },
}

pub(super) fn earliest(left: &mut Option<DateTime<Utc>>, bucket: DateTime<Utc>) {
    *left = Some(left.map_or(bucket, |l| l.min(bucket)));
}

/// One patient's items with their results, and an item of theirs if this run took the
/// patient's lease.
type PatientRun = (Vec<(DueWork, Outcome)>, Option<DueWork>);

/// One item's result.
enum Outcome {
    NotClaimed,
    Handled(Handled),
    Failed(crate::Error),
    /// Left in its bucket for the next run: the patient's earlier item in this run failed,
    /// or another run holds the patient's lease.
    Skipped,
    PatientBusy,
}

pub(super) struct Engine<'a> {
    pub(super) store: &'a dyn Store,
    pub(super) sweep: Sweep,
    pub(super) now: DateTime<Utc>,
    pub(super) opts: &'a SweepOptions,
    pub(super) handler: &'a dyn DueHandler,
    /// This run's name on the patient leases it takes.
    pub(super) holder: String,
}

impl<'a> Engine<'a> {
    /// An engine for one run (or one work unit) of `sweep` at `now`, with a fresh holder
    /// name for the patient leases it takes.
    pub(super) fn new(
        store: &'a dyn Store,
        sweep: Sweep,
        now: DateTime<Utc>,
        opts: &'a SweepOptions,
        handler: &'a dyn DueHandler,
    ) -> Self {
        Self {
            store,
            sweep,
            now,
            opts,
            handler,
            holder: format!("{}#{}", sweep.as_str(), ulid::Ulid::new()),
        }
    }

    /// Streams one partition's work due in `[from, until]` page by page from `page` (a
    /// page cursor of `due_page`; `None`: the start), noting in `left` the earliest bucket
    /// where anything was left (a failure, a busy patient), in `oldest` the oldest item
    /// seen. Stops between pages once the deadline is near.
    pub(super) async fn stream(
        &self,
        partition: DuePartition,
        (from, until): (DateTime<Utc>, DateTime<Utc>),
        page: Option<String>,
        report: &mut SweepReport,
        (left, oldest): (&mut Option<DateTime<Utc>>, &mut Option<DateTime<Utc>>),
    ) -> Streamed {
        let mut cursor = page;
        loop {
            if self.opts.out_of_time() {
                report.stopped_early = true;
                return Streamed::Stopped { page: cursor };
            }
            let page = self
                .store
                .due_page(
                    self.sweep,
                    partition,
                    from,
                    until,
                    cursor.as_deref(),
                    self.opts.chunk,
                )
                .await;
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    report.fail(Failure {
                        practice_id: String::new(),
                        due_key: partition.key(self.sweep),
                        error: e.to_string(),
                    });
                    earliest(left, bucket_of(from));
                    return Streamed::Done;
                }
            };
            report.pages += 1;
            report.found += page.items.len();
            *oldest = oldest
                .iter()
                .copied()
                .chain(page.items.iter().map(|d| d.due_at))
                .min();
            if !page.items.is_empty() {
                if let Some(bucket) = self.run_chunk(&fair_order(page.items), report).await {
                    earliest(left, bucket);
                }
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Streamed::Done,
            }
        }
    }

    /// Handles one page; the earliest bucket of an item it left in place, if any.
    async fn run_chunk(
        &self,
        chunk: &[DueWork],
        report: &mut SweepReport,
    ) -> Option<DateTime<Utc>> {
        let batch = match read_batch(self.store, chunk).await {
            Ok(b) => b,
            Err(e) => {
                for d in chunk {
                    report.fail(failure(d, &e));
                }
                return chunk.iter().map(|d| bucket_of(d.due_at)).min();
            }
        };
        let results: Vec<PatientRun> = stream::iter(batch::by_patient(chunk))
            .map(|group| self.run_patient(group, &batch))
            .buffer_unordered(self.opts.concurrency.max(1))
            .collect()
            .await;
        let (results, leased): (Vec<_>, Vec<_>) = results.into_iter().unzip();
        self.release_leases(leased.into_iter().flatten()).await;
        let mut left = None;
        for (due, outcome) in results.into_iter().flatten() {
            match outcome {
                Outcome::NotClaimed => report.not_claimed += 1,
                Outcome::Skipped => {
                    earliest(&mut left, bucket_of(due.due_at));
                    report.not_claimed += 1;
                }
                Outcome::PatientBusy => {
                    earliest(&mut left, bucket_of(due.due_at));
                    report.patient_busy += 1;
                }
                Outcome::Handled(h) => {
                    report.claimed += 1;
                    *report.outcomes.entry(h.label().to_string()).or_default() += 1;
                }
                Outcome::Failed(e) => {
                    // Claimed work comes back after its lease; unclaimed work stays in
                    // this bucket.
                    earliest(&mut left, bucket_of(due.due_at));
                    report.fail(failure(&due, &e));
                }
            }
        }
        left
    }

    /// One patient's items of a page, one after another under the patient's lease: a
    /// later item is decided on records read after the earlier one was written, none
    /// follows a failure, and none is claimed while another run holds the patient.
    /// Also returns one of the patient's items if this run took the patient's lease.
    async fn run_patient(&self, group: Vec<DueWork>, batch: &Batch) -> PatientRun {
        let mut out = Vec::with_capacity(group.len());
        let mut touched = false;
        let mut leased = None;
        let mut stop = None;
        for due in group {
            if let Some(why) = &stop {
                let skipped = match why {
                    Outcome::PatientBusy => Outcome::PatientBusy,
                    _ => Outcome::Skipped,
                };
                out.push((due, skipped));
                continue;
            }
            let outcome = match self.handle_one(&due, batch, touched, &mut leased).await {
                Ok(Some(h)) => {
                    touched = true;
                    Outcome::Handled(h)
                }
                Ok(None) => Outcome::NotClaimed,
                Err(Busy::Patient) => {
                    stop = Some(Outcome::PatientBusy);
                    Outcome::PatientBusy
                }
                Err(Busy::Failed(e)) => {
                    stop = Some(Outcome::Skipped);
                    Outcome::Failed(e)
                }
            };
            out.push((due, outcome));
        }
        (out, leased)
    }

    /// Ends the leases this run took on a page's patients, their work settled: the next
    /// run, or another sweep, need not wait for them to run out. 100 to a batch; a lease
    /// that cannot be ended runs out by itself.
    async fn release_leases(&self, patients: impl Iterator<Item = DueWork>) {
        let writes: Vec<Write> = patients
            .map(|d| Write::ReleasePatientLease {
                practice_id: d.practice_id,
                patient_id: d.patient_id,
                holder: self.holder.clone(),
            })
            .collect();
        for batch in writes.chunks(100) {
            if let Err(e) = self.store.write(batch.to_vec()).await {
                tracing::warn!(sweep = self.sweep.as_str(), leases = batch.len(), error = %e, "patient leases not ended; they run out by themselves");
            }
        }
    }
}
