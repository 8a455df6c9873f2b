//! Delivering one automated message on the patient's preferred channel, as the policy
//! decides: send it, defer it past quiet hours, turn it into a staff task, or suppress it.
//! Never another channel. Every outcome is written to the timeline with its reason.
//!
//! `deliver` performs the send (if any) and returns the writes that record it; the caller
//! adds its own (finishing the due work) and applies them in one transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::channel_health;
use crate::domain::{
    AppointmentId, Channel, Decision, Direction, Message, MessageId, MessageKind, Patient,
    Practice, Priority, Purpose, Task, TaskId, TaskKind,
};
use crate::policy::{route, Route};
use crate::ports::{Email, EmailSender, PatientMail, Sms, SmsSender, Write};
use crate::Error;

/// The senders, built once per container.
#[derive(Clone)]
pub struct Senders {
    pub sms: Arc<dyn SmsSender>,
    pub email: Arc<dyn EmailSender>,
}

/// The same message for every channel; only the preferred one is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub sms: String,
    pub email_subject: String,
    pub email_text: String,
    /// What a staff member says on the call (voice patients, unusable channels).
    pub call_script: String,
    /// What to leave on voicemail, if nobody answers.
    pub voicemail_script: Option<String>,
    /// The task list's one-line title for a call task. No clinical details.
    pub task_title: String,
}

impl Content {
    /// What the timeline shows for a message on `channel`.
    pub fn body_for(&self, channel: Channel) -> String {
        match channel {
            Channel::Sms => self.sms.clone(),
            Channel::Email => format!("{}\n\n{}", self.email_subject, self.email_text),
            Channel::Voice => self.call_script.clone(),
        }
    }
}

/// One automated message to deliver.
#[derive(Debug, Clone)]
pub struct Outbound<'a> {
    pub practice: &'a Practice,
    pub patient: &'a Patient,
    pub kind: MessageKind,
    pub purpose: Purpose,
    pub appointment_id: Option<&'a AppointmentId>,
    /// The latest useful moment (e.g. the appointment start); later, it is suppressed.
    pub not_after: Option<DateTime<Utc>>,
    pub content: Content,
    /// Priority and due time of the staff task, when it becomes one.
    pub task_priority: Priority,
    pub task_due: DateTime<Utc>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Sent {
        channel: Channel,
        provider_message_id: String,
    },
    /// Quiet hours: try again at `until`.
    Deferred {
        until: DateTime<Utc>,
    },
    /// A staff task was raised instead.
    Task {
        task_id: TaskId,
        kind: TaskKind,
    },
    Suppressed {
        reason: String,
    },
    /// The provider refused it for good: recorded, with a staff task.
    Rejected {
        task_id: TaskId,
    },
    /// The provider could not be reached: nothing recorded yet, the caller retries.
    Unavailable {
        reason: String,
    },
}

