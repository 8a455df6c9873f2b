//! Applying one delivery event: routed to its practice by the sender (SES: the owner of the
//! `From` address, `Write::SenderRoute`) or the origination number (SMS: the number's
//! route), then found by its message id within that practice only.

use chrono::{DateTime, Duration, Utc};
use frontdesk::delivery_status::{self, Applied, Report, Reported};
use frontdesk::domain::{
    Channel, ConsentChangeSource, ConsentEvent, ConsentSource, EmailAddress, MessageKind,
    PhoneNumber, PracticeId, Priority, Purpose, Task, TaskId, TaskKind,
};
use frontdesk::ports::{Expect, Key, Write};
use frontdesk::Error;
use serde_json::Value;

use crate::{ses, sms, Deps, EmailEvent, Event, EventError};

/// How long a complaint's idempotency claim is kept (SNS retries for hours at most).
const CLAIM_TTL_DAYS: i64 = 30;
/// Attempts at the complaint's patient write when the patient changes meanwhile.
const ATTEMPTS: usize = 3;

/// What one event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Report(Applied),
    /// A complaint: the patient is opted out of that kind of email, with a task.
    OptedOut,
    /// A complaint already applied (or the patient was already opted out).
    AlreadyOptedOut,
    /// No message of the practice has the event's id: nothing stored.
    UnknownMessage,
    Ignored(&'static str),
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Report(a) => a.label(),
            Outcome::OptedOut => "opted_out",
            Outcome::AlreadyOptedOut => "already_opted_out",
            Outcome::UnknownMessage => "unknown_message",
            Outcome::Ignored(what) => what,
        }
    }

    pub fn changed(self) -> bool {
        matches!(
            self,
            Outcome::Report(Applied::Recorded { .. }) | Outcome::OptedOut
        )
    }
}

/// Reads and applies one event JSON (an SNS record's `Message`, or a local POST body).
pub async fn process_message(deps: &Deps, message: &str) -> Result<Outcome, EventError> {
    let v: Value = serde_json::from_str(message).map_err(|e| {
        EventError::Unreadable(format!(
            "not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let event = if ses::is_ses(&v) {
        ses::parse(&v)?
    } else if sms::is_sms(&v) {
        sms::parse(&v)?
    } else {
        return Err(EventError::Unreadable(
            "neither an SES event (eventType, mail) nor an SMS event (messageStatus)".into(),
        ));
    };
    let now = deps.clock.now();
    match event {
        Event::Ignored(what) => Ok(Outcome::Ignored(what)),
        Event::Sms {
            origination,
            message_id,
            reported,
        } => {
            let number = PhoneNumber::parse_e164(&origination).map_err(|_| {
                EventError::Unreadable("originationPhoneNumber is not an E.164 number".into())
            })?;
            let practice_id = deps
                .store
                .practice_for_number(&number)
                .await?
                .ok_or(EventError::Unroutable)?;
            report(deps, &practice_id, message_id, reported, now).await
        }
        Event::Email {
            sender,
            message_id,
            what,
        } => {
            let address = EmailAddress::parse(&sender)
                .map_err(|_| EventError::Unreadable("mail.source is not an address".into()))?;
            let practice_id = deps
                .store
                .sender_owner(&address)
                .await?
                .ok_or(EventError::Unroutable)?;
            match what {
                EmailEvent::Report(reported) => {
                    report(deps, &practice_id, message_id, reported, now).await
                }
                EmailEvent::Complaint { feedback_id } => {
                    complaint(deps, &practice_id, &message_id, &feedback_id, now).await
                }
            }
        }
    }
}

async fn report(
    deps: &Deps,
    practice_id: &PracticeId,
    provider_message_id: String,
    reported: Reported,
    now: DateTime<Utc>,
) -> Result<Outcome, EventError> {
    let report = Report {
        provider_message_id,
        reported,
    };
    Ok(
        match delivery_status::apply(deps.store.as_ref(), practice_id, &report, now).await? {
            Applied::UnknownMessage => Outcome::UnknownMessage,
            applied => Outcome::Report(applied),
        },
    )
}

/// The kind of message a timeline entry was, for a complaint's opt-out.
fn kind_of(purpose: Purpose) -> MessageKind {
    match purpose {
        Purpose::ReviewRequest => MessageKind::Reviews,
        _ => MessageKind::Care,
    }
}

async fn complaint(
    deps: &Deps,
    practice_id: &PracticeId,
    message_id: &str,
    feedback_id: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, EventError> {
    let Some(sent) = deps.store.sent_message(practice_id, message_id).await? else {
        return Ok(Outcome::UnknownMessage);
    };
    let Some(patient_id) = sent.patient_id.clone() else {
        return Ok(Outcome::UnknownMessage);
    };
    let kind = kind_of(sent.purpose);
    for _ in 0..ATTEMPTS {
        let fetched = deps
            .store
            .get_many(practice_id, &[Key::Patient(patient_id.clone())])
            .await?;
        let Some(patient) = fetched.patient(&patient_id) else {
            return Ok(Outcome::UnknownMessage);
        };
        if !patient.consents.allows(Channel::Email, kind) {
            return Ok(Outcome::AlreadyOptedOut);
        }
        let mut next = patient.clone();
        next.consents
            .set(Channel::Email, kind, false, ConsentSource::Complaint, now);
        next.version = patient.version.saturating_add(1);
        next.updated_at = now;
        let task = Task {
            patient_id: Some(patient_id.clone()),
            ..Task::open(
                practice_id.clone(),
                TaskId::generate(),
                TaskKind::FeedbackFollowUp,
                Priority::Normal,
                "A patient reported a practice email as spam",
                format!(
                    "Their mail provider reported a complaint about a {} email. They will get \
                     no more {} emails (recorded in their consent history, source \
                     \"complaint\"); reach out by phone if it was a mistake, and ask before \
                     turning them back on.",
                    kind.as_str(),
                    kind.as_str()
                ),
                now,
            )
        };
        let mut writes = vec![
            Write::Claim {
                practice_id: practice_id.clone(),
                key: format!("ses-complaint#{feedback_id}"),
                expires_at: now + Duration::days(CLAIM_TTL_DAYS),
            },
            Write::Patient {
                patient: Box::new(next.clone()),
                expect: Expect::Version(patient.version),
                previous_phone: None,
            },
        ];
        writes.extend(
            ConsentEvent::between(
                practice_id,
                &patient_id,
                Some(&patient.consents),
                &next.consents,
                &ConsentChangeSource::Complaint,
                now,
            )
            .into_iter()
            .map(|e| Write::ConsentEvent(Box::new(e))),
        );
        writes.push(Write::Task(Box::new(task)));
        match deps
            .store
            .write(frontdesk::webhooks::with_events(writes, now))
            .await
        {
            Ok(()) => return Ok(Outcome::OptedOut),
            // The claim exists (a duplicate) or the patient changed: read again.
            Err(Error::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(EventError::Storage(
        "the patient kept changing while the complaint was applied".into(),
    ))
}
