//! Fan-out: a sweep's scheduled invocation (the coordinator) enqueues work units on one
//! SQS queue, and `sweep-worker` invocations stream them.
//!
//! - A [`Unit`] is one due-work partition (one UTC day's shard, or one unsharded bucket)
//!   and the part of `[cursor, now]` it covers, with "now" the coordinator's event time.
//!   [`plan_units`] is the pure plan; [`coordinate`] enqueues it, then moves the sweep's
//!   cursor to now's bucket: from then on the queue holds that work (its messages outlive
//!   a worker), so the next tick plans only what became due since.
//! - [`work_unit`] streams the unit's partition page by page (`due_page` with `Limit`).
//!   Its checkpoint is the page cursor: near the invocation's deadline it stops between
//!   pages and enqueues the unit's continuation from that page. Items it leaves (another
//!   run holds the patient, a failure) come back as a delayed retry of the unit from the
//!   earliest bucket left; after [`MAX_RETRIES`] the message fails instead, so SQS
//!   redelivers it and then moves it to the dead-letter queue.
//! - Redelivered or duplicated units do no harm: every item is claimed with a conditional
//!   write (with the patient's lease) before anything is sent, and a finished item leaves
//!   the index. A worker killed mid-page leaves its claimed items to come back when their
//!   lease ends (measured from the wall clock), re-indexed at that time, so a later tick
//!   plans them again.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::engine::{finished, partitions, start_of};
use super::stream::{Engine, Streamed};
use super::{DueHandler, SweepOptions, SweepReport};
use crate::domain::{bucket_of, Sweep};
use crate::ports::{DuePartition, Store, Write};
use crate::Result;

/// Retries of a unit that keeps leaving work before its message fails (and after the
/// queue's `maxReceiveCount` receives, lands in the dead-letter queue).
pub const MAX_RETRIES: u32 = 8;

/// How long a retry waits: past a busy patient's lease (2 minutes) and most of a claim's.
pub const RETRY_DELAY_SECONDS: u32 = 180;

/// One unit of a sweep's due work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub sweep: Sweep,
    pub partition: DuePartition,
    /// Work due in `[from, until]`; `until` is the coordinator's "now" (the worker
    /// decides at that moment; its leases run from the wall clock).
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// The page to continue from (a `due_page` cursor); `None`: the partition's start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// Retries so far (see [`MAX_RETRIES`]).
    #[serde(default)]
    pub retries: u32,
}

impl Unit {
    /// Parses a queue message's body, checking the shard and the range.
    pub fn parse(body: &str) -> Result<Unit> {
        let unit: Unit = serde_json::from_str(body).map_err(|e| crate::Error::Invalid {
            field: "unit",
            reason: format!("not a sweep work unit ({e}); only coordinators enqueue units"),
        })?;
        if let DuePartition::Shard { shard, .. } = unit.partition {
            if shard >= crate::keys::DUE_SHARDS {
                return Err(crate::Error::Invalid {
                    field: "unit.partition.shard",
                    reason: format!("shard {shard} is not below {}", crate::keys::DUE_SHARDS),
                });
            }
        }
        if unit.from > unit.until {
            return Err(crate::Error::Invalid {
                field: "unit.from",
                reason: "the unit's range ends before it starts".into(),
            });
        }
        Ok(unit)
    }

    /// The message body.
    pub fn body(&self) -> String {
        // A struct of strings, numbers and timestamps always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A unit to enqueue, and how long the queue holds it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub unit: Unit,
    pub delay_seconds: u32,
}

/// A message received from the queue.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub body: String,
    pub receipt: String,
}

/// The work-unit queue (SQS deployed and on moto; [`crate::testing::MemoryQueue`] in unit
/// tests). `receive` and `delete` are what an event source mapping does; the local
/// gateway and the tests drain with them.
#[async_trait]
pub trait UnitQueue: Send + Sync {
    /// Enqueues every unit, or fails (some may have been enqueued: a duplicate is
    /// harmless).
    async fn enqueue(&self, units: Vec<Queued>) -> Result<()>;
    /// Up to `max` visible messages, hidden for the queue's visibility timeout.
    async fn receive(&self, max: usize) -> Result<Vec<Received>>;
    /// Removes a handled message.
    async fn delete(&self, receipt: &str) -> Result<()>;
}

