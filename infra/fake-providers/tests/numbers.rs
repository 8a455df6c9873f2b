//! One contract for "does the provider account hold this number?": the real adapter
//! (`ProviderNumberApi`, each provider's list request and auth) against the fake providers'
//! number lists, and the in-memory `FakeNumbers` the handler tests use, give the same
//! answers: a held number is owned, another is not, refused credentials are told apart.

use std::sync::Arc;

use fake_providers::{Accounts, FakeProviders, Provider};
use frontdesk::config::ProviderUrls;
use frontdesk::domain::{
    PhoneNumber, Practice, PracticeId, PracticeSettings, ProviderSecrets, SmsProvider,
};
use frontdesk::ports::{NumberCheck, ProviderNumbers};
use frontdesk::providers::ProviderNumberApi;
use frontdesk::testing::FakeNumbers;

const SID: &str = "AC00000000000000000000000000000042";
const TOKEN: &str = "twilio-token-42";
const TELNYX: &str = "KEY42_telnyx";
const VKEY: &str = "vkey42";
const VSECRET: &str = "vsecret42";
const HELD: &str = "+13129870777";
const OTHER: &str = "+13129870778";

fn practice(secrets: ProviderSecrets) -> Practice {
    let now = chrono::Utc::now();
    Practice {
        practice_id: PracticeId::parse("prc_numbers").unwrap(),
        settings: PracticeSettings {
            name: "Numbers Dental".into(),
            ..Default::default()
        },
        sms_provider: secrets,
        api_keys: vec![],
        created_at: now,
        updated_at: now,
    }
}

/// Each provider's practice with good credentials, and with refused ones.
fn practices() -> Vec<(Practice, Practice)> {
    let twilio = |token: &str| ProviderSecrets {
        provider: Some(SmsProvider::Twilio),
        twilio_account_sid: Some(SID.into()),
        twilio_auth_token: Some(token.into()),
        ..Default::default()
    };
    let telnyx = |key: &str| ProviderSecrets {
        provider: Some(SmsProvider::Telnyx),
        telnyx_api_key: Some(key.into()),
        ..Default::default()
    };
    let vonage = |key: &str| ProviderSecrets {
        provider: Some(SmsProvider::Vonage),
        vonage_api_key: Some(key.into()),
        vonage_api_secret: Some(VSECRET.into()),
        ..Default::default()
    };
    vec![
        (practice(twilio(TOKEN)), practice(twilio("wrong-token"))),
        (practice(telnyx(TELNYX)), practice(telnyx("KEY_wrong"))),
        (practice(vonage(VKEY)), practice(vonage("vwrong"))),
    ]
}

async fn contract(numbers: &dyn ProviderNumbers) {
    let held = PhoneNumber::parse_e164(HELD).unwrap();
    let other = PhoneNumber::parse_e164(OTHER).unwrap();
    for (good, bad) in practices() {
        let provider = good.sms_provider.provider;
        assert_eq!(
            numbers.check(&good, &held).await.unwrap(),
            NumberCheck::Owned,
            "{provider:?}"
        );
        assert_eq!(
            numbers.check(&good, &other).await.unwrap(),
            NumberCheck::NotOwned,
            "{provider:?}"
        );
        assert_eq!(
            numbers.check(&bad, &held).await.unwrap(),
            NumberCheck::BadCredentials,
            "{provider:?}"
        );
    }
    // An AWS practice's number is owned through its number route; no provider is asked.
    let aws = practice(ProviderSecrets::default());
    assert_eq!(
        numbers.check(&aws, &other).await.unwrap(),
        NumberCheck::Owned
    );
}

#[tokio::test]
async fn the_real_adapter_reads_each_providers_number_list() {
    let accounts = Accounts {
        twilio: vec![(SID.into(), TOKEN.into())],
        telnyx: vec![TELNYX.into()],
        vonage: vec![(VKEY.into(), VSECRET.into())],
        numbers: vec![
            (Provider::Twilio, SID.into(), HELD.into()),
            (Provider::Telnyx, TELNYX.into(), HELD.into()),
            (Provider::Vonage, VKEY.into(), HELD.into()),
        ],
        fictional_numbers: false,
        auto_status: false,
    };
    let fake = FakeProviders::start(accounts).await.unwrap();
    let api = ProviderNumberApi::new(ProviderUrls::all_at(&fake.base_url()));
    contract(&api).await;
}

#[tokio::test]
async fn the_in_memory_fake_answers_the_same() {
    let fake = Arc::new(FakeNumbers::default());
    fake.not_owned.lock().unwrap().push(OTHER.into());
    fake.refused.lock().unwrap().extend([
        "wrong-token".to_string(),
        "KEY_wrong".into(),
        "vwrong".into(),
    ]);
    contract(fake.as_ref()).await;
}

#[tokio::test]
async fn the_demo_accounts_hold_every_fictional_number() {
    let fake = FakeProviders::start(Accounts::demo()).await.unwrap();
    let api = ProviderNumberApi::new(ProviderUrls::all_at(&fake.base_url()));
    let demo = practice(ProviderSecrets {
        provider: Some(SmsProvider::Twilio),
        twilio_account_sid: Some(fake_providers::DEMO_TWILIO_SID.into()),
        twilio_auth_token: Some(fake_providers::DEMO_TWILIO_TOKEN.into()),
        ..Default::default()
    });
    let fictional = PhoneNumber::parse_e164("+13125550142").unwrap();
    let real_looking = PhoneNumber::parse_e164("+13129871234").unwrap();
    assert_eq!(
        api.check(&demo, &fictional).await.unwrap(),
        NumberCheck::Owned
    );
    assert_eq!(
        api.check(&demo, &real_looking).await.unwrap(),
        NumberCheck::NotOwned
    );
}
