//! What to do with one inbound text: pure functions, no I/O.
//!
//! [`decide`] reads what the patient asks for ([`Action`]) from the keyword engine and the
//! patient's state; [`plan`] turns it into one atomic batch of writes (the idempotency
//! claim, the inbound timeline entry, every reply's timeline entry, tasks, and the patient
//! and appointment changes) plus the sends to make once that batch has committed.
//!
//! Rules worth knowing:
//! - Replies go out in the channel the patient used (SMS), from the practice's number.
//! - Every reply is recorded on the timeline, sent or suppressed, with the reason.
//! - An SMS opt-out covers every patient on that phone number (a carrier opt-out is per
//!   number), and so does an opt-in. Only the one confirmation is sent, on the change.
//! - A patient who has opted out gets no automatic replies except the opt-in and opt-out
//!   confirmations and HELP; their messages still reach staff, and emergencies still go to
//!   the on-call team.
//! - Automatic replies are limited per thread ([`policy::auto_reply_allowed`]); opt-out,
//!   opt-in (on a change) and emergency replies bypass the limit. Unknown senders have no
//!   thread state: they get at most one automatic reply per clock hour and one opt-out
//!   confirmation per day, enforced by conditional markers in the same batch.

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{
    Appointment, AppointmentId, Channel, Confirmation, ConsentBlock, ConsentSource, Decision,
    Direction, Message, MessageId, MessageKind, Patient, PatientId, PhoneNumber, Practice,
    PracticeSettings, Priority, Purpose, Task, TaskId, TaskKind, TaskStatus, ThreadState, Waiting,
};
use frontdesk::policy::templates::{self, Reply};
use frontdesk::policy::{
    self, classify, is_cancel_visit, EmergencyForwardContext, Intent, ReplyContext,
};
use frontdesk::ports::{Email, Expect, Key, Sms, Write};

use crate::feedback;
use crate::inbound::Inbound;

/// How recent a review request must be for a rating or free text to count as feedback.
pub const REVIEW_WINDOW: Duration = Duration::days(7);
/// How long the cancel clarification waits for its answer.
pub const CLARIFY_WINDOW: Duration = Duration::days(7);
/// How long a call suggestion waits for a "yes".
pub const SUGGESTION_WINDOW: Duration = Duration::hours(48);
/// Upcoming appointments read to find the one to confirm.
pub const APPOINTMENT_LOOKAHEAD: usize = 5;

/// What the patient is asking for, once their state is taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    OptOut,
    OptIn,
    Help,
    Emergency,
    /// Confirms the next appointment.
    Confirm,
    /// "Yes" right after a call was suggested (and nothing automated since).
    AcceptCall,
    CallMe,
    Reschedule,
    /// A first mention of cancelling: ask whether the visit or the texts.
    CancelClarify,
    /// The visit: the answer to the clarification, or the exact CANCEL VISIT phrase.
    CancelVisit,
    /// Another mention of cancelling after the question was asked.
    CancelAgain,
    SwitchChannel(Channel),
    /// A 1–5 rating after a recent review request.
    Rating(u8),
    /// Free text after a recent review request that reads as a complaint.
    Complaint,
    /// Anything else: for staff.
    FreeText,
}

impl Action {
    /// A stable label for logs (never the text).
    pub fn label(self) -> &'static str {
        match self {
            Action::OptOut => "opt_out",
            Action::OptIn => "opt_in",
            Action::Help => "help",
            Action::Emergency => "emergency",
            Action::Confirm => "confirm",
            Action::AcceptCall => "accept_call",
            Action::CallMe => "call_me",
            Action::Reschedule => "reschedule",
            Action::CancelClarify => "cancel_clarify",
            Action::CancelVisit => "cancel_visit",
            Action::CancelAgain => "cancel_again",
            Action::SwitchChannel(_) => "switch_channel",
            Action::Rating(_) => "rating",
            Action::Complaint => "complaint",
            Action::FreeText => "free_text",
        }
    }

    /// Whether the patient's upcoming appointments must be read first.
    pub fn needs_appointments(self) -> bool {
        self == Action::Confirm
    }

    /// The intent the thread records (see `policy::record_inbound`).
    fn thread_intent(self) -> Intent {
        match self {
            Action::OptOut => Intent::OptOut,
            Action::OptIn => Intent::OptIn,
            Action::Help => Intent::Help,
            Action::Emergency => Intent::Emergency,
            Action::Confirm => Intent::Confirm,
            Action::AcceptCall | Action::CallMe => Intent::CallMe,
            Action::Reschedule => Intent::Reschedule,
            Action::CancelClarify | Action::CancelVisit | Action::CancelAgain => {
                Intent::CancelAppointment
            }
            Action::SwitchChannel(c) => Intent::SwitchChannel(c),
            Action::Rating(r) => Intent::Rating(r),
            Action::Complaint | Action::FreeText => Intent::FreeText,
        }
    }

    /// Whether a stalled thread may get a call suggestion after this message's reply.
    fn may_suggest_call(self) -> bool {
        matches!(
            self,
            Action::FreeText | Action::Complaint | Action::Reschedule | Action::CancelAgain
        )
    }
}

