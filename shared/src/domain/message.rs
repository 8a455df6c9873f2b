//! One entry on a patient's timeline: any channel, either direction, with the decision
//! behind every outbound attempt.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Actor, AppointmentId, Channel, MessageId, PatientId, PhoneNumber, PracticeId, TaskId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
    /// A staff action on the thread (a task assigned, snoozed, noted, resolved): nothing
    /// was sent to anyone.
    Internal,
}

/// What an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Reminder,
    DayOfNote,
    NoShowFollowUp,
    ReviewRequest,
    /// A reply to an inbound message (acknowledgement, after-hours, HELP…).
    Reply,
    OptOutConfirmation,
    OptInConfirmation,
    ChannelSwitch,
    CallSuggestion,
    EmergencyForward,
    /// A message the patient sent.
    PatientMessage,
    /// The patient arrived after being marked a no-show (see `arrival`).
    LateArrival,
    /// A freed slot offered from the waitlist, or the answer to taking it (see `waitlist`).
    WaitlistOffer,
    /// The practice released the patient's unconfirmed appointment.
    SlotReleased,
    /// A staff member's answer to the patient (or unknown sender).
    StaffReply,
    /// A staff member worked on one of the patient's tasks (`Direction::Internal`).
    StaffAction,
    /// The patient changed their preferences: one-click unsubscribe or the preference page
    /// (`Direction::Internal`).
    PreferenceChange,
    /// One message of a broadcast (an office closure, practice news).
    Broadcast,
    /// A birthday greeting (marketing).
    Birthday,
    /// An invitation to book a recall visit (care).
    Recall,
}

/// What happened to an outbound attempt, or that an inbound one arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Decision {
    Received,
    Sent {
        #[serde(default)]
        provider_message_id: Option<String>,
    },
    Deferred {
        until: DateTime<Utc>,
    },
    StaffTask {
        task_id: TaskId,
        reason: String,
    },
    Suppressed {
        reason: String,
    },
    Failed {
        reason: String,
        attempts: u32,
    },
    /// The provider reported the sent message delivered (a status callback or event).
    Delivered {
        #[serde(default)]
        provider_message_id: Option<String>,
        at: DateTime<Utc>,
    },
    /// The provider reported the sent message undelivered, with its code (e.g.
    /// `twilio:30006`, `ses:bounce:permanent`).
    Undelivered {
        #[serde(default)]
        provider_message_id: Option<String>,
        code: String,
        at: DateTime<Utc>,
    },
}

impl Decision {
    /// The `outcome` tag as stored.
    pub fn outcome(&self) -> &'static str {
        match self {
            Decision::Received => "received",
            Decision::Sent { .. } => "sent",
            Decision::Deferred { .. } => "deferred",
            Decision::StaffTask { .. } => "staff_task",
            Decision::Suppressed { .. } => "suppressed",
            Decision::Failed { .. } => "failed",
            Decision::Delivered { .. } => "delivered",
            Decision::Undelivered { .. } => "undelivered",
        }
    }

    /// The provider's id of a sent message (sent, delivered or undelivered).
    pub fn provider_message_id(&self) -> Option<&str> {
        match self {
            Decision::Sent {
                provider_message_id,
            }
            | Decision::Delivered {
                provider_message_id,
                ..
            }
            | Decision::Undelivered {
                provider_message_id,
                ..
            } => provider_message_id.as_deref(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub practice_id: PracticeId,
    /// The patient, or `None` for an unknown sender's thread.
    #[serde(default)]
    pub patient_id: Option<PatientId>,
    /// For an unknown sender's thread: their number.
    #[serde(default)]
    pub unknown_sender: Option<PhoneNumber>,
    pub message_id: MessageId,
    pub at: DateTime<Utc>,
    pub channel: Channel,
    pub direction: Direction,
    pub purpose: Purpose,
    /// The text. Stored on the timeline for staff; never logged.
    pub body: String,
    pub decision: Decision,
    #[serde(default)]
    pub appointment_id: Option<AppointmentId>,
    /// Who sent it, for staff messages; `None` for the patient's and the automation's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
}

impl Message {
    /// A new timeline entry of `practice_id` with a fresh id, about nobody in particular
    /// yet: say whose thread it is on with [`Message::for_patient`], [`Message::from_unknown`]
    /// or [`Message::on_thread`], and add [`Message::on_appointment`] or [`Message::by`].
    pub fn new(
        practice_id: PracticeId,
        at: DateTime<Utc>,
        channel: Channel,
        direction: Direction,
        purpose: Purpose,
        body: impl Into<String>,
        decision: Decision,
    ) -> Self {
        Self {
            practice_id,
            patient_id: None,
            unknown_sender: None,
            message_id: MessageId::generate(),
            at,
            channel,
            direction,
            purpose,
            body: body.into(),
            decision,
            appointment_id: None,
            actor: None,
        }
    }

    /// On the patient's thread.
    pub fn for_patient(self, patient_id: &PatientId) -> Self {
        self.on_thread(Some(patient_id.clone()), None)
    }

    /// On an unknown sender's thread (their number).
    pub fn from_unknown(self, number: &PhoneNumber) -> Self {
        self.on_thread(None, Some(number.clone()))
    }

    /// On the thread of the patient, else of the unknown number (a patient wins).
    pub fn on_thread(
        mut self,
        patient_id: Option<PatientId>,
        unknown_sender: Option<PhoneNumber>,
    ) -> Self {
        self.unknown_sender = if patient_id.is_some() {
            None
        } else {
            unknown_sender
        };
        self.patient_id = patient_id;
        self
    }

    /// About one appointment.
    pub fn on_appointment(mut self, appointment_id: &AppointmentId) -> Self {
        self.appointment_id = Some(appointment_id.clone());
        self
    }

    /// About one appointment, if any.
    pub fn about(mut self, appointment_id: Option<&AppointmentId>) -> Self {
        self.appointment_id = appointment_id.cloned();
        self
    }

    /// Sent or done by a staff member (or another actor).
    pub fn by(mut self, actor: Actor) -> Self {
        self.actor = Some(actor);
        self
    }
}

#[cfg(test)]
mod constructor_tests {
    use super::*;

    #[test]
    fn a_new_entry_is_on_one_thread_with_a_fresh_id() {
        let practice = PracticeId::parse("prc_1").unwrap();
        let patient = PatientId::parse("pt_1").unwrap();
        let number = PhoneNumber::parse_e164("+12125550177").unwrap();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let new = || {
            Message::new(
                practice.clone(),
                at,
                Channel::Sms,
                Direction::Inbound,
                Purpose::PatientMessage,
                "hi",
                Decision::Received,
            )
        };
        let a = new().for_patient(&patient);
        let b = new().from_unknown(&number);
        assert_ne!(a.message_id, b.message_id);
        assert_eq!(
            (a.patient_id.as_ref(), a.unknown_sender.as_ref()),
            (Some(&patient), None)
        );
        assert_eq!(
            (b.patient_id.as_ref(), b.unknown_sender.as_ref()),
            (None, Some(&number))
        );
        let both = new().on_thread(Some(patient.clone()), Some(number.clone()));
        assert_eq!(both.unknown_sender, None, "a patient's thread wins");
        assert_eq!(
            (a.body.as_str(), a.actor, a.appointment_id),
            ("hi", None, None)
        );
    }
}
