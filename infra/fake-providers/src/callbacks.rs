//! Delivery status callbacks, sent as each provider sends them, to the callback URL the
//! message was sent with (Twilio `StatusCallback`, Telnyx `webhook_url`, Vonage
//! `callback`), signed as each provider signs them:
//!
//! - Twilio: form fields `MessageSid`, `MessageStatus` (`sent`, `delivered`,
//!   `undelivered`, `failed`), `ErrorCode`, signed `X-Twilio-Signature` with the account's
//!   auth token (the one the message was sent with);
//! - Telnyx: `message.sent` / `message.finalized` JSON events, Ed25519-signed over
//!   `{timestamp}|{body}` with [`DEMO_TELNYX_SIGNING_SEED`] (its public key:
//!   [`demo_telnyx_public_key`], the practice's `telnyx_public_key`);
//! - Vonage: a JSON delivery receipt (`messageId`, `status`, `err-code`, `timestamp`)
//!   signed `sig` = HMAC-SHA256 with [`DEMO_VONAGE_SIGNATURE_SECRET`] (the practice's
//!   `vonage_signature_secret`).
//!
//! With auto-status on (the default of [`Accounts::demo`](crate::Accounts::demo), so
//! `make run` shows delivered states), every accepted message with a callback URL is
//! reported `delivered` shortly after. `POST /_fake/status {"message_id", "status",
//! "error_code"}` sends one report on demand; `POST /_fake/auto_status {"enabled"}` turns
//! the automatic ones on or off.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

use crate::state::{Provider, Recorded, Shared};

/// The Ed25519 seed the fake signs Telnyx events with.
pub const DEMO_TELNYX_SIGNING_SEED: [u8; 32] = [7u8; 32];
/// The secret the fake signs Vonage delivery receipts with.
pub const DEMO_VONAGE_SIGNATURE_SECRET: &str = "local-vonage-signature-secret";

/// The base64 public key of [`DEMO_TELNYX_SIGNING_SEED`] (set it as `telnyx_public_key`).
pub fn demo_telnyx_public_key() -> String {
    base64::engine::general_purpose::STANDARD.encode(
        SigningKey::from_bytes(&DEMO_TELNYX_SIGNING_SEED)
            .verifying_key()
            .to_bytes(),
    )
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The callback URL a recorded message was sent with.
fn callback_url(r: &Recorded) -> Option<&str> {
    match r.provider {
        Provider::Twilio => r.field("StatusCallback"),
        Provider::Telnyx => r.field("webhook_url"),
        Provider::Vonage => r.field("callback"),
    }
    .filter(|u| !u.is_empty())
}

fn twilio_signature(token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(&k);
        data.push_str(&v);
    }
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()) else {
        return String::new();
    };
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn vonage_sig(secret: &str, params: &[(String, String)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = String::new();
    for (k, v) in sorted {
        data.push('&');
        data.push_str(&k);
        data.push('=');
        data.push_str(&v.replace(['&', '='], "_"));
    }
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(data.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Sends one status report for an accepted message; the HTTP status the service answered.
pub(crate) async fn send(
    state: &Shared,
    message_id: &str,
    status: &str,
    error_code: Option<&str>,
) -> Result<u16, String> {
    let rec = state
        .requests()
        .into_iter()
        .find(|r| r.message_id.as_deref() == Some(message_id))
        .ok_or_else(|| format!("no accepted message has the id {message_id}"))?;
    let url = callback_url(&rec)
        .ok_or("the message was sent without a callback URL (set PUBLIC_BASE_URL)")?
        .to_string();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let request = match rec.provider {
        Provider::Twilio => {
            let sid = rec.credential.clone().unwrap_or_default();
            let token = state.twilio_token(&sid).unwrap_or_default();
            let mut params = pairs(&[
                ("AccountSid", &sid),
                ("MessageSid", message_id),
                ("SmsSid", message_id),
                ("MessageStatus", status),
                ("SmsStatus", status),
                ("To", rec.field("To").unwrap_or_default()),
                ("From", rec.field("From").unwrap_or_default()),
                ("ApiVersion", "2010-04-01"),
            ]);
            if let Some(c) = error_code {
                params.push(("ErrorCode".into(), c.into()));
            }
            let sig = twilio_signature(&token, &url, &params);
            let form = serde_urlencoded::to_string(&params).map_err(|e| e.to_string())?;
            client
                .post(&url)
                .header("x-twilio-signature", sig)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
        }
        Provider::Telnyx => {
            let event_type = if status == "sent" {
                "message.sent"
            } else {
                "message.finalized"
            };
            let errors: Vec<Value> = error_code
                .map(|c| json!({"code": c, "title": "Message delivery failed"}))
                .into_iter()
                .collect();
            let body = json!({
                "data": {
                    "event_type": event_type,
                    "id": format!("evt-{message_id}-{status}"),
                    "record_type": "event",
                    "payload": {
                        "id": message_id,
                        "direction": "outbound",
                        "from": {"phone_number": rec.field("from").unwrap_or_default()},
                        "to": [{"phone_number": rec.field("to").unwrap_or_default(), "status": status}],
                        "errors": errors,
                        "type": "SMS"
                    }
                },
                "meta": {"attempt": 1, "delivered_to": url}
            })
            .to_string();
            let ts = now_secs().to_string();
            let sig = SigningKey::from_bytes(&DEMO_TELNYX_SIGNING_SEED)
                .sign(format!("{ts}|{body}").as_bytes());
            client
                .post(&url)
                .header(
                    "telnyx-signature-ed25519",
                    base64::engine::general_purpose::STANDARD.encode(sig.to_bytes()),
                )
                .header("telnyx-timestamp", ts)
                .header("content-type", "application/json")
                .body(body)
        }
        Provider::Vonage => {
            let ts = now_secs().to_string();
            let mut params = pairs(&[
                ("messageId", message_id),
                ("msisdn", rec.field("to").unwrap_or_default()),
                ("to", rec.field("from").unwrap_or_default()),
                ("status", status),
                ("err-code", error_code.unwrap_or("0")),
                ("timestamp", &ts),
            ]);
            let sig = vonage_sig(DEMO_VONAGE_SIGNATURE_SECRET, &params);
            params.push(("sig".into(), sig));
            let body: serde_json::Map<String, Value> = params
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            client.post(&url).json(&Value::Object(body))
        }
    };
    let resp = request.send().await.map_err(|e| e.to_string())?;
    Ok(resp.status().as_u16())
}

/// The automatic `delivered` report of an accepted message, a moment after it was
/// accepted (the sender records it on the timeline first; a 404 is retried briefly).
pub(crate) fn auto_deliver(state: Shared, message_id: String) {
    tokio::spawn(async move {
        for attempt in 1..=5u64 {
            tokio::time::sleep(Duration::from_millis(300 * attempt)).await;
            match send(&state, &message_id, "delivered", None).await {
                Ok(404) => continue,
                Ok(_) | Err(_) => break,
            }
        }
    });
}
