//! The routing sender against the fake providers: each practice's SMS leaves through the
//! provider that owns its number, with that provider's real request shape and auth; AWS
//! practices still go through SNS; throttling is retried and sent once; permanent errors
//! are not retried.

use std::sync::Arc;
use std::time::Duration;

use fake_providers::{Accounts, FakeProviders, Fault, Provider};
use frontdesk::config::ProviderUrls;
use frontdesk::domain::{
    PhoneNumber, Practice, PracticeId, PracticeSettings, ProviderSecrets, SmsProvider,
};
use frontdesk::ports::{Sms, SmsSender, Store, Write};
use frontdesk::providers::{ProviderSms, RetryPolicy};
use frontdesk::testing::{MemoryStore, RecordingSms};
use frontdesk::Error;

const TWILIO_SID: &str = "AC00000000000000000000000000000001";
const TWILIO_TOKEN: &str = "twilio-token-1";
const TELNYX_KEY: &str = "KEY0123456789_telnyx";
const VONAGE_KEY: &str = "vkey1";
const VONAGE_SECRET: &str = "vsecret1";

fn accounts() -> Accounts {
    Accounts {
        twilio: vec![(TWILIO_SID.into(), TWILIO_TOKEN.into())],
        telnyx: vec![TELNYX_KEY.into()],
        vonage: vec![(VONAGE_KEY.into(), VONAGE_SECRET.into())],
        auto_status: false,
    }
}

fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse_e164(s).unwrap()
}

fn practice(id: &str, number: &str, secrets: ProviderSecrets) -> Practice {
    let now = chrono::Utc::now();
    Practice {
        practice_id: PracticeId::parse(id).unwrap(),
        settings: PracticeSettings {
            name: format!("Practice {id}"),
            sms_number: Some(phone(number)),
            ..Default::default()
        },
        sms_provider: secrets,
        api_keys: vec![],
        created_at: now,
        updated_at: now,
    }
}

fn twilio_secrets(token: &str) -> ProviderSecrets {
    ProviderSecrets {
        provider: Some(SmsProvider::Twilio),
        twilio_account_sid: Some(TWILIO_SID.into()),
        twilio_auth_token: Some(token.into()),
        ..Default::default()
    }
}

struct World {
    fake: FakeProviders,
    sns: Arc<RecordingSms>,
    sms: ProviderSms,
}

async fn world() -> World {
    let fake = FakeProviders::start(accounts()).await.unwrap();
    let store = Arc::new(MemoryStore::new());
    let practices = [
        practice("prc_aws", "+12125550100", ProviderSecrets::default()),
        practice("prc_twilio", "+12125550101", twilio_secrets(TWILIO_TOKEN)),
        practice(
            "prc_twilio_bad",
            "+12125550105",
            twilio_secrets("wrong-token"),
        ),
        practice(
            "prc_telnyx",
            "+12125550102",
            ProviderSecrets {
                provider: Some(SmsProvider::Telnyx),
                telnyx_api_key: Some(TELNYX_KEY.into()),
                telnyx_messaging_profile_id: Some("mp-1".into()),
                ..Default::default()
            },
        ),
        practice(
            "prc_vonage",
            "+12125550103",
            ProviderSecrets {
                provider: Some(SmsProvider::Vonage),
                vonage_api_key: Some(VONAGE_KEY.into()),
                vonage_api_secret: Some(VONAGE_SECRET.into()),
                ..Default::default()
            },
        ),
    ];
    let writes = practices
        .into_iter()
        .map(|p| Write::Practice {
            practice: Box::new(p),
            expect_absent: true,
        })
        .collect();
    store.write(writes).await.unwrap();
    let sns = Arc::new(RecordingSms::default());
    let sms = ProviderSms::new(
        store,
        sns.clone(),
        ProviderUrls::all_at(&fake.base_url()),
        Some("https://frontdesk.example".into()),
    )
    .with_policy(RetryPolicy {
        max_attempts: 3,
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
        max_wait: Duration::from_secs(2),
    });
    World { fake, sns, sms }
}

fn sms(practice: &str, from: &str) -> Sms {
    Sms {
        practice_id: PracticeId::parse(practice).unwrap(),
        from: Some(phone(from)),
        to: phone("+12125550199"),
        body: "Reminder: cleaning tomorrow at 9:00.".into(),
    }
}

