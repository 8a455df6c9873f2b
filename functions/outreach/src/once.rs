//! Once per occasion, the same for every per-patient outreach job (birthdays, recall):
//! the occasion's claim is taken in the same transaction that moves the patient's item on
//! (to the next occasion, or done), before anything is sent; then the shared delivery path
//! (after the send governor) and one transaction of its record. A duplicate or overlapping
//! run, or an item a patient write planned again, finds the claim taken and only moves the
//! item on. The cost of that order: a provider outage at the send loses that occasion's
//! message instead of risking two.

use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::{deliver, Delivery, Outbound};
use frontdesk::domain::DueWork;
use frontdesk::ports::{Store, Write};
use frontdesk::sweep::{Deps, Handled, Lane};

/// One occasion of a claimed item.
pub struct Occasion {
    /// The claim's key (`birthday:<patient>:<year>`…).
    pub key: String,
    /// How long the claim is kept (past the next occasion's item).
    pub kept: Duration,
    /// The claimed item moved on to the next occasion, or finished.
    pub next: Write,
    /// The report's label for a delivery.
    pub label: fn(&Delivery) -> &'static str,
    /// The report's label when the occasion was claimed already.
    pub already: &'static str,
}

/// Writes `writes` (which end the claim); a lost claim (a patient write planned the item
/// again meanwhile) leaves the new item to the next run.
pub async fn end(
    store: &dyn Store,
    writes: Vec<Write>,
    label: &'static str,
) -> frontdesk::Result<Handled> {
    match store.write(writes).await {
        Ok(()) => Ok(Handled::Done(label)),
        Err(frontdesk::Error::Conflict) => Ok(Handled::Done("replanned")),
        Err(e) => Err(e),
    }
}

/// Claims the occasion with the item moved on, then delivers `outbound` and records it.
pub async fn claim_then_deliver(
    deps: &Deps,
    claimed: &DueWork,
    outbound: Outbound<'_>,
    occasion: Occasion,
    now: DateTime<Utc>,
) -> frontdesk::Result<Handled> {
    let store = deps.store.as_ref();
    let claim = Write::Claim {
        practice_id: claimed.practice_id.clone(),
        key: occasion.key,
        expires_at: now + occasion.kept,
    };
    match store.write(vec![claim, occasion.next.clone()]).await {
        Ok(()) => {}
        Err(frontdesk::Error::Conflict) => {
            return end(store, vec![occasion.next], occasion.already).await
        }
        Err(e) => return Err(e),
    }
    // Waiting here is never a failed attempt (see the governor).
    let _permit = deps
        .governor
        .acquire(
            outbound.practice,
            outbound.patient.preferred_channel,
            Lane::Bulk,
        )
        .await;
    let delivered = deliver(&deps.senders, outbound, now).await;
    let label = (occasion.label)(&delivered.delivery);
    if let Delivery::Unavailable { .. } = delivered.delivery {
        tracing::warn!(
            practice_id = %claimed.practice_id,
            job = %claimed.kind.label(),
            "the provider was unavailable; this occasion's message is not retried (it is never sent twice)"
        );
    }
    if !delivered.writes.is_empty() {
        store.write(delivered.writes).await?;
    }
    Ok(Handled::Done(label))
}
