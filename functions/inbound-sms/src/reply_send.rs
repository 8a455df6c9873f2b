//! After the plan commits: sending what it says, on-call alerts first, and rewriting the
//! timeline entries of alerts that failed. Replies to the patient go through their send
//! intents (`frontdesk::reply_intents`).

use chrono::{DateTime, Utc};
use frontdesk::domain::{Decision, Practice};
use frontdesk::ports::{IntentSend, ReplyIntent, Write};
use frontdesk::reply_intents::{self, Attempt};
use futures_util::future::join_all;

use crate::deps::Deps;
use crate::plan::{Delivery, Outgoing, Plan, Recipient, Sender};
use crate::process::Outcome;

/// Sends what the committed plan says: on-call alerts first (concurrently), then the
/// replies to the patient in order. Failures rewrite their timeline entries.
pub(crate) async fn deliver(
    deps: &Deps,
    practice: &Practice,
    mut plan: Plan,
    sender: &Sender,
    now: DateTime<Utc>,
) -> Outcome {
    let mut corrections: Vec<Write> = Vec::new();
    let mut sent = 0;
    let mut failed = 0;

    let forwards: Vec<&Outgoing> = plan
        .sends
        .iter()
        .filter(|o| o.recipient == Recipient::OnCall)
        .collect();
    let results = join_all(forwards.iter().map(|o| send(deps, &o.delivery))).await;
    let any_forward = !forwards.is_empty();
    let mut alerted = false;
    for (out, result) in forwards.iter().zip(results) {
        match result {
            Ok(()) => {
                sent += 1;
                alerted = true;
            }
            Err(reason) => {
                failed += 1;
                corrections.push(failed_record(&out.record, reason));
            }
        }
    }
    if let Some(fallback) = plan.emergency.take() {
        if any_forward && !alerted {
            tracing::error!(
                practice_id = %practice.practice_id,
                "no on-call alert got through for an emergency text"
            );
            let mut task = fallback.task;
            task.detail.push_str(
                " ALERT FAILED: no on-call alert could be delivered; call the patient back now.",
            );
            corrections.push(Write::Task(Box::new(task)));
            if let Some((i, text)) = fallback.reply {
                if let Some(out) = plan.sends.get_mut(i) {
                    if let Delivery::Sms(sms) = &mut out.delivery {
                        sms.body = text.clone();
                    }
                    out.record.body = text;
                    corrections.push(Write::Message(Box::new(out.record.clone())));
                }
            }
        }
    }

    // The replies to the patient go through their send intents (committed with the
    // plan): claimed, sent, settled; a failure leaves the intent to the completer.
    for out in plan
        .sends
        .iter()
        .filter(|o| o.recipient == Recipient::Patient)
    {
        let intent = ReplyIntent::pending(out.record.clone(), intent_send(&out.delivery), now);
        match reply_intents::attempt(deps.store.as_ref(), &deps.senders, &intent, now).await {
            Ok(Attempt::Sent) => sent += 1,
            Ok(Attempt::Skipped) => {}
            Ok(Attempt::Released | Attempt::HandedToStaff) => failed += 1,
            Err(e) => {
                failed += 1;
                tracing::warn!(
                    practice_id = %practice.practice_id,
                    error = %e,
                    "a reply's send intent could not be settled; the completer takes it"
                );
            }
        }
    }

    if !corrections.is_empty() {
        if let Err(e) = deps.store.write(corrections).await {
            tracing::error!(
                practice_id = %practice.practice_id,
                error = %e,
                "failed sends could not be recorded on the timeline"
            );
        }
    }
    Outcome {
        action: plan.action.label(),
        known_sender: matches!(sender, Sender::Known(_)),
        duplicate: false,
        sent,
        failed,
        suppressed: plan.suppressed,
    }
}

fn intent_send(delivery: &Delivery) -> IntentSend {
    match delivery {
        Delivery::Sms(sms) => IntentSend::Sms(sms.clone()),
        Delivery::Email(email) => IntentSend::Email(email.clone()),
    }
}

async fn send(deps: &Deps, delivery: &Delivery) -> Result<(), String> {
    let result = match delivery {
        Delivery::Sms(sms) => deps.senders.sms.send_sms(sms).await,
        Delivery::Email(email) => deps.senders.email.send_email(email).await,
    };
    result.map(|_| ()).map_err(|e| e.to_string())
}

fn failed_record(record: &frontdesk::domain::Message, reason: String) -> Write {
    let mut m = record.clone();
    m.decision = Decision::Failed {
        reason,
        attempts: 1,
    };
    Write::Message(Box::new(m))
}

#[cfg(test)]
#[path = "reply_send_tests.rs"]
mod tests;
