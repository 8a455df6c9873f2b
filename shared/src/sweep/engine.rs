//! The engine of one sweep run: the time from the cursor to now, each day's shards (and
//! the unsharded buckets) streamed page by page, each page's records read in one batch, each patient's items one
//! after another under the patient's lease.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use futures_util::stream::{self, StreamExt};

use super::batch::{self, fair_order, read_batch, Batch};
use super::{done, DueHandler, Failure, Handled, Snapshot, SweepOptions, SweepReport};
use crate::domain::{bucket_of, DueWork, Priority, Sweep, Task, TaskId, TaskKind, BUCKET_MINUTES};
use crate::keys;
use crate::ports::{DuePartition, LeasedClaim, PatientLease, Store, Write};
use crate::Result;

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
        holder: format!("{}#{}", sweep.as_str(), ulid::Ulid::new()),
    };
    let mut report = SweepReport {
        buckets: buckets(start, now_bucket).count(),
        ..SweepReport::default()
    };
    // The earliest bucket with work left in it.
    let mut left: Option<DateTime<Utc>> = None;
    // The oldest due item found: the run's lag (the `SweepLagSeconds` metric).
    let mut oldest: Option<DateTime<Utc>> = None;
    let mut day = start.date_naive();
    while day <= now.date_naive() && !report.stopped_early {
        // This day's part of [start, now], read with one stream per shard.
        let day_start = day.and_time(NaiveTime::MIN).and_utc();
        let (from, until) = (
            start.max(day_start),
            now.min(day_start + Duration::days(1) - Duration::milliseconds(1)),
        );
        for partition in DuePartition::shards(day) {
            engine
                .stream(
                    partition,
                    from,
                    until,
                    &mut report,
                    (&mut left, &mut oldest),
                )
                .await;
        }
        day = day.succ_opt().unwrap_or(day + Duration::days(1));
    }
    if opts.read_unsharded {
        for bucket in buckets(start, now_bucket) {
            let partition = DuePartition::Unsharded { bucket };
            engine
                .stream(
                    partition,
                    bucket,
                    now,
                    &mut report,
                    (&mut left, &mut oldest),
                )
                .await;
        }
    }
    let next_cursor = if report.stopped_early {
        start
    } else {
        left.map_or(now_bucket, |l| l.min(now_bucket))
    };
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
    let lag = oldest.map_or(0.0, |d| (now - d).num_milliseconds() as f64 / 1000.0);
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
        pages = report.pages,
        found = report.found,
        claimed = report.claimed,
        patient_busy = report.patient_busy,
        failures = report.failed,
        stopped_early = report.stopped_early,
        "sweep finished"
    );
    Ok(report)
}

/// The 5-minute buckets from `start` to `last`, both included.
fn buckets(start: DateTime<Utc>, last: DateTime<Utc>) -> impl Iterator<Item = DateTime<Utc>> {
    let step = Duration::minutes(BUCKET_MINUTES);
    std::iter::successors(Some(start), move |b| Some(*b + step)).take_while(move |b| *b <= last)
}

fn earliest(left: &mut Option<DateTime<Utc>>, bucket: DateTime<Utc>) {
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

impl Engine<'_> {
    /// Streams one partition's work due in `[from, until]` page by page, noting in `left`
    /// the earliest bucket where anything was left (a failure, a busy patient, the
    /// deadline).
    async fn stream(
        &self,
        partition: DuePartition,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        report: &mut SweepReport,
        (left, oldest): (&mut Option<DateTime<Utc>>, &mut Option<DateTime<Utc>>),
    ) {
        let mut cursor: Option<String> = None;
        loop {
            if self.opts.out_of_time() {
                report.stopped_early = true;
                return;
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
                    return;
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
                None => return,
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
    async fn run_patient(
        &self,
        group: Vec<DueWork>,
        batch: &Batch,
    ) -> (Vec<(DueWork, Outcome)>, Option<DueWork>) {
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

    pub(super) async fn handle_one(
        &self,
        due: &DueWork,
        batch: &Batch,
        fresh: bool,
        leased: &mut Option<DueWork>,
    ) -> std::result::Result<Option<Handled>, Busy> {
        let lease = self.opts.patient_lease_at(self.now, &self.holder);
        let claimed = match self
            .store
            .claim_due_leased(due, self.opts.lease_until(self.now), &lease)
            .await?
        {
            LeasedClaim::Claimed(c) => {
                leased.get_or_insert_with(|| c.clone());
                c
            }
            LeasedClaim::Gone => return Ok(None),
            LeasedClaim::PatientBusy => return Err(Busy::Patient),
        };
        if claimed.attempts > self.opts.max_attempts {
            give_up(self.store, &claimed, self.now).await?;
            return Ok(Some(Handled::Done("gave_up")));
        }
        if claimed.kind.sweep() != self.sweep {
            return Err(Busy::Failed(crate::Error::Invalid {
                field: "kind",
                reason: format!(
                    "{} is not {} work; it belongs to the {} sweep",
                    claimed.kind.label(),
                    self.sweep.as_str(),
                    claimed.kind.sweep().as_str()
                ),
            }));
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
        Ok(Some(handled?))
    }
}

/// Why an item was not handled here: another run holds its patient, or it failed.
#[derive(Debug)]
pub(super) enum Busy {
    Patient,
    Failed(crate::Error),
}

impl From<crate::Error> for Busy {
    fn from(e: crate::Error) -> Self {
        Busy::Failed(e)
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

impl SweepOptions {
    /// The patient lease a claim made by a run at `now` takes: measured like the claim's
    /// lease (the wall clock for deployed runs).
    pub fn patient_lease_at(&self, now: DateTime<Utc>, holder: &str) -> PatientLease {
        let from = match self.lease_clock {
            super::LeaseClock::WallClock => now.max(Utc::now()),
            super::LeaseClock::EventTime => now,
        };
        PatientLease {
            holder: holder.to_string(),
            until: from + self.patient_lease,
            now: from,
        }
    }

    /// Whether the run must stop starting work (its invocation's deadline is near).
    pub fn out_of_time(&self) -> bool {
        self.stop_at.is_some_and(|t| Utc::now() >= t)
    }
}
