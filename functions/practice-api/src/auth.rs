//! API keys and the operator secret. Keys look like `fdk.<practice_id>.<secret>`: the
//! practice id routes the lookup to that practice's own item (no cross-tenant index),
//! and only the SHA-256 of the whole key is stored. Comparisons are constant-time.

use base64::Engine;
use chrono::{DateTime, Utc};
use frontdesk::domain::{ApiKeyRecord, Practice, PracticeId};
use frontdesk::ports::{Fetched, Key};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::Request;

const PREFIX: &str = "fdk.";

/// A freshly minted key: the plaintext (shown once) and what is stored.
pub struct NewKey {
    pub plaintext: String,
    pub record: ApiKeyRecord,
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Mints a key with 256 bits of entropy from the OS generator.
pub fn mint(practice_id: &PracticeId, now: DateTime<Utc>) -> NewKey {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let plaintext = format!("{PREFIX}{practice_id}.{secret}");
    let key_id = format!("key_{}", &sha256_hex(&plaintext)[..12]);
    NewKey {
        record: ApiKeyRecord {
            key_id,
            hash: sha256_hex(&plaintext),
            created_at: now,
        },
        plaintext,
    }
}

/// The practice a presented key claims to belong to. Says nothing about validity.
pub fn claimed_practice(key: &str) -> Option<PracticeId> {
    let rest = key.strip_prefix(PREFIX)?;
    let (practice, secret) = rest.rsplit_once('.')?;
    if secret.len() < 40 {
        return None;
    }
    PracticeId::parse(practice).ok()
}

/// Whether `key` matches one of the practice's stored hashes, in constant time per hash.
pub fn verify(practice: &Practice, key: &str) -> bool {
    let presented = Sha256::digest(key.as_bytes());
    let mut ok = subtle::Choice::from(0);
    for rec in &practice.api_keys {
        let Ok(stored) = hex::decode(&rec.hash) else {
            continue;
        };
        ok |= presented.as_slice().ct_eq(&stored);
    }
    ok.into()
}

/// The operator secret: a fixed value kept only as its hash (local runs and tests), or
/// the Secrets Manager secret, read once per container and cached for a bounded time.
#[derive(Clone)]
pub enum OperatorSecret {
    Fixed([u8; 32]),
    Managed(frontdesk::secrets::CachedSecret),
}

impl OperatorSecret {
    pub fn new(secret: &str) -> Self {
        Self::Fixed(Sha256::digest(secret.as_bytes()).into())
    }

    /// Read from Secrets Manager on first use, re-read after [`frontdesk::secrets::SECRET_TTL`].
    pub fn managed(secret: frontdesk::secrets::CachedSecret) -> Self {
        Self::Managed(secret)
    }

    /// Constant-time comparison of hashes. `Err` only when the managed secret cannot be
    /// read (a 503: the operator retries).
    pub async fn matches(&self, presented: &str) -> frontdesk::Result<bool> {
        let p: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let expected: [u8; 32] = match self {
            Self::Fixed(hash) => *hash,
            Self::Managed(secret) => Sha256::digest(secret.get().await?.as_bytes()).into(),
        };
        Ok(p.ct_eq(&expected).into())
    }
}

impl std::fmt::Debug for OperatorSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OperatorSecret(..)")
    }
}

/// One token of the practice's bucket (after the key is verified, so nobody can spend
/// another practice's budget with a forged key).
async fn limit(deps: &Deps, practice: &PracticeId) -> ApiResult<()> {
    let Some(limiter) = &deps.limiter else {
        return Ok(());
    };
    match limiter.take(practice, deps.clock.now()).await? {
        frontdesk::rate_limit::Verdict::Allowed => Ok(()),
        frontdesk::rate_limit::Verdict::Limited { retry_after_secs } => {
            Err(ApiError::RateLimited(retry_after_secs))
        }
    }
}

/// Authenticates the practice API key and, in the same round trip, reads `extra` items of
/// that practice. A key for a practice that does not exist is simply unauthorised.
pub async fn authenticate(
    deps: &Deps,
    req: &Request,
    extra: Vec<Key>,
) -> ApiResult<(Practice, Fetched)> {
    if let Some(staff) = &req.staff {
        let mut keys = vec![Key::Practice];
        keys.extend(extra);
        let fetched = deps.store.get_many(&staff.practice_id, &keys).await?;
        let practice = fetched.practice().cloned().ok_or(ApiError::Unauthorized)?;
        return Ok((practice, fetched));
    }
    let token = req.bearer().ok_or(ApiError::Unauthorized)?;
    let practice_id = claimed_practice(token).ok_or(ApiError::Unauthorized)?;
    let mut keys = vec![Key::Practice];
    keys.extend(extra);
    let fetched = deps.store.get_many(&practice_id, &keys).await?;
    let practice = fetched.practice().cloned().ok_or(ApiError::Unauthorized)?;
    if !verify(&practice, token) {
        return Err(ApiError::Unauthorized);
    }
    limit(deps, &practice.practice_id).await?;
    Ok((practice, fetched))
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk::domain::PracticeSettings;

    fn practice_with(keys: Vec<ApiKeyRecord>) -> Practice {
        Practice {
            practice_id: PracticeId::parse("prc_1").unwrap(),
            settings: PracticeSettings::default(),
            sms_provider: Default::default(),
            api_keys: keys,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_minted_key_verifies_and_names_its_practice() {
        let id = PracticeId::parse("prc_1").unwrap();
        let k = mint(&id, Utc::now());
        assert_eq!(claimed_practice(&k.plaintext), Some(id));
        assert!(verify(&practice_with(vec![k.record.clone()]), &k.plaintext));
        assert!(
            !k.record.hash.contains(&k.plaintext),
            "only the hash is stored"
        );
    }

    #[test]
    fn a_tampered_or_foreign_key_does_not_verify() {
        let id = PracticeId::parse("prc_1").unwrap();
        let k = mint(&id, Utc::now());
        let other = mint(&id, Utc::now());
        let p = practice_with(vec![k.record]);
        assert!(!verify(&p, &other.plaintext));
        assert!(!verify(&p, &format!("{}x", other.plaintext)));
        assert!(!verify(&practice_with(vec![]), &other.plaintext));
    }

    #[test]
    fn malformed_keys_claim_no_practice() {
        for bad in [
            "",
            "fdk.",
            "fdk.prc_1",
            "fdk.prc_1.short",
            "xyz.prc_1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "fdk.bad#id.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(claimed_practice(bad).is_none(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn operator_secret_compares_by_value() {
        let s = OperatorSecret::new("local-operator-secret");
        assert!(s.matches("local-operator-secret").await.unwrap());
        assert!(!s.matches("local-operator-secreT").await.unwrap());
        assert!(!s.matches("").await.unwrap());
    }
}
