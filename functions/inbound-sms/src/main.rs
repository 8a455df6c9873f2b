//! Wiring only: configuration and clients (built once per container, no I/O at init), then
//! the runtime loop. Takes provider webhooks (HTTP API) and AWS two-way SMS (SNS).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    inbound_sms::serve().await
}
