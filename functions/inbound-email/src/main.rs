//! Wiring only: configuration and clients (no I/O at init), then the runtime loop.

use std::sync::Arc;

use frontdesk::aws::{load_config, Clients};
use frontdesk::config::Config;
use lambda_runtime::{Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    frontdesk::policy::check_templates()?;
    let config = Config::from_env()?;
    let sdk = load_config().await;
    let deps = Arc::new(inbound_email::wire(&config, &Clients::new(&sdk))?);
    let mail = Arc::new(inbound_email::s3_mail(&config, &sdk)?);
    frontdesk::telemetry::run("inbound-email", |event: LambdaEvent<serde_json::Value>| {
        let (deps, mail) = (deps.clone(), mail.clone());
        async move { inbound_email::handle(&deps, mail.as_ref(), event).await }
    })
    .await
}
