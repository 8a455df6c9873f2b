//! The batch being built for one text: timeline entries, replies through their gate,
//! tasks and claims, and the rate gate of a known patient's thread.

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{
    AppointmentId, Channel, Decision, Direction, Message, PatientId, PhoneNumber, PracticeSettings,
    Priority, Purpose, Task, TaskId, TaskKind, TaskWork, ThreadId, ThreadState,
};
use frontdesk::policy;
use frontdesk::ports::{Sms, Write};

use super::{Delivery, Input, Outgoing, Recipient};

/// Whether a reply may go.
pub(super) enum Gate {
    Send,
    Suppress(String),
}

pub(super) const OPTED_OUT: &str = "the patient has opted out of texts";

/// Builds the batch.
pub(super) struct Draft<'a> {
    pub(super) input: &'a Input<'a>,
    pub(super) patient_id: Option<PatientId>,
    pub(super) unknown: Option<PhoneNumber>,
    pub(super) reply_from: Option<PhoneNumber>,
    pub(super) step: i64,
    pub(super) writes: Vec<Write>,
    pub(super) sends: Vec<Outgoing>,
    pub(super) suppressed: usize,
}

impl<'a> Draft<'a> {
    pub(super) fn new(input: &'a Input<'a>, patient_id: Option<PatientId>) -> Self {
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

    pub(super) fn settings(&self) -> &'a PracticeSettings {
        &self.input.practice.settings
    }

    /// Each entry after the inbound one gets its own millisecond, so the timeline keeps the
    /// order: the patient's message, then the replies.
    pub(super) fn next_at(&mut self) -> DateTime<Utc> {
        self.step += 1;
        let now = self.input.now;
        now.checked_add_signed(Duration::milliseconds(self.step))
            .unwrap_or(now)
    }

    pub(super) fn message(
        &self,
        at: DateTime<Utc>,
        channel: Channel,
        direction: Direction,
        purpose: Purpose,
        body: String,
        decision: Decision,
    ) -> Message {
        Message::new(
            self.input.practice.practice_id.clone(),
            at,
            channel,
            direction,
            purpose,
            body,
            decision,
        )
        .on_thread(self.patient_id.clone(), self.unknown.clone())
    }

    pub(super) fn inbound(&mut self, appointment_id: Option<AppointmentId>) {
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
    pub(super) fn reply(&mut self, body: String, purpose: Purpose, gate: Gate) -> Option<usize> {
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
                let sms = Sms {
                    practice_id: self.input.practice.practice_id.clone(),
                    from: self.reply_from.clone(),
                    to: self.input.inbound.from.clone(),
                    body,
                };
                self.writes.push(Write::Message(Box::new(record.clone())));
                // Its send intent commits with it: a reply whose send fails, or whose
                // commit's answer is lost, is completed later or handed to staff.
                self.writes.push(frontdesk::reply_intents::pending(
                    &record,
                    frontdesk::ports::IntentSend::Sms(sms.clone()),
                    self.input.now,
                ));
                self.sends.push(Outgoing {
                    delivery: Delivery::Sms(sms),
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
    pub(super) fn forward(&mut self, delivery: Delivery) {
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

    pub(super) fn task(&mut self, spec: TaskSpec) -> Task {
        let task = Task {
            patient_id: self.patient_id.clone(),
            appointment_id: spec.appointment_id,
            due_at: spec.due_at,
            // An unknown sender's task points at their thread (staff work on it there).
            work: TaskWork {
                thread_id: self
                    .unknown
                    .as_ref()
                    .map(|n| ThreadId::unknown(&self.input.practice.practice_id, n)),
                ..TaskWork::default()
            },
            ..Task::open(
                self.input.practice.practice_id.clone(),
                TaskId::generate(),
                spec.kind,
                spec.priority,
                spec.title,
                spec.detail,
                self.input.now,
            )
        };
        self.writes.push(Write::Task(Box::new(task.clone())));
        task
    }

    pub(super) fn claim(&mut self, key: String, expires_at: DateTime<Utc>) {
        self.writes.push(Write::Claim {
            practice_id: self.input.practice.practice_id.clone(),
            key,
            expires_at,
        });
    }
}

pub(super) struct TaskSpec {
    pub(super) kind: TaskKind,
    pub(super) priority: Priority,
    pub(super) title: String,
    pub(super) detail: String,
    pub(super) due_at: DateTime<Utc>,
    pub(super) appointment_id: Option<AppointmentId>,
}

/// When staff should pick up a non-urgent task: now if the office is open, else when it
/// next opens.
pub(super) fn staff_due(settings: &PracticeSettings, now: DateTime<Utc>) -> DateTime<Utc> {
    settings
        .office_hours
        .next_opening(now, settings.time_zone)
        .unwrap_or(now)
}

/// Formats a time without panicking (a `Display` error falls back to RFC 3339).
pub(super) fn format_time<Tz: chrono::TimeZone>(at: DateTime<Tz>, pattern: &str) -> String
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
pub(super) fn practice_time(settings: &PracticeSettings, at: DateTime<Utc>) -> String {
    frontdesk::time::staff_time(at, settings.time_zone)
}

/// The thread and consents of a known patient decide whether a reply may go; every reply
/// that goes is counted for the rate limit.
pub(super) fn gate_known(
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
