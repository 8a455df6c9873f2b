//! The in-memory [`KeyService`]: a random master key per instance wrapping data keys with
//! AES-256-GCM, the context as additional data, so a key wrapped for one context does not
//! unwrap for another, exactly as KMS behaves (`shared/tests/envelope_contract.rs`).
//! Counts its calls and can be switched off, for tests of caching and of outages.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rand::RngCore;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::Zeroizing;

use super::{mismatch, Context, DataKey, KeyService, DATA_KEY_BYTES};
use crate::{Error, Result};

pub struct MemoryKeys {
    master: LessSafeKey,
    key_id: String,
    available: AtomicBool,
    generated: AtomicUsize,
    unwrapped: AtomicUsize,
}

impl std::fmt::Debug for MemoryKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryKeys")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl Default for MemoryKeys {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryKeys {
    pub fn new() -> Self {
        let mut master = [0u8; DATA_KEY_BYTES];
        rand::rng().fill_bytes(&mut master);
        let master = UnboundKey::new(&AES_256_GCM, &master)
            .map(LessSafeKey::new)
            .unwrap_or_else(|_| unreachable!("32 bytes is an AES-256 key"));
        Self {
            master,
            key_id: format!("memory:{}", ulid::Ulid::new()),
            available: AtomicBool::new(true),
            generated: AtomicUsize::new(0),
            unwrapped: AtomicUsize::new(0),
        }
    }

    /// Off: every call fails as an unreachable KMS does (`KeyUnavailable`).
    pub fn set_available(&self, on: bool) {
        self.available.store(on, Ordering::SeqCst);
    }

    /// Data keys generated so far (`GenerateDataKey` calls).
    pub fn generated(&self) -> usize {
        self.generated.load(Ordering::SeqCst)
    }

    /// Data keys unwrapped so far (`Decrypt` calls).
    pub fn unwrapped(&self) -> usize {
        self.unwrapped.load(Ordering::SeqCst)
    }

    fn check_available(&self, call: &str) -> Result<()> {
        if self.available.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(Error::KeyUnavailable(format!(
                "the in-memory key service is switched off ({call}); nothing was changed, retry"
            )))
        }
    }
}

#[async_trait::async_trait]
impl KeyService for MemoryKeys {
    async fn generate(&self, context: &Context) -> Result<DataKey> {
        self.check_available("GenerateDataKey")?;
        self.generated.fetch_add(1, Ordering::SeqCst);
        let mut plaintext = Zeroizing::new(vec![0u8; DATA_KEY_BYTES]);
        rand::rng().fill_bytes(&mut plaintext);
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut sealed = plaintext.to_vec();
        self.master
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.aad()),
                &mut sealed,
            )
            .map_err(|_| Error::KeyUnavailable("the in-memory key service failed".into()))?;
        let mut wrapped = nonce.to_vec();
        wrapped.extend_from_slice(&sealed);
        Ok(DataKey {
            plaintext,
            wrapped,
            key_id: self.key_id.clone(),
        })
    }

    async fn unwrap(&self, wrapped: &[u8], context: &Context) -> Result<Zeroizing<Vec<u8>>> {
        self.check_available("Decrypt")?;
        self.unwrapped.fetch_add(1, Ordering::SeqCst);
        let refused = || {
            mismatch(
                context,
                "the key service refused the data key for this context",
            )
        };
        let (nonce, body) = wrapped.split_at_checked(NONCE_LEN).ok_or_else(refused)?;
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| refused())?;
        let mut buf = Zeroizing::new(body.to_vec());
        let len = self
            .master
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.aad()),
                &mut buf,
            )
            .map_err(|_| refused())?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}
