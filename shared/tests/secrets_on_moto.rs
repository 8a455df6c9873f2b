//! The operator secret from Secrets Manager on moto (real SDK client): read once, served
//! from the cache while it is fresh (a rotation is not seen until the TTL lapses), read
//! again after it, and a missing secret is an error that names it, never a panic.

use std::time::Duration;

use frontdesk::secrets::CachedSecret;
use frontdesk::Error;
use local_stack::Moto;

#[tokio::test]
async fn a_secret_is_read_once_then_cached_for_its_ttl() {
    let moto = Moto::shared().await.expect("moto starts (make venv)");
    let client = aws_sdk_secretsmanager::Client::new(&moto.sdk_config());
    let name = format!("frontdesk-test-{}", ulid::Ulid::new());
    let created = client
        .create_secret()
        .name(&name)
        .secret_string("first-operator-secret")
        .send()
        .await
        .unwrap();
    let arn = created.arn().unwrap().to_string();

    let cached = CachedSecret::new(client.clone(), &arn, Duration::from_secs(300));
    assert_eq!(&*cached.get().await.unwrap(), "first-operator-secret");
    assert!(!format!("{cached:?}").contains("first-operator"));

    client
        .put_secret_value()
        .secret_id(&arn)
        .secret_string("rotated-operator-secret")
        .send()
        .await
        .unwrap();
    // Still within its lifetime: the cached value, no read.
    assert_eq!(&*cached.get().await.unwrap(), "first-operator-secret");
    // A container started after the rotation (or after the TTL) reads the new one.
    let fresh = CachedSecret::new(client.clone(), &arn, Duration::ZERO);
    assert_eq!(&*fresh.get().await.unwrap(), "rotated-operator-secret");
    assert_eq!(&*fresh.get().await.unwrap(), "rotated-operator-secret");
}

#[tokio::test]
async fn a_missing_secret_is_an_unavailable_key_naming_it() {
    let moto = Moto::shared().await.expect("moto starts (make venv)");
    let client = aws_sdk_secretsmanager::Client::new(&moto.sdk_config());
    let missing = CachedSecret::new(client, "frontdesk-test-missing", Duration::from_secs(60));
    match missing.get().await {
        Err(Error::KeyUnavailable(m)) => assert!(m.contains("frontdesk-test-missing"), "{m}"),
        other => panic!("expected KeyUnavailable, got {other:?}"),
    }
}