fn within(since: DateTime<Utc>, now: DateTime<Utc>, window: Duration) -> bool {
    since <= now && now.signed_duration_since(since) <= window
}

/// A review request went out recently, so a rating or a complaint answers it.
fn review_pending(p: &Patient, now: DateTime<Utc>) -> bool {
    p.last_review_request_at
        .is_some_and(|t| within(t, now, REVIEW_WINDOW))
}

/// A call was suggested recently and nothing automated went out since: "yes" answers it.
fn suggestion_pending(p: &Patient, now: DateTime<Utc>) -> bool {
    p.thread.call_suggested_at.is_some_and(|t| {
        within(t, now, SUGGESTION_WINDOW) && p.recent_automated.iter().all(|sent| *sent <= t)
    })
}

/// Exactly the phrase the clarification asks for ("CANCEL VISIT", any case/punctuation).
fn is_exact_cancel_visit(text: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words == ["cancel", "visit"]
}

/// What the sender asks for. `patient` is `None` for an unknown sender.
pub fn decide(
    settings: &PracticeSettings,
    text: &str,
    patient: Option<&Patient>,
    now: DateTime<Utc>,
) -> Action {
    let intent = classify(text, &settings.emergency_keywords);
    let Some(p) = patient else {
        return match intent {
            Intent::OptOut => Action::OptOut,
            Intent::Emergency => Action::Emergency,
            Intent::Help => Action::Help,
            _ => Action::FreeText,
        };
    };
    match intent {
        Intent::OptOut => Action::OptOut,
        Intent::OptIn => Action::OptIn,
        Intent::Help => Action::Help,
        Intent::Emergency => Action::Emergency,
        Intent::Confirm if suggestion_pending(p, now) => Action::AcceptCall,
        Intent::Confirm => Action::Confirm,
        Intent::CallMe => Action::CallMe,
        Intent::Reschedule => Action::Reschedule,
        Intent::CancelAppointment => {
            let clarified = p
                .thread
                .cancel_clarified_at
                .is_some_and(|t| within(t, now, CLARIFY_WINDOW));
            if is_cancel_visit(text) && (clarified || is_exact_cancel_visit(text)) {
                Action::CancelVisit
            } else if clarified {
                Action::CancelAgain
            } else {
                Action::CancelClarify
            }
        }
        Intent::SwitchChannel(c) => Action::SwitchChannel(c),
        Intent::Rating(r) if review_pending(p, now) => Action::Rating(r),
        Intent::Rating(_) => Action::FreeText,
        Intent::FreeText if review_pending(p, now) && feedback::is_negative(text) => {
            Action::Complaint
        }
        Intent::FreeText => Action::FreeText,
    }
}

/// A patient the text was matched to.
#[derive(Debug, Clone)]
pub struct Known {
    pub patient: Patient,
    /// Other patients on the same phone number (a family's shared phone).
    pub family: Vec<Patient>,
    /// The patient's upcoming appointments, soonest first, when they were read.
    pub appointments: Option<Vec<Appointment>>,
    /// How the patient was picked among several on one phone (for staff).
    pub shared_note: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Sender {
    Known(Box<Known>),
    Unknown,
}

pub struct Input<'a> {
    pub practice: &'a Practice,
    pub inbound: &'a Inbound,
    pub sender: &'a Sender,
    pub action: Action,
    pub now: DateTime<Utc>,
    /// Unknown senders: whether this batch may take the reply-rate marker (false once it was
    /// found taken).
    pub unknown_reply_allowed: bool,
}

/// How a send is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sms(Sms),
    Email(Email),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    Patient,
    OnCall,
}

/// One send to make after the batch commits.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub delivery: Delivery,
    pub recipient: Recipient,
    /// Its timeline entry, written as sent; rewritten as failed if the send fails.
    pub record: Message,
}

/// For an emergency: what changes if no on-call alert gets through.
#[derive(Debug, Clone)]
pub struct EmergencyFallback {
    pub task: Task,
    /// The patient's reply (index into `sends`) and the text to send instead.
    pub reply: Option<(usize, String)>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub action: Action,
    pub writes: Vec<Write>,
    pub sends: Vec<Outgoing>,
    /// The versioned items the writes are conditioned on, with the version seen.
    pub versions: Vec<(Key, u64)>,
    /// Whether the batch takes an unknown sender's reply-rate marker.
    pub rate_marker: bool,
    pub emergency: Option<EmergencyFallback>,
    /// Replies recorded as suppressed (rate limit, opt-out).
    pub suppressed: usize,
}

/// Whether a reply may go.
enum Gate {
    Send,
    Suppress(String),
}

const OPTED_OUT: &str = "the patient has opted out of texts";

