//! The decisions the adapter makes without asking DynamoDB: what a batch of port writes
//! becomes (and when it is refused before anything is sent), what a claim leaves stored,
//! page sizes, and how many requests a read by key costs. `testing::MemoryStore` calls the
//! same functions, so the fake refuses, counts and pages as the adapter does (the helpers
//! only the fake needs are compiled with it).

use chrono::{DateTime, Utc};

use super::codec::{self, Op};
use crate::domain::DueWork;
use crate::ports::Write;
use crate::{Error, Result};

/// Operations one TransactWriteItems may hold.
pub(crate) const TRANSACTION_MAX: usize = 100;
/// Keys one BatchGetItem may hold.
pub(crate) const BATCH_GET_MAX: usize = 100;
/// The largest page a listing returns.
pub(crate) const MAX_PAGE: usize = 1000;

/// The table operations of a batch: each write expanded, two writes of one item merged,
/// and the whole checked against the transaction limit.
pub(super) fn operations(writes: Vec<Write>) -> Result<Vec<Op>> {
    let mut ops = Vec::with_capacity(writes.len() + 2);
    for w in writes {
        codec::expand(w, &mut ops)?;
    }
    let ops = codec::collapse(ops)?;
    if ops.len() > TRANSACTION_MAX {
        return Err(Error::Storage(format!(
            "a batch of {} item writes exceeds DynamoDB's {TRANSACTION_MAX} per transaction; split it",
            ops.len()
        )));
    }
    Ok(ops)
}

#[cfg(any(test, feature = "testing"))]
/// Checks a batch as the adapter does before sending it (a malformed release, two writes
/// of one item that cannot be merged, too many item writes), returning how many item
/// writes it is.
pub(crate) fn check_batch(writes: &[Write]) -> Result<usize> {
    operations(writes.to_vec()).map(|ops| ops.len())
}

/// Due work as a successful claim leaves it: due at the end of the lease, one more attempt.
pub(crate) fn claimed(seen: &DueWork, lease_until: DateTime<Utc>) -> Result<DueWork> {
    let mut claimed = seen.clone();
    claimed.due_at = lease_until;
    claimed.attempts = seen
        .attempts
        .checked_add(1)
        .ok_or_else(|| Error::Storage("due work has run out of attempts; remove it".into()))?;
    Ok(claimed)
}

#[cfg(any(test, feature = "testing"))]
/// A claim still holds while the stored item is exactly as it was claimed.
pub(crate) fn still_held(stored: &DueWork, claimed: &DueWork) -> bool {
    stored.due_at == claimed.due_at && stored.attempts == claimed.attempts
}

/// The page size a listing uses for a requested `limit`.
pub(crate) fn page_limit(limit: usize) -> usize {
    limit.clamp(1, MAX_PAGE)
}

#[cfg(any(test, feature = "testing"))]
/// Requests a read of `distinct_keys` keys costs: none, one GetItem, or one BatchGetItem per
/// [`BATCH_GET_MAX`] keys (before any retry of unprocessed keys).
pub(crate) fn key_read_requests(distinct_keys: usize) -> usize {
    distinct_keys.div_ceil(BATCH_GET_MAX)
}
