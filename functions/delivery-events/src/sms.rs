//! AWS End User Messaging SMS events (an event destination publishing `TEXT_*` events to
//! SNS): `messageId`, `originationPhoneNumber` and `messageStatus`.

use frontdesk::delivery_status::Reported;
use frontdesk::providers::Permanent;
use serde_json::Value;

use crate::{Event, EventError};

/// Whether the JSON is an End User Messaging SMS event.
pub fn is_sms(v: &Value) -> bool {
    v.get("messageStatus").is_some() && v.get("originationPhoneNumber").is_some()
}

/// What a `messageStatus` reports. `INVALID` and `OPTED_OUT` are about the number itself.
pub fn reported(status: &str) -> Option<Reported> {
    Some(match status {
        "PENDING" | "QUEUED" | "SUCCESSFUL" => Reported::Sent,
        "DELIVERED" => Reported::Delivered,
        "INVALID"
        | "OPTED_OUT"
        | "BLOCKED"
        | "CARRIER_BLOCKED"
        | "UNREACHABLE"
        | "CARRIER_UNREACHABLE"
        | "TTL_EXPIRED"
        | "SPAM"
        | "INVALID_MESSAGE"
        | "UNKNOWN" => {
            let permanent = match status {
                "INVALID" => Some(Permanent::InvalidNumber),
                "OPTED_OUT" => Some(Permanent::OptedOut),
                _ => None,
            };
            Reported::Undelivered {
                code: format!("aws:{}", status.to_ascii_lowercase()),
                for_good: permanent.map(|p| {
                    format!(
                        "{} (AWS status {status})",
                        frontdesk::channel_health::describe(p)
                    )
                }),
            }
        }
        _ => return None,
    })
}

pub fn parse(v: &Value) -> Result<Event, EventError> {
    let get = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let message_id =
        get("messageId").ok_or_else(|| EventError::Unreadable("messageId is required".into()))?;
    let origination = get("originationPhoneNumber")
        .ok_or_else(|| EventError::Unreadable("originationPhoneNumber is required".into()))?;
    let status = get("messageStatus").unwrap_or_default();
    Ok(match reported(status) {
        Some(reported) => Event::Sms {
            origination: origination.to_string(),
            message_id: message_id.to_string(),
            reported,
        },
        None => Event::Ignored("sms_status"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_and_only_invalid_or_opted_out_are_for_good() {
        assert_eq!(reported("DELIVERED"), Some(Reported::Delivered));
        assert_eq!(reported("SUCCESSFUL"), Some(Reported::Sent));
        assert!(matches!(
            reported("OPTED_OUT"),
            Some(Reported::Undelivered {
                for_good: Some(_),
                ..
            })
        ));
        assert!(matches!(
            reported("UNREACHABLE"),
            Some(Reported::Undelivered { for_good: None, .. })
        ));
        assert_eq!(reported("WHATEVER"), None);
    }
}