/// Builds the batch.
struct Draft<'a> {
    input: &'a Input<'a>,
    patient_id: Option<PatientId>,
    unknown: Option<PhoneNumber>,
    reply_from: Option<PhoneNumber>,
    step: i64,
    writes: Vec<Write>,
    sends: Vec<Outgoing>,
    suppressed: usize,
}

impl<'a> Draft<'a> {
    fn new(input: &'a Input<'a>, patient_id: Option<PatientId>) -> Self {
        let unknown = patient_id.is_none().then(|| input.inbound.from.clone());
        let reply_from = input
            .practice
            .settings
            .sms_number
            .clone()
            .or_else(|| input.inbound.to.clone());
        Self {
            input,
            patient_id,
            unknown,
            reply_from,
            step: 0,
            writes: Vec::new(),
            sends: Vec::new(),
            suppressed: 0,
        }
    }

    fn settings(&self) -> &'a PracticeSettings {
        &self.input.practice.settings
    }

    /// Each entry after the inbound one gets its own millisecond, so the timeline keeps the
    /// order: the patient's message, then the replies.
    fn next_at(&mut self) -> DateTime<Utc> {
        self.step += 1;
        let now = self.input.now;
        now.checked_add_signed(Duration::milliseconds(self.step))
            .unwrap_or(now)
    }

    fn message(
        &self,
        at: DateTime<Utc>,
        channel: Channel,
        direction: Direction,
        purpose: Purpose,
        body: String,
        decision: Decision,
    ) -> Message {
        Message {
            practice_id: self.input.practice.practice_id.clone(),
            patient_id: self.patient_id.clone(),
            unknown_sender: self.unknown.clone(),
            message_id: MessageId::generate(),
            at,
            channel,
            direction,
            purpose,
            body,
            decision,
            appointment_id: None,
            actor: None,
        }
    }

    fn inbound(&mut self, appointment_id: Option<AppointmentId>) {
        let mut m = self.message(
            self.input.now,
            Channel::Sms,
            Direction::Inbound,
            Purpose::PatientMessage,
            self.input.inbound.text.clone(),
            Decision::Received,
        );
        m.appointment_id = appointment_id;
        self.writes.push(Write::Message(Box::new(m)));
    }

    /// A reply to the sender by SMS: recorded either way, sent only through the gate.
    /// Returns the index of the send.
    fn reply(&mut self, body: String, purpose: Purpose, gate: Gate) -> Option<usize> {
        let at = self.next_at();
        match gate {
            Gate::Send => {
                let record = self.message(
                    at,
                    Channel::Sms,
                    Direction::Outbound,
                    purpose,
                    body.clone(),
                    Decision::Sent {
                        provider_message_id: None,
                    },
                );
                self.writes.push(Write::Message(Box::new(record.clone())));
                self.sends.push(Outgoing {
                    delivery: Delivery::Sms(Sms {
                        practice_id: self.input.practice.practice_id.clone(),
                        from: self.reply_from.clone(),
                        to: self.input.inbound.from.clone(),
                        body,
                    }),
                    recipient: Recipient::Patient,
                    record,
                });
                Some(self.sends.len() - 1)
            }
            Gate::Suppress(reason) => {
                let record = self.message(
                    at,
                    Channel::Sms,
                    Direction::Outbound,
                    purpose,
                    body,
                    Decision::Suppressed { reason },
                );
                self.writes.push(Write::Message(Box::new(record)));
                self.suppressed += 1;
                None
            }
        }
    }

    /// An alert to the on-call team, recorded on the sender's thread.
    fn forward(&mut self, delivery: Delivery) {
        let at = self.next_at();
        let (channel, body) = match &delivery {
            Delivery::Sms(s) => (Channel::Sms, s.body.clone()),
            Delivery::Email(e) => (Channel::Email, format!("{}\n\n{}", e.subject, e.text)),
        };
        let record = self.message(
            at,
            channel,
            Direction::Outbound,
            Purpose::EmergencyForward,
            body,
            Decision::Sent {
                provider_message_id: None,
            },
        );
        self.writes.push(Write::Message(Box::new(record.clone())));
        self.sends.push(Outgoing {
            delivery,
            recipient: Recipient::OnCall,
            record,
        });
    }

    fn task(&mut self, spec: TaskSpec) -> Task {
        let task = Task {
            practice_id: self.input.practice.practice_id.clone(),
            task_id: TaskId::generate(),
            kind: spec.kind,
            priority: spec.priority,
            status: TaskStatus::Open,
            title: spec.title,
            detail: spec.detail,
            script: None,
            voicemail_script: None,
            patient_id: self.patient_id.clone(),
            appointment_id: spec.appointment_id,
            due_at: spec.due_at,
            created_at: self.input.now,
            resolved_at: None,
            resolution: None,
            work: Default::default(),
        };
        self.writes.push(Write::Task(Box::new(task.clone())));
        task
    }

    fn claim(&mut self, key: String, expires_at: DateTime<Utc>) {
        self.writes.push(Write::Claim {
            practice_id: self.input.practice.practice_id.clone(),
            key,
            expires_at,
        });
    }
}

