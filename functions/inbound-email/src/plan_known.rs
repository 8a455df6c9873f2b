//! The batch for an email from a known patient: the classified action turned into consent,
//! confirmation, task and timeline writes, and the reply by email.

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{
    Appointment, Channel, Confirmation, ConsentChangeSource, ConsentEvent, ConsentSource, Decision,
    Direction, FreedSlot, Patient, Practice, Priority, Purpose, Task, TaskKind, Waiting,
};
use frontdesk::policy::templates::{self, Reply};
use frontdesk::policy::{self, ReplyContext};
use frontdesk::ports::{Email, Expect, Key, PatientMail, Write};
use frontdesk::waitlist::claim;
use inbound_sms::plan::Action;

use super::*;

/// The patient who wrote, with the other patients on the same address (a family's shared
/// email: an opt-out covers them all, like a shared phone).
#[derive(Debug, Clone)]
pub struct Sender {
    pub patient: Patient,
    pub family: Vec<Patient>,
    /// Upcoming appointments, soonest first, read for a confirmation.
    pub appointments: Option<Vec<Appointment>>,
    /// The freed slots of the patient's waitlist offers, read for a yes to one.
    pub slots: Vec<FreedSlot>,
}

/// The batch for an email from a known patient.
pub fn plan_known(
    practice: &Practice,
    mail: &Mail,
    sender: &Sender,
    action: Action,
    now: DateTime<Utc>,
) -> frontdesk::Result<Plan> {
    let settings = &practice.settings;
    let mut patient = sender.patient.clone();
    let mut versions = vec![(Key::Patient(patient.patient_id.clone()), patient.version)];
    let mut writes = vec![claim(practice, &mail.claim_key, now)];
    let mut family_writes = Vec::new();
    let name = ReplyContext::new(settings, Some(&patient), now)?;
    let ack = templates::acknowledgement(settings, now);
    let mut inbound = entry(
        practice,
        Some(&patient),
        now,
        Direction::Inbound,
        Purpose::PatientMessage,
        if mail.subject.is_empty() {
            mail.text.clone()
        } else {
            format!("{}\n\n{}", mail.subject, mail.text)
        },
        Decision::Received,
    );

    // Consent first: it decides whether a reply may go.
    let everything = mail.kind.is_none() || wants_all(&mail.text);
    let change = |p: &mut Patient| {
        let before = p.consents.clone();
        match action {
            Action::OptOut if everything => {
                p.consents
                    .opt_out(Channel::Email, ConsentSource::PatientKeyword, now)
            }
            Action::OptOut => {
                if let Some(k) = mail.kind {
                    p.consents
                        .set(Channel::Email, k, false, ConsentSource::PatientKeyword, now)
                }
            }
            Action::OptIn => p
                .consents
                .opt_in(Channel::Email, ConsentSource::PatientKeyword, now),
            _ => {}
        }
        let word = if action == Action::OptOut {
            "STOP"
        } else {
            "START"
        };
        ConsentEvent::between(
            &p.practice_id,
            &p.patient_id,
            Some(&before),
            &p.consents,
            &ConsentChangeSource::keyword(word),
            now,
        )
    };
    let mut events = change(&mut patient);
    if matches!(action, Action::OptOut | Action::OptIn) {
        for f in &sender.family {
            let mut f = f.clone();
            let ev = change(&mut f);
            if !ev.is_empty() {
                versions.push((Key::Patient(f.patient_id.clone()), f.version));
                events.extend(ev);
                let seen = f.version;
                f.version = seen.saturating_add(1);
                f.updated_at = now;
                family_writes.push(Write::Patient {
                    patient: Box::new(f),
                    expect: Expect::Version(seen),
                    previous_phone: None,
                });
            }
        }
    }
    let consent_changed = !events.is_empty();
    writes.extend(events.into_iter().map(|e| Write::ConsentEvent(Box::new(e))));

    let intent = action.thread_intent();
    policy::record_inbound_at(&mut patient.thread, intent, now);
    if policy::note_inbound(&mut patient.thread, Channel::Email, intent, now) {
        writes.push(Write::Waiting(Box::new(Waiting::patient(
            &practice.practice_id,
            &patient.patient_id,
            now,
            Channel::Email,
        ))));
    }
    let opted_out = patient.consents.is_opted_out(Channel::Email);
    let practice_name = settings.name.trim().to_string();
    let mut tasks: Vec<Task> = Vec::new();
    let staff = |kind, priority, title: &str, what: &str| {
        task(
            practice,
            Some(&sender.patient),
            kind,
            priority,
            title,
            format!(
                "{what} Read the email on the patient's timeline and follow up by email or phone."
            ),
            now,
        )
    };
    let (body, purpose, bypass) = match action {
        Action::OptOut => (
            opt_out_text(&practice_name, (!everything).then_some(mail.kind).flatten()),
            Purpose::OptOutConfirmation,
            consent_changed,
        ),
        Action::OptIn => (
            format!("{practice_name}: You're subscribed to our appointment emails again. Reply STOP to opt out."),
            Purpose::OptInConfirmation,
            consent_changed,
        ),
        // A yes to a waitlist offer claims the slot exactly like a text does (one rule:
        // `waitlist::claim`); the answer goes by email.
        Action::ClaimSlot => {
            let choice = claim::choose(&patient, &sender.slots, now);
            let taken_id = choice.as_ref().map(|(o, _)| o.appointment_id.clone());
            claim::answer_offers(&mut patient, taken_id.as_ref(), &sender.slots, now);
            match choice {
                Some((offer, slot)) => {
                    versions.push((Key::Slot(slot.appointment_id.clone()), slot.version));
                    writes.extend(claim::claim_writes(
                        &slot,
                        &patient.patient_id,
                        &offer.entry_id,
                        Channel::Email,
                        settings,
                        "",
                        now,
                    ));
                    inbound.appointment_id = Some(slot.appointment_id.clone());
                    let zone = patient.zone(settings.time_zone);
                    (claim::yours(settings, &slot, zone), Purpose::WaitlistOffer, true)
                }
                None => (claim::taken(settings), Purpose::WaitlistOffer, true),
            }
        }
        Action::Confirm => {
            let next = sender
                .appointments
                .iter()
                .flatten()
                .find(|a| a.status.is_pending() && a.starts_at >= now);
            match next {
                Some(a) => {
                    if a.confirmation.is_none() {
                        let mut c = a.clone();
                        c.confirmation = Some(Confirmation {
                            at: now,
                            channel: Channel::Email,
                        });
                        c.updated_at = now;
                        c.version = a.version.saturating_add(1);
                        versions.push((Key::Appointment(a.appointment_id.clone()), a.version));
                        writes.push(Write::Appointment {
                            appointment: Box::new(c),
                            expect: Expect::Version(a.version),
                        });
                    }
                    inbound.appointment_id = Some(a.appointment_id.clone());
                    let r = Reply::ConfirmThanks {
                        appointment_at: Some(a.starts_at),
                    };
                    (templates::reply(&name, r)?, Purpose::Reply, false)
                }
                None => {
                    tasks.push(staff(TaskKind::InboxMessage, Priority::Normal, "Patient replied yes",
                        "The patient confirmed by email, but has no upcoming appointment to confirm."));
                    let r = Reply::ConfirmThanks { appointment_at: None };
                    (templates::reply(&name, r)?, Purpose::Reply, false)
                }
            }
        }
        Action::Reschedule => {
            tasks.push(staff(TaskKind::RescheduleRequest, Priority::High, "Reschedule request",
                "The patient asked by email to reschedule."));
            (templates::reply(&name, Reply::RescheduleAck)?, Purpose::Reply, false)
        }
        Action::CancelClarify | Action::CancelVisit | Action::CancelAgain => {
            tasks.push(staff(TaskKind::CancelRequest, Priority::High, "Cancellation request",
                "The patient wrote by email about cancelling."));
            (templates::reply(&name, ack)?, Purpose::Reply, false)
        }
        Action::Emergency => {
            tasks.push(staff(TaskKind::Emergency, Priority::Urgent, "Possible emergency (email)",
                "The patient's email matched an emergency keyword. Call them now."));
            let r = Reply::Emergency { on_call_alerted: false };
            (templates::reply(&name, r)?, Purpose::Reply, true)
        }
        Action::AcceptCall | Action::CallMe | Action::SwitchChannel(_) => {
            tasks.push(staff(TaskKind::ChannelSwitchRequest, Priority::Normal, "Patient asked for a call or another channel",
                "The patient asked by email to be called or contacted another way."));
            (templates::reply(&name, Reply::CallRequestAck)?, Purpose::Reply, false)
        }
        Action::Rating(rating) => {
            if rating <= 3 {
                tasks.push(staff(TaskKind::FeedbackFollowUp, Priority::High, "Low rating by email",
                    "The patient gave a low rating by email. Reach out and make it right."));
            }
            (templates::reply(&name, Reply::RatingThanks { rating })?, Purpose::Reply, false)
        }
        Action::Complaint => {
            tasks.push(staff(TaskKind::FeedbackFollowUp, Priority::High, "Negative feedback by email",
                "The patient's email after a review request reads as a complaint."));
            (templates::reply(&name, ack)?, Purpose::Reply, false)
        }
        Action::Help | Action::FreeText => (templates::reply(&name, ack)?, Purpose::Reply, false),
    };

    // The gate: opted out of all email → only the opt-out confirmation; else the limit.
    let allowed_opted_out = action == Action::OptOut && consent_changed;
    let gate: Option<String> = if opted_out && !allowed_opted_out {
        Some("the patient has opted out of email".into())
    } else if !bypass && !policy::auto_reply_allowed(&patient.thread, settings, now) {
        Some(format!(
            "auto-reply limit reached ({} per hour in this thread)",
            settings.auto_replies_per_hour.max(1)
        ))
    } else if settings.email_from.is_none() {
        Some("the practice has no email sender (set email_from)".into())
    } else {
        policy::record_auto_reply(&mut patient.thread, now);
        None
    };
    let at = now
        .checked_add_signed(Duration::milliseconds(1))
        .unwrap_or(now);
    let reply = match (gate, settings.email_from.clone()) {
        (None, Some(from)) => {
            let m = entry(
                practice,
                Some(&patient),
                at,
                Direction::Outbound,
                purpose,
                body.clone(),
                sent(),
            );
            writes.push(Write::Message(Box::new(m.clone())));
            Some((
                Email {
                    practice_id: practice.practice_id.clone(),
                    from,
                    // The address on file (the From matched it, case aside).
                    to: patient.email.clone().unwrap_or_else(|| mail.from.clone()),
                    subject: reply_subject(&mail.subject),
                    text: body,
                    patient: Some(PatientMail::reply(patient.patient_id.clone())),
                },
                m,
            ))
        }
        (reason, _) => {
            let reason = reason.unwrap_or_default();
            let m = entry(
                practice,
                Some(&patient),
                at,
                Direction::Outbound,
                purpose,
                body,
                Decision::Suppressed { reason },
            );
            writes.push(Write::Message(Box::new(m)));
            None
        }
    };
    writes.push(Write::Message(Box::new(inbound)));
    writes.extend(tasks.into_iter().map(|t| Write::Task(Box::new(t))));
    let seen = patient.version;
    patient.version = seen.saturating_add(1);
    patient.updated_at = now;
    writes.push(Write::Patient {
        patient: Box::new(patient),
        expect: Expect::Version(seen),
        previous_phone: None,
    });
    writes.extend(family_writes);
    Ok(Plan {
        label: action.label(),
        writes,
        reply,
        versions,
    })
}
