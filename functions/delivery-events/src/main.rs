//! Wiring only: configuration and clients (built once per container, no I/O at init), then
//! the runtime loop. SNS invokes this with SES and SMS delivery events.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    delivery_events::serve().await
}
