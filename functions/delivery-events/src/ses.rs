//! SES events, as a configuration set's SNS event destination publishes them
//! (`eventType`) or as identity notifications do (`notificationType`): `Bounce`,
//! `Complaint`, `Delivery`, `Reject`, `DeliveryDelay`; others are ignored.

use frontdesk::delivery_status::Reported;
use serde_json::Value;

use crate::{EmailEvent, Event, EventError};

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str()
}

/// `"Name" <a@b>` or `a@b`: the address.
fn address(source: &str) -> String {
    let s = source.trim();
    match (s.rfind('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].trim().to_string(),
        _ => s.to_string(),
    }
}

/// Whether the JSON is an SES event.
pub fn is_ses(v: &Value) -> bool {
    v.get("mail").is_some_and(Value::is_object)
        && (v.get("eventType").is_some() || v.get("notificationType").is_some())
}

pub fn parse(v: &Value) -> Result<Event, EventError> {
    let kind = str_at(v, &["eventType"])
        .or(str_at(v, &["notificationType"]))
        .ok_or_else(|| EventError::Unreadable("eventType is required".into()))?;
    let message_id = str_at(v, &["mail", "messageId"])
        .filter(|s| !s.is_empty())
        .ok_or_else(|| EventError::Unreadable("mail.messageId is required".into()))?
        .to_string();
    let sender = address(
        str_at(v, &["mail", "source"])
            .ok_or_else(|| EventError::Unreadable("mail.source is required".into()))?,
    );
    let what = match kind {
        "Bounce" => {
            let bounce_type = str_at(v, &["bounce", "bounceType"]).unwrap_or("Undetermined");
            let sub = str_at(v, &["bounce", "bounceSubType"]).unwrap_or("General");
            let permanent = bounce_type == "Permanent";
            EmailEvent::Report(Reported::Undelivered {
                code: format!(
                    "ses:bounce:{}:{}",
                    bounce_type.to_ascii_lowercase(),
                    sub.to_ascii_lowercase()
                ),
                for_good: permanent.then(|| {
                    format!(
                        "the email address bounced permanently ({sub}): it does not exist or \
                         does not accept mail"
                    )
                }),
            })
        }
        "Complaint" => EmailEvent::Complaint {
            feedback_id: str_at(v, &["complaint", "feedbackId"])
                .unwrap_or(&message_id)
                .to_string(),
        },
        "Delivery" => EmailEvent::Report(Reported::Delivered),
        "Reject" => EmailEvent::Report(Reported::Undelivered {
            code: "ses:reject".into(),
            for_good: None,
        }),
        "DeliveryDelay" => return Ok(Event::Ignored("delivery_delay")),
        _ => return Ok(Event::Ignored("ses_event_type")),
    };
    Ok(Event::Email {
        sender,
        message_id,
        what,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, extra: Value) -> Value {
        let mut v = json!({"eventType": kind, "mail": {
            "timestamp": "2026-03-10T15:00:00.000Z", "source": "Smile Dental <front@smile.example>",
            "messageId": "ses-1", "destination": ["ann@example.com"]}});
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        v
    }

    #[test]
    fn bounces_are_permanent_or_not_and_name_their_subtype() {
        let v = event(
            "Bounce",
            json!({"bounce": {"bounceType": "Permanent", "bounceSubType": "NoEmail"}}),
        );
        assert!(is_ses(&v));
        match parse(&v).unwrap() {
            Event::Email {
                sender,
                message_id,
                what: EmailEvent::Report(Reported::Undelivered { code, for_good }),
            } => {
                assert_eq!(sender, "front@smile.example");
                assert_eq!(message_id, "ses-1");
                assert_eq!(code, "ses:bounce:permanent:noemail");
                assert!(for_good.is_some());
            }
            other => panic!("{other:?}"),
        }
        let v = event(
            "Bounce",
            json!({"bounce": {"bounceType": "Transient", "bounceSubType": "MailboxFull"}}),
        );
        assert!(matches!(
            parse(&v).unwrap(),
            Event::Email {
                what: EmailEvent::Report(Reported::Undelivered { for_good: None, .. }),
                ..
            }
        ));
    }

    #[test]
    fn other_types_are_read_or_ignored_and_bad_events_are_refused() {
        assert!(matches!(
            parse(&event("Delivery", json!({}))).unwrap(),
            Event::Email {
                what: EmailEvent::Report(Reported::Delivered),
                ..
            }
        ));
        assert!(matches!(
            parse(&event(
                "Complaint",
                json!({"complaint": {"feedbackId": "f-1"}})
            ))
            .unwrap(),
            Event::Email {
                what: EmailEvent::Complaint { .. },
                ..
            }
        ));
        assert_eq!(
            parse(&event("DeliveryDelay", json!({}))).unwrap(),
            Event::Ignored("delivery_delay")
        );
        assert_eq!(
            parse(&event("Open", json!({}))).unwrap(),
            Event::Ignored("ses_event_type")
        );
        assert!(parse(&json!({"eventType": "Bounce", "mail": {}})).is_err());
    }
}
