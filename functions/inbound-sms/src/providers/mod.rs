//! Provider webhooks: reading each provider's request and checking its signature.
//!
//! Reading happens in two steps, so that nothing about a request is trusted or revealed
//! before its signature is checked against the practice's own secret:
//!
//! 1. [`read`]: the signature (and its timestamp, where the provider signs one) must be
//!    present and fresh, else 403 at once, before any storage is read. The body is parsed
//!    strictly, but a parse error is held back.
//! 2. [`Proof::verify`], once the practice is read: a bad signature is 403 whatever the
//!    body; only a correctly signed request learns that its body was malformed (400).
//!
//! Every comparison of a secret-derived value is constant time (`subtle`).

pub mod aws;
pub mod telnyx;
pub mod twilio;
pub mod vonage;

use chrono::{DateTime, Utc};
use frontdesk::domain::{PhoneNumber, ProviderSecrets};
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::error::{InboundError, Refusal};
use crate::http_io::Request;
use crate::inbound::{Parsed, Provider};

/// Signed timestamps older than this are refused (seconds).
pub const MAX_AGE_SECONDS: i64 = 5 * 60;
/// Signed timestamps further ahead than this are refused (seconds of clock skew).
pub const MAX_AHEAD_SECONDS: i64 = 60;

/// A request's claim to come from its provider.
#[derive(Debug, Clone)]
pub enum Proof {
    Twilio(twilio::Proof),
    Telnyx(telnyx::Proof),
    Vonage(vonage::Proof),
}

impl Proof {
    /// Checks the signature with the practice's secret for this provider.
    pub fn verify(&self, secrets: &ProviderSecrets) -> Result<(), Refusal> {
        match self {
            Proof::Twilio(p) => p.verify(secrets.twilio_auth_token.as_deref()),
            Proof::Telnyx(p) => p.verify(secrets.telnyx_public_key.as_deref()),
            Proof::Vonage(p) => p.verify(secrets.vonage_signature_secret.as_deref()),
        }
    }
}

/// A webhook whose signature is present and fresh, not yet verified.
#[derive(Debug)]
pub struct Unverified {
    pub provider: Provider,
    pub proof: Proof,
    /// The strict reading of the body. An error here is reported only once the signature
    /// has been verified.
    pub content: Result<Parsed, InboundError>,
}

impl Unverified {
    /// The sender of a well-formed message, to look up alongside the practice.
    pub fn sender(&self) -> Option<&PhoneNumber> {
        match &self.content {
            Ok(Parsed::Message(m)) => Some(&m.from),
            _ => None,
        }
    }
}

/// Step 1: reads a provider's webhook request.
pub fn read(
    provider: Provider,
    req: &Request,
    now: DateTime<Utc>,
    public_base_url: Option<&str>,
) -> Result<Unverified, InboundError> {
    match provider {
        Provider::Twilio => twilio::read(req, public_base_url),
        Provider::Telnyx => telnyx::read(req, now),
        Provider::Vonage => vonage::read(req, now),
        Provider::Aws => Err(InboundError::NotFound),
    }
}

/// Constant-time equality of two byte strings (the length is not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// A signed Unix timestamp must be within [`MAX_AGE_SECONDS`] before `now` and
/// [`MAX_AHEAD_SECONDS`] after it.
pub fn check_timestamp(raw: Option<&str>, now: DateTime<Utc>) -> Result<(), Refusal> {
    let seconds: i64 = raw
        .map(str::trim)
        .and_then(|s| s.parse().ok())
        .ok_or(Refusal::Stale)?;
    let age = now.timestamp().saturating_sub(seconds);
    if !(-MAX_AHEAD_SECONDS..=MAX_AGE_SECONDS).contains(&age) {
        return Err(Refusal::Stale);
    }
    Ok(())
}

/// A required string field of a JSON object, with a message naming it (never its value).
fn json_str<'a>(v: &'a Value, field: &str, at: &str) -> Result<&'a str, InboundError> {
    match v.get(field) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(InboundError::bad_request(format!(
            "{at}{field} must be a string"
        ))),
        None => Err(InboundError::bad_request(format!(
            "{at}{field} is required"
        ))),
    }
}

/// Describes a JSON syntax error by position only (serde's messages can echo input).
fn json_syntax(e: &serde_json::Error) -> InboundError {
    InboundError::bad_request(format!(
        "the body is not valid JSON (line {}, column {})",
        e.line(),
        e.column()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_must_be_recent() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(check_timestamp(Some("1800000000"), now).is_ok());
        assert!(check_timestamp(Some("1799999700"), now).is_ok());
        assert_eq!(
            check_timestamp(Some("1799999699"), now),
            Err(Refusal::Stale)
        );
        assert_eq!(
            check_timestamp(Some("1800000061"), now),
            Err(Refusal::Stale)
        );
        for bad in [
            None,
            Some(""),
            Some("soon"),
            Some("99999999999999999999999"),
        ] {
            assert_eq!(check_timestamp(bad, now), Err(Refusal::Stale));
        }
        assert_eq!(
            check_timestamp(Some("-9223372036854775808"), now),
            Err(Refusal::Stale)
        );
    }

    #[test]
    fn constant_time_equality_compares_lengths_first() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
