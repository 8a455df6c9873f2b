//! Routing: where, when, or whether an automated message goes out.
//!
//! The promise to patients is that they choose how we contact them and we honour it.
//! [`route`] turns that into a decision, applying these rules in this order:
//!
//! 1. **Too late already.** If `now` is after `not_after` (e.g. the appointment has
//!    started), the message is pointless: [`Route::Suppress`] with
//!    [`SuppressReason::AfterDeadline`]. No staff task either; there is nothing to do.
//! 2. **The channel is always `patient.preferred_channel`.** We never pick another channel
//!    on our own, not even when the preferred one is unusable.
//! 3. **The preferred channel must be usable** for this kind of message, checked in this
//!    order: opted out (the patient's own word comes first), no address on file, no consent
//!    for the kind. If it is not usable the decision is a [`Route::StaffTask`] with the
//!    reason, so staff can ask the patient and the gap is on record. **Reviews and marketing**
//!    are the exception: they are simply suppressed ([`SuppressReason::OptionalNotAllowed`]),
//!    recorded on the timeline, because staff must never chase consent for optional messages
//!    (a task per visit for every patient without review consent would bury the real work).
//! 4. **Voice means a person calls.** Nothing is sent automatically on voice; a usable voice
//!    channel (a phone number, not opted out of calls, consent to be called for this kind)
//!    becomes a [`StaffTaskReason::CallPatient`] task with a script. Consent for voice is
//!    consent to be called, so it is checked in rule 3 like any other channel. Quiet hours
//!    and caps do not apply to staff calls: staff call during office hours and a person
//!    judges whether to call again.
//! 5. **Quiet hours**, read on the patient's wall clock (`patient.time_zone`, else the
//!    practice's). A message due inside them is deferred to the moment they end, never
//!    dropped ([`Route::Defer`]).
//! 6. **The deadline again.** If that opening is after `not_after`, deferring would deliver
//!    it too late: suppressed with [`SuppressReason::AfterDeadline`]. `not_after` is
//!    inclusive: sending exactly at `not_after` is allowed.
//! 7. **Caps** (see [`super::caps`]): counted at the instant the message would actually go
//!    out (now, or the end of quiet hours), rolling 24 hours and rolling 7 days over
//!    `patient.recent_automated`. Over a cap: suppressed. A deferred message is routed again
//!    when it comes due, so its caps are checked once more then.
//! 8. Otherwise [`Route::Send`] now on the preferred channel.
//!
//! Callers record every outcome on the patient's timeline, and call
//! [`super::record_automated_send`] after each actual send.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Channel, MessageKind, Patient, PracticeSettings, TaskKind};

use super::caps::cap_reached;
use super::quiet_hours::next_send_time;

/// The decision for one automated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "route", rename_all = "snake_case")]
pub enum Route {
    /// Send now. `at` is always the `now` that was passed in.
    Send { channel: Channel, at: DateTime<Utc> },
    /// Quiet hours in the patient's local time: send on `channel` at `until`, the moment
    /// they end. `until` is after `now` and outside quiet hours.
    Defer {
        channel: Channel,
        until: DateTime<Utc>,
    },
    /// Nothing automatic: a staff task, with why.
    StaffTask { reason: StaffTaskReason },
    /// Nothing at all, with why.
    Suppress { reason: SuppressReason },
}

impl Route {
    /// The channel a message goes out on, for `Send` and `Defer`.
    pub fn channel(&self) -> Option<Channel> {
        match self {
            Route::Send { channel, .. } | Route::Defer { channel, .. } => Some(*channel),
            Route::StaffTask { .. } | Route::Suppress { .. } => None,
        }
    }
}

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

    fn into_task_reason(self, channel: Channel) -> StaffTaskReason {
        match self {
            ChannelProblem::OptedOut => StaffTaskReason::OptedOut { channel },
            ChannelProblem::NoAddress => StaffTaskReason::NoAddress { channel },
            ChannelProblem::NoConsent => StaffTaskReason::NoConsent { channel },
        }
    }
}

/// Whether `channel` can carry `kind` messages to `patient`, and if not, why. Checked in
/// this order: opted out, no address, no consent for the kind.
pub fn channel_problem(
    patient: &Patient,
    channel: Channel,
    kind: MessageKind,
) -> Option<ChannelProblem> {
    if patient.consents.is_opted_out(channel) {
        Some(ChannelProblem::OptedOut)
    } else if !patient.has_address(channel) {
        Some(ChannelProblem::NoAddress)
    } else if !patient.consents.allows(channel, kind) {
        Some(ChannelProblem::NoConsent)
    } else {
        None
    }
}

/// Decides how an automated `kind` message to `patient` goes out. See the module
/// documentation for the rules and their order.
///
/// `not_after` is the latest useful send time (inclusive), e.g. the appointment start for
/// a reminder; `None` when a late message is still useful.
pub fn route(
    patient: &Patient,
    practice: &PracticeSettings,
    kind: MessageKind,
    now: DateTime<Utc>,
    not_after: Option<DateTime<Utc>>,
) -> Route {
    // 1. Already too late.
    if let Some(deadline) = not_after {
        if now > deadline {
            return Route::Suppress {
                reason: SuppressReason::AfterDeadline {
                    earliest: now,
                    not_after: deadline,
                },
            };
        }
    }

    // 2. The patient's choice, never another.
    let channel = patient.preferred_channel;

    // 3. Usable for this kind?
    if let Some(problem) = channel_problem(patient, channel, kind) {
        return match kind {
            MessageKind::Marketing | MessageKind::Reviews => Route::Suppress {
                reason: SuppressReason::OptionalNotAllowed {
                    kind,
                    channel,
                    problem,
                },
            },
            MessageKind::Care => Route::StaffTask {
                reason: problem.into_task_reason(channel),
            },
        };
    }

    // 4. Voice: staff call.
    if channel == Channel::Voice {
        return Route::StaffTask {
            reason: StaffTaskReason::CallPatient,
        };
    }

    // 5. Quiet hours on the patient's wall clock.
    let zone = patient.zone(practice.time_zone);
    let Some(at) = next_send_time(&practice.quiet_hours, now, zone) else {
        return Route::Suppress {
            reason: SuppressReason::NoSendingWindow,
        };
    };

    // 6. A deferral that would land too late.
    if let Some(deadline) = not_after {
        if at > deadline {
            return Route::Suppress {
                reason: SuppressReason::AfterDeadline {
                    earliest: at,
                    not_after: deadline,
                },
            };
        }
    }

    // 7. Caps, at the moment it would go out.
    if let Some(reason) = cap_reached(&patient.recent_automated, practice.message_caps, at) {
        return Route::Suppress { reason };
    }

    // 8. Go.
    if at == now {
        Route::Send { channel, at }
    } else {
        Route::Defer { channel, until: at }
    }
}

fn kind_phrase(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Care => "appointment message",
        MessageKind::Reviews => "review request",
        MessageKind::Marketing => "practice news",
    }
}

fn channel_phrase(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "text messages",
        Channel::Email => "email",
        Channel::Voice => "phone calls",
    }
}

fn address_phrase(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms | Channel::Voice => "phone number",
        Channel::Email => "email address",
    }
}

#[cfg(test)]
#[path = "route_tests.rs"]
mod tests;
