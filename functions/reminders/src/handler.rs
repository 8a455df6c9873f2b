//! The Lambda handler: one EventBridge scheduled event in, one sweep of the reminders
//! partition of the due-work index, the report out.
//!
//! The sweep engine ([`frontdesk::sweep`]) finds, batches and claims the work; `Jobs`
//! decides what each claimed item becomes. Every item ends in exactly one `store.write`
//! that also finishes (`DoneDue`) or gives back (`ReleaseDue`) its claim, so a reminder
//! costs two DynamoDB requests: the claim and that transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk::domain::{AppointmentStatus, DueKind, DueWork, Sweep};
use frontdesk::ports::Write;
use frontdesk::sweep::{self, Batch, Deps, DueHandler, Handled, SweepError, SweepReport};
use lambda_runtime::{Diagnostic, LambdaEvent};

use crate::jobs::{Current, Jobs};
use crate::ledger::SendLedger;
use crate::{deadline, reminder};

/// The Lambda entry point: "now" is the event's `time`. Returns the sweep report as JSON.
/// Partial failures are in the report (and logged); when every item tried failed, the
/// invocation fails too, so alarms see it.
pub async fn handle(
    deps: &Deps,
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, Diagnostic> {
    sweep::handle_event(Sweep::Reminders, event, |now| run(deps, now)).await
}

/// One sweep at `now`: reminders and confirmation deadlines due at or before it, including
/// any a missed or failed run left behind.
pub async fn run(deps: &Deps, now: DateTime<Utc>) -> Result<SweepReport, SweepError> {
    let jobs = Jobs {
        store: deps.store.as_ref(),
        senders: &deps.senders,
        ledger: SendLedger::default(),
    };
    sweep::run_logged(deps, Sweep::Reminders, now, &jobs).await
}

/// Why claimed work no longer applies.
fn staleness<'b>(claimed: &DueWork, batch: &'b Batch) -> Result<Current<'b>, &'static str> {
    let appointment = batch.appointment(claimed).ok_or("appointment_missing")?;
    if appointment.status != AppointmentStatus::Scheduled {
        return Err("not_scheduled");
    }
    if appointment.starts_at != claimed.planned_for {
        return Err("moved");
    }
    if appointment.patient_id != claimed.patient_id {
        return Err("patient_changed");
    }
    let practice = batch.practice(claimed).ok_or("practice_missing")?;
    let patient = batch.patient(claimed).ok_or("patient_missing")?;
    Ok(Current {
        practice,
        patient,
        appointment,
    })
}

#[async_trait]
impl DueHandler for Jobs<'_> {
    async fn handle(
        &self,
        claimed: DueWork,
        batch: &Batch,
        now: DateTime<Utc>,
    ) -> frontdesk::Result<Handled> {
        let current = match staleness(&claimed, batch) {
            Ok(c) => c,
            Err(reason) => {
                tracing::info!(
                    practice_id = %claimed.practice_id,
                    job = %claimed.kind.label(),
                    reason,
                    "stale due work dropped without sending"
                );
                self.finish(claimed).await?;
                return Ok(Handled::Done("stale"));
            }
        };
        let handled = match &claimed.kind {
            DueKind::Reminder { offset } => {
                let offset = *offset;
                reminder::remind(self, claimed.clone(), offset, &current, now).await?
            }
            DueKind::ConfirmationDeadline => {
                deadline::check(self, claimed.clone(), &current, now).await?
            }
            other => {
                // The engine only hands this function the reminders partition.
                return Err(frontdesk::Error::Invalid {
                    field: "kind",
                    reason: format!(
                        "{} is not reminders work; it belongs to the {} sweep",
                        other.label(),
                        other.sweep().as_str()
                    ),
                });
            }
        };
        let label = match &handled {
            Handled::Done(l) | Handled::Released(l) => *l,
        };
        tracing::debug!(practice_id = %claimed.practice_id, job = %claimed.kind.label(), outcome = label, "due work handled");
        Ok(handled)
    }
}

impl Jobs<'_> {
    /// Finishes claimed work with nothing else to write.
    pub(crate) async fn finish(&self, claimed: DueWork) -> frontdesk::Result<()> {
        self.store
            .write(vec![Write::DoneDue {
                claimed: Box::new(claimed),
            }])
            .await
    }
}
