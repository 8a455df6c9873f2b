//! Ending a claimed item, the same way for every job: the writes that finish or give back
//! the claim (`done`, `release`, `retry`), what a delivery becomes (`settle`, pure), and
//! committing it, a send through `record_sent` (a message that went out is recorded even
//! when the store is briefly down or the claim was lost meanwhile).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::deliver::{Delivered, Delivery};
use crate::domain::DueWork;
use crate::ports::{Store, Write};
use crate::{Error, Result};

use super::{Handled, Snapshot};

/// Re-sends of the record of a message that went out, when the store is unavailable.
const RECORD_ATTEMPTS: u32 = 3;
const RECORD_RETRY_DELAY: std::time::Duration = std::time::Duration::from_millis(250);
/// Decisions re-made on fresh records after a lost conditional write.
const DECIDE_TRIES: usize = 3;

/// Finishes the claim.
pub fn done(claimed: &DueWork) -> Write {
    Write::DoneDue {
        claimed: Box::new(claimed.clone()),
    }
}

/// Gives the claim back for `at` without counting it as a failed attempt (quiet hours,
/// office hours, a busy patient).
pub fn release(claimed: &DueWork, at: DateTime<Utc>) -> Write {
    Write::ReleaseDue {
        claimed: Box::new(claimed.clone()),
        next: Box::new(DueWork {
            due_at: at,
            attempts: claimed.attempts.saturating_sub(1),
            ..claimed.clone()
        }),
    }
}

/// Gives the claim back for `at`, counted as a failed attempt (after `max_attempts` the
/// engine hands the work to staff).
pub fn retry(claimed: &DueWork, at: DateTime<Utc>) -> Write {
    Write::ReleaseDue {
        claimed: Box::new(claimed.clone()),
        next: Box::new(DueWork {
            due_at: at,
            ..claimed.clone()
        }),
    }
}

/// What a job does when the provider cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnUnavailable {
    /// Fail the item: nothing is recorded and the lease brings it back.
    Fail,
    /// Give it back for this moment, counted as an attempt.
    RetryAt(DateTime<Utc>),
}

/// A delivery turned into the writes that record it and end the claim.
#[derive(Debug, Clone)]
pub struct Settled {
    /// The delivery's record (timeline, task, cap bookkeeping), without the claim.
    pub record: Vec<Write>,
    /// How the claim ends: finished, or given back for later.
    pub claim: Write,
    pub handled: Handled,
    /// A message went out: it cannot be unsent, so its record is not given up lightly.
    pub sent: bool,
}

/// Pure: what `delivered` becomes for `claimed`, reported as `label`.
pub fn settle(
    claimed: &DueWork,
    delivered: Delivered,
    label: &'static str,
    now: DateTime<Utc>,
    on_unavailable: OnUnavailable,
) -> Result<Settled> {
    let Delivered { delivery, writes } = delivered;
    let (claim, handled, sent) = match delivery {
        Delivery::Sent { .. } => (done(claimed), Handled::Done(label), true),
        Delivery::Task { .. } | Delivery::Suppressed { .. } | Delivery::Rejected { .. } => {
            (done(claimed), Handled::Done(label), false)
        }
        Delivery::Deferred { until } => (
            release(claimed, until.max(now)),
            Handled::Released(label),
            false,
        ),
        Delivery::Unavailable { reason } => match on_unavailable {
            OnUnavailable::Fail => return Err(Error::SendUnavailable(reason)),
            OnUnavailable::RetryAt(at) => {
                tracing::warn!(
                    practice_id = %claimed.practice_id,
                    attempts = claimed.attempts,
                    retry_at = %at,
                    reason = %reason,
                    "provider unavailable; the message will be retried"
                );
                (retry(claimed, at), Handled::Released(label), false)
            }
        },
    };
    Ok(Settled {
        record: writes,
        claim,
        handled,
        sent,
    })
}

/// Writes the job adds to a send's record, and how to renew them after a lost condition
/// (e.g. the patient stamped with the send, conditional on the version read).
#[async_trait]
pub trait SentRecord: Send + Sync {
    fn writes(&self) -> Vec<Write>;
    /// Re-reads what the writes are conditional on; false when nothing can be renewed.
    async fn refresh(&mut self, store: &dyn Store) -> Result<bool>;
}

