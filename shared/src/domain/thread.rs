//! Conversation threads: one per patient (across channels), one per unknown sender.
//!
//! A thread id goes into URLs, so it never carries PHI: a patient's thread is `p_<patient
//! id>` (the practice's own id), an unknown sender's is `u_<32 hex>`, an HMAC of the
//! practice and the number under the deployment's secret (`thread_key`), so inbound-sms
//! can name the thread without a read and nobody can test the id against guessed numbers.
//! The number
//! behind an unknown-sender thread is kept in its [`UnknownThread`] item.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::{Channel, DomainError, PatientId, PhoneNumber, PracticeId};

const UNKNOWN_HEX: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ThreadId {
    Patient(PatientId),
    /// 32 lowercase hex digits.
    Unknown(String),
}

impl ThreadId {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let invalid = || DomainError::InvalidId {
            what: "thread_id",
            reason: "use a thread id from the inbox: p_<patient id> or u_<32 hex digits>",
        };
        if let Some(rest) = s.strip_prefix("p_") {
            return PatientId::parse(rest)
                .map(ThreadId::Patient)
                .map_err(|_| invalid());
        }
        match s.strip_prefix("u_") {
            Some(hex)
                if hex.len() == UNKNOWN_HEX
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
            {
                Ok(ThreadId::Unknown(hex.to_string()))
            }
            _ => Err(invalid()),
        }
    }

    pub fn patient(id: &PatientId) -> Self {
        ThreadId::Patient(id.clone())
    }

    /// The thread of an unknown sender's number within a practice: keyed with the
    /// deployment's secret (see `thread_key`), so the id reveals nothing about the number.
    pub fn unknown(practice: &PracticeId, number: &PhoneNumber) -> Self {
        ThreadId::Unknown(super::thread_key::digest_hex(practice, number, UNKNOWN_HEX))
    }

    pub fn patient_id(&self) -> Option<&PatientId> {
        match self {
            ThreadId::Patient(p) => Some(p),
            ThreadId::Unknown(_) => None,
        }
    }
}

impl fmt::Display for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThreadId::Patient(p) => write!(f, "p_{p}"),
            ThreadId::Unknown(h) => write!(f, "u_{h}"),
        }
    }
}

impl TryFrom<String> for ThreadId {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ThreadId> for String {
    fn from(t: ThreadId) -> String {
        t.to_string()
    }
}

/// An inbox entry: a thread whose patient (or unknown sender) wrote and has no staff
/// answer yet. Kept under the practice, sorted by `since`, removed by the staff reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub practice_id: PracticeId,
    pub thread_id: ThreadId,
    /// The first unanswered inbound message.
    pub since: DateTime<Utc>,
    pub channel: Channel,
    /// For the inbox line: "Unknown number ending 0188". Never a full number or a name.
    #[serde(default)]
    pub number_last4: Option<String>,
    /// When a person should have answered (the promise of the automatic reply plus the
    /// practice's grace), once the answer-deadline sweep has worked it out; until then the
    /// entry is indexed by `since`. See `policy::answer_deadline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_by: Option<DateTime<Utc>>,
    /// When the sweep found it unanswered past `answer_by`, raised its task to urgent and
    /// told the practice (once: an escalated entry leaves the deadline index). Absent, not
    /// null, until then: the adapter's condition is `attribute_not_exists`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_at: Option<DateTime<Utc>>,
}

impl Waiting {
    pub fn patient(
        practice_id: &PracticeId,
        patient_id: &PatientId,
        since: DateTime<Utc>,
        channel: Channel,
    ) -> Self {
        Self {
            practice_id: practice_id.clone(),
            thread_id: ThreadId::patient(patient_id),
            since,
            channel,
            number_last4: None,
            answer_by: None,
            escalated_at: None,
        }
    }

    pub fn unknown(practice_id: &PracticeId, number: &PhoneNumber, since: DateTime<Utc>) -> Self {
        Self {
            practice_id: practice_id.clone(),
            thread_id: ThreadId::unknown(practice_id, number),
            since,
            channel: Channel::Sms,
            number_last4: Some(number.last_four().to_string()),
            answer_by: None,
            escalated_at: None,
        }
    }
}

/// An unknown sender's thread: the number behind the opaque id, and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownThread {
    pub practice_id: PracticeId,
    pub thread_id: ThreadId,
    pub number: PhoneNumber,
    /// The `since` of each inbox entry this thread has (one per unanswered text).
    #[serde(default)]
    pub waits: Vec<DateTime<Utc>>,
    #[serde(default)]
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// The sender texted an opt-out word (and no opt-in since): no staff replies.
    #[serde(default)]
    pub opted_out: bool,
    /// Staff linked the thread to a patient: its history moved onto their timeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked: Option<ThreadLink>,
}

/// Who linked an unknown sender's thread to which patient, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadLink {
    pub patient_id: PatientId,
    pub at: DateTime<Utc>,
    pub by: super::Actor,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_ids_round_trip_and_carry_no_number() {
        let p = PracticeId::parse("prc_1").unwrap();
        let n = PhoneNumber::parse_e164("+13125550188").unwrap();
        let u = ThreadId::unknown(&p, &n);
        let s = u.to_string();
        assert!(s.starts_with("u_") && !s.contains("5550188"));
        assert_eq!(ThreadId::parse(&s).unwrap(), u);
        let other = PracticeId::parse("prc_2").unwrap();
        assert_ne!(ThreadId::unknown(&other, &n), u, "ids differ per practice");
        let pt = ThreadId::patient(&PatientId::parse("pt-1").unwrap());
        assert_eq!(pt.to_string(), "p_pt-1");
        assert_eq!(ThreadId::parse("p_pt-1").unwrap(), pt);
    }

    #[test]
    fn malformed_thread_ids_are_rejected() {
        for bad in [
            "",
            "pt-1",
            "p_",
            "p_a#b",
            "u_123",
            "u_ZZ",
            &format!("u_{}", "g".repeat(32)),
        ] {
            assert!(ThreadId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
