//! Staff members and who did something. Every staff action (a reply, a resolved task, a
//! note) records its [`Actor`], so the timeline shows who did it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::{
    Channel, Decision, Direction, DomainError, Message, MessageId, PatientId, PhoneNumber,
    PracticeId, Purpose, TaskId,
};

const MAX_LEN: usize = 64;

/// A staff member. Generated (`stf_<ulid>`) when staff accounts are created; until the
/// console has sessions, API callers may name one (validated like every external id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StaffId(String);

impl StaffId {
    /// Parses an id: 1–64 characters of `A-Z a-z 0-9 - _ .`.
    pub fn parse(s: impl Into<String>) -> Result<Self, DomainError> {
        let s = s.into();
        let ok = !s.is_empty()
            && s.len() <= MAX_LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if ok {
            Ok(Self(s))
        } else {
            Err(DomainError::InvalidId {
                what: "staff_id",
                reason: "use 1 to 64 characters of letters, digits, '-', '_' or '.'",
            })
        }
    }

    pub fn generate() -> Self {
        Self(format!(
            "stf_{}",
            ulid::Ulid::new().to_string().to_lowercase()
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StaffId {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<StaffId> for String {
    fn from(id: StaffId) -> String {
        id.0
    }
}

impl fmt::Display for StaffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who did something on behalf of the practice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// A staff member (a console session, or named by the API caller).
    Staff { staff_id: StaffId },
    /// The practice's own systems, through an API key, with no staff member named.
    ApiKey,
}

impl Actor {
    /// The staff member named, else the API key.
    pub fn from_staff(staff_id: Option<StaffId>) -> Self {
        match staff_id {
            Some(staff_id) => Actor::Staff { staff_id },
            None => Actor::ApiKey,
        }
    }
}

impl Message {
    /// A staff member's reply on a thread: the patient's (`patient_id`) or an unknown
    /// sender's (`unknown_sender`), with the decision and who sent it.
    #[allow(clippy::too_many_arguments)]
    pub fn staff_reply(
        practice_id: &PracticeId,
        patient_id: Option<&PatientId>,
        unknown_sender: Option<&PhoneNumber>,
        at: DateTime<Utc>,
        channel: Channel,
        body: String,
        decision: Decision,
        actor: Actor,
    ) -> Message {
        Message {
            practice_id: practice_id.clone(),
            patient_id: patient_id.cloned(),
            unknown_sender: if patient_id.is_some() {
                None
            } else {
                unknown_sender.cloned()
            },
            message_id: MessageId::generate(),
            at,
            channel,
            direction: Direction::Outbound,
            purpose: Purpose::StaffReply,
            body,
            decision,
            appointment_id: None,
            actor: Some(actor),
        }
    }
}

impl Message {
    /// A staff action on one of the patient's tasks, for the timeline: what was done
    /// (`what`, no health information), on which task, by whom. Nothing is sent.
    pub fn staff_action(
        practice_id: &PracticeId,
        patient_id: &PatientId,
        channel: Channel,
        task_id: &TaskId,
        what: String,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Message {
        Self::staff_action_on(
            practice_id,
            Some(patient_id),
            None,
            channel,
            task_id,
            what,
            actor,
            at,
        )
    }

    /// The same on a patient's thread or an unknown sender's (`unknown_sender`).
    #[allow(clippy::too_many_arguments)]
    pub fn staff_action_on(
        practice_id: &PracticeId,
        patient_id: Option<&PatientId>,
        unknown_sender: Option<&PhoneNumber>,
        channel: Channel,
        task_id: &TaskId,
        what: String,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Message {
        Message {
            practice_id: practice_id.clone(),
            patient_id: patient_id.cloned(),
            unknown_sender: if patient_id.is_some() {
                None
            } else {
                unknown_sender.cloned()
            },
            message_id: MessageId::generate(),
            at,
            channel,
            direction: Direction::Internal,
            purpose: Purpose::StaffAction,
            body: what.clone(),
            decision: Decision::StaffTask {
                task_id: task_id.clone(),
                reason: what,
            },
            appointment_id: None,
            actor: Some(actor),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_ids_are_validated_and_generated_ones_parse() {
        assert!(StaffId::parse("a#b").is_err());
        assert!(StaffId::parse("").is_err());
        let g = StaffId::generate();
        assert_eq!(StaffId::parse(g.as_str()).unwrap(), g);
    }

    #[test]
    fn actors_serialise_with_a_type_tag() {
        let a = Actor::from_staff(Some(StaffId::parse("stf_1").unwrap()));
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::json!({"type": "staff", "staff_id": "stf_1"})
        );
        assert_eq!(
            serde_json::to_value(Actor::from_staff(None)).unwrap(),
            serde_json::json!({"type": "api_key"})
        );
    }
}
