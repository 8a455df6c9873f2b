//! The answer-deadline sweep: conversations still unanswered past the time the automatic
//! reply promised become urgent and the practice's on-call contact is told, batched
//! (`practice_api::answer_sla`). EventBridge invokes it every 5 minutes; "now" is the
//! event's `time`. Wiring only, like the other functions.

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use lambda_runtime::{Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let clients = Clients::from_env().await;
    let deps = frontdesk::sweep::wire(&config, &clients)?;
    frontdesk::telemetry::run("answer-sla", |event: LambdaEvent<serde_json::Value>| {
        let deps = deps.clone();
        async move { practice_api::answer_sla::handle(&deps, event).await }
    })
    .await
}
