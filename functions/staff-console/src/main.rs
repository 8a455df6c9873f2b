//! Wiring only: configuration and clients (built once per container), then the runtime loop.

// The console's future nests the Practice API's routes; its layout needs more than the default depth.
#![recursion_limit = "256"]

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use lambda_runtime::{Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = staff_console::wire(&Config::from_env()?, &Clients::from_env().await)?;
    frontdesk::telemetry::run("staff-console", |event: LambdaEvent<_>| {
        let deps = deps.clone();
        async move { staff_console::handle(&deps, event).await }
    })
    .await
}