struct TaskSpec {
    kind: TaskKind,
    priority: Priority,
    title: String,
    detail: String,
    due_at: DateTime<Utc>,
    appointment_id: Option<AppointmentId>,
}

/// When staff should pick up a non-urgent task: now if the office is open, else when it
/// next opens.
fn staff_due(settings: &PracticeSettings, now: DateTime<Utc>) -> DateTime<Utc> {
    settings
        .office_hours
        .next_opening(now, settings.time_zone)
        .unwrap_or(now)
}

/// Formats a time without panicking (a `Display` error falls back to RFC 3339).
fn format_time<Tz: chrono::TimeZone>(at: DateTime<Tz>, pattern: &str) -> String
where
    Tz::Offset: std::fmt::Display,
{
    use std::fmt::Write as _;
    let mut out = String::new();
    match write!(out, "{}", at.format(pattern)) {
        Ok(()) => out,
        Err(_) => at.to_utc().to_rfc3339(),
    }
}

/// A time on the practice's clock, for staff (the one staff-facing format).
fn practice_time(settings: &PracticeSettings, at: DateTime<Utc>) -> String {
    frontdesk::time::staff_time(at, settings.time_zone)
}

/// The thread and consents of a known patient decide whether a reply may go; every reply
/// that goes is counted for the rate limit.
fn gate_known(
    thread: &mut ThreadState,
    settings: &PracticeSettings,
    now: DateTime<Utc>,
    opted_out: bool,
    bypass: bool,
    allowed_when_opted_out: bool,
) -> Gate {
    if opted_out && !allowed_when_opted_out {
        return Gate::Suppress(OPTED_OUT.into());
    }
    if !bypass && !policy::auto_reply_allowed(thread, settings, now) {
        return Gate::Suppress(format!(
            "auto-reply limit reached ({} per hour in this thread)",
            settings.auto_replies_per_hour.max(1)
        ));
    }
    policy::record_auto_reply(thread, now);
    Gate::Send
}

/// Builds the batch and the sends for one inbound text.
pub fn plan(input: &Input<'_>) -> frontdesk::Result<Plan> {
    match input.sender {
        Sender::Known(known) => plan_known(input, known),
        Sender::Unknown => plan_unknown(input),
    }
}

