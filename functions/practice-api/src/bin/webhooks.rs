//! The webhooks job: drains the outbox and delivers each event, signed, to the practice's
//! subscriptions (`frontdesk::webhooks::deliver`). EventBridge invokes it every minute;
//! "now" is the event's `time`. Wiring only, like the other functions.

use std::sync::Arc;

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use frontdesk::ports::Store;
use frontdesk::webhooks::deliver::{deliver_due, HttpTransport, Run};
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let clients = Clients::from_env().await;
    let store: Arc<dyn Store> = Arc::new(clients.store(&config));
    let http = Arc::new(HttpTransport::new()?);
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        let (store, http) = (store.clone(), http.clone());
        async move {
            let now = frontdesk::sweep::event_time(&event.payload)?;
            let report = deliver_due(store.as_ref(), http.as_ref(), &Run::at(now)).await?;
            tracing::info!(
                due = report.due,
                delivered = report.delivered,
                retrying = report.retrying,
                disabled = report.disabled,
                "webhooks delivered"
            );
            Ok::<_, Error>(serde_json::to_value(report)?)
        }
    }))
    .await
}
