//! One contract for the envelope's key service, run against both implementations: the
//! in-memory `MemoryKeys` (what unit tests use) and `KmsKeys` on moto's KMS (real SDK
//! client). Both seal and open, refuse another practice's or purpose's context and an
//! altered value as `Error::Corrupt`, and fail as `Error::KeyUnavailable` when the master
//! key cannot be reached, saying what to do.

use std::sync::Arc;
use std::time::Duration;

use frontdesk::envelope::{Context, Envelope, KeyService, KmsKeys, MemoryKeys, DATA_KEY_BYTES};
use frontdesk::Error;
use local_stack::Moto;

/// A key service that works and one that cannot reach its master key.
struct Subject {
    name: &'static str,
    up: Arc<dyn KeyService>,
    down: Arc<dyn KeyService>,
}

fn memory() -> Subject {
    let down = MemoryKeys::new();
    down.set_available(false);
    Subject {
        name: "memory",
        up: Arc::new(MemoryKeys::new()),
        down: Arc::new(down),
    }
}

async fn kms() -> Subject {
    let moto = Moto::shared().await.expect("moto starts (make venv)");
    let config = moto.sdk_config();
    let key = local_stack::secrets_key(&config)
        .await
        .expect("a KMS key in moto");
    // Nothing listens on port 9 of loopback: every call fails to connect.
    let dead = config
        .to_builder()
        .endpoint_url("http://127.0.0.1:9")
        .build();
    Subject {
        name: "kms",
        up: Arc::new(KmsKeys::new(aws_sdk_kms::Client::new(&config), key.clone())),
        down: Arc::new(KmsKeys::new(aws_sdk_kms::Client::new(&dead), key)),
    }
}

async fn subjects() -> Vec<Subject> {
    vec![memory(), kms().await]
}

fn ctx(practice: &str, purpose: &str) -> Context {
    Context::new(practice, purpose)
}

#[tokio::test]
async fn data_keys_are_aes_256_and_bound_to_their_context() {
    for s in subjects().await {
        let key = s.up.generate(&ctx("prc_a", "sms_provider")).await.unwrap();
        assert_eq!(key.plaintext.len(), DATA_KEY_BYTES, "{}", s.name);
        assert!(
            !key.wrapped.is_empty() && !key.key_id.is_empty(),
            "{}",
            s.name
        );
        assert!(
            !key.wrapped
                .windows(DATA_KEY_BYTES)
                .any(|w| w == key.plaintext.as_slice()),
            "{}: the wrapped key does not carry the plaintext",
            s.name
        );
        let back =
            s.up.unwrap(&key.wrapped, &ctx("prc_a", "sms_provider"))
                .await
                .unwrap();
        assert_eq!(back.as_slice(), key.plaintext.as_slice(), "{}", s.name);
        for wrong in [ctx("prc_b", "sms_provider"), ctx("prc_a", "webhook:wh_1")] {
            match s.up.unwrap(&key.wrapped, &wrong).await {
                Err(Error::Corrupt(m)) => assert!(m.contains("could not be opened"), "{m}"),
                other => panic!("{}: expected Corrupt, got {other:?}", s.name),
            }
        }
        let mut altered = key.wrapped.clone();
        if let Some(last) = altered.last_mut() {
            *last ^= 1;
        }
        assert!(
            matches!(
                s.up.unwrap(&altered, &ctx("prc_a", "sms_provider")).await,
                Err(Error::Corrupt(_))
            ),
            "{}",
            s.name
        );
    }
}

#[tokio::test]
async fn an_envelope_seals_and_opens_the_same_over_either_key_service() {
    for s in subjects().await {
        // No cache: every open goes to the key service under test.
        let env = Envelope::with_ttl(s.up.clone(), Duration::ZERO);
        let c = ctx("prc_a", "sms_provider");
        let sealed = env
            .seal(b"{\"twilio_auth_token\":\"tok\"}", &c)
            .await
            .unwrap();
        assert_eq!(
            env.open(&sealed, &c).await.unwrap().as_slice(),
            b"{\"twilio_auth_token\":\"tok\"}",
            "{}",
            s.name
        );
        assert!(
            matches!(
                env.open(&sealed, &ctx("prc_b", "sms_provider")).await,
                Err(Error::Corrupt(_))
            ),
            "{}: another practice's context does not decrypt",
            s.name
        );
    }
}

#[tokio::test]
async fn an_unreachable_master_key_is_key_unavailable_saying_what_to_do() {
    for s in subjects().await {
        let c = ctx("prc_a", "sms_provider");
        let wrapped = s.up.generate(&c).await.unwrap().wrapped;
        for result in [
            s.down.generate(&c).await.map(|_| ()),
            s.down.unwrap(&wrapped, &c).await.map(|_| ()),
        ] {
            match result {
                Err(Error::KeyUnavailable(m)) => {
                    assert!(m.contains("retry"), "{}: {m}", s.name);
                    assert!(m.contains("nothing was changed"), "{}: {m}", s.name);
                }
                other => panic!("{}: expected KeyUnavailable, got {other:?}", s.name),
            }
        }
    }
}