fn plan_known(input: &Input<'_>, known: &Known) -> frontdesk::Result<Plan> {
    let settings = &input.practice.settings;
    let now = input.now;
    let action = input.action;
    let mut patient = known.patient.clone();
    let mut family = known.family.clone();
    let mut family_changed = vec![false; family.len()];
    let mut d = Draft::new(input, Some(patient.patient_id.clone()));
    let mut versions = vec![(Key::Patient(patient.patient_id.clone()), patient.version)];
    let mut inbound_appointment = None;
    let mut emergency = None;
    let due = staff_due(settings, now);
    let shared = known
        .shared_note
        .as_ref()
        .map(|n| format!(" {n}"))
        .unwrap_or_default();

    d.claim(input.inbound.claim_key(), input.inbound.claim_expires(now));

    // Consent changes first: they decide whether replies may go. A keyword covers every
    // patient on the number.
    let mut consent_changed = false;
    match action {
        Action::OptOut => {
            if !patient.consents.is_opted_out(Channel::Sms) {
                patient
                    .consents
                    .opt_out(Channel::Sms, ConsentSource::PatientKeyword, now);
                consent_changed = true;
            }
            for (p, changed) in family.iter_mut().zip(family_changed.iter_mut()) {
                if !p.consents.is_opted_out(Channel::Sms) {
                    p.consents
                        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, now);
                    *changed = true;
                }
            }
        }
        Action::OptIn => {
            if patient.consents.is_opted_out(Channel::Sms) {
                patient
                    .consents
                    .opt_in(Channel::Sms, ConsentSource::PatientKeyword, now);
                consent_changed = true;
            }
            for (p, changed) in family.iter_mut().zip(family_changed.iter_mut()) {
                if p.consents.is_opted_out(Channel::Sms) {
                    p.consents
                        .opt_in(Channel::Sms, ConsentSource::PatientKeyword, now);
                    *changed = true;
                }
            }
        }
        _ => {}
    }
    let consent_changed = consent_changed || family_changed.iter().any(|c| *c);
    d.writes.extend(crate::consent_log::keyword_writes(
        action,
        std::iter::once((&known.patient, &patient)).chain(known.family.iter().zip(&family)),
        now,
    ));

    policy::record_inbound_at(&mut patient.thread, action.thread_intent(), now);
    if policy::note_inbound(
        &mut patient.thread,
        Channel::Sms,
        action.thread_intent(),
        now,
    ) {
        d.writes.push(Write::Waiting(Box::new(Waiting::patient(
            &input.practice.practice_id,
            &patient.patient_id,
            now,
            Channel::Sms,
        ))));
    }
    let opted_out = patient.consents.is_opted_out(Channel::Sms);
    let opted_out_note = if opted_out {
        " The patient has opted out of texts: reply by phone or email."
    } else {
        ""
    };
    let ctx = ReplyContext::new(settings, Some(&patient), now)?;
    let ack = templates::acknowledgement(settings, now);
    let gate = |thread: &mut ThreadState, bypass: bool, when_opted_out: bool| {
        gate_known(thread, settings, now, opted_out, bypass, when_opted_out)
    };

    match action {
        Action::OptOut => {
            if consent_changed {
                let g = gate(&mut patient.thread, true, true);
                d.reply(
                    templates::reply(&ctx, Reply::OptOutConfirmation)?,
                    Purpose::OptOutConfirmation,
                    g,
                );
            } else {
                d.reply(
                    templates::reply(&ctx, Reply::OptOutConfirmation)?,
                    Purpose::OptOutConfirmation,
                    Gate::Suppress(
                        "already opted out; the one confirmation went out with the opt-out".into(),
                    ),
                );
            }
        }
        Action::OptIn => {
            let g = gate(&mut patient.thread, consent_changed, true);
            d.reply(
                templates::reply(&ctx, Reply::OptInConfirmation)?,
                Purpose::OptInConfirmation,
                g,
            );
        }
        Action::Help => {
            let g = gate(&mut patient.thread, false, true);
            d.reply(templates::reply(&ctx, Reply::Help)?, Purpose::Reply, g);
        }
        Action::Emergency => {
            // The safety reply bypasses the rate limit, never an opt-out.
            let g = gate(&mut patient.thread, true, false);
            emergency = Some(emergency_plan(&mut d, Some(&patient), &ctx, g)?);
        }
        Action::Confirm => {
            let next = known
                .appointments
                .iter()
                .flatten()
                .find(|a| a.status.is_pending() && a.starts_at >= now);
            match next {
                Some(a) => {
                    if a.confirmation.is_none() {
                        let mut confirmed = a.clone();
                        confirmed.confirmation = Some(Confirmation {
                            at: now,
                            channel: Channel::Sms,
                        });
                        confirmed.updated_at = now;
                        confirmed.version = a.version.saturating_add(1);
                        versions.push((Key::Appointment(a.appointment_id.clone()), a.version));
                        d.writes.push(Write::Appointment {
                            appointment: Box::new(confirmed),
                            expect: Expect::Version(a.version),
                        });
                    }
                    inbound_appointment = Some(a.appointment_id.clone());
                    let g = gate(&mut patient.thread, false, false);
                    d.reply(
                        templates::reply(
                            &ctx,
                            Reply::ConfirmThanks {
                                appointment_at: Some(a.starts_at),
                            },
                        )?,
                        Purpose::Reply,
                        g,
                    );
                }
                None => {
                    d.task(TaskSpec {
                        kind: TaskKind::InboxMessage,
                        priority: Priority::Normal,
                        title: "Patient replied yes".into(),
                        detail: format!(
                            "The patient replied yes, but has no upcoming appointment to \
                             confirm. Read the message on their timeline and follow up.{shared}\
                             {opted_out_note}"
                        ),
                        due_at: due,
                        appointment_id: None,
                    });
                    let g = gate(&mut patient.thread, false, false);
                    d.reply(
                        templates::reply(
                            &ctx,
                            Reply::ConfirmThanks {
                                appointment_at: None,
                            },
                        )?,
                        Purpose::Reply,
                        g,
                    );
                }
            }
        }
        Action::AcceptCall | Action::CallMe => {
            let why = if action == Action::AcceptCall {
                "accepted the offer of a phone call"
            } else {
                "asked for a phone call"
            };
            d.task(TaskSpec {
                kind: TaskKind::ChannelSwitchRequest,
                priority: Priority::High,
                title: "Call the patient".into(),
                detail: format!(
                    "The patient {why} by text. Call them; the conversation so far is on \
                     their timeline.{shared}"
                ),
                due_at: due,
                appointment_id: None,
            });
            let g = gate(&mut patient.thread, false, false);
            d.reply(
                templates::reply(&ctx, Reply::CallRequestAck)?,
                Purpose::Reply,
                g,
            );
        }
        Action::Reschedule => {
            d.task(TaskSpec {
                kind: TaskKind::RescheduleRequest,
                priority: Priority::High,
                title: "Reschedule request".into(),
                detail: format!(
                    "The patient asked by text to reschedule. Find a new time with them and \
                     update the appointment.{shared}{opted_out_note}"
                ),
                due_at: due,
                appointment_id: None,
            });
            let g = gate(&mut patient.thread, false, false);
            d.reply(
                templates::reply(&ctx, Reply::RescheduleAck)?,
                Purpose::Reply,
                g,
            );
        }
        Action::CancelClarify => {
            d.task(TaskSpec {
                kind: TaskKind::CancelRequest,
                priority: Priority::High,
                title: "Cancel request (to clarify)".into(),
                detail: format!(
                    "The patient mentioned cancelling. We asked by text whether they mean \
                     their appointment (reply CANCEL VISIT) or our texts (reply STOP); their \
                     answer will follow on the timeline. Do not cancel before it is clear.\
                     {shared}{opted_out_note}"
                ),
                due_at: due,
                appointment_id: None,
            });
            let g = gate(&mut patient.thread, false, false);
            if d.reply(
                templates::reply(&ctx, Reply::CancelClarification)?,
                Purpose::Reply,
                g,
            )
            .is_some()
            {
                patient.thread.cancel_clarified_at = Some(now);
            }
        }
        Action::CancelVisit | Action::CancelAgain => {
            let detail = if action == Action::CancelVisit {
                "The patient confirmed by text that they want to cancel their appointment. \
                 Cancel it and offer to rebook."
            } else {
                "The patient mentioned cancelling again after we asked whether they meant \
                 their appointment or our texts. Read the thread and call them if unclear."
            };
            d.task(TaskSpec {
                kind: TaskKind::CancelRequest,
                priority: Priority::High,
                title: "Cancel request".into(),
                detail: format!("{detail}{shared}{opted_out_note}"),
                due_at: due,
                appointment_id: None,
            });
            if action == Action::CancelVisit {
                patient.thread.cancel_clarified_at = None;
            }
            let g = gate(&mut patient.thread, false, false);
            d.reply(templates::reply(&ctx, ack)?, Purpose::Reply, g);
        }
        Action::SwitchChannel(channel) => {
            let from = patient.preferred_channel;
            let blocker = match channel {
                _ if from == channel => None,
                Channel::Email if patient.email.is_none() => {
                    Some("there is no email address on file")
                }
                Channel::Sms if patient.phone.is_none() => {
                    Some("there is no mobile number on file")
                }
                Channel::Voice => Some("calls are arranged by staff"),
                _ => match patient.consents.check(channel, MessageKind::Care) {
                    Ok(()) => None,
                    Err(ConsentBlock::OptedOut) => {
                        Some("they opted out of it (texting START lifts a text opt-out)")
                    }
                    Err(ConsentBlock::NoConsent) => {
                        Some("there is no recorded consent for care messages on it")
                    }
                },
            };
            match blocker {
                None => {
                    if from != channel {
                        patient.preferred_channel = channel;
                        d.task(TaskSpec {
                            kind: TaskKind::ChannelSwitchRequest,
                            priority: Priority::Low,
                            title: format!("Patient switched to {channel}"),
                            detail: format!(
                                "The patient asked by text to be contacted by {channel} \
                                 instead of {from}; their preferred channel is now {channel} \
                                 (changed at the patient's request). Update it in your \
                                 practice-management system too, or the next sync will \
                                 change it back.{shared}"
                            ),
                            due_at: due,
                            appointment_id: None,
                        });
                    }
                    let g = gate(&mut patient.thread, false, false);
                    d.reply(
                        templates::reply(&ctx, Reply::ChannelSwitchAck { channel })?,
                        Purpose::ChannelSwitch,
                        g,
                    );
                }
                Some(why) => {
                    d.task(TaskSpec {
                        kind: TaskKind::ChannelSwitchRequest,
                        priority: Priority::Normal,
                        title: format!("Patient asks to be contacted by {channel}"),
                        detail: format!(
                            "The patient asked by text to be contacted by {channel} instead \
                             of {from}, but {why}. Confirm with them and update their record.\
                             {shared}{opted_out_note}"
                        ),
                        due_at: due,
                        appointment_id: None,
                    });
                    let g = gate(&mut patient.thread, false, false);
                    d.reply(templates::reply(&ctx, ack)?, Purpose::Reply, g);
                }
            }
        }
        Action::Rating(rating) => {
            if rating <= 3 {
                feedback_task(
                    &mut d,
                    &mut patient,
                    settings,
                    format!("Low rating ({rating}/5)"),
                    format!("The patient rated their visit {rating} out of 5"),
                    due,
                );
            }
            let g = gate(&mut patient.thread, false, false);
            d.reply(
                templates::reply(&ctx, Reply::RatingThanks { rating })?,
                Purpose::Reply,
                g,
            );
        }
        Action::Complaint => {
            feedback_task(
                &mut d,
                &mut patient,
                settings,
                "Negative feedback".into(),
                "The patient's reply reads as a complaint".into(),
                due,
            );
            let g = gate(&mut patient.thread, false, false);
            d.reply(templates::reply(&ctx, ack)?, Purpose::Reply, g);
        }
        Action::FreeText => {
            d.task(TaskSpec {
                kind: TaskKind::InboxMessage,
                priority: Priority::Normal,
                title: "Message from a patient".into(),
                detail: format!(
                    "The patient sent a text for the team. Read it on their timeline and \
                     reply.{shared}{opted_out_note}"
                ),
                due_at: due,
                appointment_id: None,
            });
            let g = gate(&mut patient.thread, false, false);
            d.reply(templates::reply(&ctx, ack)?, Purpose::Reply, g);
        }
    }

    // A stalled thread (by count, or by time outside the patient's quiet hours): offer a
    // call, in the same channel, once.
    let by_count = policy::should_suggest_call(&patient.thread, settings);
    let by_time = policy::should_suggest_call_at(&patient.thread, settings, now)
        && !policy::is_quiet(&settings.quiet_hours, now, patient.zone(settings.time_zone));
    if action.may_suggest_call()
        && !opted_out
        && (by_count || by_time)
        && policy::auto_reply_allowed(&patient.thread, settings, now)
    {
        policy::record_auto_reply(&mut patient.thread, now);
        policy::record_call_suggested(&mut patient.thread, now);
        d.reply(
            templates::reply(&ctx, Reply::CallSuggestion)?,
            Purpose::CallSuggestion,
            Gate::Send,
        );
    }

    d.inbound(inbound_appointment);

    let seen = patient.version;
    patient.version = seen.saturating_add(1);
    patient.updated_at = now;
    d.writes.push(Write::Patient {
        patient: Box::new(patient),
        expect: Expect::Version(seen),
        previous_phone: None,
    });
    for (mut p, changed) in family.into_iter().zip(family_changed) {
        if changed {
            let seen = p.version;
            versions.push((Key::Patient(p.patient_id.clone()), seen));
            p.version = seen.saturating_add(1);
            p.updated_at = now;
            d.writes.push(Write::Patient {
                patient: Box::new(p),
                expect: Expect::Version(seen),
                previous_phone: None,
            });
        }
    }

    Ok(Plan {
        action,
        writes: d.writes,
        sends: d.sends,
        versions,
        rate_marker: false,
        emergency,
        suppressed: d.suppressed,
    })
}

