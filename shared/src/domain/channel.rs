//! Contact channels and the kinds of automated message, which consent is given per.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How the patient wants to be contacted. Voice means a staff member calls: nothing
/// is ever sent automatically on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
    Voice,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Sms, Channel::Email, Channel::Voice];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::Voice => "voice",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an automated message is for. Consent is recorded per channel and per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Appointment reminders, confirmations and no-show follow-ups.
    Care,
    /// Review requests after a visit.
    Reviews,
    /// Birthdays, recalls, broadcasts.
    Marketing,
}

impl MessageKind {
    pub const ALL: [MessageKind; 3] = [
        MessageKind::Care,
        MessageKind::Reviews,
        MessageKind::Marketing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Care => "care",
            MessageKind::Reviews => "reviews",
            MessageKind::Marketing => "marketing",
        }
    }
}
