use std::sync::Arc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::cache::KeyCache;
use super::*;

fn ctx(practice: &str) -> Context {
    Context::new(practice, "sms_provider")
}

#[tokio::test]
async fn a_sealed_value_opens_only_under_its_own_context() {
    let keys = Arc::new(MemoryKeys::new());
    let env = Envelope::new(keys.clone());
    let sealed = env.seal(b"twilio-auth-token", &ctx("p1")).await.unwrap();
    assert_eq!(sealed.version, SEALED_VERSION);
    assert_eq!(sealed.nonce.len(), 12);
    assert!(!sealed
        .ciphertext
        .windows(8)
        .any(|w| w == b"twilio-a".as_slice()));
    assert_eq!(
        env.open(&sealed, &ctx("p1")).await.unwrap().as_slice(),
        b"twilio-auth-token"
    );
    for other in [ctx("p2"), Context::new("p1", "webhook:wh_1")] {
        let fresh = Envelope::new(keys.clone());
        assert!(matches!(
            fresh.open(&sealed, &other).await,
            Err(Error::Corrupt(_))
        ));
        // A cached data key does not open another context's value either (AAD).
        assert!(matches!(
            env.open(&sealed, &other).await,
            Err(Error::Corrupt(_))
        ));
    }
    let mut altered = sealed.clone();
    altered.ciphertext[0] ^= 1;
    assert!(matches!(
        env.open(&altered, &ctx("p1")).await,
        Err(Error::Corrupt(_))
    ));
    assert!(!format!("{sealed:?}").contains("twilio"));
}

#[tokio::test]
async fn data_keys_are_cached_so_a_burst_is_one_key_service_call() {
    let keys = Arc::new(MemoryKeys::new());
    let writer = Envelope::new(keys.clone());
    let sealed = writer.seal(b"secret", &ctx("p1")).await.unwrap();
    assert_eq!((keys.generated(), keys.unwrapped()), (1, 0));
    // The writer read its own value back: the data key was kept.
    writer.open(&sealed, &ctx("p1")).await.unwrap();
    assert_eq!(keys.unwrapped(), 0);
    // Another container: one unwrap for a burst of 20 opens.
    let reader = Envelope::new(keys.clone());
    for _ in 0..20 {
        reader.open(&sealed, &ctx("p1")).await.unwrap();
    }
    assert_eq!(keys.unwrapped(), 1);
    // No cache: every open asks.
    let uncached = Envelope::with_ttl(keys.clone(), Duration::ZERO);
    uncached.open(&sealed, &ctx("p1")).await.unwrap();
    uncached.open(&sealed, &ctx("p1")).await.unwrap();
    assert_eq!(keys.unwrapped(), 3);
}

#[tokio::test]
async fn an_unavailable_key_service_fails_clearly_and_a_cached_key_still_opens() {
    let keys = Arc::new(MemoryKeys::new());
    let env = Envelope::new(keys.clone());
    let sealed = env.seal(b"secret", &ctx("p1")).await.unwrap();
    keys.set_available(false);
    assert!(matches!(
        env.seal(b"other", &ctx("p1")).await,
        Err(Error::KeyUnavailable(_))
    ));
    assert_eq!(
        env.open(&sealed, &ctx("p1")).await.unwrap().as_slice(),
        b"secret"
    );
    let fresh = Envelope::new(keys.clone());
    assert!(matches!(
        fresh.open(&sealed, &ctx("p1")).await,
        Err(Error::KeyUnavailable(_))
    ));
}

#[test]
fn the_cache_forgets_keys_after_their_lifetime_and_stays_bounded() {
    let ttl = Duration::from_secs(300);
    let t0 = Instant::now();
    let key = || Zeroizing::new(vec![7u8; 32]);
    let mut cache = KeyCache::new(3);
    cache.put(&ctx("p1"), b"w1", key(), t0, ttl);
    assert!(cache
        .get(&ctx("p1"), b"w1", t0 + Duration::from_secs(299), ttl)
        .is_some());
    assert!(
        cache.get(&ctx("p2"), b"w1", t0, ttl).is_none(),
        "keyed by context too"
    );
    assert!(cache.get(&ctx("p1"), b"w1", t0 + ttl, ttl).is_none());
    assert_eq!(cache.len(), 0, "an expired key is dropped when found");

    for (i, w) in [b"a", b"b", b"c", b"d"].iter().enumerate() {
        cache.put(
            &ctx("p1"),
            *w,
            key(),
            t0 + Duration::from_secs(i as u64),
            ttl,
        );
    }
    assert_eq!(cache.len(), 3);
    assert!(
        cache
            .get(&ctx("p1"), b"a", t0 + Duration::from_secs(5), ttl)
            .is_none(),
        "oldest out"
    );
    assert!(cache
        .get(&ctx("p1"), b"d", t0 + Duration::from_secs(5), ttl)
        .is_some());
}

#[test]
fn the_context_is_unambiguous() {
    // "a;b" + "c" and "a" + "b;c" must not give the same additional data.
    assert_ne!(
        Context::new("a;b", "c").aad(),
        Context::new("a", "b;c").aad()
    );
    assert_eq!(
        Context::new("p1", "sms_provider").pairs(),
        [("practice_id", "p1"), ("purpose", "sms_provider")]
    );
}
