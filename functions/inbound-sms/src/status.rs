//! Delivery status callbacks: `POST /webhooks/sms-status/{provider}/{practice_id}`, the URL
//! the outbound adapters give Twilio (`StatusCallback`), Telnyx (`webhook_url`) and Vonage
//! (`callback`).
//!
//! Each request is verified exactly like an inbound webhook of its provider, with the same
//! code and the practice's own secret: Twilio's `X-Twilio-Signature`, Telnyx's Ed25519
//! signature over `{timestamp}|{body}` with a fresh timestamp, and Vonage's signed
//! `sig` + fresh `timestamp` (enable signed webhooks for delivery receipts in the Vonage
//! dashboard, SHA-256 HMAC; an unsigned receipt is refused with 403). Only then is the
//! report applied (`frontdesk::delivery_status::apply`): found by the provider's message id
//! within that practice (another practice's, or one we never sent: 404, nothing stored),
//! applied once, never backwards.

use frontdesk::delivery_status::{self, Applied, Report, Reported};
use frontdesk::domain::PracticeId;
use serde_json::Value;

use crate::deps::Deps;
use crate::error::{InboundError, Refusal};
use crate::http_io::Request;
use crate::inbound::{Provider, MAX_MESSAGE_ID};
use crate::providers::{telnyx, twilio, vonage};

/// How a status callback was acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAck {
    Applied(Applied),
    /// A verified event that is not about delivery (e.g. Twilio `received`).
    Ignored,
}

impl StatusAck {
    pub fn label(self) -> &'static str {
        match self {
            StatusAck::Applied(a) => a.label(),
            StatusAck::Ignored => "ignored",
        }
    }
}

pub async fn status_webhook(
    deps: &Deps,
    provider: Provider,
    practice: &str,
    req: &Request,
) -> Result<StatusAck, InboundError> {
    let now = deps.clock.now();
    // Signature (and timestamp) present and fresh before anything is read.
    let (proof, content) = match provider {
        Provider::Twilio => {
            let (proof, params) = twilio::read_form(req, deps.public_base_url.as_deref())?;
            (proof, twilio_report(&params))
        }
        Provider::Telnyx => {
            let proof = telnyx::read_signed(req, now)?;
            let content = match req.media_type().as_deref() {
                None | Some("application/json") => telnyx_report(&req.body),
                Some(_) => Err(InboundError::UnsupportedMediaType("application/json")),
            };
            (proof, content)
        }
        Provider::Vonage => {
            let (proof, params) = vonage::read_params(req, now)?;
            (proof, vonage_report(&params))
        }
        Provider::Aws => return Err(InboundError::NotFound),
    };
    let practice_id = PracticeId::parse(practice)
        .map_err(|_| InboundError::Forbidden(Refusal::UnknownPractice))?;
    let practice = deps
        .store
        .get_practice(&practice_id)
        .await?
        .ok_or(InboundError::Forbidden(Refusal::UnknownPractice))?;
    proof
        .verify(&practice.sms_provider)
        .map_err(InboundError::Forbidden)?;
    let Some(report) = content? else {
        return Ok(StatusAck::Ignored);
    };
    match delivery_status::apply(deps.store.as_ref(), &practice_id, &report, now).await? {
        Applied::UnknownMessage => Err(InboundError::UnknownMessage),
        applied => Ok(StatusAck::Applied(applied)),
    }
}

fn message_id(id: &str) -> Result<String, InboundError> {
    let id = id.trim();
    if id.is_empty() || id.len() > MAX_MESSAGE_ID || id.chars().any(char::is_control) {
        return Err(InboundError::bad_request(format!(
            "the message id must be 1 to {MAX_MESSAGE_ID} characters"
        )));
    }
    Ok(id.to_string())
}

fn report(id: &str, reported: Option<Reported>) -> Result<Option<Report>, InboundError> {
    let provider_message_id = message_id(id)?;
    Ok(reported.map(|reported| Report {
        provider_message_id,
        reported,
    }))
}

/// `MessageSid`, `MessageStatus` and `ErrorCode` (the legacy `SmsSid`/`SmsStatus` too).
fn twilio_report(params: &[(String, String)]) -> Result<Option<Report>, InboundError> {
    let p = |name| twilio::param(params, name);
    let id = p("MessageSid")
        .or(p("SmsSid"))
        .ok_or_else(|| InboundError::bad_request("MessageSid is required"))?;
    let status = p("MessageStatus")
        .or(p("SmsStatus"))
        .ok_or_else(|| InboundError::bad_request("MessageStatus is required"))?;
    report(id, delivery_status::twilio_status(status, p("ErrorCode")))
}

/// `{"data": {"event_type": "message.sent" | "message.finalized", "payload": {"id",
/// "to": [{"status"}], "errors": [{"code"}]}}}`. Other event types are ignored.
fn telnyx_report(body: &[u8]) -> Result<Option<Report>, InboundError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        InboundError::bad_request(format!(
            "the body is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let data = v
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| InboundError::bad_request("data is required and must be an object"))?;
    let event_type = data
        .get("event_type")
        .and_then(Value::as_str)
        .ok_or_else(|| InboundError::bad_request("data.event_type is required"))?;
    if !matches!(event_type, "message.sent" | "message.finalized") {
        return Ok(None);
    }
    let payload = data
        .get("payload")
        .filter(|p| p.is_object())
        .ok_or_else(|| {
            InboundError::bad_request("data.payload is required and must be an object")
        })?;
    let id = payload
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| InboundError::bad_request("data.payload.id is required"))?;
    let status = payload
        .get("to")
        .and_then(Value::as_array)
        .and_then(|to| to.first())
        .and_then(|t| t.get("status"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let code = payload
        .get("errors")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
        .and_then(|e| e.get("code"))
        .map(|c| match c {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    report(
        id,
        delivery_status::telnyx_status(event_type, status, code.as_deref()),
    )
}

/// A Vonage SMS API delivery receipt: `messageId`, `status`, `err-code`.
fn vonage_report(params: &[(String, String)]) -> Result<Option<Report>, InboundError> {
    let p = |name| vonage::param(params, name);
    let id = p("messageId").ok_or_else(|| InboundError::bad_request("messageId is required"))?;
    let status = p("status").ok_or_else(|| InboundError::bad_request("status is required"))?;
    report(id, delivery_status::vonage_status(status, p("err-code")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_provider_body_is_read_into_a_report() {
        let form = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let r = twilio_report(&form(&[
            ("MessageSid", "SM1"),
            ("MessageStatus", "undelivered"),
            ("ErrorCode", "30006"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(r.provider_message_id, "SM1");
        assert!(matches!(r.reported, Reported::Undelivered { .. }));
        assert!(twilio_report(&form(&[("MessageStatus", "sent")])).is_err());
        let body = br#"{"data":{"event_type":"message.finalized","payload":{"id":"t-1","to":[{"status":"delivery_failed"}],"errors":[{"code":"40300"}]}}}"#;
        let r = telnyx_report(body).unwrap().unwrap();
        assert!(matches!(
            r.reported,
            Reported::Undelivered { ref code, for_good: Some(_) } if code == "telnyx:40300"
        ));
        let ignored = br#"{"data":{"event_type":"message.received","payload":{}}}"#;
        assert_eq!(telnyx_report(ignored).unwrap(), None);
        let r = vonage_report(&form(&[("messageId", "v-1"), ("status", "delivered")]))
            .unwrap()
            .unwrap();
        assert_eq!(r.reported, Reported::Delivered);
    }
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod handler_tests;

#[cfg(test)]
#[path = "status_run_tests.rs"]
mod run_tests;
