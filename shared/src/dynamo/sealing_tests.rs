use std::sync::Arc;

use chrono::{TimeZone, Utc};

use super::super::codec::{decode, expand, Action, Op};
use super::*;
use crate::domain::{Practice, PracticeId, PracticeSettings, ProviderSecrets, SmsProvider};
use crate::envelope::MemoryKeys;
use crate::ports::Write;
use crate::webhooks::{EventType, WebhookEndpoint};

const TOKEN: &str = "twilio-auth-token-0123456789abcdef";

fn practice(id: &str, secrets: ProviderSecrets) -> Practice {
    let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    Practice {
        practice_id: PracticeId::parse(id).unwrap(),
        settings: PracticeSettings {
            name: "Smile".into(),
            ..Default::default()
        },
        sms_provider: secrets,
        api_keys: vec![],
        created_at: t,
        updated_at: t,
    }
}

fn twilio() -> ProviderSecrets {
    ProviderSecrets {
        provider: Some(SmsProvider::Twilio),
        twilio_account_sid: Some("AC0123".into()),
        twilio_auth_token: Some(TOKEN.into()),
        vonage_signature_secret: Some("vonage-signature-secret".into()),
        ..Default::default()
    }
}

fn item_of(w: Write) -> (Attrs, &'static str) {
    let mut ops: Vec<Op> = vec![];
    expand(w, &mut ops).unwrap();
    match ops.remove(0) {
        Op {
            action: Action::Put(item),
            item_type,
            ..
        } => (item, item_type),
        other => panic!("not a put: {other:?}"),
    }
}

fn practice_item(p: &Practice) -> Attrs {
    item_of(Write::Practice {
        practice: Box::new(p.clone()),
        expect_absent: false,
    })
    .0
}

/// Every string and byte value anywhere in the item.
fn contains(item: &Attrs, needle: &[u8]) -> bool {
    fn walk(v: &AttributeValue, needle: &[u8]) -> bool {
        match v {
            AttributeValue::S(s) => s.as_bytes().windows(needle.len()).any(|w| w == needle),
            AttributeValue::B(b) => b.as_ref().windows(needle.len()).any(|w| w == needle),
            AttributeValue::L(l) => l.iter().any(|v| walk(v, needle)),
            AttributeValue::M(m) => m.values().any(|v| walk(v, needle)),
            _ => false,
        }
    }
    item.values().any(|v| walk(v, needle))
}

#[tokio::test]
async fn a_practice_item_carries_only_ciphertext_and_reads_back_the_same() {
    let keys = Arc::new(MemoryKeys::new());
    let env = Envelope::new(keys.clone());
    let p = practice("prc_1", twilio());
    let mut item = practice_item(&p);
    seal(&env, kind::PRACTICE, &mut item).await.unwrap();
    assert!(!contains(&item, TOKEN.as_bytes()));
    assert!(!contains(&item, b"vonage-signature-secret"));
    assert!(item.contains_key(SEALED));
    // Identifiers stay readable; the provider choice too (the governor reads it).
    assert!(contains(&item, b"AC0123"));
    assert!(contains(&item, b"twilio"));
    assert_eq!(keys.generated(), 1);

    let reader = Envelope::new(keys.clone());
    open(Some(&reader), &mut item).await.unwrap();
    assert!(!item.contains_key(SEALED));
    let back: Practice = decode(item, kind::PRACTICE).unwrap();
    assert_eq!(back, p);
}

#[tokio::test]
async fn nothing_secret_set_means_nothing_sealed_and_no_key_call() {
    let keys = Arc::new(MemoryKeys::new());
    let env = Envelope::new(keys.clone());
    let mut item = practice_item(&practice("prc_1", ProviderSecrets::default()));
    let before = item.clone();
    seal(&env, kind::PRACTICE, &mut item).await.unwrap();
    assert_eq!(keys.generated(), 0);
    // Only the NULLs of unset secrets are dropped; they read back as unset.
    assert!(!item.contains_key(SEALED));
    open(None, &mut item).await.unwrap();
    let a: Practice = decode(item, kind::PRACTICE).unwrap();
    let b: Practice = decode(before, kind::PRACTICE).unwrap();
    assert_eq!(a, b);
}

#[tokio::test]
async fn a_plaintext_item_from_before_sealing_still_reads() {
    let p = practice("prc_1", twilio());
    let mut item = practice_item(&p);
    let env = Envelope::new(Arc::new(MemoryKeys::new()));
    open(Some(&env), &mut item).await.unwrap();
    open(None, &mut item).await.unwrap();
    let back: Practice = decode(item, kind::PRACTICE).unwrap();
    assert_eq!(back, p);
}

#[tokio::test]
async fn a_sealed_item_without_a_key_configured_says_what_to_set() {
    let env = Envelope::new(Arc::new(MemoryKeys::new()));
    let mut item = practice_item(&practice("prc_1", twilio()));
    seal(&env, kind::PRACTICE, &mut item).await.unwrap();
    match open(None, &mut item).await {
        Err(Error::Config(m)) => assert!(m.contains("SECRETS_KEY_ID"), "{m}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[tokio::test]
async fn sealed_secrets_moved_to_another_practice_or_webhook_do_not_open() {
    let keys = Arc::new(MemoryKeys::new());
    let env = Envelope::new(keys.clone());
    let mut mine = practice_item(&practice("prc_1", twilio()));
    seal(&env, kind::PRACTICE, &mut mine).await.unwrap();
    let mut theirs = practice_item(&practice("prc_2", ProviderSecrets::default()));
    theirs.insert(SEALED.into(), mine[SEALED].clone());
    assert!(matches!(
        open(Some(&Envelope::new(keys.clone())), &mut theirs).await,
        Err(Error::Corrupt(_))
    ));

    let now = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let endpoint = |id: &str| {
        let mut e = WebhookEndpoint::new(
            PracticeId::parse("prc_1").unwrap(),
            "https://example.com/hook",
            vec![EventType::AppointmentConfirmed],
            false,
            now,
        )
        .unwrap();
        e.webhook_id = id.into();
        e.rotate(now);
        e
    };
    let (a, b) = (endpoint("wh_a"), endpoint("wh_b"));
    let write = |e: &WebhookEndpoint| Write::WebhookEndpoint {
        endpoint: Box::new(e.clone()),
        create: true,
    };
    let (mut item_a, ty) = item_of(write(&a));
    seal(&env, ty, &mut item_a).await.unwrap();
    assert!(!contains(&item_a, a.secret.reveal().as_bytes()));
    let old = a.previous_secret.as_ref().unwrap().0.reveal().to_string();
    assert!(!contains(&item_a, old.as_bytes()));
    let (mut item_b, _) = item_of(write(&b));
    seal(&env, ty, &mut item_b).await.unwrap();
    item_b.insert(SEALED.into(), item_a[SEALED].clone());
    assert!(matches!(
        open(Some(&env), &mut item_b).await,
        Err(Error::Corrupt(_))
    ));
    open(Some(&env), &mut item_a).await.unwrap();
    let back: WebhookEndpoint = decode(item_a, kind::WEBHOOK_ENDPOINT).unwrap();
    assert_eq!(back, a);
}
