//! Ownership of what a practice sends from, checked with the service that holds it: its
//! email sender is an SES identity created for it, and a provider number belongs to the
//! provider account whose credentials it gave.

use async_trait::async_trait;

use crate::domain::{EmailAddress, PhoneNumber, Practice, PracticeId};
use crate::Result;

/// Where an email sender's SES identity stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityStatus {
    /// SES sends from it.
    Verified,
    /// SES emailed a verification link to the address; nothing is sent from it until the
    /// practice follows the link.
    PendingVerification,
    /// Verification failed or expired; setting the sender again sends a new link.
    Failed,
}

/// SES email identities.
#[async_trait]
pub trait EmailIdentities: Send + Sync {
    /// Creates the identity for `address`, tagged with `practice_id`, which makes SES email
    /// a verification link to it; an identity that already exists is read instead.
    async fn ensure(
        &self,
        practice_id: &PracticeId,
        address: &EmailAddress,
    ) -> Result<IdentityStatus>;

    /// The identity's status, `None` when SES has no identity for the address.
    async fn status(&self, address: &EmailAddress) -> Result<Option<IdentityStatus>>;
}

/// What a provider says about a number and the practice's credentials for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberCheck {
    /// The number is on the account the credentials belong to.
    Owned,
    /// The credentials are good but the account has no such number.
    NotOwned,
    /// The provider refused the credentials.
    BadCredentials,
}

/// Asks the practice's SMS provider whether its number is on its account.
#[async_trait]
pub trait ProviderNumbers: Send + Sync {
    /// `practice`'s `sms_provider` settings name the provider and credentials. A practice on
    /// `aws` is always `Owned` (its number is owned through the number route).
    async fn check(&self, practice: &Practice, number: &PhoneNumber) -> Result<NumberCheck>;
}

/// The ownership checks a settings change runs, built once per container.
#[derive(Clone)]
pub struct Owners {
    pub identities: std::sync::Arc<dyn EmailIdentities>,
    pub numbers: std::sync::Arc<dyn ProviderNumbers>,
}
