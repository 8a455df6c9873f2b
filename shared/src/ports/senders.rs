use async_trait::async_trait;

use crate::domain::{EmailAddress, PhoneNumber, PracticeId};
use crate::Result;

/// One SMS. `from` is the practice's origination number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    /// The practice sending it: its `sms_provider` decides the path (see `providers`).
    pub practice_id: PracticeId,
    pub from: Option<PhoneNumber>,
    pub to: PhoneNumber,
    pub body: String,
}

/// One email from the practice's verified sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The practice sending it: its sender must be one it owns (see `sender_guard`).
    pub practice_id: PracticeId,
    pub from: EmailAddress,
    pub to: EmailAddress,
    pub subject: String,
    pub text: String,
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
