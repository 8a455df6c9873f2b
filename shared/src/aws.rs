//! Building AWS SDK clients once per container, with no I/O at init: credentials and
//! TLS roots resolve lazily on the first request. `AWS_ENDPOINT_URL` (the SDK's standard
//! variable) points every client at the local moto server.
//!
//! [`Clients`] plus a [`Config`] give every adapter a function needs, so each function
//! crate's `wire(&config, &clients)` builds its `Deps` the same way in `main.rs`, in the
//! local gateway and in the tests.

use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};

use crate::config::Config;
use crate::deliver::Senders;
use crate::dynamo::DynamoStore;
use crate::ports::Store;
use crate::providers::ProviderSms;
use crate::sender_guard::OwnedSenderEmail;
use crate::ses::SesEmail;
use crate::sns::SnsSms;

/// Loads the shared SDK configuration from the environment (region, credentials chain,
/// endpoint override). Call once in `main` and share the clients.
pub async fn load_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .load()
        .await
}

/// The SDK's HTTPS client: hyper with rustls on the `ring` provider (the one reqwest uses
/// for the SMS providers), so the binaries carry one crypto library, not ring and aws-lc.
/// Trusted roots load on first use, not here.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The clients every function may use. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sns: aws_sdk_sns::Client,
    pub sesv2: aws_sdk_sesv2::Client,
    /// The operator secret (practice-api).
    pub secrets: aws_sdk_secretsmanager::Client,
    /// The sweeps' work-unit queue (`SWEEP_QUEUE_URL`).
    pub sqs: aws_sdk_sqs::Client,
}

impl Clients {
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            sns: aws_sdk_sns::Client::new(config),
            sesv2: aws_sdk_sesv2::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
            sqs: aws_sdk_sqs::Client::new(config),
        }
    }

    /// `load_config` then `new`: what every `main.rs` starts with.
    pub async fn from_env() -> Self {
        Self::new(&load_config().await)
    }

    /// The store over the configured table. No I/O.
    pub fn store(&self, config: &Config) -> DynamoStore {
        DynamoStore::new(self.dynamodb.clone(), config.table_name.clone())
    }

    /// SMS through the provider that owns the practice's number ([`ProviderSms`]: SNS for
    /// `aws`, else Twilio, Telnyx or Vonage at `config.provider_urls`); email through SESv2 (with the configured configuration set), only
    /// from a sender the practice owns, checked in `store` (one practice never sends as
    /// another).
    pub fn senders(&self, config: &Config, store: Arc<dyn Store>) -> Senders {
        let ses = SesEmail::new(self.sesv2.clone(), config.ses_configuration_set.clone())
            .with_links(config.email_links.clone());
        Senders {
            sms: Arc::new(ProviderSms::new(
                store.clone(),
                Arc::new(SnsSms::new(self.sns.clone())),
                config.provider_urls.clone(),
                config.public_base_url.clone(),
            )),
            email: Arc::new(OwnedSenderEmail::new(Arc::new(ses), store)),
        }
    }

    /// The Practice API's per-practice token bucket in the table, when configured. No I/O.
    pub fn rate_limiter(&self, config: &Config) -> Option<Arc<dyn crate::rate_limit::RateLimiter>> {
        config.practice_rate_limit.map(|limit| {
            Arc::new(crate::rate_limit::DynamoRateLimiter::new(
                self.dynamodb.clone(),
                config.table_name.clone(),
                limit,
            )) as Arc<dyn crate::rate_limit::RateLimiter>
        })
    }

    /// The ownership checks of a practice's senders: SES identities and the providers'
    /// number lists at `config.provider_urls`. No I/O.
    pub fn owners(&self, config: &Config) -> crate::ports::Owners {
        crate::ports::Owners {
            identities: Arc::new(crate::ses_identities::SesIdentities::new(
                self.sesv2.clone(),
            )),
            numbers: Arc::new(crate::providers::ProviderNumberApi::new(
                config.provider_urls.clone(),
            )),
        }
    }
}
