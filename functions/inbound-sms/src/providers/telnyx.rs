//! Telnyx (API v2): JSON webhooks signed with Ed25519. `telnyx-signature-ed25519` is the
//! base64 signature over `{telnyx-timestamp}|{raw body}`, checked with the practice's
//! base64 public key from the Telnyx portal. The timestamp must be recent.

use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::Value;

use super::{check_timestamp, json_str, json_syntax, Proof as AnyProof, Unverified};
use crate::error::{InboundError, Refusal};
use crate::http_io::Request;
use crate::inbound::{Inbound, Parsed, Provider};

pub const SIGNATURE_HEADER: &str = "telnyx-signature-ed25519";
pub const TIMESTAMP_HEADER: &str = "telnyx-timestamp";

#[derive(Debug, Clone)]
pub struct Proof {
    signature: Signature,
    /// `{timestamp}|{raw body}`.
    signed: Vec<u8>,
}

impl Proof {
    pub fn verify(&self, public_key: Option<&str>) -> Result<(), Refusal> {
        let key = public_key
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or(Refusal::SecretNotConfigured)?;
        let bytes: [u8; 32] = decode_base64(key)
            .and_then(|b| b.try_into().ok())
            .ok_or(Refusal::SecretUnusable)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| Refusal::SecretUnusable)?;
        key.verify_strict(&self.signed, &self.signature)
            .map_err(|_| Refusal::SignatureInvalid)
    }
}

/// Standard base64, with or without padding.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let engine = base64::engine::general_purpose::STANDARD;
    engine.decode(s).ok().or_else(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(s)
            .ok()
    })
}

pub fn read(req: &Request, now: DateTime<Utc>) -> Result<Unverified, InboundError> {
    let proof = read_signed(req, now)?;
    let content = match req.media_type().as_deref() {
        None | Some("application/json") => parse(&req.body),
        Some(_) => Err(InboundError::UnsupportedMediaType("application/json")),
    };
    Ok(Unverified {
        provider: Provider::Telnyx,
        proof,
        content,
    })
}

/// The signature of a Telnyx request (present, fresh, not yet verified) over its raw body:
/// inbound messages and status events alike.
pub fn read_signed(req: &Request, now: DateTime<Utc>) -> Result<AnyProof, InboundError> {
    let signature = req
        .header(SIGNATURE_HEADER)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(InboundError::Forbidden(Refusal::SignatureMissing))?;
    let timestamp = req.header(TIMESTAMP_HEADER).map(str::trim);
    check_timestamp(timestamp, now).map_err(InboundError::Forbidden)?;
    let bytes: [u8; 64] = decode_base64(signature)
        .and_then(|b| b.try_into().ok())
        .ok_or(InboundError::Forbidden(Refusal::SignatureInvalid))?;
    let mut signed = Vec::with_capacity(req.body.len() + 16);
    signed.extend_from_slice(timestamp.unwrap_or_default().as_bytes());
    signed.push(b'|');
    signed.extend_from_slice(&req.body);
    Ok(AnyProof::Telnyx(Proof {
        signature: Signature::from_bytes(&bytes),
        signed,
    }))
}

