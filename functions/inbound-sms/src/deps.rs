//! What the handler needs, built once per container by [`wire`]: the same way in
//! `main.rs`, in the local gateway and in the tests.

use std::sync::Arc;

use frontdesk::aws::Clients;
use frontdesk::config::{Config, PUBLIC_BASE_URL_ENV};
use frontdesk::deliver::Senders;
use frontdesk::ports::{Clock, Store, SystemClock};

#[derive(Clone)]
pub struct Deps {
    pub store: Arc<dyn Store>,
    pub senders: Senders,
    pub clock: Arc<dyn Clock>,
    /// The public base URL providers call (env `PUBLIC_BASE_URL`), for Twilio's signature.
    /// `None`: rebuilt from the request's forwarding headers.
    pub public_base_url: Option<String>,
}

/// Reads `PUBLIC_BASE_URL`: unset or blank is `None`; otherwise it must be an absolute
/// http(s) URL with no query or fragment. A bad value is an error, never ignored.
pub fn public_base_url(raw: Option<String>) -> Result<Option<String>, String> {
    let Some(v) = raw.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let ok = (v.starts_with("https://") || v.starts_with("http://"))
        && v.split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty())
        && !v.contains(['?', '#'])
        && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(Some(v.trim_end_matches('/').to_string()))
    } else {
        Err(format!(
            "{PUBLIC_BASE_URL_ENV} must be an absolute http(s) URL without query or fragment, \
             such as https://sms.example.com (or unset, to rebuild it from each request)"
        ))
    }
}

/// Builds the dependencies from the configuration (a bad `PUBLIC_BASE_URL` is an error)
/// and the shared clients. No I/O.
pub fn wire(config: &Config, clients: &Clients) -> frontdesk::Result<Deps> {
    let store: Arc<dyn Store> = Arc::new(clients.store(config));
    Ok(Deps {
        senders: clients.senders(config, store.clone()),
        store,
        clock: Arc::new(SystemClock),
        public_base_url: public_base_url(config.public_base_url.clone())
            .map_err(frontdesk::Error::Config)?,
    })
}
