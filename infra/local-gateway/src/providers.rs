//! The SMS providers `make run` talks to: the in-process fake (`fake-providers`) unless
//! `TWILIO_API_URL`, `TELNYX_API_URL` or `VONAGE_API_URL` is set (then those, and the real
//! APIs for the others), so another fake or the real API can stand in.

use fake_providers::{Accounts, FakeProviders};
use frontdesk::config::{
    Config, ProviderUrls, TELNYX_API_URL_ENV, TWILIO_API_URL_ENV, VONAGE_API_URL_ENV,
};

use crate::GatewayError;

/// The provider URLs, and the fake when one was started.
pub async fn local_providers() -> Result<(ProviderUrls, Option<FakeProviders>), GatewayError> {
    let set = [TWILIO_API_URL_ENV, TELNYX_API_URL_ENV, VONAGE_API_URL_ENV]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|s| !s.trim().is_empty()));
    if set {
        // Read as the functions read them (same defaults, same checks).
        let config = Config::from_lookup(|name| match name {
            frontdesk::config::TABLE_NAME_ENV => Some("local".into()),
            other => std::env::var(other).ok(),
        })
        .map_err(|e| GatewayError::Config(e.to_string()))?;
        return Ok((config.provider_urls, None));
    }
    let fake = FakeProviders::start(Accounts::demo())
        .await
        .map_err(|e| GatewayError::Serve(e.to_string()))?;
    Ok((ProviderUrls::all_at(&fake.base_url()), Some(fake)))
}
