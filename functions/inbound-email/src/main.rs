//! Wiring only: configuration and clients (no I/O at init), then the runtime loop.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    inbound_email::serve().await
}
