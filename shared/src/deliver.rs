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
    AppointmentId, Channel, Decision, MessageKind, Patient, Practice, Priority, Purpose, TaskId,
    TaskKind,
};
use crate::policy::{route, Route};
use crate::ports::{EmailSender, SmsSender, Write};
use crate::Error;

mod records;
use records::{body_for, send, staff_task, timeline, unhealthy};

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
