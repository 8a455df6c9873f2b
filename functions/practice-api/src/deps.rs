//! What the handler needs, built once per container by [`wire`]: the same way in
//! `main.rs`, in the local gateway and in the tests.

use std::sync::Arc;

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use frontdesk::deliver::Senders;
use frontdesk::ports::{Clock, Store, SystemClock};

use crate::auth::OperatorSecret;

#[derive(Clone)]
pub struct Deps {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub operator: OperatorSecret,
    /// The practice's own number / sender, for staff replies and invitations.
    pub senders: Senders,
    /// Verifies the tokens of the public email preference routes (`None`: those routes
    /// answer "link not valid").
    pub email_links: Option<frontdesk::email_links::EmailLinks>,
}

/// Builds the dependencies from the configuration (the operator secret is required) and
/// the shared clients. No I/O.
pub fn wire(config: &Config, clients: &Clients) -> frontdesk::Result<Deps> {
    let store: Arc<dyn Store> = Arc::new(clients.store(config));
    Ok(Deps {
        senders: clients.senders(config, store.clone()),
        store,
        clock: Arc::new(SystemClock),
        operator: OperatorSecret::new(config.operator_secret()?),
        email_links: config.email_links.clone(),
    })
}
