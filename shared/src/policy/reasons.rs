//! Why the policy did what it did: a staff task instead of a send, a suppression, a
//! channel that cannot be used. Shared by `route` and `caps`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Channel, MessageKind, TaskKind};

/// Why a message became a staff task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StaffTaskReason {
    /// The patient prefers calls: a staff member calls with a script.
    CallPatient,
    /// No phone number (sms, voice) or email address (email) on file for the channel.
    NoAddress { channel: Channel },
    /// The patient opted out of the channel (STOP, or recorded by staff).
    OptedOut { channel: Channel },
    /// No consent on record for this kind of message on the channel.
    NoConsent { channel: Channel },
}

impl StaffTaskReason {
    /// The kind of staff task to raise.
    pub fn task_kind(self) -> TaskKind {
        match self {
            StaffTaskReason::CallPatient => TaskKind::CallPatient,
            StaffTaskReason::NoAddress { .. }
            | StaffTaskReason::OptedOut { .. }
            | StaffTaskReason::NoConsent { .. } => TaskKind::ChannelUnusable,
        }
    }

    /// A staff-facing explanation of the task: what is wrong and what to do next.
    /// Contains no health information.
    pub fn describe(self, kind: MessageKind) -> String {
        let what = kind_phrase(kind);
        match self {
            StaffTaskReason::CallPatient => {
                format!(
                    "The patient prefers phone calls: call them with the script for the {what}."
                )
            }
            StaffTaskReason::NoAddress { channel } => format!(
                "The patient prefers {} but there is no {} on file, so the {what} was not sent. \
                 Ask the patient for it, or ask how they would like to be contacted.",
                channel_phrase(channel),
                address_phrase(channel)
            ),
            StaffTaskReason::OptedOut { channel } => format!(
                "The patient prefers {} but has opted out of it, so the {what} was not sent. \
                 Do not switch channels without asking: contact them another way and ask how \
                 they would like to hear from us.",
                channel_phrase(channel)
            ),
            StaffTaskReason::NoConsent { channel } => match channel {
                Channel::Voice => format!(
                    "The patient prefers phone calls but has not consented to be called for {}. \
                     Ask for and record their consent before calling about the {what}.",
                    kind.as_str()
                ),
                _ => format!(
                    "The patient prefers {} but has not consented to {} messages on it, so the \
                     {what} was not sent. Ask for and record their consent.",
                    channel_phrase(channel),
                    kind.as_str()
                ),
            },
        }
    }
}

/// Why a message was not sent and no task was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SuppressReason {
    /// An optional message (reviews, marketing) on a channel the patient cannot be
    /// reached on for it. Staff never chase consent for optional messages, so there is
    /// no task; the gap is on the timeline.
    OptionalNotAllowed {
        kind: MessageKind,
        channel: Channel,
        problem: ChannelProblem,
    },
    /// `per_day` automated messages already went out in the last 24 hours.
    DailyCap { limit: u32 },
    /// `per_week` automated messages already went out in the last 7 days.
    WeeklyCap { limit: u32 },
    /// The earliest allowed send time (now, or the end of quiet hours) is after the
    /// caller's `not_after`, e.g. the appointment would already have started.
    AfterDeadline {
        earliest: DateTime<Utc>,
        not_after: DateTime<Utc>,
    },
    /// Quiet hours never end (start == end): nothing can be sent. Settings validation
    /// prevents it; kept so the policy never sends into quiet hours regardless.
    NoSendingWindow,
}

impl SuppressReason {
    /// A short explanation for the timeline. Contains no health information.
    pub fn describe(self) -> String {
        match self {
            SuppressReason::OptionalNotAllowed {
                kind,
                channel,
                problem,
            } => format!(
                "{} not sent: {} on the patient's preferred channel ({channel})",
                kind_phrase(kind),
                problem.as_str().replace('_', " ")
            ),
            SuppressReason::DailyCap { limit } => {
                format!("daily cap reached: {limit} automated messages in the last 24 hours")
            }
            SuppressReason::WeeklyCap { limit } => {
                format!("weekly cap reached: {limit} automated messages in the last 7 days")
            }
            SuppressReason::AfterDeadline {
                earliest,
                not_after,
            } => format!(
                "too late: the earliest allowed send time {} is after {}",
                earliest.to_rfc3339(),
                not_after.to_rfc3339()
            ),
            SuppressReason::NoSendingWindow => {
                "quiet hours cover the whole day; fix the practice's quiet_hours".into()
            }
        }
    }
}

/// Why a channel cannot be used for a kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelProblem {
    OptedOut,
    NoAddress,
    NoConsent,
}

impl ChannelProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelProblem::OptedOut => "opted_out",
            ChannelProblem::NoAddress => "no_address",
            ChannelProblem::NoConsent => "no_consent",
        }
    }

    pub(super) fn into_task_reason(self, channel: Channel) -> StaffTaskReason {
        match self {
            ChannelProblem::OptedOut => StaffTaskReason::OptedOut { channel },
            ChannelProblem::NoAddress => StaffTaskReason::NoAddress { channel },
            ChannelProblem::NoConsent => StaffTaskReason::NoConsent { channel },
        }
    }
}

pub(super) fn kind_phrase(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Care => "appointment message",
        MessageKind::Reviews => "review request",
        MessageKind::Marketing => "practice news",
    }
}

pub(super) fn channel_phrase(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "text messages",
        Channel::Email => "email",
        Channel::Voice => "phone calls",
    }
}

pub(super) fn address_phrase(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms | Channel::Voice => "phone number",
        Channel::Email => "email address",
    }
}
