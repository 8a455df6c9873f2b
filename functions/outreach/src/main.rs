//! Wiring only (see `outreach::serve`). EventBridge invokes this every minute; the event's
//! `detail.job` names the job.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    outreach::serve().await
}
