//! Wiring only (see `frontdesk::sweep::serve`). EventBridge invokes this every 5 minutes.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    frontdesk::sweep::serve::<reminders::Reminders>().await
}
