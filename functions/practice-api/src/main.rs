//! Wiring only: configuration, clients (built once per container), and the runtime loop.

use std::sync::Arc;

use frontdesk::deliver::Senders;
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::SystemClock;
use frontdesk::ses::{SesEmail, CONFIGURATION_SET_ENV};
use frontdesk::sns::SnsSms;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use practice_api::auth::OperatorSecret;
use practice_api::Deps;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let operator = std::env::var("OPERATOR_SECRET").map_err(|_| {
        "OPERATOR_SECRET is not set; set it to the operator secret (SAM parameter OperatorSecret)"
    })?;
    let config = frontdesk::aws::load_config().await;
    let store = DynamoStore::from_env(&config)?;
    let deps = Deps {
        store: Arc::new(store),
        clock: Arc::new(SystemClock),
        operator: OperatorSecret::new(&operator),
        senders: Senders {
            sms: Arc::new(SnsSms::from_conf(&config)),
            email: Arc::new(SesEmail::from_conf(
                &config,
                std::env::var(CONFIGURATION_SET_ENV).ok(),
            )),
        },
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| {
        let deps = deps.clone();
        async move { practice_api::handle(&deps, event).await }
    }))
    .await
}