/// A low rating or a complaint: one follow-up task while none is open, else an inbox task
/// so the new message is seen. (Review requests never depend on it: no review gating.)
fn feedback_task(
    d: &mut Draft<'_>,
    patient: &mut Patient,
    settings: &PracticeSettings,
    title: String,
    what: String,
    due: DateTime<Utc>,
) {
    let asked = patient
        .last_review_request_at
        .map(|t| {
            format!(
                " in reply to the review request of {}",
                practice_time(settings, t)
            )
        })
        .unwrap_or_default();
    if patient.open_feedback_task.is_none() {
        let task = d.task(TaskSpec {
            kind: TaskKind::FeedbackFollowUp,
            priority: Priority::High,
            title,
            detail: format!(
                "{what}{asked}. Reach out and make it right; the message is on their \
                 timeline."
            ),
            due_at: due,
            appointment_id: None,
        });
        patient.open_feedback_task = Some(task.task_id);
    } else {
        d.task(TaskSpec {
            kind: TaskKind::InboxMessage,
            priority: Priority::Normal,
            title: "More feedback from a patient".into(),
            detail: format!(
                "{what}{asked}. A feedback follow-up is already open for them; read the new \
                 message on their timeline."
            ),
            due_at: due,
            appointment_id: None,
        });
    }
}