/// Nothing to add.
pub struct NoExtra;

#[async_trait]
impl SentRecord for NoExtra {
    fn writes(&self) -> Vec<Write> {
        Vec::new()
    }
    async fn refresh(&mut self, _: &dyn Store) -> Result<bool> {
        Ok(false)
    }
}

/// Commits a settlement in one transaction; a send through [`record_sent`].
pub async fn commit(
    store: &dyn Store,
    claimed: &DueWork,
    settled: Settled,
    extra: &mut dyn SentRecord,
) -> Result<Handled> {
    if settled.sent {
        record_sent(store, claimed, settled.record, extra).await?;
    } else {
        let mut writes = settled.record;
        writes.push(settled.claim);
        store.write(writes).await?;
    }
    Ok(settled.handled)
}

/// Records a message that went out, finishing its claim in the same transaction. A store
/// briefly unavailable is retried; a lost condition renews `extra` and tries again; if the
/// claim is no longer ours (the appointment moved or was cancelled while the message went
/// out) the send is still recorded, without the claim.
pub async fn record_sent(
    store: &dyn Store,
    claimed: &DueWork,
    record: Vec<Write>,
    extra: &mut dyn SentRecord,
) -> Result<()> {
    let mut with_claim = true;
    let mut attempt = 1;
    let mut conflicts = 0;
    loop {
        let mut writes = extra.writes();
        writes.extend(record.iter().cloned());
        if with_claim {
            writes.push(done(claimed));
        }
        match store.write(writes).await {
            Ok(()) => return Ok(()),
            Err(Error::Conflict) => {
                conflicts += 1;
                if conflicts < DECIDE_TRIES && extra.refresh(store).await? {
                    continue;
                }
                if !with_claim {
                    return Err(Error::Conflict);
                }
                tracing::warn!(
                    practice_id = %claimed.practice_id,
                    "a message went out but its due work changed meanwhile; recording the send alone"
                );
                with_claim = false;
                conflicts = 0;
            }
            Err(e) if attempt < RECORD_ATTEMPTS => {
                tracing::warn!(practice_id = %claimed.practice_id, attempt, error = %e, "recording a sent message failed; retrying");
                tokio::time::sleep(RECORD_RETRY_DELAY * attempt).await;
                attempt += 1;
            }
            Err(e) => {
                tracing::error!(
                    practice_id = %claimed.practice_id,
                    error = %e,
                    "a message went out but could not be recorded"
                );
                return Err(e);
            }
        }
    }
}

/// What a pure decision asks for: writes that end the item, or an action (a delivery).
#[derive(Debug, Clone)]
pub enum Plan<A> {
    Write {
        writes: Vec<Write>,
        handled: Handled,
    },
    Act(A),
}

impl<A> Plan<A> {
    /// Only the claim finished, reported as `label`.
    pub fn finish(claimed: &DueWork, label: &'static str) -> Self {
        Plan::Write {
            writes: vec![done(claimed)],
            handled: Handled::Done(label),
        }
    }
}

/// How a decision ended: written, or an action to perform on the records it was made on.
pub enum Decided<A> {
    Written(Handled),
    Act(A, Box<Snapshot>),
}

/// Decides on `snapshot` and writes the decision; after a lost conditional write (the
/// records changed meanwhile) re-reads them and decides again, so nothing is lost or
/// counted twice.
pub async fn write_decided<A, F>(
    store: &dyn Store,
    claimed: &DueWork,
    mut snapshot: Snapshot,
    decide: F,
) -> Result<Decided<A>>
where
    F: Fn(&Snapshot) -> Result<Plan<A>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match decide(&snapshot)? {
            Plan::Act(a) => return Ok(Decided::Act(a, Box::new(snapshot))),
            Plan::Write { writes, handled } => match store.write(writes).await {
                Ok(()) => return Ok(Decided::Written(handled)),
                Err(Error::Conflict) if tries < DECIDE_TRIES => {
                    tracing::info!(
                        practice_id = %claimed.practice_id,
                        job = %claimed.kind.label(),
                        "a decision lost a conditional write; re-reading"
                    );
                    snapshot = Snapshot::read(store, claimed).await?;
                }
                Err(e) => return Err(e),
            },
        }
    }
}
