//! Deferred staff replies: a reply written outside the 24-hour conversation window during
//! the patient's quiet hours waits (`Write::DeferReply`, found through GSI1
//! `DUE#staff-replies`) and this sweep sends it when it comes due, deciding again with
//! `policy::route_reply` at that moment: consent or an opt-out may have changed meanwhile
//! (then it is not sent, and the timeline says why), or quiet hours may still hold.
//!
//! Exactly once: the deferred item is deleted (conditionally) in the same transaction that
//! records the reply as sent and takes the thread out of the inbox, before the send; two
//! overlapping sweeps find one of them conflicting. A send that fails afterwards is
//! recorded as failed and the thread goes back in the inbox.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::deliver::Senders;
use crate::domain::{
    Channel, Decision, Message, Patient, Practice, ThreadId, UnknownThread, Waiting,
};
use crate::policy::{route_reply, ReplyRoute, ReplyTo};
use crate::ports::{Email, Expect, Key, PatientMail, Sms, Store, Write};
use crate::{Error, Result};

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeferredReport {
    pub due: usize,
    pub sent: usize,
    /// Still in quiet hours (or deferred again): planned for later.
    pub deferred: usize,
    /// No longer allowed (an opt-out, consent withdrawn…): recorded, not sent.
    pub refused: usize,
    /// The practice, patient or thread is gone.
    pub dropped: usize,
    /// Taken by an overlapping run, or the thread changed: tried again next run.
    pub skipped: usize,
    pub failed: usize,
    /// Automatic replies' send intents completed by the same run (`reply_intents`).
    pub intents: crate::reply_intents::IntentReport,
}

enum Outcome {
    Sent,
    Deferred,
    Refused,
    Dropped,
    Skipped,
    Failed,
}

/// Sends every deferred staff reply due at or before `now`, then completes the automatic
/// replies' send intents that came due (see `reply_intents`).
pub async fn send_due(
    store: &dyn Store,
    senders: &Senders,
    now: DateTime<Utc>,
) -> Result<DeferredReport> {
    let due = store.deferred_replies(now).await?;
    let mut report = DeferredReport {
        due: due.len(),
        ..DeferredReport::default()
    };
    for m in due {
        let practice_id = m.practice_id.clone();
        match send_one(store, senders, m, now).await {
            Ok(Outcome::Sent) => report.sent += 1,
            Ok(Outcome::Deferred) => report.deferred += 1,
            Ok(Outcome::Refused) => report.refused += 1,
            Ok(Outcome::Dropped) => report.dropped += 1,
            Ok(Outcome::Skipped) => report.skipped += 1,
            Ok(Outcome::Failed) => report.failed += 1,
            Err(e) => {
                report.failed += 1;
                tracing::warn!(practice_id = %practice_id, error = %e, "a deferred staff reply could not be handled; the next run tries again");
            }
        }
    }
    report.intents = crate::reply_intents::complete_due(store, senders, now).await?;
    Ok(report)
}

fn done(m: &Message) -> Write {
    Write::DoneDeferReply {
        practice_id: m.practice_id.clone(),
        message_id: m.message_id.clone(),
    }
}

enum Recipient {
    Patient(Box<Patient>),
    Unknown(Box<UnknownThread>),
}

async fn recipient(store: &dyn Store, m: &Message) -> Result<Option<Recipient>> {
    if let Some(id) = &m.patient_id {
        let f = store
            .get_many(&m.practice_id, &[Key::Patient(id.clone())])
            .await?;
        return Ok(f
            .patient(id)
            .cloned()
            .map(|p| Recipient::Patient(Box::new(p))));
    }
    match &m.unknown_sender {
        Some(number) => Ok(store
            .unknown_thread(&m.practice_id, &ThreadId::unknown(&m.practice_id, number))
            .await?
            .map(|t| Recipient::Unknown(Box::new(t)))),
        None => Ok(None),
    }
}

async fn send_one(
    store: &dyn Store,
    senders: &Senders,
    mut m: Message,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let practice = store.get_practice(&m.practice_id).await?;
    let to = recipient(store, &m).await?;
    let (Some(practice), Some(to)) = (practice, to) else {
        store.write(vec![done(&m)]).await.or_else(ignore_conflict)?;
        return Ok(Outcome::Dropped);
    };
    let reply_to = match &to {
        Recipient::Patient(p) => ReplyTo::Patient(p),
        Recipient::Unknown(t) => ReplyTo::Unknown(t),
    };
    match route_reply(reply_to, &practice.settings, now) {
        ReplyRoute::Refuse { refusal } => {
            m.decision = Decision::Suppressed {
                reason: refusal.describe(),
            };
            store
                .write(vec![done(&m), Write::Message(Box::new(m))])
                .await
                .or_else(ignore_conflict)?;
            Ok(Outcome::Refused)
        }
        ReplyRoute::Defer { channel, until } => {
            m.channel = channel;
            m.decision = Decision::Deferred { until };
            store
                .write(vec![
                    Write::DeferReply(Box::new(m.clone())),
                    Write::Message(Box::new(m)),
                ])
                .await?;
            Ok(Outcome::Deferred)
        }
        ReplyRoute::Send { channel } => {
            m.channel = channel;
            m.decision = Decision::Sent {
                provider_message_id: None,
            };
            let mut writes = vec![done(&m), Write::Message(Box::new(m.clone()))];
            let restore = answer(&to, now, &mut writes);
            match store.write(writes).await {
                Ok(()) => {}
                Err(Error::Conflict) => return Ok(Outcome::Skipped),
                Err(e) => return Err(e),
            }
            match send_reply(senders, &practice, reply_to, channel, &m.body).await {
                Ok(()) => Ok(Outcome::Sent),
                Err(e) => {
                    m.decision = Decision::Failed {
                        reason: e.to_string(),
                        attempts: 1,
                    };
                    let mut writes = vec![Write::Message(Box::new(m.clone()))];
                    writes.extend(restore);
                    if let Err(w) = store.write(writes).await {
                        tracing::error!(practice_id = %m.practice_id, error = %w, "a failed deferred reply could not be recorded");
                    }
                    tracing::warn!(practice_id = %m.practice_id, channel = %channel, "a deferred staff reply could not be sent");
                    Ok(Outcome::Failed)
                }
            }
        }
    }
}