impl Delivery {
    /// A short label for reports and logs.
    pub fn label(&self) -> &'static str {
        match self {
            Delivery::Sent { .. } => "sent",
            Delivery::Deferred { .. } => "deferred",
            Delivery::Task { .. } => "staff_task",
            Delivery::Suppressed { .. } => "suppressed",
            Delivery::Rejected { .. } => "rejected",
            Delivery::Unavailable { .. } => "unavailable",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Delivered {
    pub delivery: Delivery,
    /// Timeline entry, task, cap bookkeeping: apply with the caller's own writes.
    pub writes: Vec<Write>,
}

/// Why a channel the policy allows still cannot be used: the practice has not set it up.
fn practice_cannot_send(practice: &Practice, channel: Channel) -> Option<&'static str> {
    match channel {
        Channel::Sms if practice.settings.sms_number.is_none() => {
            Some("the practice has no SMS number configured (settings: sms_number)")
        }
        Channel::Email if practice.settings.email_from.is_none() => {
            Some("the practice has no email sender configured (settings: email_from)")
        }
        _ => None,
    }
}

pub async fn deliver(senders: &Senders, out: Outbound<'_>, now: DateTime<Utc>) -> Delivered {
    let preferred = out.patient.preferred_channel;
    let delivered = decide_and_send(senders, out, now).await;
    let channel = match &delivered.delivery {
        Delivery::Sent { channel, .. } => *channel,
        _ => preferred,
    };
    crate::telemetry::delivered(channel, &delivered.delivery);
    delivered
}

/// A message whose earlier attempts failed (the provider or the store) and whose latest
/// useful moment (`not_after`) has now passed: a staff task, not the silent "too late"
/// suppression a first attempt gets, since the patient was meant to have it.
pub fn missed_after_failures(out: Outbound<'_>, now: DateTime<Utc>) -> Delivered {
    let delivered = staff_task(
        &out,
        TaskKind::SendFailed,
        "Earlier attempts to send this failed and it is now too late to send it; \
         contact the patient."
            .to_string(),
        now,
    );
    crate::telemetry::delivered(out.patient.preferred_channel, &delivered.delivery);
    delivered
}

async fn decide_and_send(senders: &Senders, out: Outbound<'_>, now: DateTime<Utc>) -> Delivered {
    let decision = route(
        out.patient,
        &out.practice.settings,
        out.kind,
        now,
        out.not_after,
    );
    match decision {
        Route::Send { channel, .. } => {
            if let Some(why) = practice_cannot_send(out.practice, channel) {
                return staff_task(
                    &out,
                    TaskKind::ChannelUnusable,
                    format!("Could not send by {channel}: {why}."),
                    now,
                );
            }
            // A channel that failed for good: nothing is sent to it, staff are told.
            if let Some(bad) = out.patient.unhealthy(channel) {
                return staff_task(
                    &out,
                    TaskKind::ChannelUnusable,
                    channel_health::blocked_detail(channel, bad),
                    now,
                );
            }
            match send(senders, &out, channel).await {
                Ok(id) => {
                    let writes = vec![
                        timeline(
                            &out,
                            channel,
                            now,
                            body_for(&out, channel),
                            Decision::Sent {
                                provider_message_id: Some(id.clone()),
                            },
                        ),
                        Write::NoteAutomatedSend {
                            practice_id: out.practice.practice_id.clone(),
                            patient_id: out.patient.patient_id.clone(),
                            phone: out.patient.phone.clone(),
                            at: now,
                        },
                    ];
                    Delivered {
                        delivery: Delivery::Sent {
                            channel,
                            provider_message_id: id,
                        },
                        writes,
                    }
                }
                Err(Error::SendUnavailable(reason)) => Delivered {
                    delivery: Delivery::Unavailable { reason },
                    writes: vec![],
                },
                Err(Error::SendRejected(reason))
                    if channel_health::recipient_failure(&reason).is_some() =>
                {
                    unhealthy(&out, channel, &reason, now)
                }
                Err(e) => {
                    let reason = e.to_string();
                    let mut d = staff_task(
                        &out,
                        TaskKind::SendFailed,
                        format!("The {channel} message could not be delivered ({reason}). Contact the patient and check their details."),
                        now,
                    );
                    if let Delivery::Task { task_id, .. } = &d.delivery {
                        d.delivery = Delivery::Rejected {
                            task_id: task_id.clone(),
                        };
                    }
                    d
                }
            }
        }
        Route::Defer { channel, until } => Delivered {
            delivery: Delivery::Deferred { until },
            writes: vec![timeline(
                &out,
                channel,
                now,
                body_for(&out, channel),
                Decision::Deferred { until },
            )],
        },
        Route::StaffTask { reason } => {
            staff_task(&out, reason.task_kind(), reason.describe(out.kind), now)
        }
        Route::Suppress { reason } => {
            crate::telemetry::suppressed(&reason);
            let why = reason.describe();
            let channel = out.patient.preferred_channel;
            Delivered {
                delivery: Delivery::Suppressed {
                    reason: why.clone(),
                },
                writes: vec![timeline(
                    &out,
                    channel,
                    now,
                    body_for(&out, channel),
                    Decision::Suppressed { reason: why },
                )],
            }
        }
    }
}

async fn send(senders: &Senders, out: &Outbound<'_>, channel: Channel) -> crate::Result<String> {
    match channel {
        Channel::Sms => {
            let to = out
                .patient
                .phone
                .clone()
                .ok_or_else(|| Error::SendRejected("no phone number".into()))?;
            senders
                .sms
                .send_sms(&Sms {
                    practice_id: out.practice.practice_id.clone(),
                    from: out.practice.settings.sms_number.clone(),
                    to,
                    body: out.content.sms.clone(),
                })
                .await
        }
        Channel::Email => {
            let to = out
                .patient
                .email
                .clone()
                .ok_or_else(|| Error::SendRejected("no email address".into()))?;
            let from = out
                .practice
                .settings
                .email_from
                .clone()
                .ok_or_else(|| Error::SendRejected("no sender".into()))?;
            senders
                .email
                .send_email(&Email {
                    practice_id: out.practice.practice_id.clone(),
                    from,
                    to,
                    subject: out.content.email_subject.clone(),
                    text: out.content.email_text.clone(),
                    patient: Some(PatientMail::automated(
                        out.patient.patient_id.clone(),
                        out.kind,
                    )),
                })
                .await
        }
        Channel::Voice => Err(Error::SendRejected(
            "voice is never sent automatically".into(),
        )),
    }
}

fn body_for(out: &Outbound<'_>, channel: Channel) -> String {
    out.content.body_for(channel)
}

fn timeline(
    out: &Outbound<'_>,
    channel: Channel,
    now: DateTime<Utc>,
    body: String,
    decision: Decision,
) -> Write {
    Write::Message(Box::new(Message {
        practice_id: out.practice.practice_id.clone(),
        patient_id: Some(out.patient.patient_id.clone()),
        unknown_sender: None,
        message_id: MessageId::generate(),
        at: now,
        channel,
        direction: Direction::Outbound,
        purpose: out.purpose,
        body,
        decision,
        appointment_id: out.appointment_id.cloned(),
        actor: None,
    }))
}

fn staff_task(out: &Outbound<'_>, kind: TaskKind, detail: String, now: DateTime<Utc>) -> Delivered {
    let task_id = TaskId::generate();
    let task = Task {
        script: Some(out.content.call_script.clone()),
        voicemail_script: out.content.voicemail_script.clone(),
        patient_id: Some(out.patient.patient_id.clone()),
        appointment_id: out.appointment_id.cloned(),
        due_at: out.task_due,
        ..Task::open(
            out.practice.practice_id.clone(),
            task_id.clone(),
            kind,
            out.task_priority,
            out.content.task_title.clone(),
            detail.clone(),
            now,
        )
    };
    let channel = out.patient.preferred_channel;
    Delivered {
        delivery: Delivery::Task {
            task_id: task_id.clone(),
            kind,
        },
        writes: vec![
            Write::Task(Box::new(task)),
            timeline(
                out,
                channel,
                now,
                body_for(out, channel),
                Decision::StaffTask {
                    task_id,
                    reason: detail,
                },
            ),
        ],
    }
}

/// The provider refused the patient's number for good: the channel is marked unhealthy and
/// the one "fix the contact" task carries this message's call script. If another send
/// marked it meanwhile, the batch conflicts and the caller's retry finds it unhealthy.
fn unhealthy(
    out: &Outbound<'_>,
    channel: Channel,
    rejection: &str,
    now: DateTime<Utc>,
) -> Delivered {
    let what = channel_health::recipient_failure(rejection)
        .map(channel_health::describe)
        .unwrap_or("the provider refused the number");
    let code = match rejection.split_once(", HTTP") {
        Some((head, _)) => format!("{head})"),
        None => rejection.to_string(),
    };
    let what = format!("{what}; {code}");
    let mut task = channel_health::fix_contact_task(
        out.patient,
        channel,
        &what,
        Some(out.content.call_script.clone()),
        now,
    );
    task.voicemail_script = out.content.voicemail_script.clone();
    task.appointment_id = out.appointment_id.cloned();
    let task_id = task.task_id.clone();
    let mut writes = channel_health::mark(out.patient, channel, &code, &what, task, now);
    writes.push(timeline(
        out,
        channel,
        now,
        body_for(out, channel),
        Decision::StaffTask {
            task_id: task_id.clone(),
            reason: channel_health::blocked_detail_now(channel, &what),
        },
    ));
    Delivered {
        delivery: Delivery::Rejected { task_id },
        writes,
    }
}
