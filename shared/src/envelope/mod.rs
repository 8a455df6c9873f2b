//! Envelope encryption of the secrets a practice stores (provider credentials, webhook
//! signing secrets): each value set is sealed with AES-256-GCM under a fresh 256-bit data
//! key, and only that data key's copy wrapped by the master key (KMS) is stored beside it.
//!
//! - [`KeyService`] is the port: a new data key (KMS `GenerateDataKey`, `AES_256`) and the
//!   unwrapping of a stored one (KMS `Decrypt`), both bound to a [`Context`]
//!   (`practice_id`, `purpose`) that KMS checks, so one practice's ciphertext never opens as
//!   another's. [`KmsKeys`] is the adapter; `MemoryKeys` (feature `testing`) the in-memory
//!   twin, held to the same behaviour by `shared/tests/envelope_contract.rs`.
//! - [`Envelope`] does the local AES-GCM (ring's `aead`, with the context as additional
//!   data) and keeps unwrapped data keys for [`DATA_KEY_TTL`], at most [`CACHE_ENTRIES`] of
//!   them, so a burst of webhooks for one practice is one KMS call, not one per request.
//!
//! Nothing here logs a plaintext, a data key or a ciphertext; `Debug` shows none of them.
//! Where the sealed values live in the table: `dynamo::sealing`.

mod cache;
mod kms;
#[cfg(any(test, feature = "testing"))]
mod memory;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::RngCore;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::Zeroizing;

use crate::{Error, Result};

pub use kms::KmsKeys;
#[cfg(any(test, feature = "testing"))]
pub use memory::MemoryKeys;

use cache::KeyCache;

/// How long an unwrapped data key is reused before KMS is asked again.
pub const DATA_KEY_TTL: Duration = Duration::from_secs(300);
/// Unwrapped data keys kept per container at most (one per sealed item recently read).
pub const CACHE_ENTRIES: usize = 256;
/// The layout of [`Sealed`] (stored as `v`): AES-256-GCM, 96-bit nonce, context as AAD.
pub const SEALED_VERSION: u32 = 1;
/// Bytes of a data key (AES-256).
pub const DATA_KEY_BYTES: usize = 32;

/// What a sealed value is bound to: KMS's encryption context and the AES-GCM additional
/// data. Opening with any other context fails.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Context {
    practice_id: String,
    purpose: String,
}

impl Context {
    /// `purpose` names the value within the practice (`sms_provider`, `webhook:<id>`).
    pub fn new(practice_id: impl Into<String>, purpose: impl Into<String>) -> Self {
        Self {
            practice_id: practice_id.into(),
            purpose: purpose.into(),
        }
    }

    /// The pairs, in KMS's encryption-context form.
    pub fn pairs(&self) -> [(&'static str, &str); 2] {
        [
            ("practice_id", self.practice_id.as_str()),
            ("purpose", self.purpose.as_str()),
        ]
    }

    /// One unambiguous byte string of the context (lengths first), the AES-GCM AAD.
    fn aad(&self) -> Vec<u8> {
        let mut out = format!("frontdesk-envelope-v{SEALED_VERSION}").into_bytes();
        for (k, v) in self.pairs() {
            out.extend_from_slice(format!(";{}:{k}={}:", k.len(), v.len()).as_bytes());
            out.extend_from_slice(v.as_bytes());
        }
        out
    }
}

/// A new data key: its plaintext (used once, then dropped and zeroed) and its copy wrapped
/// by the master key, bound to the context.
pub struct DataKey {
    pub plaintext: Zeroizing<Vec<u8>>,
    pub wrapped: Vec<u8>,
    /// The master key that wrapped it (KMS returns the key ARN).
    pub key_id: String,
}

/// The port to the master key.
#[async_trait::async_trait]
pub trait KeyService: Send + Sync + std::fmt::Debug {
    /// A new 256-bit data key bound to `context`. Errors: `KeyUnavailable`.
    async fn generate(&self, context: &Context) -> Result<DataKey>;

