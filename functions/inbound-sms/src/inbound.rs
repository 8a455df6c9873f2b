//! One inbound text, whatever carried it: validated once, at the edge.

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::PhoneNumber;

use crate::error::InboundError;

/// Where an inbound text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Twilio,
    Telnyx,
    Vonage,
    /// AWS End User Messaging two-way SMS, delivered through SNS.
    Aws,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Twilio => "twilio",
            Provider::Telnyx => "telnyx",
            Provider::Vonage => "vonage",
            Provider::Aws => "aws",
        }
    }

    /// The providers served by the HTTP webhook (`/webhooks/sms/{provider}/…`).
    pub fn from_path(segment: &str) -> Option<Self> {
        match segment {
            "twilio" => Some(Provider::Twilio),
            "telnyx" => Some(Provider::Telnyx),
            "vonage" => Some(Provider::Vonage),
            _ => None,
        }
    }
}

/// The longest provider message id accepted (they are 30–40 characters in practice).
pub const MAX_MESSAGE_ID: usize = 128;
/// The longest text accepted. A concatenated SMS is at most about 1,600 characters.
pub const MAX_TEXT_BYTES: usize = 8 * 1024;
/// How long the idempotency marker of an inbound message is kept. Providers retry for at
/// most a day (Vonage: 24 hours); a week leaves room.
pub const CLAIM_TTL: Duration = Duration::days(7);

/// A validated inbound text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    pub provider: Provider,
    /// The provider's id of this message: the idempotency key.
    pub provider_message_id: String,
    /// The patient's (or unknown sender's) number.
    pub from: PhoneNumber,
    /// The practice number it was sent to, when the provider says and it is a valid number.
    pub to: Option<PhoneNumber>,
    /// The text, as sent. Stored on the timeline; never logged.
    pub text: String,
}

/// What a verified webhook asks of us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A patient's text to process.
    Message(Inbound),
    /// Something else the provider sends to the same URL (a delivery receipt, an outbound
    /// event): acknowledged, nothing stored. The label is for logs.
    Ignored(&'static str),
}

impl Inbound {
    /// Validates the fields every provider gives. `from` and `to` must be E.164.
    pub fn new(
        provider: Provider,
        message_id: &str,
        from: &str,
        to: Option<&str>,
        text: &str,
    ) -> Result<Self, InboundError> {
        let id = message_id.trim();
        if id.is_empty() || id.len() > MAX_MESSAGE_ID || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InboundError::bad_request(format!(
                "the message id must be 1 to {MAX_MESSAGE_ID} printable ASCII characters"
            )));
        }
        let from = PhoneNumber::parse_e164(from).map_err(|_| {
            InboundError::bad_request("the sender is not a valid E.164 phone number")
        })?;
        // The destination only picks the reply's origination number when the practice has
        // none configured; a provider-specific short code there is not an error.
        let to = to.and_then(|t| PhoneNumber::parse_e164(t).ok());
        if text.len() > MAX_TEXT_BYTES {
            return Err(InboundError::bad_request(format!(
                "the message text is longer than {MAX_TEXT_BYTES} bytes"
            )));
        }
        Ok(Self {
            provider,
            provider_message_id: id.to_string(),
            from,
            to,
            text: text.to_string(),
        })
    }

    /// The idempotency key: one per provider message, within the practice's partition.
    pub fn claim_key(&self) -> String {
        format!(
            "inbound:{}:{}",
            self.provider.as_str(),
            self.provider_message_id
        )
    }

    pub fn claim_expires(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.checked_add_signed(CLAIM_TTL).unwrap_or(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_and_numbers_are_validated() {
        let ok = Inbound::new(Provider::Twilio, "SM1", "+14155552671", None, "hi").unwrap();
        assert_eq!(ok.claim_key(), "inbound:twilio:SM1");
        for (id, from) in [
            ("", "+14155552671"),
            ("has space", "+14155552671"),
            (&*"x".repeat(129), "+14155552671"),
            ("SM1", "4155552671"),
            ("SM1", "+1"),
            ("SM1", "hello"),
        ] {
            assert!(Inbound::new(Provider::Twilio, id, from, None, "hi").is_err());
        }
    }

    #[test]
    fn a_bad_destination_is_dropped_not_fatal() {
        let m = Inbound::new(Provider::Vonage, "a", "+14155552671", Some("12345"), "x").unwrap();
        assert_eq!(m.to, None);
    }

    #[test]
    fn overlong_text_is_refused() {
        let long = "a".repeat(MAX_TEXT_BYTES + 1);
        assert!(Inbound::new(Provider::Aws, "a", "+14155552671", None, &long).is_err());
    }
}