/// The units covering `sweep`'s work due in `[start, now]`: one per UTC day per shard,
/// and one per unsharded bucket if `read_unsharded`.
pub fn plan_units(
    sweep: Sweep,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    opts: &SweepOptions,
) -> Vec<Unit> {
    partitions(start, now, opts)
        .into_iter()
        .map(|(partition, (from, until))| Unit {
            sweep,
            partition,
            from,
            until,
            page: None,
            retries: 0,
        })
        .collect()
}

/// What a coordinator did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Coordinated {
    pub sweep: Sweep,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub units: usize,
}

/// The coordinator: plans `sweep`'s units from its cursor to `now`, enqueues them, then
/// moves the cursor to now's bucket. If enqueueing fails the cursor stays (the next tick
/// plans the same units again; the ones enqueued do no harm twice).
pub async fn coordinate(
    store: &dyn Store,
    queue: &dyn UnitQueue,
    sweep: Sweep,
    now: DateTime<Utc>,
    opts: &SweepOptions,
) -> Result<Coordinated> {
    let start = start_of(store, sweep, now, opts).await?;
    let units = plan_units(sweep, start, now, opts);
    let count = units.len();
    queue
        .enqueue(
            units
                .into_iter()
                .map(|unit| Queued {
                    unit,
                    delay_seconds: 0,
                })
                .collect(),
        )
        .await?;
    let cursor = bucket_of(now);
    if cursor != start {
        store
            .write(vec![Write::SweepCursor {
                sweep,
                bucket: cursor,
            }])
            .await?;
    }
    tracing::info!(
        sweep = sweep.as_str(),
        units = count,
        "sweep work units enqueued"
    );
    Ok(Coordinated {
        sweep,
        from: start,
        until: now,
        units: count,
    })
}

/// How a unit's message ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitEnd {
    /// Done with the message (delete it): the unit is finished, or its continuation and
    /// retry are enqueued.
    Settled { continued: bool, retried: bool },
    /// Fail the message (a batch item failure): SQS redelivers it, then dead-letters it.
    Failed(String),
}

/// Streams one unit with `handler`, then enqueues its continuation (stopped near the
/// deadline) and its retry (work left), as [`Unit`]'s docs say.
pub async fn work_unit(
    store: &dyn Store,
    queue: &dyn UnitQueue,
    unit: &Unit,
    opts: &SweepOptions,
    handler: &dyn DueHandler,
) -> (SweepReport, UnitEnd) {
    let engine = Engine::new(store, unit.sweep, unit.until, opts, handler);
    let mut report = SweepReport {
        buckets: 1,
        ..SweepReport::default()
    };
    let (mut left, mut oldest) = (None, None);
    let streamed = engine
        .stream(
            unit.partition,
            (unit.from, unit.until),
            unit.page.clone(),
            &mut report,
            (&mut left, &mut oldest),
        )
        .await;
    finished(unit.sweep, unit.until, oldest, &report);
    let mut follow = Vec::new();
    let continued = matches!(streamed, Streamed::Stopped { .. });
    if let Streamed::Stopped { page } = streamed {
        follow.push(Queued {
            unit: Unit {
                page,
                ..unit.clone()
            },
            delay_seconds: 0,
        });
    }
    if let Some(bucket) = left {
        if unit.retries >= MAX_RETRIES {
            return (
                report,
                UnitEnd::Failed(format!(
                    "{} still left work after {MAX_RETRIES} retries",
                    unit.partition.key(unit.sweep)
                )),
            );
        }
        follow.push(Queued {
            unit: Unit {
                from: unit.from.max(bucket),
                page: None,
                retries: unit.retries + 1,
                ..unit.clone()
            },
            delay_seconds: RETRY_DELAY_SECONDS,
        });
    }
    let retried = left.is_some();
    if follow.is_empty() {
        return (report, UnitEnd::Settled { continued, retried });
    }
    match queue.enqueue(follow).await {
        Ok(()) => (report, UnitEnd::Settled { continued, retried }),
        Err(e) => (
            report,
            UnitEnd::Failed(format!("the unit's continuation was not enqueued: {e}")),
        ),
    }
}