/// `{"data": {"event_type": "message.received", "payload": {"id", "direction",
/// "from": {"phone_number"}, "to": [{"phone_number"}], "text"}}}`. Other event types (sent,
/// finalized…) and outbound messages are acknowledged and ignored.
fn parse(body: &[u8]) -> Result<Parsed, InboundError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| json_syntax(&e))?;
    if !v.is_object() {
        return Err(InboundError::bad_request("the body must be a JSON object"));
    }
    let data = v
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| InboundError::bad_request("data is required and must be an object"))?;
    let event_type = json_str(data, "event_type", "data.")?;
    if event_type != "message.received" {
        return Ok(Parsed::Ignored("event_type"));
    }
    let payload = data
        .get("payload")
        .filter(|p| p.is_object())
        .ok_or_else(|| {
            InboundError::bad_request("data.payload is required and must be an object")
        })?;
    if let Some(direction) = payload.get("direction") {
        if direction.as_str() != Some("inbound") {
            return Ok(Parsed::Ignored("direction"));
        }
    }
    let id = json_str(payload, "id", "data.payload.")?;
    let from = payload
        .get("from")
        .filter(|f| f.is_object())
        .ok_or_else(|| {
            InboundError::bad_request("data.payload.from is required and must be an object")
        })?;
    let from = json_str(from, "phone_number", "data.payload.from.")?;
    let to = match payload.get("to") {
        Some(Value::Array(list)) => list
            .first()
            .and_then(|t| t.get("phone_number"))
            .and_then(Value::as_str),
        Some(t) => t.get("phone_number").and_then(Value::as_str),
        None => None,
    };
    let text = match payload.get("text") {
        Some(Value::String(s)) => s.as_str(),
        Some(Value::Null) => "",
        Some(_) => {
            return Err(InboundError::bad_request(
                "data.payload.text must be a string",
            ))
        }
        None => return Err(InboundError::bad_request("data.payload.text is required")),
    };
    Ok(Parsed::Message(Inbound::new(
        Provider::Telnyx,
        id,
        from,
        to,
        text,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use serde_json::json;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn public_b64() -> String {
        base64::engine::general_purpose::STANDARD.encode(key().verifying_key().to_bytes())
    }

    fn proof(ts: &str, body: &str, signer: &SigningKey) -> Proof {
        let signed = format!("{ts}|{body}").into_bytes();
        Proof {
            signature: signer.sign(&signed),
            signed,
        }
    }

    #[test]
    fn a_signature_by_the_practices_key_verifies_and_nothing_else_does() {
        let good = proof("1800000000", "{}", &key());
        assert!(good.verify(Some(&public_b64())).is_ok());
        let other = proof("1800000000", "{}", &SigningKey::from_bytes(&[8u8; 32]));
        assert_eq!(
            other.verify(Some(&public_b64())),
            Err(Refusal::SignatureInvalid)
        );
        let mut tampered = good.clone();
        tampered.signed = b"1800000000|{ }".to_vec();
        assert_eq!(
            tampered.verify(Some(&public_b64())),
            Err(Refusal::SignatureInvalid)
        );
        assert_eq!(good.verify(None), Err(Refusal::SecretNotConfigured));
        assert_eq!(
            good.verify(Some("not base64!")),
            Err(Refusal::SecretUnusable)
        );
        assert_eq!(good.verify(Some("AAAA")), Err(Refusal::SecretUnusable));
    }

    #[test]
    fn only_received_inbound_messages_are_processed() {
        let msg = |event: &str, direction: &str| {
            json!({"data": {"event_type": event, "payload": {
                "id": "m-1", "direction": direction,
                "from": {"phone_number": "+14155552671"},
                "to": [{"phone_number": "+14155550100"}],
                "text": "hello"
            }}})
            .to_string()
        };
        let parsed = parse(msg("message.received", "inbound").as_bytes()).unwrap();
        let Parsed::Message(m) = parsed else {
            panic!("expected a message")
        };
        assert_eq!(m.provider_message_id, "m-1");
        assert_eq!(m.to.unwrap().as_str(), "+14155550100");
        assert_eq!(
            parse(msg("message.finalized", "outbound").as_bytes()).unwrap(),
            Parsed::Ignored("event_type")
        );
        assert_eq!(
            parse(msg("message.received", "outbound").as_bytes()).unwrap(),
            Parsed::Ignored("direction")
        );
    }

    #[test]
    fn syntax_errors_do_not_echo_the_body() {
        let err = parse(b"{\"data\": +14155552671").unwrap_err();
        assert!(!err.to_string().contains("4155"), "{err}");
    }
}
