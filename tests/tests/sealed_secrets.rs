//! Per-practice secrets sealed with KMS, end to end (the local gateway seals them under a
//! key in moto, as deployed): provider credentials written through `PATCH /v1/practice` and
//! a webhook's signing secret are in no table item and in no API response or log line,
//! yet the provider's signed inbound text still verifies; with KMS down a change fails as a
//! 503 (retry; the logged cause names KMS and the runbook), and the stored credentials are kept.

use std::sync::{Arc, Mutex, OnceLock};

use e2e_tests::{faults::FaultProxy, spawn_app, spawn_app_on, TestApp};
use serde_json::json;

const NUMBER: &str = "+13125550401";
/// A new webhook-signing secret set while KMS is down (the Twilio credentials stay, so the
/// number's ownership check passes and the write reaches the store).
const ROTATED: &str = "a-rotated-vonage-signature-secret";

/// Every log line of this test binary, at debug level and above.
fn logs() -> &'static Mutex<Vec<u8>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .try_init();
        buf
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logged(needle: &str) -> bool {
    let logs = logs().lock().map(|l| l.clone()).unwrap_or_default();
    String::from_utf8_lossy(&logs).contains(needle)
}

/// Every item of the test's table, as text (strings and the bytes of binaries).
async fn table_text(app: &TestApp) -> String {
    let client = aws_sdk_dynamodb::Client::new(&app.moto.sdk_config());
    let out = client
        .scan()
        .table_name(app.store.table_name())
        .send()
        .await
        .expect("scan the test's table");
    format!("{:?}", out.items())
}

/// A Twilio practice, its credentials set through the API; returns its id and API key.
async fn twilio_practice(app: &TestApp) -> (String, String) {
    let (practice_id, key) = app.onboard("Sealed Dental", Some(NUMBER)).await;
    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"sms_provider": {
                "provider": "twilio",
                "twilio_account_sid": fake_providers::DEMO_TWILIO_SID,
                "twilio_auth_token": fake_providers::DEMO_TWILIO_TOKEN,
                "vonage_signature_secret": fake_providers::DEMO_VONAGE_SIGNATURE_SECRET,
            }})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["sms_provider"]["twilio_auth_token"], json!(true), "{b}");
    assert!(!b.to_string().contains(fake_providers::DEMO_TWILIO_TOKEN));
    (practice_id, key)
}

/// A patient's text, signed with `token` as Twilio signs it; returns the status.
async fn signed_text(app: &TestApp, practice_id: &str, token: &str) -> u16 {
    let url = format!("{}/webhooks/sms/twilio/{practice_id}", app.base);
    let params = testkit::signers::twilio_params(
        &format!("SM{}", ulid::Ulid::new()),
        "+13125550499",
        NUMBER,
        "Is Tuesday still ok?",
    );
    let refs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let sig = testkit::signers::twilio_signature(token, &url, &refs);
    app.http
        .post(&url)
        .header("x-twilio-signature", sig)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(&refs).expect("form"))
        .send()
        .await
        .expect("gateway reachable")
        .status()
        .as_u16()
}

#[tokio::test]
async fn credentials_and_webhook_secrets_are_only_ciphertext_and_signatures_still_verify() {
    logs();
    let app = spawn_app().await;
    let (practice_id, key) = twilio_practice(&app).await;
    let (s, hook) = app
        .call(
            "POST",
            "/v1/webhooks",
            Some(&key),
            Some(json!({"url": "http://127.0.0.1:9/hook", "events": ["appointment.confirmed"]})),
        )
        .await;
    assert_eq!(s, 201, "{hook}");
    // Shown once, to give to the receiver; never again.
    let whsec = hook["secret"].as_str().unwrap_or_default().to_string();
    assert!(whsec.starts_with("whsec_"), "{hook}");

    let stored = table_text(&app).await;
    for secret in [
        fake_providers::DEMO_TWILIO_TOKEN,
        fake_providers::DEMO_VONAGE_SIGNATURE_SECRET,
        &whsec,
        &whsec["whsec_".len()..],
    ] {
        assert!(!stored.contains(secret), "a secret is in the table");
    }
    assert!(stored.contains("sealed"), "the items carry sealed values");

    // Read back through KMS: the provider's signature verifies, a wrong token does not.
    assert_eq!(
        signed_text(&app, &practice_id, fake_providers::DEMO_TWILIO_TOKEN).await,
        200
    );
    assert_eq!(signed_text(&app, &practice_id, "not-the-token").await, 403);

    let (_, practice) = app.call("GET", "/v1/practice", Some(&key), None).await;
    let (_, hooks) = app.call("GET", "/v1/webhooks", Some(&key), None).await;
    assert_eq!(
        practice["sms_provider"]["twilio_auth_token"],
        json!(true),
        "{practice}"
    );
    for body in [&practice, &hooks] {
        let text = body.to_string();
        assert!(!text.contains(fake_providers::DEMO_TWILIO_TOKEN), "{text}");
        assert!(!text.contains(&whsec), "{text}");
    }
    for secret in [fake_providers::DEMO_TWILIO_TOKEN, whsec.as_str()] {
        assert!(!logged(secret), "a secret was logged");
    }
    assert!(
        !logs().lock().map(|l| l.is_empty()).unwrap_or(true),
        "the logs were captured"
    );
}

#[tokio::test]
async fn with_kms_down_a_credential_change_is_a_503_and_the_stored_ones_are_kept() {
    logs();
    let moto = local_stack::Moto::shared().await.expect("moto starts");
    let proxy = FaultProxy::start(&moto.endpoint, 0.0, 1).await;
    let app = spawn_app_on(local_stack::Moto::at(&proxy.endpoint)).await;
    let (practice_id, key) = twilio_practice(&app).await;
    let before = table_text(&app).await;

    proxy.set_kms_down(true);
    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"sms_provider": {"vonage_signature_secret": ROTATED}})),
        )
        .await;
    assert_eq!(s, 503, "{b}");
    assert_eq!(b["error"]["code"], json!("unavailable"), "{b}");
    // The caller is told to retry; the operator's log line names KMS and what to check.
    let message = b["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("retry"), "{message}");
    assert!(logged("KMS GenerateDataKey on"), "the cause is logged");
    assert!(
        logged("docs/operations.md"),
        "the log says where the runbook is"
    );
    assert!(!b.to_string().contains(ROTATED));
    proxy.set_kms_down(false);

    // Nothing lost, nothing half-written: the table is as it was, the old token verifies.
    let after = table_text(&app).await;
    let sealed = |t: &str| t.matches("sealed").count();
    assert_eq!(sealed(&after), sealed(&before));
    assert!(!after.contains(ROTATED));
    assert_eq!(
        signed_text(&app, &practice_id, fake_providers::DEMO_TWILIO_TOKEN).await,
        200
    );
    // KMS back: the change goes through.
    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"sms_provider": {"vonage_signature_secret": ROTATED}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(!table_text(&app).await.contains(ROTATED));
    assert_eq!(
        signed_text(&app, &practice_id, fake_providers::DEMO_TWILIO_TOKEN).await,
        200
    );
    assert!(!logged(ROTATED), "a secret was logged");
}
