//! The Lambda handler: an EventBridge scheduled event in, the sweep report out. "Now" is
//! the event's `time`, so any minute can be replayed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::{DueKind, DueWork, Sweep};
use frontdesk::ports::Store;
use frontdesk::sweep::{self, Batch, Deps, DueHandler, Handled, SweepError, SweepReport};
use lambda_runtime::{Diagnostic, LambdaEvent};

use crate::check::plan_check;
use crate::follow_up;
use frontdesk::sweep::Snapshot;

/// How often a check is re-read and re-tried in the same run when a conditional write
/// lost (the patient or appointment changed meanwhile, e.g. an inbound text).
const CHECK_TRIES: usize = 3;

pub async fn handle(
    deps: &Deps,
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, Diagnostic> {
    sweep::handle_event(Sweep::NoShows, event, |now| run(deps, now)).await
}

/// Runs the no-shows sweep at `now`. Partial failures are in the report (and logged);
/// `Err` only when work was found and none of it succeeded.
pub async fn run(deps: &Deps, now: DateTime<Utc>) -> Result<SweepReport, SweepError> {
    let handler = NoShowHandler {
        store: deps.store.as_ref(),
        senders: &deps.senders,
    };
    sweep::run_logged(deps, Sweep::NoShows, now, &handler).await
}

struct NoShowHandler<'a> {
    store: &'a dyn Store,
    senders: &'a Senders,
}

#[async_trait]
impl DueHandler for NoShowHandler<'_> {
    async fn handle(
        &self,
        claimed: DueWork,
        batch: &Batch,
        now: DateTime<Utc>,
    ) -> frontdesk::Result<Handled> {
        let snapshot = Snapshot::from_batch(batch, &claimed);
        let handled = match claimed.kind {
            DueKind::NoShowCheck => self.check(&claimed, snapshot, now).await,
            DueKind::NoShowFollowUp => {
                follow_up::handle(self.store, self.senders, claimed.clone(), snapshot, now).await
            }
            DueKind::Reminder { .. } | DueKind::ConfirmationDeadline | DueKind::ReviewRequest => {
                Err(frontdesk::Error::Invalid {
                    field: "kind",
                    reason: format!(
                        "{} is not no-shows work; it belongs to the {} sweep",
                        claimed.kind.label(),
                        claimed.kind.sweep().as_str()
                    ),
                })
            }
        };
        match &handled {
            Ok(Handled::Done(label) | Handled::Released(label)) => tracing::info!(
                practice_id = %claimed.practice_id,
                appointment_id = %claimed.appointment_id,
                job = %claimed.kind.label(),
                outcome = *label,
                "due work handled"
            ),
            Err(e) => tracing::warn!(
                practice_id = %claimed.practice_id,
                appointment_id = %claimed.appointment_id,
                job = %claimed.kind.label(),
                error = %e,
                "due work failed; it comes back after its lease"
            ),
        }
        handled
    }
}

impl NoShowHandler<'_> {
    /// The check sends nothing, so after a lost conditional write it is simply decided
    /// again on fresh records: the patient's count is never lost and never double-counted.
    async fn check(
        &self,
        claimed: &DueWork,
        mut snapshot: Snapshot,
        now: DateTime<Utc>,
    ) -> frontdesk::Result<Handled> {
        let mut tries = 0;
        loop {
            tries += 1;
            let plan = plan_check(claimed, &snapshot, now)?;
            match self.store.write(plan.writes).await {
                Ok(()) => return Ok(Handled::Done(plan.label)),
                Err(frontdesk::Error::Conflict) if tries < CHECK_TRIES => {
                    tracing::info!(
                        practice_id = %claimed.practice_id,
                        appointment_id = %claimed.appointment_id,
                        "no-show check lost a conditional write; re-reading"
                    );
                    snapshot = Snapshot::read(self.store, claimed).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