#[tokio::test]
async fn each_practice_sends_from_its_number_through_its_own_provider() {
    let w = world().await;

    let id = w
        .sms
        .send_sms(&sms("prc_twilio", "+12125550101"))
        .await
        .unwrap();
    let t = w.fake.requests_to(Provider::Twilio);
    assert_eq!(t.len(), 1);
    assert_eq!(
        t[0].path,
        format!("/2010-04-01/Accounts/{TWILIO_SID}/Messages.json")
    );
    assert!(t[0].authenticated);
    assert_eq!(t[0].credential.as_deref(), Some(TWILIO_SID));
    assert_eq!(t[0].field("From"), Some("+12125550101"));
    assert_eq!(t[0].field("To"), Some("+12125550199"));
    assert_eq!(
        t[0].field("Body"),
        Some("Reminder: cleaning tomorrow at 9:00.")
    );
    assert_eq!(
        t[0].field("StatusCallback"),
        Some("https://frontdesk.example/webhooks/sms-status/twilio/prc_twilio")
    );
    assert_eq!(t[0].message_id.as_deref(), Some(id.as_str()));
    assert!(id.starts_with("SM"));

    let id = w
        .sms
        .send_sms(&sms("prc_telnyx", "+12125550102"))
        .await
        .unwrap();
    let t = w.fake.requests_to(Provider::Telnyx);
    assert_eq!(t.len(), 1);
    assert!(t[0].authenticated);
    assert_eq!(t[0].field("from"), Some("+12125550102"));
    assert_eq!(t[0].field("to"), Some("+12125550199"));
    assert_eq!(t[0].field("messaging_profile_id"), Some("mp-1"));
    assert_eq!(
        t[0].field("webhook_url"),
        Some("https://frontdesk.example/webhooks/sms-status/telnyx/prc_telnyx")
    );
    assert_eq!(t[0].message_id.as_deref(), Some(id.as_str()));

    let id = w
        .sms
        .send_sms(&sms("prc_vonage", "+12125550103"))
        .await
        .unwrap();
    let t = w.fake.requests_to(Provider::Vonage);
    assert_eq!(t.len(), 1);
    assert!(t[0].authenticated);
    assert_eq!(t[0].credential.as_deref(), Some(VONAGE_KEY));
    assert_eq!(t[0].field("from"), Some("12125550103"));
    assert_eq!(t[0].field("to"), Some("12125550199"));
    assert_eq!(t[0].field("status-report-req"), Some("1"));
    assert_eq!(
        t[0].field("api_secret"),
        None,
        "the fake never records secrets"
    );
    assert_eq!(t[0].message_id.as_deref(), Some(id.as_str()));

    // The AWS practice goes through SNS, and no provider hears of it.
    w.sms
        .send_sms(&sms("prc_aws", "+12125550100"))
        .await
        .unwrap();
    assert_eq!(w.sns.sent().len(), 1);
    assert_eq!(w.sns.sent()[0].from, Some(phone("+12125550100")));
    assert_eq!(w.fake.requests().len(), 3);
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_and_sent_exactly_once() {
    let w = world().await;
    w.fake
        .inject(Provider::Twilio, 1, Fault::Throttle { retry_after: 1 });
    let started = std::time::Instant::now();
    let id = w
        .sms
        .send_sms(&sms("prc_twilio", "+12125550101"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    let t = w.fake.requests_to(Provider::Twilio);
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].status, 429);
    let sent: Vec<_> = t.iter().filter_map(|r| r.message_id.clone()).collect();
    assert_eq!(sent, vec![id]);

    w.fake
        .inject(Provider::Telnyx, 1, Fault::Throttle { retry_after: 0 });
    w.sms
        .send_sms(&sms("prc_telnyx", "+12125550102"))
        .await
        .unwrap();
    let t = w.fake.requests_to(Provider::Telnyx);
    assert_eq!(t.iter().filter(|r| r.message_id.is_some()).count(), 1);
}

#[tokio::test]
async fn permanent_errors_are_never_retried_and_never_go_another_way() {
    let w = world().await;
    let cases = [
        (
            Provider::Twilio,
            "prc_twilio",
            "+12125550101",
            400,
            "21610",
            "twilio:opted_out",
        ),
        (
            Provider::Twilio,
            "prc_twilio",
            "+12125550101",
            400,
            "21614",
            "twilio:not_mobile",
        ),
        (
            Provider::Telnyx,
            "prc_telnyx",
            "+12125550102",
            400,
            "40300",
            "telnyx:opted_out",
        ),
        (
            Provider::Vonage,
            "prc_vonage",
            "+12125550103",
            200,
            "29",
            "vonage:barred",
        ),
    ];
    for (provider, practice, from, status, code, reason) in cases {
        let before = w.fake.requests_to(provider).len();
        w.fake.inject(
            provider,
            1,
            Fault::Fail {
                status,
                code: code.into(),
            },
        );
        let err = w.sms.send_sms(&sms(practice, from)).await.unwrap_err();
        assert!(
            matches!(err, Error::SendRejected(ref m) if m.starts_with(reason) && m.contains(code)),
            "{code}: {err:?}"
        );
        assert_eq!(
            w.fake.requests_to(provider).len(),
            before + 1,
            "{code}: one attempt"
        );
    }
    assert!(w.sns.sent().is_empty(), "never another channel");
}

#[tokio::test]
async fn wrong_credentials_get_the_providers_401_and_no_retry() {
    let w = world().await;
    let err = w
        .sms
        .send_sms(&sms("prc_twilio_bad", "+12125550105"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::SendRejected(ref m) if m.starts_with("twilio:bad_credentials") && m.contains("20003")),
        "{err:?}"
    );
    assert!(!err.to_string().contains("wrong-token"));
    let t = w.fake.requests_to(Provider::Twilio);
    assert_eq!((t.len(), t[0].status, t[0].authenticated), (1, 401, false));
}

#[tokio::test]
async fn server_errors_are_retried_within_the_bound_then_unavailable() {
    let w = world().await;
    w.fake.inject(
        Provider::Telnyx,
        5,
        Fault::Fail {
            status: 503,
            code: "10007".into(),
        },
    );
    let err = w
        .sms
        .send_sms(&sms("prc_telnyx", "+12125550102"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SendUnavailable(_)), "{err:?}");
    assert_eq!(w.fake.requests_to(Provider::Telnyx).len(), 3);
}
