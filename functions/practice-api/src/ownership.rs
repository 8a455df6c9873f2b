//! A practice sends only from what it owns, checked with the service that holds it:
//!
//! - its `email_from` becomes an SES identity created for it (SES emails the address a
//!   verification link; SES sends nothing from it until the link is followed), after the
//!   `SENDER#` claim (see `senders`) has made it this practice's alone;
//! - a number on Twilio, Telnyx or Vonage is accepted only when that provider, asked with
//!   the credentials the practice gave, lists it on the account.

use frontdesk::domain::Practice;
use frontdesk::ports::{IdentityStatus, NumberCheck};

use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};

/// Whether the provider must be asked about the practice's number: it sends through
/// Twilio, Telnyx or Vonage and its number, provider or credentials changed.
fn must_check(before: Option<&Practice>, after: &Practice) -> bool {
    let provider = after.sms_provider.provider.unwrap_or_default();
    if provider == frontdesk::domain::SmsProvider::Aws || after.settings.sms_number.is_none() {
        return false;
    }
    before.is_none_or(|b| {
        b.settings.sms_number != after.settings.sms_number || b.sms_provider != after.sms_provider
    })
}

/// Refuses a provider number the practice's provider account does not hold (409), or
/// credentials the provider refuses (422). Called before anything is written.
pub(crate) async fn check_number(
    deps: &Deps,
    before: Option<&Practice>,
    after: &Practice,
) -> ApiResult<()> {
    let Some(number) = after
        .settings
        .sms_number
        .as_ref()
        .filter(|_| must_check(before, after))
    else {
        return Ok(());
    };
    let provider = after.sms_provider.provider.unwrap_or_default();
    let check = deps
        .owners
        .numbers
        .check(after, number)
        .await
        .map_err(|e| match e {
            frontdesk::Error::SendRejected(m) => ApiError::invalid("sms_provider", m),
            other => ApiError::Unavailable(format!("{provider} number check: {other}")),
        })?;
    match check {
        NumberCheck::Owned => Ok(()),
        NumberCheck::NotOwned => Err(ApiError::Conflict(format!(
            "sms_number is not a number on the {provider} account whose credentials are in sms_provider; \
             set the credentials of the account that holds it, or buy or port the number there"
        ))),
        NumberCheck::BadCredentials => Err(ApiError::invalid(
            "sms_provider",
            format!("{provider} refused these credentials; set the account's current ones"),
        )),
    }
}

/// Starts (or confirms) the SES identity of the practice's sender, once the write that
/// claimed it has landed. A failure is a 503 that says the claim stands and to retry.
pub(crate) async fn start_identity(
    deps: &Deps,
    practice: &Practice,
) -> ApiResult<Option<IdentityStatus>> {
    let Some(address) = practice.settings.email_from.as_ref() else {
        return Ok(None);
    };
    deps.owners
        .identities
        .ensure(&practice.practice_id, address)
        .await
        .map(Some)
        .map_err(|e| {
            ApiError::Unavailable(format!(
                "email_from is saved and is this practice's, but SES verification could not be started ({e}); send the same request again"
            ))
        })
}

/// The sender identity's status for `GET /v1/practice`; unknown when SES cannot say.
pub(crate) async fn identity_status(deps: &Deps, practice: &Practice) -> Option<IdentityStatus> {
    let address = practice.settings.email_from.as_ref()?;
    match deps.owners.identities.status(address).await {
        Ok(status) => status,
        Err(_) => {
            tracing::warn!(practice_id = %practice.practice_id, "sender identity status unavailable");
            None
        }
    }
}
