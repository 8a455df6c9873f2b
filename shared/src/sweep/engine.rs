//! One whole sweep run in one invocation: the time from the cursor to now, each day's
//! shards (and the unsharded buckets) streamed ([`super::stream`]), the cursor moved to
//! the earliest bucket with work left. The fan-out path ([`super::fanout`]) streams the
//! same partitions as work units on a queue instead.

use chrono::{DateTime, Duration, NaiveTime, Utc};

#[cfg(test)]
pub(super) use super::claim::Busy;
pub(super) use super::stream::Engine;
use super::stream::Streamed;
use super::{DueHandler, Failure, SweepOptions, SweepReport};
use crate::domain::{bucket_of, Sweep, BUCKET_MINUTES};
use crate::ports::{DuePartition, Store, Write};
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
    let start = start_of(store, sweep, now, opts).await?;
    let engine = Engine::new(store, sweep, now, opts, handler);
    let mut report = SweepReport {
        buckets: buckets(start, now_bucket).count(),
        ..SweepReport::default()
    };
    // The earliest bucket with work left in it.
    let mut left: Option<DateTime<Utc>> = None;
    // The oldest due item found: the run's lag (the `SweepLagSeconds` metric).
    let mut oldest: Option<DateTime<Utc>> = None;
    for (partition, range) in partitions(start, now, opts) {
        if report.stopped_early {
            break;
        }
        let streamed = engine
            .stream(
                partition,
                range,
                None,
                &mut report,
                (&mut left, &mut oldest),
            )
            .await;
        if let Streamed::Stopped { .. } = streamed {
            report.stopped_early = true;
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
    finished(sweep, now, oldest, &report);
    Ok(report)
}

/// The bucket a run at `now` starts from: the sweep's cursor (first run:
/// `first_run_lookback` before now), never more than `max_catch_up` back.
pub(super) async fn start_of(
    store: &dyn Store,
    sweep: Sweep,
    now: DateTime<Utc>,
    opts: &SweepOptions,
) -> Result<DateTime<Utc>> {
    let floor = bucket_of(now - opts.max_catch_up);
    Ok(match store.sweep_cursor(sweep).await? {
        Some(c) => c.max(floor),
        None => bucket_of(now - opts.first_run_lookback).max(floor),
    })
}

/// A part of a sweep's time: work due in `[from, until]`.
pub(super) type Range = (DateTime<Utc>, DateTime<Utc>);

/// Every partition holding work due in `[start, now]` with the part of that range it
/// covers: each UTC day's shards (that day's part), then (if `read_unsharded`) each
/// bucket's unsharded partition.
pub(super) fn partitions(
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    opts: &SweepOptions,
) -> Vec<(DuePartition, Range)> {
    let mut out = Vec::new();
    let mut day = start.date_naive();
    while day <= now.date_naive() {
        let day_start = day.and_time(NaiveTime::MIN).and_utc();
        let range = (
            start.max(day_start),
            now.min(day_start + Duration::days(1) - Duration::milliseconds(1)),
        );
        out.extend(DuePartition::shards(day).map(|p| (p, range)));
        day = day.succ_opt().unwrap_or(day + Duration::days(1));
    }
    if opts.read_unsharded {
        out.extend(
            buckets(start, bucket_of(now))
                .map(|bucket| (DuePartition::Unsharded { bucket }, (bucket, now))),
        );
    }
    out
}

/// The run's metrics and its summary line.
pub(super) fn finished(
    sweep: Sweep,
    now: DateTime<Utc>,
    oldest: Option<DateTime<Utc>>,
    report: &SweepReport,
) {
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
}

/// The 5-minute buckets from `start` to `last`, both included.
pub(super) fn buckets(
    start: DateTime<Utc>,
    last: DateTime<Utc>,
) -> impl Iterator<Item = DateTime<Utc>> {
    let step = Duration::minutes(BUCKET_MINUTES);
    std::iter::successors(Some(start), move |b| Some(*b + step)).take_while(move |b| *b <= last)
}
