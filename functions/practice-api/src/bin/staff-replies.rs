//! The staff-replies sweep: sends staff replies that were deferred past a patient's quiet
//! hours once they come due (`frontdesk::staff_replies`). EventBridge invokes it every
//! 5 minutes; "now" is the event's `time`. Wiring only, like the other functions.

use std::sync::Arc;

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use frontdesk::ports::Store;
use lambda_runtime::{Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let clients = Clients::from_env().await;
    let store: Arc<dyn Store> = Arc::new(clients.store(&config));
    let senders = clients.senders(&config, store.clone());
    frontdesk::telemetry::run("staff-replies", |event: LambdaEvent<serde_json::Value>| {
        let (store, senders) = (store.clone(), senders.clone());
        async move {
            let now = frontdesk::sweep::event_time(&event.payload)?;
            let report = frontdesk::staff_replies::send_due(store.as_ref(), &senders, now).await?;
            tracing::info!(
                due = report.due,
                sent = report.sent,
                failed = report.failed,
                "staff replies swept"
            );
            Ok::<_, Error>(serde_json::to_value(report)?)
        }
    })
    .await
}
