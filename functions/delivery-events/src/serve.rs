//! The runtime loop (what `main.rs` runs): configuration and clients built once per
//! container, no I/O at init.

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use lambda_runtime::{Error, LambdaEvent};

/// The function's runtime loop, as its `main.rs` (and the multi-call `frontdesk`
/// binary) run it.
pub async fn serve() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = crate::wire(&Config::from_env()?, &Clients::from_env().await);
    frontdesk::telemetry::run(
        "delivery-events",
        |event: LambdaEvent<serde_json::Value>| {
            let deps = deps.clone();
            async move { crate::handle(&deps, event).await }
        },
    )
    .await
}
