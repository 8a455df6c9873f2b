//! The webhooks job: drains the outbox and delivers each event, signed, to the practice's
//! subscriptions (`frontdesk::webhooks::deliver`). EventBridge invokes it every minute;
//! "now" is the event's `time`. Wiring only, like the other functions.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    practice_api::serve::webhooks().await
}
