use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::{EmailAddress, MessageKind, PatientId, PhoneNumber, PracticeId};
use crate::Result;

/// One SMS. `from` is the practice's origination number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sms {
    /// The practice sending it: its `sms_provider` decides the path (see `providers`).
    pub practice_id: PracticeId,
    pub from: Option<PhoneNumber>,
    pub to: PhoneNumber,
    pub body: String,
}

/// One email from the practice's verified sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// The practice sending it: its sender must be one it owns (see `sender_guard`).
    pub practice_id: PracticeId,
    pub from: EmailAddress,
    pub to: EmailAddress,
    pub subject: String,
    pub text: String,
    /// Set for email to a patient: replies come back to the practice (`Reply-To`), and an
    /// automated one carries one-click unsubscribe headers (see `email_links`).
    pub patient: Option<PatientMail>,
}

/// Who an email to a patient is for and, when automated, its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientMail {
    pub patient_id: PatientId,
    /// `Some` for automated email (List-Unsubscribe for that kind); `None` for a personal
    /// reply (Reply-To only).
    pub kind: Option<MessageKind>,
}

impl PatientMail {
    /// An automated email of `kind`.
    pub fn automated(patient_id: PatientId, kind: MessageKind) -> Self {
        Self {
            patient_id,
            kind: Some(kind),
        }
    }

    /// A personal reply (staff, or an answer to the patient's own email).
    pub fn reply(patient_id: PatientId) -> Self {
        Self {
            patient_id,
            kind: None,
        }
    }
}

/// Sends SMS. Returns the provider's message id.
#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send_sms(&self, sms: &Sms) -> Result<String>;
}

/// Sends email. Returns the provider's message id.
#[async_trait]
pub trait EmailSender: Send + Sync {
    async fn send_email(&self, email: &Email) -> Result<String>;
}
