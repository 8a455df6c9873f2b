//! The per-deployment secret that keys unknown-sender thread ids: `u_<32 hex>` is the first
//! 128 bits of HMAC-SHA256(secret, practice id ‖ 0 ‖ E.164 number). Without the secret a
//! thread id cannot be tested against guessed numbers (a plain hash of a phone number can
//! be reversed by trying every number in a country's plan).
//!
//! The secret is `THREAD_ID_SECRET` (SAM parameter `ThreadIdSecret`, at least 32 bytes),
//! installed once per process by `Config::from_env`. Tests and the local gateway run with
//! [`LOCAL_THREAD_SECRET`] unless they install another. Changing the secret changes every
//! unknown sender's thread id (see `docs/data-model.md`, "Unknown-sender thread ids").

use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{DomainError, PhoneNumber, PracticeId};

/// The key of local runs and tests. Never used when `THREAD_ID_SECRET` is set.
pub const LOCAL_THREAD_SECRET: &str = "frontdesk-local-thread-id-secret-not-for-production";
/// The shortest secret accepted.
pub const MIN_SECRET_BYTES: usize = 32;

static KEY: OnceLock<Vec<u8>> = OnceLock::new();

/// Installs the deployment's secret for this process. The first install wins; installing
/// the same secret again is fine, a different one is an error (ids would change mid-run).
pub fn install(secret: &str) -> Result<(), DomainError> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(DomainError::Invalid {
            field: "THREAD_ID_SECRET",
            reason: format!("must be at least {MIN_SECRET_BYTES} bytes of random text"),
        });
    }
    let installed = KEY.get_or_init(|| secret.as_bytes().to_vec());
    if installed.as_slice() == secret.as_bytes() {
        Ok(())
    } else {
        Err(DomainError::Invalid {
            field: "THREAD_ID_SECRET",
            reason: "a different secret is already installed in this process".into(),
        })
    }
}

fn key() -> &'static [u8] {
    KEY.get_or_init(|| LOCAL_THREAD_SECRET.as_bytes().to_vec())
}

/// The keyed digest behind an unknown sender's thread id, in lowercase hex (`len` digits).
pub(super) fn digest_hex(practice: &PracticeId, number: &PhoneNumber, len: usize) -> String {
    keyed_hex(key(), practice, number, len)
}

fn keyed_hex(key: &[u8], practice: &PracticeId, number: &PhoneNumber, len: usize) -> String {
    // HMAC takes a key of any length: new_from_slice cannot fail for it.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(b"frontdesk/unknown-sender-thread/v2\0");
    mac.update(practice.as_str().as_bytes());
    mac.update(b"\0");
    mac.update(number.as_str().as_bytes());
    let mut hex = hex::encode(mac.finalize().into_bytes());
    hex.truncate(len);
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_depends_on_the_secret_the_practice_and_the_number() {
        let p = PracticeId::parse("prc_1").unwrap();
        let n = PhoneNumber::parse_e164("+13125550188").unwrap();
        let a = keyed_hex(b"secret-a-secret-a-secret-a-secret-a", &p, &n, 32);
        let b = keyed_hex(b"secret-b-secret-b-secret-b-secret-b", &p, &n, 32);
        assert_eq!(a.len(), 32);
        assert_ne!(a, b, "another deployment's ids differ");
        let other = PhoneNumber::parse_e164("+13125550189").unwrap();
        assert_ne!(
            a,
            keyed_hex(b"secret-a-secret-a-secret-a-secret-a", &p, &other, 32)
        );
    }

    #[test]
    fn a_short_secret_is_refused() {
        assert!(install("short").is_err());
    }
}
