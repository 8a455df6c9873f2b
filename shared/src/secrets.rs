//! Secrets read from AWS Secrets Manager once per container and cached for a bounded
//! time, so a rotation applies within [`SECRET_TTL`] without a deploy and a request never
//! waits on Secrets Manager except on the first use or after the cache lapses.
//!
//! The value is kept only in memory, never logged (`Debug` prints the secret id only).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::{Error, Result};

/// How long a read secret is used before it is read again.
pub const SECRET_TTL: Duration = Duration::from_secs(300);

/// A value and when it was read.
type Read = (Arc<str>, Instant);

/// One secret (`SecretString`) by id or ARN, cached for `ttl`.
#[derive(Clone)]
pub struct CachedSecret {
    client: aws_sdk_secretsmanager::Client,
    secret_id: String,
    ttl: Duration,
    cache: Arc<Mutex<Option<Read>>>,
}

impl std::fmt::Debug for CachedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedSecret")
            .field("secret_id", &self.secret_id)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl CachedSecret {
    /// No I/O: the secret is read on the first [`get`](Self::get).
    pub fn new(
        client: aws_sdk_secretsmanager::Client,
        secret_id: impl Into<String>,
        ttl: Duration,
    ) -> Self {
        Self {
            client,
            secret_id: secret_id.into(),
            ttl,
            cache: Arc::new(Mutex::new(None)),
        }
    }

    /// The secret's value: from the cache while it is younger than the TTL, else read
    /// (one `GetSecretValue`; concurrent callers wait for the same read).
    pub async fn get(&self) -> Result<Arc<str>> {
        let mut cache = self.cache.lock().await;
        if let Some((value, read_at)) = cache.as_ref() {
            if read_at.elapsed() < self.ttl {
                return Ok(value.clone());
            }
        }
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|e| {
                Error::KeyUnavailable(format!(
                    "secret {} could not be read ({})",
                    self.secret_id,
                    aws_smithy_types::error::display::DisplayErrorContext(&e)
                ))
            })?;
        let value: Arc<str> = out
            .secret_string()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                Error::Config(format!(
                    "secret {} has no SecretString: put the value with \
                     `aws secretsmanager put-secret-value --secret-string ...`",
                    self.secret_id
                ))
            })?
            .trim()
            .into();
        *cache = Some((value.clone(), Instant::now()));
        Ok(value)
    }
}
