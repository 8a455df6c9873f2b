//! Staff replies: where and when a person's answer to a patient (or an unknown sender)
//! goes out. Pure: `now` is passed in.
//!
//! Rules, in this order:
//! 1. **The channel** is the one the patient last wrote on, else their preferred channel.
//!    Never another: when that channel cannot be used the reply is refused with why and
//!    what staff can do instead ([`ReplyRefusal`]). An unknown sender is answered by SMS.
//! 2. **Voice** means a person calls: nothing is sent, the reply is refused with "call
//!    the patient".
//! 3. **Usable**: opted out first (the patient's own word), then an address on file, then
//!    consent for care messages on the channel, then the practice's own sender for it.
//! 4. **Conversation window**: within 24 hours after the patient's last message the reply
//!    is conversation and goes now, at any hour.
//! 5. Otherwise **quiet hours** apply on the patient's wall clock (their zone, else the
//!    practice's): the reply is deferred to the moment they end.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    Channel, ConsentBlock, MessageKind, Patient, PracticeSettings, ThreadState, UnknownThread,
};

use super::escalation::intent_settles_thread;
use super::keywords::Intent;
use super::quiet_hours::next_send_time;

/// After the patient's last message, how long a staff reply is conversation (any hour).
pub const CONVERSATION_WINDOW: Duration = Duration::hours(24);

/// Who a staff reply goes to.
#[derive(Debug, Clone, Copy)]
pub enum ReplyTo<'a> {
    Patient(&'a Patient),
    Unknown(&'a UnknownThread),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "route", rename_all = "snake_case")]
pub enum ReplyRoute {
    Send {
        channel: Channel,
    },
    /// Outside the conversation window, inside quiet hours: goes at `until`.
    Defer {
        channel: Channel,
        until: DateTime<Utc>,
    },
    Refuse {
        refusal: ReplyRefusal,
    },
}

impl ReplyRoute {
    pub fn channel(&self) -> Option<Channel> {
        match self {
            ReplyRoute::Send { channel } | ReplyRoute::Defer { channel, .. } => Some(*channel),
            ReplyRoute::Refuse { .. } => None,
        }
    }
}

/// Why a staff reply cannot go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ReplyRefusal {
    /// The patient prefers phone calls.
    Voice,
    OptedOut {
        channel: Channel,
    },
    NoAddress {
        channel: Channel,
    },
    NoConsent {
        channel: Channel,
    },
    /// The practice has no SMS number / email sender set up.
    PracticeCannotSend {
        channel: Channel,
    },
    /// Quiet hours cover the whole day (settings validation prevents it).
    NoSendingWindow,
}

impl ReplyRefusal {
    /// A stable code for clients.
    pub fn code(self) -> &'static str {
        match self {
            ReplyRefusal::Voice => "call_the_patient",
            ReplyRefusal::OptedOut { .. } => "opted_out",
            ReplyRefusal::NoAddress { .. } => "no_address",
            ReplyRefusal::NoConsent { .. } => "no_consent",
            ReplyRefusal::PracticeCannotSend { .. } => "practice_cannot_send",
            ReplyRefusal::NoSendingWindow => "no_sending_window",
        }
    }

    /// Why, and what staff can do instead. No health information, no names or numbers.
    pub fn describe(self) -> String {
        match self {
            ReplyRefusal::Voice => "The patient prefers phone calls, so nothing is sent in writing: \
                call the patient (their number is on their record)."
                .into(),
            ReplyRefusal::OptedOut { channel } => format!(
                "The patient opted out of {channel}, so the reply was not sent and no other channel \
                 is used instead. Call the patient, or wait for them to opt back in (START)."
            ),
            ReplyRefusal::NoAddress { channel } => format!(
                "There is no {} on file for {channel}, so the reply was not sent. Add it to the \
                 patient's record, or call the patient.",
                if channel == Channel::Email { "email address" } else { "phone number" }
            ),
            ReplyRefusal::NoConsent { channel } => format!(
                "There is no consent for care messages on {channel}, so the reply was not sent. \
                 Record the patient's consent (consents.{channel}.care) once they agree, or call them."
            ),
            ReplyRefusal::PracticeCannotSend { channel } => format!(
                "The practice has no {} set up, so nothing can be sent on {channel}. Set it in the \
                 practice settings ({}), or call the patient.",
                if channel == Channel::Email { "email sender" } else { "SMS number" },
                if channel == Channel::Email { "email_from" } else { "sms_number" }
            ),
            ReplyRefusal::NoSendingWindow => "Quiet hours cover the whole day, so the reply can \
                never be sent outside them. Fix the practice's quiet_hours, or call the patient."
                .into(),
        }
    }
}

