//! The runtime loop (what `main.rs` runs): configuration and clients built once per
//! container, no I/O at init.

use std::sync::Arc;

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use frontdesk::ports::Store;
use lambda_runtime::{Error, LambdaEvent};

/// The function's runtime loop, as its `main.rs` (and the multi-call `frontdesk`
/// binary) run it.
pub async fn serve() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = crate::wire(&Config::from_env()?, &Clients::from_env().await)?;
    frontdesk::telemetry::run("practice-api", |event: LambdaEvent<_>| {
        let deps = deps.clone();
        async move { crate::handle(&deps, event).await }
    })
    .await
}

/// The answer-deadline sweep's runtime loop (the `answer-sla` binary).
pub async fn answer_sla() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let clients = Clients::from_env().await;
    let deps = frontdesk::sweep::wire(&config, &clients)?;
    frontdesk::telemetry::run("answer-sla", |event: LambdaEvent<serde_json::Value>| {
        let deps = deps.clone();
        async move { crate::answer_sla::handle(&deps, event).await }
    })
    .await
}

/// The staff-replies sweep's runtime loop (the `staff-replies` binary).
pub async fn staff_replies() -> Result<(), Error> {
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
                intents_due = report.intents.due,
                intents_sent = report.intents.sent,
                intents_to_staff = report.intents.handed_to_staff,
                "staff replies swept"
            );
            Ok::<_, Error>(serde_json::to_value(report)?)
        }
    })
    .await
}

/// The webhooks job's runtime loop (the `webhooks` binary): drains the outbox.
pub async fn webhooks() -> Result<(), Error> {
    use frontdesk::webhooks::deliver::{deliver_due, HttpTransport, Run};
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let clients = Clients::from_env().await;
    let store: Arc<dyn Store> = Arc::new(clients.store(&config));
    // Public addresses only unless the (template: false) loopback setting is on.
    let policy = frontdesk::webhooks::target::TargetPolicy::from_env();
    let http = Arc::new(HttpTransport::new(policy)?);
    frontdesk::telemetry::run("webhooks", |event: LambdaEvent<serde_json::Value>| {
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
    })
    .await
}
