//! The SNS and SESv2 adapters against moto, through the real SDK clients. moto's outbox
//! is shared by every test of the process, so each test finds its own message by a unique
//! body or subject.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_config::retry::RetryConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use frontdesk::domain::{EmailAddress, PhoneNumber};
use frontdesk::ports::{Email, EmailSender, Sms, SmsSender};
use frontdesk::ses::SesEmail;
use frontdesk::sns::SnsSms;
use frontdesk::Error;
use local_stack::{verify_sender, Moto};
use serde_json::Value;

/// Records the body of every request the client sends, to check what went on the wire
/// (moto does not keep an SMS's message attributes).
#[derive(Debug, Clone, Default)]
struct WireCapture(Arc<Mutex<Vec<String>>>);

impl Intercept for WireCapture {
    fn name(&self) -> &'static str {
        "WireCapture"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(bytes) = context.request().body().bytes() {
            self.0
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(bytes).into_owned());
        }
        Ok(())
    }
}

/// Decodes an `application/x-www-form-urlencoded` body (SNS's query protocol).
fn form(body: &str) -> HashMap<String, String> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    }
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

/// The message attributes of a Publish request, by name.
fn message_attributes(params: &HashMap<String, String>) -> HashMap<String, String> {
    (1..=10)
        .filter_map(|n| {
            let name = params.get(&format!("MessageAttributes.entry.{n}.Name"))?;
            let value = params.get(&format!("MessageAttributes.entry.{n}.Value.StringValue"))?;
            Some((name.clone(), value.clone()))
        })
        .collect()
}

fn sns_with_capture(moto: &Moto) -> (SnsSms, WireCapture) {
    let capture = WireCapture::default();
    let config = aws_sdk_sns::config::Builder::from(&moto.sdk_config())
        .interceptor(capture.clone())
        .build();
    (SnsSms::new(aws_sdk_sns::Client::from_conf(config)), capture)
}

fn unique(label: &str) -> String {
    format!("{label} {}", ulid::Ulid::new())
}

async fn outbox_entry(moto: &Moto, list: &str, field: &str, value: &str) -> Value {
    let outbox = moto.outbox().await.unwrap();
    outbox[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m[field] == value)
        .cloned()
        .unwrap_or_else(|| panic!("no {list} with {field} {value:?} in {outbox}"))
}

#[tokio::test]
async fn an_sms_reaches_moto_for_its_number_from_the_practice_origination_number() {
    let moto = Moto::shared().await.unwrap();
    let (sms, capture) = sns_with_capture(moto);
    let body = unique("Reminder: cleaning tomorrow at 9:00.");
    let id = sms
        .send_sms(&Sms {
            practice_id: frontdesk::domain::PracticeId::parse("prc_sns").unwrap(),
            from: Some(PhoneNumber::parse_e164("+12125550199").unwrap()),
            to: PhoneNumber::parse_e164("+12125550111").unwrap(),
            body: body.clone(),
        })
        .await
        .unwrap();

    let sent = outbox_entry(moto, "sms", "body", &body).await;
    assert_eq!(sent["to"], "+12125550111");
    assert_eq!(sent["message_id"], id.as_str());

    let wire = capture.0.lock().unwrap().clone();
    assert_eq!(wire.len(), 1);
    let params = form(&wire[0]);
    assert_eq!(params["Action"], "Publish");
    assert_eq!(params["PhoneNumber"], "+12125550111");
    let attributes = message_attributes(&params);
    assert_eq!(attributes["AWS.SNS.SMS.SMSType"], "Transactional");
    assert_eq!(attributes["AWS.MM.SMS.OriginationNumber"], "+12125550199");
}

#[tokio::test]
async fn an_sms_without_an_origination_number_is_still_transactional() {
    let moto = Moto::shared().await.unwrap();
    let (sms, capture) = sns_with_capture(moto);
    let body = unique("Your appointment is confirmed.");
    sms.send_sms(&Sms {
        practice_id: frontdesk::domain::PracticeId::parse("prc_sns").unwrap(),
        from: None,
        to: PhoneNumber::parse_e164("+12125550122").unwrap(),
        body: body.clone(),
    })
    .await
    .unwrap();
    assert_eq!(
        outbox_entry(moto, "sms", "body", &body).await["to"],
        "+12125550122"
    );
    let attributes = message_attributes(&form(&capture.0.lock().unwrap()[0]));
    assert_eq!(attributes.len(), 1);
    assert_eq!(attributes["AWS.SNS.SMS.SMSType"], "Transactional");
}

#[tokio::test]
async fn an_email_reaches_moto_from_the_practice_sender() {
    let moto = Moto::shared().await.unwrap();
    let config = moto.sdk_config();
    verify_sender(&config, "front@smile.example.com")
        .await
        .unwrap();
    let email = SesEmail::from_conf(&config, Some("frontdesk-local".into()));
    let subject = unique("Your visit on Tuesday");
    let id = email
        .send_email(&Email {
            practice_id: frontdesk::domain::PracticeId::parse("prc_smile").unwrap(),
            from: EmailAddress::parse("front@smile.example.com").unwrap(),
            to: EmailAddress::parse("ada@patients.example.org").unwrap(),
            subject: subject.clone(),
            text: "See you at 9:00.".into(),
            patient: None,
        })
        .await
        .unwrap();

    let sent = outbox_entry(moto, "email", "subject", &subject).await;
    assert_eq!(sent["from"], "front@smile.example.com");
    assert_eq!(sent["to"], "ada@patients.example.org");
    assert_eq!(sent["body"], "See you at 9:00.");
    assert_eq!(sent["message_id"], id.as_str());
}

#[tokio::test]
async fn an_email_from_an_unverified_sender_is_rejected_for_good() {
    let moto = Moto::shared().await.unwrap();
    let email = SesEmail::from_conf(&moto.sdk_config(), None);
    let err = email
        .send_email(&Email {
            practice_id: frontdesk::domain::PracticeId::parse("prc_smile").unwrap(),
            from: EmailAddress::parse("nobody@unverified.example.com").unwrap(),
            to: EmailAddress::parse("ada@patients.example.org").unwrap(),
            subject: "Hello".into(),
            text: "Hi".into(),
            patient: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SendRejected(_)), "{err:?}");
    assert!(
        !err.to_string().contains("nobody@"),
        "no addresses in errors: {err}"
    );
}

#[tokio::test]
async fn an_unreachable_provider_is_unavailable_so_the_send_can_be_retried() {
    let moto = Moto::shared().await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = moto
        .sdk_config()
        .to_builder()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .retry_config(RetryConfig::disabled())
        .build();
    let err = SnsSms::from_conf(&config)
        .send_sms(&Sms {
            practice_id: frontdesk::domain::PracticeId::parse("prc_sns").unwrap(),
            from: None,
            to: PhoneNumber::parse_e164("+12125550111").unwrap(),
            body: "x".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SendUnavailable(_)), "{err:?}");
    let err = SesEmail::from_conf(&config, None)
        .send_email(&Email {
            practice_id: frontdesk::domain::PracticeId::parse("prc_smile").unwrap(),
            from: EmailAddress::parse("front@smile.example.com").unwrap(),
            to: EmailAddress::parse("ada@patients.example.org").unwrap(),
            subject: "s".into(),
            text: "t".into(),
            patient: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SendUnavailable(_)), "{err:?}");
}
