//! What the handler needs, built once per container by [`wire`]: the same way in
//! `main.rs`, in the local gateway and in the tests.

use std::sync::Arc;

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use frontdesk::deliver::Senders;
use frontdesk::ports::{Clock, Owners, Store, SystemClock};

use crate::auth::OperatorSecret;

#[derive(Clone)]
pub struct Deps {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub operator: OperatorSecret,
    /// The practice's own number / sender, for staff replies and invitations.
    pub senders: Senders,
    /// SES identities and provider number lists: what a practice may send from.
    pub owners: Owners,
    /// Verifies the tokens of the public email preference routes (`None`: those routes
    /// answer "link not valid").
    pub email_links: Option<frontdesk::email_links::EmailLinks>,
    /// Whether webhook URLs may be `http://127.0.0.1` / `localhost` (local runs and tests
    /// only; deployed, every webhook is https to a public address).
    pub webhook_loopback: bool,
}

impl Deps {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        operator: OperatorSecret,
        senders: Senders,
        owners: Owners,
    ) -> Self {
        Self {
            store,
            clock,
            operator,
            senders,
            owners,
            email_links: None,
            webhook_loopback: false,
        }
    }

    /// With the verifier of the public email preference routes' tokens.
    pub fn with_email_links(mut self, links: Option<frontdesk::email_links::EmailLinks>) -> Self {
        self.email_links = links;
        self
    }

    /// Admits loopback webhook URLs (see `webhook_loopback`).
    pub fn with_webhook_loopback(mut self, allowed: bool) -> Self {
        self.webhook_loopback = allowed;
        self
    }
}

/// Builds the dependencies from the configuration (the operator secret is required) and
/// the shared clients. No I/O.
pub fn wire(config: &Config, clients: &Clients) -> frontdesk::Result<Deps> {
    let store: Arc<dyn Store> = Arc::new(clients.store(config));
    Ok(Deps::new(
        store.clone(),
        Arc::new(SystemClock),
        OperatorSecret::new(config.operator_secret()?),
        clients.senders(config, store),
        clients.owners(config),
    )
    .with_email_links(config.email_links.clone()))
}
