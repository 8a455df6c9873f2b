//! Due-work types of the storage port: the due index's partitions, and the patient's
//! sending lease a claim takes.

use chrono::{DateTime, NaiveDate, Utc};

use super::Store;
use crate::domain::{DueWork, Sweep};
use crate::Result;

/// A partition of a sweep's due work on the due-work index (GSI1). Serialised in the
/// sweeps' work units (`{"kind":"shard","day":"2026-01-01","shard":7}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DuePartition {
    /// `DUE#<sweep>#<day>#<shard>`: one shard (`0..keys::DUE_SHARDS`) of one UTC day.
    Shard { day: NaiveDate, shard: u32 },
    /// `DUE#<sweep>#<bucket>`: one 5-minute bucket of work indexed before sharding, read
    /// until drained. A claim or release re-indexes an item under its shard.
    Unsharded { bucket: DateTime<Utc> },
}

impl DuePartition {
    /// Every shard of `day`.
    pub fn shards(day: NaiveDate) -> impl Iterator<Item = DuePartition> {
        (0..crate::keys::DUE_SHARDS).map(move |shard| DuePartition::Shard { day, shard })
    }

    /// The partition an item is indexed under now.
    pub fn of(d: &DueWork) -> DuePartition {
        DuePartition::Shard {
            day: d.due_at.date_naive(),
            shard: crate::keys::due_shard_of(d),
        }
    }

    /// Its GSI1 partition key for `sweep`.
    pub fn key(self, sweep: Sweep) -> String {
        match self {
            DuePartition::Shard { day, shard } => crate::keys::due_shard_pk(sweep, day, shard),
            DuePartition::Unsharded { bucket } => {
                crate::keys::due_bucket_pk(sweep, crate::domain::bucket_of(bucket))
            }
        }
    }
}

/// A patient's sending lease, taken with each claim of due work for the patient: while it
/// lasts, only its holder (one sweep run) claims that patient's work, so two sweeps or two
/// overlapping runs never decide and send to one patient at the same time. It ends by
/// itself at `until`; its holder renews it with each further claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientLease {
    /// The run holding it (unique per run).
    pub holder: String,
    pub until: DateTime<Utc>,
    /// The wall-clock time of the claim: another holder's lease ended before it is free.
    pub now: DateTime<Utc>,
}

/// What a claim under a patient lease came to.
#[derive(Debug, Clone, PartialEq)]
pub enum LeasedClaim {
    /// Claimed, and the patient's lease is ours until the lease's `until`.
    Claimed(DueWork),
    /// Claimed by another run, re-planned or removed: it is not this run's to do.
    Gone,
    /// Another run holds the patient's lease: the work is untouched and stays where it is.
    PatientBusy,
}

/// Items per due-work page (the most `due_page` returns).
pub const DUE_PAGE: usize = 100;

/// Every item of one sweep's 5-minute bucket due at or before `until` (see
/// [`Store::due_in_bucket`]): every page of the bucket's day's shards, then of its
/// unsharded partition, in due order.
pub(super) async fn every_due_in_bucket<S: Store + ?Sized>(
    store: &S,
    sweep: Sweep,
    bucket: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<DueWork>> {
    let start = crate::domain::bucket_of(bucket);
    let end = start + chrono::Duration::minutes(crate::domain::BUCKET_MINUTES)
        - chrono::Duration::milliseconds(1);
    let until = until.min(end);
    let mut out = Vec::new();
    let partitions = DuePartition::shards(start.date_naive())
        .chain(std::iter::once(DuePartition::Unsharded { bucket: start }));
    for partition in partitions {
        let mut cursor: Option<String> = None;
        loop {
            let page = store
                .due_page(sweep, partition, start, until, cursor.as_deref(), DUE_PAGE)
                .await?;
            out.extend(page.items);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    out.sort_by_key(crate::keys::due_sort);
    Ok(out)
}
