//! Wiring only (see `frontdesk::sweep::serve`). EventBridge invokes this every minute.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    frontdesk::sweep::serve::<no_shows::NoShows>().await
}
