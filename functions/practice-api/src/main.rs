//! Wiring only: configuration and clients (built once per container), then the runtime loop.

// The router's future nests every route's; computing its layout needs more than the default depth.
#![recursion_limit = "256"]

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use lambda_runtime::{Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = practice_api::wire(&Config::from_env()?, &Clients::from_env().await)?;
    frontdesk::telemetry::run("practice-api", |event: LambdaEvent<_>| {
        let deps = deps.clone();
        async move { practice_api::handle(&deps, event).await }
    })
    .await
}
