//! One claimed recipient: cancelled → nothing; a caller → the call list; otherwise the
//! shared delivery path (preferred channel only, consent for the broadcast's kind, quiet
//! hours deferred, caps, channel health), within the run's budget. The recipient's outcome
//! is written in the same transaction that records the send and ends the claim.

use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::{deliver, Outbound};
use frontdesk::domain::{Broadcast, DueWork, Priority, Purpose, Recipient, RecipientOutcome};
use frontdesk::policy::route;
use frontdesk::ports::Write;
use frontdesk::sweep::{self, Handled, NoExtra, OnUnavailable, Snapshot};

use super::content::content;
use super::decide::{self, Step};
use super::Broadcasts;

/// A provider that cannot be reached: try again after this.
const RETRY: Duration = Duration::minutes(5);

fn recipient(b: &DueWork, outcome: RecipientOutcome, now: DateTime<Utc>) -> Option<Write> {
    let broadcast_id = b.broadcast_id()?;
    Some(Write::BroadcastRecipient {
        recipient: Box::new(Recipient {
            practice_id: b.practice_id.clone(),
            broadcast_id,
            patient_id: b.patient_id.clone(),
            outcome,
            at: now,
        }),
        create: false,
    })
}

pub async fn send(
    job: &Broadcasts,
    claimed: &DueWork,
    snapshot: &Snapshot,
    broadcast: Option<&Broadcast>,
    now: DateTime<Utc>,
) -> frontdesk::Result<Handled> {
    let store = job.deps.store.as_ref();
    let Some(practice) = snapshot.practice.as_ref() else {
        store.write(vec![sweep::done(claimed)]).await?;
        return Ok(Handled::Done("broadcast_practice_gone"));
    };
    let settings = &practice.settings;
    let settle_as = |outcome: RecipientOutcome, label: &'static str| async move {
        let mut writes: Vec<Write> = recipient(claimed, outcome, now).into_iter().collect();
        writes.push(sweep::done(claimed));
        store.write(writes).await?;
        Ok(Handled::Done(label))
    };
    match decide::step(broadcast, snapshot.patient.as_ref(), settings, now) {
        Step::Cancelled => {
            return settle_as(RecipientOutcome::Cancelled, "broadcast_cancelled").await
        }
        Step::PatientGone => {
            let gone = RecipientOutcome::Suppressed {
                code: "patient_gone".into(),
            };
            return settle_as(gone, "broadcast_patient_gone").await;
        }
        Step::CallList => {
            return settle_as(RecipientOutcome::CallList, "broadcast_call_list").await
        }
        Step::Deliver { sends } => {
            if sends && !job.budget.take(&claimed.practice_id) {
                // Over this run's budget: the next run, uncounted.
                store
                    .write(vec![sweep::release(claimed, now + Duration::minutes(1))])
                    .await?;
                return Ok(Handled::Released("broadcast_paced"));
            }
        }
    }
    let (Some(b), Some(patient)) = (broadcast, snapshot.patient.as_ref()) else {
        return settle_as(RecipientOutcome::Cancelled, "broadcast_cancelled").await;
    };
    let decided = route(patient, settings, b.kind, now, None);
    let delivered = deliver(
        &job.deps.senders,
        Outbound {
            practice,
            patient,
            kind: b.kind,
            purpose: Purpose::Broadcast,
            appointment_id: None,
            not_after: None,
            content: content(b, settings, patient)?,
            task_priority: Priority::Normal,
            task_due: now,
        },
        now,
    )
    .await;
    if !matches!(
        delivered.delivery,
        frontdesk::deliver::Delivery::Sent { .. }
    ) {
        job.budget.give_back(&claimed.practice_id);
    }
    let label = decide::label(&delivered.delivery);
    let outcome = decide::outcome(&delivered.delivery, &decided);
    let mut settled = sweep::settle(
        claimed,
        delivered,
        label,
        now,
        OnUnavailable::RetryAt(now + RETRY),
    )?;
    if let Some(w) = outcome.and_then(|o| recipient(claimed, o, now)) {
        settled.record.push(w);
    }
    sweep::commit(store, claimed, settled, &mut NoExtra).await
}
