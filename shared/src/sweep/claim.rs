//! Claiming and handling one due item: the claim with the patient's lease (from the wall
//! clock when deployed), the hand-over to staff after repeated attempts, the snapshot, the
//! job's handler.

use chrono::{DateTime, Utc};

use super::batch::Batch;
use super::stream::Engine;
use super::{done, Failure, Handled, Snapshot, SweepOptions};
use crate::domain::{DueWork, Priority, Task, TaskId, TaskKind};
use crate::keys;
use crate::ports::{LeasedClaim, PatientLease, Store, Write};
use crate::Result;

impl Engine<'_> {
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
        let handled = self
            .handler
            .handle(super::Claimed::new(claimed, snapshot, self.now))
            .await;
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

pub(super) fn failure(d: &DueWork, e: &crate::Error) -> Failure {
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
