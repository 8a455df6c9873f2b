//! The runtime loop (what `main.rs` runs): configuration and clients built once per
//! container, no I/O at init.

use frontdesk::aws::{load_config, Clients};
use frontdesk::config::Config;
use lambda_runtime::{Error, LambdaEvent};
use std::sync::Arc;

/// The function's runtime loop, as its `main.rs` (and the multi-call `frontdesk`
/// binary) run it.
pub async fn serve() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    frontdesk::policy::check_templates()?;
    let config = Config::from_env()?;
    let sdk = load_config().await;
    let deps = Arc::new(crate::wire(&config, &Clients::new(&sdk))?);
    let mail = Arc::new(crate::s3_mail(&config, &sdk)?);
    frontdesk::telemetry::run("inbound-email", |event: LambdaEvent<serde_json::Value>| {
        let (deps, mail) = (deps.clone(), mail.clone());
        async move { crate::handle(&deps, mail.as_ref(), event).await }
    })
    .await
}
