//! Wiring only: configuration, clients (built once per container), and the runtime loop.

use std::sync::Arc;

use frontdesk::deliver::Senders;
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::SystemClock;
use frontdesk::ses::{SesEmail, CONFIGURATION_SET_ENV};
use frontdesk::sns::SnsSms;
use inbound_sms::Deps;
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    frontdesk::policy::check_templates()?;
    let public_base_url =
        inbound_sms::public_base_url(std::env::var(inbound_sms::PUBLIC_BASE_URL_ENV).ok())?;
    let config = frontdesk::aws::load_config().await;
    let store = DynamoStore::from_env(&config)?;
    let senders = Senders {
        sms: Arc::new(SnsSms::from_conf(&config)),
        // Only from a sender the practice owns (one practice never sends as another).
        email: Arc::new(frontdesk::sender_guard::OwnedSenderEmail::new(
            Arc::new(SesEmail::from_conf(
                &config,
                std::env::var(CONFIGURATION_SET_ENV).ok(),
            )),
            Arc::new(store.clone()),
        )),
    };
    let deps = Deps {
        store: Arc::new(store),
        senders,
        clock: Arc::new(SystemClock),
        public_base_url,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        let deps = deps.clone();
        async move { inbound_sms::handle(&deps, event).await }
    }))
    .await
}