/// Emergency: alert the on-call team at once by every configured route, raise an urgent
/// task, and tell the sender whom to call if it is life-threatening.
fn emergency_plan(
    d: &mut Draft<'_>,
    patient: Option<&Patient>,
    ctx: &ReplyContext,
    reply_gate: Gate,
) -> frontdesk::Result<EmergencyFallback> {
    let settings = d.settings();
    let now = d.input.now;
    let from = d.input.inbound.from.clone();
    let fctx = EmergencyForwardContext::new(settings, patient, Some(&from), now)?;
    let mut routes = Vec::new();
    let mut missing = Vec::new();
    if let Some(phone) = &settings.on_call.phone {
        d.forward(Delivery::Sms(Sms {
            practice_id: d.input.practice.practice_id.clone(),
            from: d.reply_from.clone(),
            to: phone.clone(),
            body: templates::emergency_forward_sms(&fctx)?,
        }));
        routes.push("text");
    }
    match (&settings.on_call.email, &settings.email_from) {
        (Some(to), Some(sender)) => {
            let content = templates::emergency_forward_email(&fctx)?;
            d.forward(Delivery::Email(Email {
                practice_id: d.input.practice.practice_id.clone(),
                from: sender.clone(),
                to: to.clone(),
                subject: content.subject,
                text: content.text,
            }));
            routes.push("email");
        }
        (Some(_), None) => missing.push(
            "the on-call email could not be sent because the practice has no email sender \
             (settings: email_from)",
        ),
        _ => {}
    }
    let alerted = !routes.is_empty();
    let who = match patient {
        Some(_) => "a patient".to_string(),
        None => format!("an unknown number ending {}", from.last_four()),
    };
    let alert = if alerted {
        format!("The on-call team was alerted by {}.", routes.join(" and "))
    } else {
        "No on-call contact is set (settings: on_call), so nobody was alerted: call back now."
            .to_string()
    };
    let mut detail = format!(
        "A text from {who} matched an emergency keyword at {}. {alert}",
        practice_time(settings, now)
    );
    for m in missing {
        detail.push(' ');
        detail.push_str(&capitalise(m));
        detail.push('.');
    }
    detail.push_str(" Read the message on the thread and call back now.");
    let task = d.task(TaskSpec {
        kind: TaskKind::Emergency,
        priority: Priority::Urgent,
        title: match patient {
            Some(_) => "URGENT: emergency keyword in a patient's text".into(),
            None => format!(
                "URGENT: emergency keyword from number ending {}",
                from.last_four()
            ),
        },
        detail,
        due_at: now,
        appointment_id: None,
    });
    let text = templates::reply(
        ctx,
        Reply::Emergency {
            on_call_alerted: alerted,
        },
    )?;
    let index = d.reply(text, Purpose::Reply, reply_gate);
    let fallback = match index {
        Some(i) if alerted => Some((
            i,
            templates::reply(
                ctx,
                Reply::Emergency {
                    on_call_alerted: false,
                },
            )?,
        )),
        _ => None,
    };
    Ok(EmergencyFallback {
        task,
        reply: fallback,
    })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Markers that bound automatic replies to an unknown number, which has no thread state.
fn hourly_marker(from: &PhoneNumber, now: DateTime<Utc>) -> (String, DateTime<Utc>) {
    (
        format!("reply:{}:{}", from, format_time(now, "%Y-%m-%dT%H")),
        now.checked_add_signed(Duration::hours(2)).unwrap_or(now),
    )
}

fn daily_opt_out_marker(from: &PhoneNumber, now: DateTime<Utc>) -> (String, DateTime<Utc>) {
    (
        format!("optout-confirm:{}:{}", from, format_time(now, "%Y-%m-%d")),
        now.checked_add_signed(Duration::days(2)).unwrap_or(now),
    )
}

fn plan_unknown(input: &Input<'_>) -> frontdesk::Result<Plan> {
    let settings = &input.practice.settings;
    let now = input.now;
    let action = input.action;
    let mut d = Draft::new(input, None);
    let from = input.inbound.from.clone();
    let last4 = from.last_four().to_string();
    let ctx = ReplyContext::new(settings, None, now)?;
    let mut rate_marker = false;
    let mut emergency = None;

    d.claim(input.inbound.claim_key(), input.inbound.claim_expires(now));
    d.inbound(None);
    // The unknown sender's thread (opaque id, no read) and, unless the text is answered
    // automatically, an inbox entry.
    let waiting = policy::awaits_staff(action.thread_intent());
    d.writes.push(Write::UnknownInbound {
        practice_id: input.practice.practice_id.clone(),
        number: from.clone(),
        at: now,
        waiting,
        opted_out: match action {
            Action::OptOut => Some(true),
            Action::OptIn => Some(false),
            _ => None,
        },
    });
    if waiting {
        d.writes.push(Write::Waiting(Box::new(Waiting::unknown(
            &input.practice.practice_id,
            &from,
            now,
        ))));
    }

    let mut gated = |d: &mut Draft<'_>, marker: (String, DateTime<Utc>)| {
        if input.unknown_reply_allowed {
            d.claim(marker.0, marker.1);
            rate_marker = true;
            Gate::Send
        } else {
            Gate::Suppress("auto-reply limit reached for this number".into())
        }
    };

    if action == Action::Emergency {
        emergency = Some(emergency_plan(&mut d, None, &ctx, Gate::Send)?);
    } else {
        let (asked, reply, marker) = match action {
            Action::OptOut => (
                " They asked to stop texts (confirmed once).",
                Reply::OptOutConfirmation,
                daily_opt_out_marker(&from, now),
            ),
            Action::Help => ("", Reply::Help, hourly_marker(&from, now)),
            _ => (
                "",
                templates::acknowledgement(settings, now),
                hourly_marker(&from, now),
            ),
        };
        d.task(TaskSpec {
            kind: TaskKind::UnknownSender,
            priority: Priority::Normal,
            title: format!("Text from unknown number ending {last4}"),
            detail: format!(
                "A text came from a number ending {last4} that matches no patient.{asked} \
                 Read it in the unknown-sender thread, then add the number to the right \
                 patient or call back."
            ),
            due_at: staff_due(settings, now),
            appointment_id: None,
        });
        let purpose = if action == Action::OptOut {
            Purpose::OptOutConfirmation
        } else {
            Purpose::Reply
        };
        let g = gated(&mut d, marker);
        d.reply(templates::reply(&ctx, reply)?, purpose, g);
    }

    Ok(Plan {
        action,
        writes: d.writes,
        sends: d.sends,
        versions: Vec::new(),
        rate_marker,
        emergency,
        suppressed: d.suppressed,
    })
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