/// Whether an inbound message leaves the thread waiting for a human answer: everything
/// the automation does not settle on its own (a confirmation, an opt-out, a rating, a
/// channel switch and HELP are answered automatically).
pub fn awaits_staff(intent: Intent) -> bool {
    !intent_settles_thread(intent) && intent != Intent::Help
}

/// Records an inbound message on the patient's thread: its channel and time (the reply
/// channel and the conversation window) and, when it awaits staff, since when the thread
/// waits. Returns `true` when the thread starts waiting now (an inbox entry is due).
pub fn note_inbound(
    thread: &mut ThreadState,
    channel: Channel,
    intent: Intent,
    at: DateTime<Utc>,
) -> bool {
    thread.last_inbound_at = Some(at);
    thread.last_inbound_channel = Some(channel);
    if awaits_staff(intent) && thread.waiting_since.is_none() {
        thread.waiting_since = Some(at);
        return true;
    }
    false
}

/// The channel a reply to this patient uses: the one they last wrote on, else their
/// preferred one.
pub fn reply_channel(patient: &Patient) -> Channel {
    patient
        .thread
        .last_inbound_channel
        .unwrap_or(patient.preferred_channel)
}

/// Whether `now` is within the conversation window after the last inbound message.
pub fn in_conversation(last_inbound_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_inbound_at.is_some_and(|at| {
        at <= now
            && at
                .checked_add_signed(CONVERSATION_WINDOW)
                .is_some_and(|end| now <= end)
    })
}

fn practice_can_send(settings: &PracticeSettings, channel: Channel) -> bool {
    match channel {
        Channel::Sms => settings.sms_number.is_some(),
        Channel::Email => settings.email_from.is_some(),
        Channel::Voice => false,
    }
}

/// Where and when a staff reply goes (see the module rules).
pub fn route_reply(to: ReplyTo<'_>, settings: &PracticeSettings, now: DateTime<Utc>) -> ReplyRoute {
    let refuse = |refusal| ReplyRoute::Refuse { refusal };
    let (channel, last_inbound, zone) = match to {
        ReplyTo::Patient(p) => {
            let channel = reply_channel(p);
            if channel == Channel::Voice {
                return refuse(ReplyRefusal::Voice);
            }
            if p.consents.is_opted_out(channel) {
                return refuse(ReplyRefusal::OptedOut { channel });
            }
            if !p.has_address(channel) {
                return refuse(ReplyRefusal::NoAddress { channel });
            }
            match p.consents.check(channel, MessageKind::Care) {
                Ok(()) => {}
                Err(ConsentBlock::OptedOut) => return refuse(ReplyRefusal::OptedOut { channel }),
                Err(ConsentBlock::NoConsent) => return refuse(ReplyRefusal::NoConsent { channel }),
            }
            (
                channel,
                p.thread.last_inbound_at,
                p.zone(settings.time_zone),
            )
        }
        ReplyTo::Unknown(t) => {
            if t.opted_out {
                return refuse(ReplyRefusal::OptedOut {
                    channel: Channel::Sms,
                });
            }
            (Channel::Sms, t.last_inbound_at, settings.time_zone)
        }
    };
    if !practice_can_send(settings, channel) {
        return refuse(ReplyRefusal::PracticeCannotSend { channel });
    }
    if in_conversation(last_inbound, now) {
        return ReplyRoute::Send { channel };
    }
    match next_send_time(&settings.quiet_hours, now, zone) {
        Some(at) if at <= now => ReplyRoute::Send { channel },
        Some(until) => ReplyRoute::Defer { channel, until },
        None => refuse(ReplyRefusal::NoSendingWindow),
    }
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
