//! Wiring only: configuration and clients (built once per container, no I/O at init), then
//! the runtime loop. SNS invokes this with SES and SMS delivery events.

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use lambda_runtime::{Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = delivery_events::wire(&Config::from_env()?, &Clients::from_env().await);
    frontdesk::telemetry::run(
        "delivery-events",
        |event: LambdaEvent<serde_json::Value>| {
            let deps = deps.clone();
            async move { delivery_events::handle(&deps, event).await }
        },
    )
    .await
}
