//! Wiring only: configuration and clients (built once per container), then the runtime loop.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    practice_api::serve().await
}
