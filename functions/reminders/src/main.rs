//! Wiring only: configuration, clients (built once per container, no I/O at init), and
//! the runtime loop.

use std::sync::Arc;

use frontdesk::deliver::Senders;
use frontdesk::dynamo::DynamoStore;
use frontdesk::ses::{SesEmail, CONFIGURATION_SET_ENV};
use frontdesk::sns::SnsSms;
use frontdesk::sweep::SweepOptions;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use reminders::Deps;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    frontdesk::policy::check_templates()?;
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
        options: SweepOptions::default(),
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        let deps = deps.clone();
        async move { reminders::handle(&deps, event).await }
    }))
    .await
}
