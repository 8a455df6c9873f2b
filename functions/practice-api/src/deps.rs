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
    /// The per-practice token bucket of API-key requests (`None`: unlimited).
    pub limiter: Option<Arc<dyn frontdesk::rate_limit::RateLimiter>>,
    /// Whether webhook URLs may be `http://127.0.0.1` / `localhost` (local runs and tests
    /// only; deployed, every webhook is https to a public address). Also the registration
    /// check's policy (`webhooks::target`): a host that resolves to an internal address is
    /// refused, loopback too unless this is set.
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
            limiter: None,
            webhook_loopback: false,
        }
    }

    /// With a per-practice limit on API-key requests.
    pub fn with_rate_limiter(
        mut self,
        limiter: Option<Arc<dyn frontdesk::rate_limit::RateLimiter>>,
    ) -> Self {
        self.limiter = limiter;
        self
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

/// Deployed: the Secrets Manager secret `OPERATOR_SECRET_ARN` names (cached); locally the
/// `OPERATOR_SECRET` value. No I/O.
fn operator_secret(config: &Config, clients: &Clients) -> frontdesk::Result<OperatorSecret> {
    match &config.operator_secret_arn {
        Some(arn) => Ok(OperatorSecret::managed(
            frontdesk::secrets::CachedSecret::new(
                clients.secrets.clone(),
                arn.clone(),
                frontdesk::secrets::SECRET_TTL,
            ),
        )),
        None => Ok(OperatorSecret::new(config.operator_secret()?)),
    }
}

/// Builds the dependencies from the configuration (the operator secret is required) and
/// the shared clients. No I/O.
pub fn wire(config: &Config, clients: &Clients) -> frontdesk::Result<Deps> {
    let store: Arc<dyn Store> = Arc::new(clients.store(config));
    Ok(Deps::new(
        store.clone(),
        Arc::new(SystemClock),
        operator_secret(config, clients)?,
        clients.senders(config, store),
        clients.owners(config),
    )
    .with_email_links(config.email_links.clone())
    .with_rate_limiter(clients.rate_limiter(config))
    // Deployed: off (the template sets `WEBHOOKS_ALLOW_LOOPBACK=false`).
    .with_webhook_loopback(frontdesk::webhooks::target::TargetPolicy::from_env().allows_loopback()))
}
