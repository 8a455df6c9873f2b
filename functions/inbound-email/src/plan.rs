//! What to do with one inbound email: pure, no I/O. The patient's words are classified by
//! the same engine as SMS (`inbound_sms::plan::decide`, over `policy::classify`); this turns
//! the action into one atomic batch (the idempotency claim, the inbound timeline entry, the
//! reply's entry, tasks, the patient and appointment changes) plus the reply to send by email.
//!
//! - STOP on a reply to an automated email opts out of that kind of email; STOP ALL (or a
//!   STOP whose kind is unknown) opts out of all email. START opts back in. Never SMS.
//! - Every email is answered by email (office-hours or after-hours acknowledgement, or the
//!   action's own reply), within the thread's auto-reply limit; a patient opted out of all
//!   email only gets the opt-out confirmation.
//! - A message that failed SES's spam, virus, SPF, DKIM or DMARC checks is never acted on:
//!   a low-priority staff task, nothing else ([`plan_unverified`]).

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{
    Channel, Decision, Direction, EmailAddress, Message, MessageKind, Patient, Practice, Priority,
    Purpose, Task, TaskId, TaskKind,
};
use frontdesk::policy::templates;
use frontdesk::policy::ReplyContext;
use frontdesk::ports::{Email, Key, Write};

#[path = "plan_known.rs"]
mod known;
pub use known::{plan_known, Sender};

/// How long the idempotency claim is kept (SES retries an invocation for hours at most).
pub const CLAIM_TTL: Duration = Duration::days(7);

/// One verified inbound email.
#[derive(Debug, Clone)]
pub struct Mail {
    pub claim_key: String,
    pub from: EmailAddress,
    pub subject: String,
    pub text: String,
    /// The kind of the automated email replied to (from the reply address), if any.
    pub kind: Option<MessageKind>,
}

/// What the batch and the send are.
#[derive(Debug, Clone)]
pub struct Plan {
    pub label: &'static str,
    pub writes: Vec<Write>,
    /// The reply, with its timeline entry (rewritten as failed if the send fails).
    pub reply: Option<(Email, Message)>,
    pub versions: Vec<(Key, u64)>,
}

fn claim(practice: &Practice, key: &str, now: DateTime<Utc>) -> Write {
    Write::Claim {
        practice_id: practice.practice_id.clone(),
        key: key.to_string(),
        expires_at: now.checked_add_signed(CLAIM_TTL).unwrap_or(now),
    }
}

fn task(
    practice: &Practice,
    patient: Option<&Patient>,
    kind: TaskKind,
    priority: Priority,
    title: &str,
    detail: String,
    now: DateTime<Utc>,
) -> Task {
    let s = &practice.settings;
    Task {
        patient_id: patient.map(|p| p.patient_id.clone()),
        due_at: s.office_hours.next_opening(now, s.time_zone).unwrap_or(now),
        ..Task::open(
            practice.practice_id.clone(),
            TaskId::generate(),
            kind,
            priority,
            title,
            detail,
            now,
        )
    }
}

/// A message that failed the sender checks: one low-priority task, no reply, no change.
pub fn plan_unverified(
    practice: &Practice,
    claim_key: &str,
    failed: &[&str],
    now: DateTime<Utc>,
) -> Plan {
    let t = task(
        practice,
        None,
        TaskKind::InboxMessage,
        Priority::Low,
        "Email failed sender checks",
        format!(
            "An email to the practice's reply address failed SES's {} check(s), so it was not \
             acted on (no confirmation, no opt-out, no reply). It may be spam or a forged \
             sender; if it is genuine, contact the patient another way.",
            failed.join(", ")
        ),
        now,
    );
    Plan {
        label: "unverified",
        writes: vec![claim(practice, claim_key, now), Write::Task(Box::new(t))],
        reply: None,
        versions: vec![],
    }
}

/// An email from an address that matches no patient of the practice: a staff task and an
/// acknowledgement (the sender checks passed, so it is not backscatter).
pub fn plan_unknown(
    practice: &Practice,
    mail: &Mail,
    now: DateTime<Utc>,
) -> frontdesk::Result<Plan> {
    let t = task(
        practice,
        None,
        TaskKind::UnknownSender,
        Priority::Normal,
        "Email from an unknown sender",
        format!(
            "An email from an address that matches no patient. Subject: {}\n\n{}",
            mail.subject, mail.text
        ),
        now,
    );
    let ctx = ReplyContext::new(&practice.settings, None, now)?;
    let body = templates::reply(&ctx, templates::acknowledgement(&practice.settings, now))?;
    let writes = vec![
        claim(practice, &mail.claim_key, now),
        Write::Task(Box::new(t)),
    ];
    let reply = practice.settings.email_from.clone().map(|from| Email {
        practice_id: practice.practice_id.clone(),
        from,
        to: mail.from.clone(),
        subject: reply_subject(&mail.subject),
        text: body,
        patient: None,
    });
    // An unknown sender has no timeline here (those are per patient or per phone number):
    // the task holds the message, and the reply is not recorded.
    Ok(Plan {
        label: "unknown_sender",
        writes,
        reply: reply.map(|e| {
            let m = entry(
                practice,
                None,
                now,
                Direction::Outbound,
                Purpose::Reply,
                e.text.clone(),
                sent(),
            );
            (e, m)
        }),
        versions: vec![],
    })
}

fn sent() -> Decision {
    Decision::Sent {
        provider_message_id: None,
    }
}

fn reply_subject(subject: &str) -> String {
    let s: String = subject.chars().take(150).collect();
    if s.is_empty() {
        "Your message".into()
    } else if s.to_ascii_lowercase().starts_with("re:") {
        s
    } else {
        format!("Re: {s}")
    }
}

fn entry(
    practice: &Practice,
    patient: Option<&Patient>,
    at: DateTime<Utc>,
    direction: Direction,
    purpose: Purpose,
    body: String,
    decision: Decision,
) -> Message {
    Message::new(
        practice.practice_id.clone(),
        at,
        Channel::Email,
        direction,
        purpose,
        body,
        decision,
    )
    .on_thread(patient.map(|p| p.patient_id.clone()), None)
}

/// Whether the patient asked to stop everything ("STOP ALL", "unsubscribe from everything").
fn wants_all(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|w| w.eq_ignore_ascii_case("all") || w.eq_ignore_ascii_case("everything"))
}

/// The email-specific confirmations (the SMS templates speak of texts).
fn opt_out_text(practice: &str, kind: Option<MessageKind>) -> String {
    match kind {
        Some(k) => format!(
            "{practice}: You're unsubscribed from our {} emails. You'll still hear from us \
             about anything else you asked for. Reply START to resubscribe.",
            kind_words(k)
        ),
        None => format!(
            "{practice}: You're unsubscribed and will get no more emails from us. Reply START \
             to resubscribe."
        ),
    }
}

fn kind_words(k: MessageKind) -> &'static str {
    match k {
        MessageKind::Care => "appointment",
        MessageKind::Reviews => "review request",
        MessageKind::Marketing => "news and offers",
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
