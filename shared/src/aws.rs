//! Building AWS SDK clients once per container, with no I/O at init: credentials and
//! TLS roots resolve lazily on the first request. `AWS_ENDPOINT_URL` (the SDK's standard
//! variable) points every client at the local moto server.

use aws_config::{BehaviorVersion, SdkConfig};

/// Loads the shared SDK configuration from the environment (region, credentials chain,
/// endpoint override). Call once in `main` and share the clients.
pub async fn load_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// The three clients every function may use.
#[derive(Clone, Debug)]
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sns: aws_sdk_sns::Client,
    pub sesv2: aws_sdk_sesv2::Client,
}

impl Clients {
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            sns: aws_sdk_sns::Client::new(config),
            sesv2: aws_sdk_sesv2::Client::new(config),
        }
    }
}
