//! Building AWS SDK clients once per container, with no I/O at init: credentials resolve
//! lazily on the first request, and the TLS roots are compiled in. `AWS_ENDPOINT_URL` (the SDK's standard
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
/// It trusts Mozilla's roots, compiled in ([`trusted_roots_pem`]), not the system store:
/// loading `/etc/ssl/certs` (a bundle and 290 files) was about 10 ms of a 20 ms init
/// (docs/benchmarks.md, "Cold start"). reqwest trusts the same set (`webpki-roots`).
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::TrustStore;
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext};
    let builder =
        aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring));
    let roots = TrustStore::empty().with_pem_certificate(trusted_roots_pem());
    match TlsContext::builder().with_trust_store(roots).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        // Not expected (the builder validates nothing today); the system store still works.
        Err(_) => builder.build_https(),
    }
}

/// Mozilla's root certificates (`webpki-root-certs`) as one PEM bundle, for the SDK's trust
/// store (it takes PEM). Encoding them takes well under a millisecond; nothing is read.
pub fn trusted_roots_pem() -> Vec<u8> {
    use base64::Engine;
    let mut pem = String::new();
    for cert in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        let b64 = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    pem.into_bytes()
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
    /// The key sealing per-practice secrets (`SECRETS_KEY_ID`).
    pub kms: aws_sdk_kms::Client,
}

impl Clients {
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            sns: aws_sdk_sns::Client::new(config),
            sesv2: aws_sdk_sesv2::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
            sqs: aws_sdk_sqs::Client::new(config),
            kms: aws_sdk_kms::Client::new(config),
        }
    }

    /// `load_config` then `new`: what every `main.rs` starts with.
    pub async fn from_env() -> Self {
        Self::new(&load_config().await)
    }

    /// The store over the configured table, sealing per-practice secrets with the KMS key
    /// `config.secrets_key_id` when set (`frontdesk::envelope`). No I/O.
    pub fn store(&self, config: &Config) -> DynamoStore {
        let store = DynamoStore::new(self.dynamodb.clone(), config.table_name.clone());
        match &config.secrets_key_id {
            Some(key_id) => {
                store.with_envelope(Arc::new(crate::envelope::Envelope::new(Arc::new(
                    crate::envelope::KmsKeys::new(self.kms.clone(), key_id.clone()),
                ))))
            }
            None => store,
        }
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

#[cfg(test)]
mod tls_roots_tests {
    use base64::Engine;

    #[test]
    fn the_compiled_in_roots_are_every_mozilla_root_as_pem() {
        let pem = String::from_utf8(super::trusted_roots_pem()).expect("ASCII");
        let decoded: Vec<Vec<u8>> = pem
            .split("-----END CERTIFICATE-----\n")
            .filter(|block| !block.is_empty())
            .map(|block| {
                let body: String = block
                    .trim_start_matches("-----BEGIN CERTIFICATE-----\n")
                    .lines()
                    .inspect(|line| assert!(line.len() <= 64))
                    .collect();
                base64::engine::general_purpose::STANDARD
                    .decode(body)
                    .expect("base64")
            })
            .collect();
        let roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        assert!(roots.len() > 100, "{} roots", roots.len());
        assert_eq!(decoded.len(), roots.len());
        for (der, root) in decoded.iter().zip(roots) {
            assert_eq!(der.as_slice(), root.as_ref());
        }
    }

    #[test]
    fn the_https_client_builds_without_reading_the_system_store() {
        // Building is lazy and infallible; a broken trust store would panic here.
        let _client = super::https_client();
    }
}
