//! AWS End User Messaging two-way SMS: the phone number's two-way channel publishes each
//! inbound text to an SNS topic as JSON:
//!
//! ```json
//! {"originationNumber": "+14155552671", "destinationNumber": "+12125550100",
//!  "messageKeyword": "KEYWORD_…", "messageBody": "C",
//!  "inboundMessageId": "cae173d2-66b9-564c-8309-21f858e9fb84",
//!  "previousPublishedMessageId": "…"}
//! ```
//!
//! The practice is found by its destination number (`Store::practice_for_number`). No
//! signature: the SNS subscription invokes the function through IAM.

use frontdesk::domain::PhoneNumber;
use serde_json::Value;

use super::{json_str, json_syntax};
use crate::error::InboundError;
use crate::inbound::{Inbound, Provider};

/// An inbound text from AWS, and the practice number it was sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsInbound {
    pub inbound: Inbound,
    pub destination: PhoneNumber,
}

/// Reads the SNS `Message` of a two-way SMS notification.
pub fn parse(message: &str) -> Result<AwsInbound, InboundError> {
    let v: Value = serde_json::from_str(message).map_err(|e| json_syntax(&e))?;
    if !v.is_object() {
        return Err(InboundError::bad_request(
            "the SNS message must be a JSON object",
        ));
    }
    let id = json_str(&v, "inboundMessageId", "")?;
    let from = json_str(&v, "originationNumber", "")?;
    let to = json_str(&v, "destinationNumber", "")?;
    let text = json_str(&v, "messageBody", "")?;
    let destination = PhoneNumber::parse_e164(to).map_err(|_| {
        InboundError::bad_request("destinationNumber is not a valid E.164 phone number")
    })?;
    let inbound = Inbound::new(Provider::Aws, id, from, Some(to), text)?;
    Ok(AwsInbound {
        inbound,
        destination,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_shape_is_read() {
        let m = json!({
            "originationNumber": "+14155552671",
            "destinationNumber": "+12125550143",
            "messageKeyword": "KEYWORD_123",
            "messageBody": "C",
            "inboundMessageId": "cae173d2-66b9-564c-8309-21f858e9fb84",
            "previousPublishedMessageId": "wJ0BANG6jsGnyHBWq5wVuDZPLgqgfSbP"
        });
        let a = parse(&m.to_string()).unwrap();
        assert_eq!(a.destination.as_str(), "+12125550143");
        assert_eq!(a.inbound.text, "C");
        assert_eq!(
            a.inbound.claim_key(),
            "inbound:aws:cae173d2-66b9-564c-8309-21f858e9fb84"
        );
    }

    #[test]
    fn missing_or_mistyped_fields_are_named() {
        let err = parse(r#"{"originationNumber": "+14155552671"}"#).unwrap_err();
        assert!(err.to_string().contains("inboundMessageId"), "{err}");
        for bad in ["", "[]", "null", "{", r#"{"inboundMessageId": 5}"#] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
