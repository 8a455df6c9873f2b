//! Handling one received email: verdicts, practice, sender, decide, write once, reply.
//!
//! Round trips to DynamoDB for an email from a known patient, in order: the practice item
//! (GetItem); the email index (one GSI4 Query); the upcoming appointments only for a
//! confirmation, the offered slots only for a yes to a waitlist offer; one `TransactWriteItems` (the claim `inbound:ses:<message id>` with
//! everything else, and the reply's send intent). Plus one S3 GetObject before, and the
//! SES send after, between the intent's claim and settle (two more writes). The reply goes
//! after the commit, so SES delivering the message twice, even concurrently, finds the
//! claim taken and nothing is done or sent again.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use frontdesk::deliver::Senders;
use frontdesk::domain::PracticeId;
use frontdesk::email_links::parse_reply_to;
use frontdesk::ports::{Clock, IntentSend, Key, ReplyIntent, Store, Write};
use frontdesk::reply_intents::{self, Attempt};

use crate::error::EmailError;
use crate::mime;
use crate::plan::{self, Mail, Plan, Sender};
use crate::receipt::Receipt;

/// Decide-and-write attempts before giving up (SES then retries the invocation).
const MAX_ATTEMPTS: usize = 4;
/// Upcoming appointments read to find the one to confirm.
const LOOKAHEAD: usize = 5;

#[derive(Clone)]
pub struct Deps {
    pub store: Arc<dyn Store>,
    pub senders: Senders,
    pub clock: Arc<dyn Clock>,
    /// The receiving domain (`reply+<practice>@<domain>`).
    pub domain: String,
}

/// What happened, for logs (ids and labels only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub action: &'static str,
    pub duplicate: bool,
    pub sent: usize,
}

/// The practice (and kind) of the first recipient on our receiving domain.
pub fn addressed_to(
    receipt: &Receipt,
    domain: &str,
) -> Option<(PracticeId, Option<frontdesk::domain::MessageKind>)> {
    receipt
        .recipients
        .iter()
        .find_map(|r| parse_reply_to(r, domain))
}

