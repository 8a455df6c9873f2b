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

pub use super::reasons::{ChannelProblem, StaffTaskReason, SuppressReason};

use crate::domain::{Channel, MessageKind, Patient, PracticeSettings};

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

#[cfg(test)]
#[path = "route_tests.rs"]
mod tests;
