//! SESv2 email identities: a practice's sender is an identity created for that practice
//! (`CreateEmailIdentity`, tagged `frontdesk:practice_id`), so SES emails the address a
//! verification link, and nothing is sent from it until the link is followed. A domain the
//! operator verified with DKIM makes its addresses verified at once.

use async_trait::async_trait;
use aws_sdk_sesv2::types::{Tag, VerificationStatus};

use crate::domain::{EmailAddress, PracticeId};
use crate::ports::{EmailIdentities, IdentityStatus};
use crate::sns::send_error;
use crate::{Error, Result};

/// The tag naming the practice an identity was created for.
pub const PRACTICE_TAG: &str = "frontdesk:practice_id";

/// [`EmailIdentities`] over SESv2. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SesIdentities {
    client: aws_sdk_sesv2::Client,
}

impl SesIdentities {
    pub fn new(client: aws_sdk_sesv2::Client) -> Self {
        Self { client }
    }
}

/// What SES's two answers mean: sending allowed, else the verification state.
pub fn status_of(
    verified_for_sending: bool,
    status: Option<&VerificationStatus>,
) -> IdentityStatus {
    match status {
        _ if verified_for_sending => IdentityStatus::Verified,
        Some(VerificationStatus::Success) => IdentityStatus::Verified,
        Some(VerificationStatus::Failed) => IdentityStatus::Failed,
        _ => IdentityStatus::PendingVerification,
    }
}

fn identity_error(operation: &'static str) -> impl Fn(Error) -> Error {
    move |e| match e {
        Error::SendRejected(what) | Error::SendUnavailable(what) => {
            Error::SendUnavailable(format!("{operation}: {what}"))
        }
        other => other,
    }
}

#[async_trait]
impl EmailIdentities for SesIdentities {
    async fn ensure(
        &self,
        practice_id: &PracticeId,
        address: &EmailAddress,
    ) -> Result<IdentityStatus> {
        let tag = Tag::builder()
            .key(PRACTICE_TAG)
            .value(practice_id.as_str())
            .build()
            .map_err(|_| Error::SendRejected("the identity tag could not be built".into()))?;
        let created = self
            .client
            .create_email_identity()
            .email_identity(address.as_str())
            .tags(tag)
            .send()
            .await;
        match created {
            Ok(out) if out.verified_for_sending_status => Ok(IdentityStatus::Verified),
            Ok(_) => Ok(self
                .status(address)
                .await?
                .unwrap_or(IdentityStatus::PendingVerification)),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_already_exists_exception()) =>
            {
                Ok(self
                    .status(address)
                    .await?
                    .unwrap_or(IdentityStatus::PendingVerification))
            }
            Err(e) => Err(identity_error("SESv2 CreateEmailIdentity")(send_error(
                "SESv2 CreateEmailIdentity",
                &e,
            ))),
        }
    }

    async fn status(&self, address: &EmailAddress) -> Result<Option<IdentityStatus>> {
        match self
            .client
            .get_email_identity()
            .email_identity(address.as_str())
            .send()
            .await
        {
            Ok(out) => Ok(Some(status_of(
                out.verified_for_sending_status,
                out.verification_status.as_ref(),
            ))),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(identity_error("SESv2 GetEmailIdentity")(send_error(
                "SESv2 GetEmailIdentity",
                &e,
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sending_allowed_or_a_successful_verification_is_verified() {
        assert_eq!(status_of(true, None), IdentityStatus::Verified);
        assert_eq!(
            status_of(false, Some(&VerificationStatus::Success)),
            IdentityStatus::Verified
        );
        for pending in [
            None,
            Some(VerificationStatus::Pending),
            Some(VerificationStatus::NotStarted),
            Some(VerificationStatus::TemporaryFailure),
        ] {
            assert_eq!(
                status_of(false, pending.as_ref()),
                IdentityStatus::PendingVerification
            );
        }
        assert_eq!(
            status_of(false, Some(&VerificationStatus::Failed)),
            IdentityStatus::Failed
        );
    }
}