/// Processes one receipt whose raw message is `raw`.
pub async fn process(deps: &Deps, receipt: &Receipt, raw: &[u8]) -> Result<Outcome, EmailError> {
    let now = deps.clock.now();
    let Some((practice_id, kind)) = addressed_to(receipt, &deps.domain) else {
        tracing::warn!("an email to an address that names no practice was dropped");
        return Ok(Outcome {
            action: "no_practice",
            duplicate: false,
            sent: 0,
        });
    };
    let practice = deps
        .store
        .get_many(&practice_id, &[Key::Practice])
        .await?
        .practice()
        .cloned();
    let Some(practice) = practice else {
        tracing::warn!(practice_id = %practice_id, "an email to an unknown practice was dropped");
        return Ok(Outcome {
            action: "no_practice",
            duplicate: false,
            sent: 0,
        });
    };
    if !receipt.passed() {
        tracing::info!(practice_id = %practice_id, checks = ?receipt.failed_checks, "email failed sender checks; not acted on");
        let p = plan::plan_unverified(&practice, &receipt.claim_key(), &receipt.failed_checks, now);
        return commit_once(deps, p, now).await;
    }
    let parsed = match mime::parse(raw) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(practice_id = %practice_id, error = %e, "an email could not be read");
            let p = plan::plan_unverified(&practice, &receipt.claim_key(), &["mime"], now);
            return commit_once(deps, p, now).await;
        }
    };
    let mail = Mail {
        claim_key: receipt.claim_key(),
        from: parsed.from.clone(),
        subject: parsed.subject.clone(),
        text: parsed.text.clone(),
        kind,
    };
    let mut candidates = deps
        .store
        .patients_by_email(&practice_id, &parsed.from)
        .await?;
    candidates.sort_by(|a, b| a.patient_id.cmp(&b.patient_id));
    if candidates.is_empty() {
        let p = plan::plan_unknown(&practice, &mail, now)?;
        return commit_once(deps, p, now).await;
    }
    let patient = candidates.remove(0);
    let mut sender = Sender {
        patient,
        family: candidates,
        appointments: None,
        slots: vec![],
    };
    for _ in 0..MAX_ATTEMPTS {
        let action =
            inbound_sms::plan::decide(&practice.settings, &mail.text, Some(&sender.patient), now);
        if action.needs_slots() && sender.slots.is_empty() {
            sender.slots = frontdesk::waitlist::claim::offered_slots(
                deps.store.as_ref(),
                &practice_id,
                &sender.patient,
            )
            .await?;
        }
        if action.needs_appointments() && sender.appointments.is_none() {
            sender.appointments = Some(
                deps.store
                    .appointments_for_patient(
                        &practice_id,
                        &sender.patient.patient_id,
                        now,
                        LOOKAHEAD,
                    )
                    .await?,
            );
        }
        let p = plan::plan_known(&practice, &mail, &sender, action, now)?;
        let mut writes = frontdesk::webhooks::with_events(p.writes.clone(), now);
        writes.extend(intent_of(&p, now));
        match deps.store.write(writes).await {
            Ok(()) => return Ok(send(deps, p, now).await),
            Err(frontdesk::Error::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
        let keys: Vec<Key> = p.versions.iter().map(|(k, _)| k.clone()).collect();
        let fresh = deps.store.get_many(&practice_id, &keys).await?;
        if p.versions
            .iter()
            .all(|(k, v)| fresh.version_of(k) == Some(*v))
        {
            return Ok(Outcome {
                action: "duplicate",
                duplicate: true,
                sent: 0,
            });
        }
        if let Some(p) = fresh.patient(&sender.patient.patient_id) {
            sender.patient = p.clone();
        }
        for f in sender.family.iter_mut() {
            if let Some(p) = fresh.patient(&f.patient_id) {
                *f = p.clone();
            }
        }
        sender.appointments = None;
        // Read again on the next attempt: a slot claimed meanwhile is then taken.
        sender.slots.clear();
    }
    Err(EmailError::Store(frontdesk::Error::Storage(
        "the patient's record kept changing while the email was processed; retry".into(),
    )))
}

/// A plan with no versioned items: a conflict can only be the claim (a duplicate).
async fn commit_once(deps: &Deps, p: Plan, now: DateTime<Utc>) -> Result<Outcome, EmailError> {
    let mut writes = p.writes.clone();
    writes.extend(intent_of(&p, now));
    match deps.store.write(writes).await {
        Ok(()) => Ok(send(deps, p, now).await),
        Err(frontdesk::Error::Conflict) => Ok(Outcome {
            action: "duplicate",
            duplicate: true,
            sent: 0,
        }),
        Err(e) => Err(e.into()),
    }
}

/// A reply to a patient commits with its send intent (`frontdesk::reply_intents`): a
/// failed send, or a commit whose answer was lost, is completed by the staff-replies
/// schedule or handed to staff. An unknown sender's reply has no timeline to settle.
fn intent_of(p: &Plan, now: DateTime<Utc>) -> Option<Write> {
    let (email, record) = p.reply.as_ref()?;
    record.patient_id.as_ref()?;
    Some(reply_intents::pending(
        record,
        IntentSend::Email(email.clone()),
        now,
    ))
}

async fn send(deps: &Deps, p: Plan, now: DateTime<Utc>) -> Outcome {
    let mut sent = 0;
    if let Some((email, record)) = p.reply {
        if record.patient_id.is_some() {
            let intent = ReplyIntent::pending(record, IntentSend::Email(email), now);
            match reply_intents::attempt(deps.store.as_ref(), &deps.senders, &intent, now).await {
                Ok(Attempt::Sent) => sent += 1,
                Ok(_) => {}
                Err(e) => tracing::warn!(
                    error = %e,
                    "a reply's send intent could not be settled; the completer takes it"
                ),
            }
        } else if let Err(e) = deps.senders.email.send_email(&email).await {
            tracing::warn!(error = %e, "the reply to an unknown sender failed");
        }
    }
    Outcome {
        action: p.label,
        duplicate: false,
        sent,
    }
}
