//! Wiring only: configuration and clients (built once per container), then the runtime loop.

// The router's future nests every route's; computing its layout needs more than the default depth.
#![recursion_limit = "256"]

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    practice_api::serve().await
}