fn ignore_conflict(e: Error) -> Result<()> {
    match e {
        Error::Conflict => Ok(()),
        other => Err(other),
    }
}

/// Takes the patient's thread out of the inbox (if it is in it): the inbox entry goes and
/// the patient records it, checked against the version read. Returns the patient as
/// written, or `None` when the thread was not waiting.
pub fn answered_patient(
    patient: &Patient,
    now: DateTime<Utc>,
    writes: &mut Vec<Write>,
) -> Option<Patient> {
    let since = patient.thread.waiting_since?;
    writes.push(Write::RemoveWaiting {
        practice_id: patient.practice_id.clone(),
        thread_id: ThreadId::patient(&patient.patient_id),
        since,
    });
    let mut answered = patient.clone();
    answered.thread.waiting_since = None;
    answered.version = patient.version.saturating_add(1);
    answered.updated_at = now;
    writes.push(Write::Patient {
        patient: Box::new(answered.clone()),
        expect: Expect::Version(patient.version),
        previous_phone: None,
    });
    Some(answered)
}

/// Takes the thread out of the inbox (with the reply's writes); returns the writes that
/// put it back if the send fails.
fn answer(to: &Recipient, now: DateTime<Utc>, writes: &mut Vec<Write>) -> Vec<Write> {
    match to {
        Recipient::Patient(p) => {
            let Some(since) = p.thread.waiting_since else {
                return vec![];
            };
            let Some(answered) = answered_patient(p, now, writes) else {
                return vec![];
            };
            let mut reopened = answered.clone();
            reopened.thread.waiting_since = Some(since);
            reopened.version = answered.version.saturating_add(1);
            let channel = p.thread.last_inbound_channel.unwrap_or(p.preferred_channel);
            vec![
                Write::Waiting(Box::new(Waiting::patient(
                    &p.practice_id,
                    &p.patient_id,
                    since,
                    channel,
                ))),
                Write::Patient {
                    patient: Box::new(reopened),
                    expect: Expect::Version(answered.version),
                    previous_phone: None,
                },
            ]
        }
        Recipient::Unknown(t) => {
            for since in &t.waits {
                writes.push(Write::RemoveWaiting {
                    practice_id: t.practice_id.clone(),
                    thread_id: t.thread_id.clone(),
                    since: *since,
                });
            }
            let mut answered = (**t).clone();
            answered.waits.clear();
            writes.push(Write::UnknownThread {
                thread: Box::new(answered),
                seen_waits: t.waits.len(),
            });
            let mut back: Vec<Write> = t
                .waits
                .iter()
                .map(|since| {
                    Write::Waiting(Box::new(Waiting::unknown(
                        &t.practice_id,
                        &t.number,
                        *since,
                    )))
                })
                .collect();
            back.push(Write::UnknownThread {
                thread: t.clone(),
                seen_waits: 0,
            });
            back
        }
    }
}

/// Sends a staff reply's `body` to `to` on `channel`, from the practice's own number or
/// sender (the Practice API's immediate send and this job's deferred send both use it).
pub async fn send_reply(
    senders: &Senders,
    practice: &Practice,
    to: ReplyTo<'_>,
    channel: Channel,
    body: &str,
) -> Result<()> {
    let settings = &practice.settings;
    let no_address = || Error::SendRejected("no address for the channel".into());
    match (channel, to) {
        (Channel::Sms, _) => {
            let number = match to {
                ReplyTo::Patient(p) => p.phone.clone().ok_or_else(no_address)?,
                ReplyTo::Unknown(t) => t.number.clone(),
            };
            senders
                .sms
                .send_sms(&Sms {
                    practice_id: practice.practice_id.clone(),
                    from: settings.sms_number.clone(),
                    to: number,
                    body: body.to_string(),
                })
                .await
                .map(|_| ())
        }
        (Channel::Email, ReplyTo::Patient(p)) => {
            let email = p.email.clone().ok_or_else(no_address)?;
            let from = settings.email_from.clone().ok_or_else(no_address)?;
            senders
                .email
                .send_email(&Email {
                    practice_id: p.practice_id.clone(),
                    from,
                    to: email,
                    subject: format!("A message from {}", settings.name),
                    text: body.to_string(),
                    patient: Some(PatientMail::reply(p.patient_id.clone())),
                })
                .await
                .map(|_| ())
        }
        _ => Err(no_address()),
    }
}
