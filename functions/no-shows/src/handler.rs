//! The job on the shared engine: the no-show check (pure, [`crate::check`], re-decided on
//! fresh records after a lost conditional write) and the follow-up ([`crate::follow_up`]).
//! "Now" is the event's `time`, so any minute can be replayed.

use async_trait::async_trait;
use frontdesk::domain::{DueKind, Sweep};
use frontdesk::sweep::{self, Claimed, Decided, DueHandler, Handled};

use crate::check::plan_check;
use crate::follow_up;

frontdesk::sweep_job!(
    /// The no-shows job: checks and follow-ups.
    NoShows,
    Sweep::NoShows
);

#[async_trait]
impl DueHandler for NoShows {
    async fn handle(&self, item: Claimed) -> frontdesk::Result<Handled> {
        let (claimed, snapshot, now) = item.into_parts();
        let store = self.deps.store.as_ref();
        if claimed.kind == DueKind::NoShowFollowUp {
            return follow_up::handle(&self.deps, &claimed, snapshot, now).await;
        }
        // The check sends nothing: after a lost conditional write it is simply decided
        // again on fresh records, so the patient's count is never lost or double-counted.
        match sweep::write_decided(store, &claimed, snapshot, |s| plan_check(&claimed, s, now))
            .await?
        {
            Decided::Written(handled) => Ok(handled),
            Decided::Act(never, _) => match never {},
        }
    }
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
