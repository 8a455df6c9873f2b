//! Wiring only: configuration and clients (built once per container, no I/O at init), then
//! the runtime loop. EventBridge invokes this every 15 minutes.

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    frontdesk::policy::check_templates()?;
    let deps = review_requests::wire(&Config::from_env()?, &Clients::from_env().await)?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        let deps = deps.clone();
        async move { review_requests::handle(&deps, event).await }
    }))
    .await
}
