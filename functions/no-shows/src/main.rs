//! Wiring only: configuration and clients (built once per container, no I/O at init), then
//! the runtime loop. EventBridge invokes this every minute.

use std::sync::Arc;

use frontdesk::deliver::Senders;
use frontdesk::dynamo::DynamoStore;
use frontdesk::ses::SesEmail;
use frontdesk::sns::SnsSms;
use frontdesk::sweep::SweepOptions;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use no_shows::Deps;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    frontdesk::policy::check_templates()?;
    let config = frontdesk::aws::load_config().await;
    let configuration_set = std::env::var("SES_CONFIGURATION_SET")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let store = Arc::new(DynamoStore::from_env(&config)?);
    let deps = Deps {
        store: store.clone(),
        senders: Senders {
            sms: Arc::new(SnsSms::from_conf(&config)),
            // Only from a sender the practice owns (one practice never sends as another).
            email: Arc::new(frontdesk::sender_guard::OwnedSenderEmail::new(
                Arc::new(SesEmail::from_conf(&config, configuration_set)),
                store,
            )),
        },
        options: SweepOptions::default(),
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        let deps = deps.clone();
        async move { no_shows::handle(&deps, event).await }
    }))
    .await
}
