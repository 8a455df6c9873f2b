//! Sealed secrets in the table, on moto (DynamoDB and KMS, real SDK clients): a practice's
//! provider credentials and a webhook's signing secrets are stored only as ciphertext
//! (the raw item does not contain their bytes), read back whole, items written before
//! sealing still read and are sealed on their next write, and with KMS unreachable a write
//! fails as `KeyUnavailable` leaving the stored item as it was.

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{TimeZone, Utc};
use frontdesk::domain::{Practice, PracticeId, PracticeSettings, ProviderSecrets, SmsProvider};
use frontdesk::dynamo::DynamoStore;
use frontdesk::envelope::{Envelope, KmsKeys};
use frontdesk::ports::{Key, Store, Write};
use frontdesk::webhooks::{EventType, WebhookEndpoint};
use frontdesk::{keys, Error};
use local_stack::Moto;

const TOKEN: &str = "twilio-auth-token-5f1e2d3c4b5a69788796a5b4";
const TELNYX_KEY: &str = "KEY0123456789telnyx-api-key";

struct Rig {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    kms: aws_sdk_kms::Client,
    dead_kms: aws_sdk_kms::Client,
    key: String,
}

impl Rig {
    async fn new() -> Self {
        let moto = Moto::shared().await.expect("moto starts (make venv)");
        let config = moto.sdk_config();
        let dead = config
            .to_builder()
            .endpoint_url("http://127.0.0.1:9")
            .build();
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            table: moto.fresh_table().await.expect("a table"),
            kms: aws_sdk_kms::Client::new(&config),
            dead_kms: aws_sdk_kms::Client::new(&dead),
            key: local_stack::secrets_key(&config).await.expect("a KMS key"),
        }
    }

    fn store(&self, kms: Option<&aws_sdk_kms::Client>) -> DynamoStore {
        let store = DynamoStore::new(self.dynamodb.clone(), self.table.clone());
        match kms {
            Some(kms) => store.with_envelope(Arc::new(Envelope::new(Arc::new(KmsKeys::new(
                kms.clone(),
                self.key.clone(),
            ))))),
            None => store,
        }
    }

    async fn raw(
        &self,
        p: &PracticeId,
        sk: &str,
    ) -> std::collections::HashMap<String, AttributeValue> {
        self.dynamodb
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, AttributeValue::S(keys::practice_pk(p)))
            .key(keys::SK, AttributeValue::S(sk.to_string()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
            .expect("the item is stored")
    }
}

/// Whether any string or binary value in the raw item contains `needle`.
fn contains(item: &std::collections::HashMap<String, AttributeValue>, needle: &str) -> bool {
    fn walk(v: &AttributeValue, n: &[u8]) -> bool {
        match v {
            AttributeValue::S(s) => s.as_bytes().windows(n.len()).any(|w| w == n),
            AttributeValue::B(b) => b.as_ref().windows(n.len()).any(|w| w == n),
            AttributeValue::L(l) => l.iter().any(|v| walk(v, n)),
            AttributeValue::M(m) => m.values().any(|v| walk(v, n)),
            _ => false,
        }
    }
    item.values().any(|v| walk(v, needle.as_bytes()))
}

fn practice(id: &str) -> Practice {
    let t = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
    Practice {
        practice_id: PracticeId::parse(id).unwrap(),
        settings: PracticeSettings {
            name: "Smile".into(),
            ..Default::default()
        },
        sms_provider: ProviderSecrets {
            provider: Some(SmsProvider::Twilio),
            twilio_account_sid: Some("AC00000000000000000000000000000001".into()),
            twilio_auth_token: Some(TOKEN.into()),
            telnyx_api_key: Some(TELNYX_KEY.into()),
            ..Default::default()
        },
        api_keys: vec![],
        created_at: t,
        updated_at: t,
    }
}

fn put(p: &Practice) -> Vec<Write> {
    vec![Write::Practice {
        practice: Box::new(p.clone()),
        expect_absent: false,
    }]
}

async fn read(store: &DynamoStore, p: &PracticeId) -> Result<Practice, Error> {
    store
        .get_many(p, &[Key::Practice])
        .await?
        .practice()
        .cloned()
        .ok_or_else(|| Error::Storage("no practice".into()))
}

