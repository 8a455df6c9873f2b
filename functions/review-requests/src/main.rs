//! Wiring only (see `frontdesk::sweep::serve`). EventBridge invokes this every 15 minutes.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    frontdesk::sweep::serve::<review_requests::ReviewRequests>().await
}
