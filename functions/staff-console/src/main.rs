//! Wiring only: configuration and clients (built once per container), then the runtime loop.

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = staff_console::wire(&Config::from_env()?, &Clients::from_env().await)?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| {
        let deps = deps.clone();
        async move { staff_console::handle(&deps, event).await }
    }))
    .await
}