#[tokio::test]
async fn provider_credentials_are_stored_only_as_ciphertext_and_read_back_whole() {
    let rig = Rig::new().await;
    let store = rig.store(Some(&rig.kms));
    let p = practice("prc_sealed");
    store.write(put(&p)).await.unwrap();

    let raw = rig.raw(&p.practice_id, keys::PRACTICE_SK).await;
    assert!(!contains(&raw, TOKEN), "the auth token is not in the item");
    assert!(
        !contains(&raw, TELNYX_KEY),
        "the API key is not in the item"
    );
    let sealed = raw["sealed"].as_m().expect("a sealed map");
    for field in ["v", "key_id", "edk", "nonce", "ct"] {
        assert!(sealed.contains_key(field), "sealed.{field}");
    }
    assert_eq!(sealed["key_id"].as_s().unwrap(), &rig.key);

    // Another container (a fresh store and cache) reads it back whole.
    assert_eq!(
        read(&rig.store(Some(&rig.kms)), &p.practice_id)
            .await
            .unwrap(),
        p
    );
    // A store with no key says what to set; it never returns ciphertext as a secret.
    match read(&rig.store(None), &p.practice_id).await {
        Err(Error::Config(m)) => assert!(m.contains("SECRETS_KEY_ID"), "{m}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_plaintext_item_from_before_still_reads_and_is_sealed_on_its_next_write() {
    let rig = Rig::new().await;
    let p = practice("prc_legacy");
    rig.store(None).write(put(&p)).await.unwrap();
    assert!(contains(
        &rig.raw(&p.practice_id, keys::PRACTICE_SK).await,
        TOKEN
    ));

    let store = rig.store(Some(&rig.kms));
    let mut read_back = read(&store, &p.practice_id).await.unwrap();
    assert_eq!(read_back, p);
    read_back.settings.name = "Smile Dental".into();
    store.write(put(&read_back)).await.unwrap();
    let raw = rig.raw(&p.practice_id, keys::PRACTICE_SK).await;
    assert!(!contains(&raw, TOKEN) && raw.contains_key("sealed"));
    assert_eq!(read(&store, &p.practice_id).await.unwrap(), read_back);
}

#[tokio::test]
async fn with_kms_unreachable_a_write_fails_clearly_and_the_stored_item_is_kept() {
    let rig = Rig::new().await;
    let p = practice("prc_kms_down");
    rig.store(Some(&rig.kms)).write(put(&p)).await.unwrap();
    let before = rig.raw(&p.practice_id, keys::PRACTICE_SK).await;

    let down = rig.store(Some(&rig.dead_kms));
    let mut changed = p.clone();
    changed.sms_provider.twilio_auth_token = Some("a-new-token-that-must-not-be-lost".into());
    match down.write(put(&changed)).await {
        Err(Error::KeyUnavailable(m)) => {
            assert!(m.contains("GenerateDataKey") && m.contains("retry"), "{m}");
            assert!(
                !m.contains("a-new-token"),
                "the message carries no secret: {m}"
            );
        }
        other => panic!("expected KeyUnavailable, got {other:?}"),
    }
    assert_eq!(rig.raw(&p.practice_id, keys::PRACTICE_SK).await, before);
    match read(&down, &p.practice_id).await {
        Err(Error::KeyUnavailable(m)) => assert!(m.contains("Decrypt"), "{m}"),
        other => panic!("expected KeyUnavailable, got {other:?}"),
    }
    // KMS back: the stored secrets are all there.
    assert_eq!(
        read(&rig.store(Some(&rig.kms)), &p.practice_id)
            .await
            .unwrap(),
        p
    );
}

#[tokio::test]
async fn webhook_signing_secrets_are_sealed_per_subscription() {
    let rig = Rig::new().await;
    let store = rig.store(Some(&rig.kms));
    let pid = PracticeId::parse("prc_hooks").unwrap();
    let now = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
    let mut e = WebhookEndpoint::new(
        pid.clone(),
        "https://example.com/hook",
        vec![EventType::AppointmentConfirmed],
        false,
        now,
    )
    .unwrap();
    e.rotate(now);
    store
        .write(vec![Write::WebhookEndpoint {
            endpoint: Box::new(e.clone()),
            create: true,
        }])
        .await
        .unwrap();
    let raw = rig.raw(&pid, &keys::webhook_sk(&e.webhook_id)).await;
    assert!(!contains(&raw, e.secret.reveal()));
    let old = e.previous_secret.as_ref().unwrap().0.reveal().to_string();
    assert!(!contains(&raw, &old));
    let back = rig
        .store(Some(&rig.kms))
        .webhook_endpoints(&pid)
        .await
        .unwrap();
    assert_eq!(back, vec![e]);
}