    /// The plaintext of a wrapped data key. A key wrapped under another context (or
    /// altered) is `Error::Corrupt`; an unreachable or refusing master key `KeyUnavailable`.
    async fn unwrap(&self, wrapped: &[u8], context: &Context) -> Result<Zeroizing<Vec<u8>>>;
}

/// A sealed value as stored: ciphertext (with its GCM tag), nonce, the wrapped data key,
/// the master key's id and the layout version. Nothing in it is secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub version: u32,
    pub key_id: String,
    pub wrapped_key: Vec<u8>,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealed")
            .field("version", &self.version)
            .field("key_id", &self.key_id)
            .field("ciphertext_bytes", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

/// Seals and opens values through a [`KeyService`], caching unwrapped data keys.
pub struct Envelope {
    keys: Arc<dyn KeyService>,
    cache: Mutex<KeyCache>,
    ttl: Duration,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("keys", &self.keys)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Envelope {
    /// No I/O. Data keys are cached for [`DATA_KEY_TTL`].
    pub fn new(keys: Arc<dyn KeyService>) -> Self {
        Self::with_ttl(keys, DATA_KEY_TTL)
    }

    /// A chosen cache lifetime (`Duration::ZERO`: every open asks the key service).
    pub fn with_ttl(keys: Arc<dyn KeyService>, ttl: Duration) -> Self {
        Self {
            keys,
            cache: Mutex::new(KeyCache::new(CACHE_ENTRIES)),
            ttl,
        }
    }

    /// Seals `plaintext` under a new data key bound to `context` (one `GenerateDataKey`).
    /// The data key is cached, so reading the value back soon needs no KMS call.
    pub async fn seal(&self, plaintext: &[u8], context: &Context) -> Result<Sealed> {
        let key = self.keys.generate(context).await?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut buf = plaintext.to_vec();
        aead_key(&key.plaintext)?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.aad()),
                &mut buf,
            )
            .map_err(|_| Error::Corrupt("a value could not be sealed (AES-GCM)".into()))?;
        self.remember(context, &key.wrapped, key.plaintext.clone());
        Ok(Sealed {
            version: SEALED_VERSION,
            key_id: key.key_id,
            wrapped_key: key.wrapped,
            nonce: nonce.to_vec(),
            ciphertext: buf,
        })
    }

    /// The plaintext of `sealed`, which must have been sealed with `context`: the data key
    /// from the cache, else one `Decrypt`.
    pub async fn open(&self, sealed: &Sealed, context: &Context) -> Result<Zeroizing<Vec<u8>>> {
        if sealed.version != SEALED_VERSION {
            return Err(mismatch(
                context,
                &format!("layout v{} is unknown", sealed.version),
            ));
        }
        let nonce: [u8; NONCE_LEN] = sealed
            .nonce
            .as_slice()
            .try_into()
            .map_err(|_| mismatch(context, "the nonce is not 12 bytes"))?;
        let cached = self.cached(context, &sealed.wrapped_key);
        let data_key = match cached {
            Some(k) => k,
            None => {
                let k = self.keys.unwrap(&sealed.wrapped_key, context).await?;
                self.remember(context, &sealed.wrapped_key, k.clone());
                k
            }
        };
        let mut buf = Zeroizing::new(sealed.ciphertext.clone());
        let len = aead_key(&data_key)?
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.aad()),
                &mut buf,
            )
            .map_err(|_| mismatch(context, "the ciphertext or its context does not match"))?
            .len();
        buf.truncate(len);
        Ok(buf)
    }

    fn cached(&self, context: &Context, wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(context, wrapped, Instant::now(), self.ttl)
    }

    fn remember(&self, context: &Context, wrapped: &[u8], key: Zeroizing<Vec<u8>>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.put(context, wrapped, key, Instant::now(), self.ttl);
    }
}

fn aead_key(bytes: &[u8]) -> Result<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| Error::Corrupt(format!("a data key is not {DATA_KEY_BYTES} bytes")))
}

/// A sealed value that does not open under this context: another practice's, altered, or
/// of an unknown layout. Never a KMS outage.
pub(crate) fn mismatch(context: &Context, why: &str) -> Error {
    tracing::error!(
        purpose = context.purpose.as_str(),
        reason = why,
        "sealed secrets could not be opened"
    );
    Error::Corrupt(format!(
        "the sealed secrets ({}) of practice {} could not be opened: {why}; set them again \
         with PATCH /v1/practice (or rotate the webhook secret)",
        context.purpose, context.practice_id
    ))
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
