//! Wiring only: configuration and clients (built once per container, no I/O at init), then
//! the runtime loop. Takes provider webhooks (HTTP API) and AWS two-way SMS (SNS).

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use lambda_runtime::{Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    frontdesk::policy::check_templates()?;
    let deps = inbound_sms::wire(&Config::from_env()?, &Clients::from_env().await)?;
    frontdesk::telemetry::run("inbound-sms", |event: LambdaEvent<serde_json::Value>| {
        let deps = deps.clone();
        async move { inbound_sms::handle(&deps, event).await }
    })
    .await
}
