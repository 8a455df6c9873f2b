//! The staff-replies sweep: sends staff replies that were deferred past a patient's quiet
//! hours once they come due (`frontdesk::staff_replies`). EventBridge invokes it every
//! 5 minutes; "now" is the event's `time`. Wiring only, like the other functions.

use std::sync::Arc;

use frontdesk::deliver::Senders;
use frontdesk::dynamo::DynamoStore;
use frontdesk::ses::{SesEmail, CONFIGURATION_SET_ENV};
use frontdesk::sns::SnsSms;
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = frontdesk::aws::load_config().await;
    let configuration_set = std::env::var(CONFIGURATION_SET_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty());
    let store = Arc::new(DynamoStore::from_env(&config)?);
    let senders = Senders {
        sms: Arc::new(SnsSms::from_conf(&config)),
        email: Arc::new(SesEmail::from_conf(&config, configuration_set)),
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
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
    }))
    .await
}
