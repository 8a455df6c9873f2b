//! The job on the shared engine: the engine finds, batches, claims and serialises the
//! work; [`crate::decide`] decides each claimed item on its snapshot; a reminder to send
//! goes to `reminder`. Every item ends in exactly one `store.write` that also finishes
//! (`DoneDue`) or gives back (`ReleaseDue`) its claim, so a reminder costs two DynamoDB
//! requests: the claim and that transaction.

use async_trait::async_trait;
use frontdesk::domain::Sweep;
use frontdesk::sweep::{self, Claimed, Decided, DueHandler, Handled};

use crate::decide::plan;
use crate::reminder;

frontdesk::sweep_job!(
    /// The reminders job: reminders and confirmation deadlines.
    Reminders,
    Sweep::Reminders
);

#[async_trait]
impl DueHandler for Reminders {
    async fn handle(&self, item: Claimed) -> frontdesk::Result<Handled> {
        let (claimed, snapshot, now) = item.into_parts();
        let store = self.deps.store.as_ref();
        match sweep::write_decided(store, &claimed, snapshot, |s| plan(&claimed, s, now)).await? {
            Decided::Written(handled) => Ok(handled),
            Decided::Act(purpose, snapshot) => {
                reminder::remind(&self.deps, &claimed, purpose, &snapshot, now).await
            }
        }
    }
}
