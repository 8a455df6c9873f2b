//! Telnyx Messaging: `POST /v2/messages`, JSON, `Authorization: Bearer <API key>`.
//! Success is `200 {"data": {"id": …}}`; errors are
//! `{"errors": [{"code": "40300", "title": …, "detail": …}]}`.

use serde::Deserialize;
use serde_json::{json, Value};

use super::policy::{parse_retry_after, retryable_status, Permanent, Verdict};

/// A practice's Telnyx outbound credentials. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct TelnyxCreds {
    pub api_key: String,
    pub messaging_profile_id: Option<String>,
}

impl std::fmt::Debug for TelnyxCreds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelnyxCreds")
            .field("messaging_profile_id", &self.messaging_profile_id)
            .finish_non_exhaustive()
    }
}

pub const PATH: &str = "/v2/messages";

/// The JSON body: `from`, `to`, `text`, `messaging_profile_id`, `webhook_url`.
pub fn body(
    creds: &TelnyxCreds,
    from: Option<&str>,
    to: &str,
    text: &str,
    webhook_url: Option<&str>,
) -> Value {
    let mut b = json!({ "to": to, "text": text, "type": "SMS" });
    if let Some(from) = from {
        b["from"] = json!(from);
    }
    if let Some(p) = &creds.messaging_profile_id {
        b["messaging_profile_id"] = json!(p);
    }
    if let Some(w) = webhook_url {
        b["webhook_url"] = json!(w);
    }
    b
}

#[derive(Deserialize)]
struct Created {
    data: Option<CreatedData>,
}

#[derive(Deserialize)]
struct CreatedData {
    id: Option<String>,
}

#[derive(Deserialize)]
struct Errors {
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    code: Option<Value>,
}

/// Telnyx's documented permanent codes we act on.
pub fn permanent(code: &str) -> Permanent {
    match code {
        "40300" => Permanent::OptedOut,
        "40310" | "40311" | "10002" => Permanent::InvalidNumber,
        "40001" => Permanent::NotMobile,
        "40305" | "40013" => Permanent::BadSender,
        "10009" | "40301" => Permanent::BadCredentials,
        _ => Permanent::Refused,
    }
}

fn first_code(body: &[u8]) -> Option<String> {
    let e = serde_json::from_slice::<Errors>(body).ok()?;
    match e.errors.into_iter().next()?.code? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What a Telnyx answer means.
pub fn verdict(status: u16, retry_after: Option<&str>, body: &[u8]) -> Verdict {
    if (200..300).contains(&status) {
        let id = serde_json::from_slice::<Created>(body)
            .ok()
            .and_then(|c| c.data)
            .and_then(|d| d.id);
        return match id {
            Some(id) if !id.is_empty() => Verdict::Sent(id),
            _ => Verdict::Retry {
                retry_after: None,
                code: "no_id".into(),
                status,
            },
        };
    }
    let code = first_code(body);
    let code_str = code.clone().unwrap_or_else(|| "none".into());
    if retryable_status(status) {
        return Verdict::Retry {
            retry_after: parse_retry_after(retry_after),
            code: code_str,
            status,
        };
    }
    let reason = match (status, code.as_deref()) {
        (401 | 403, c) if c != Some("40300") => Permanent::BadCredentials,
        (_, Some(c)) => permanent(c),
        _ => Permanent::Refused,
    };
    Verdict::Reject {
        reason,
        code: code_str,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_returns_the_message_id() {
        let v = verdict(
            200,
            None,
            br#"{"data":{"id":"4031938e-1","record_type":"message"}}"#,
        );
        assert_eq!(v, Verdict::Sent("4031938e-1".into()));
    }

    #[test]
    fn opt_out_and_auth_are_permanent() {
        let v = verdict(
            400,
            None,
            br#"{"errors":[{"code":"40300","title":"Blocked due to STOP message","detail":"x"}]}"#,
        );
        assert!(
            matches!(v, Verdict::Reject { reason: Permanent::OptedOut, ref code, .. } if code == "40300")
        );
        let v = verdict(
            401,
            None,
            br#"{"errors":[{"code":"10009","title":"Authentication failed"}]}"#,
        );
        assert!(matches!(
            v,
            Verdict::Reject {
                reason: Permanent::BadCredentials,
                ..
            }
        ));
        assert!(matches!(
            verdict(422, None, b"{}"),
            Verdict::Reject {
                reason: Permanent::Refused,
                ..
            }
        ));
    }

    #[test]
    fn throttling_retries() {
        let v = verdict(
            429,
            Some("1"),
            br#"{"errors":[{"code":"10011","title":"Too many requests"}]}"#,
        );
        assert!(matches!(
            v,
            Verdict::Retry {
                retry_after: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn the_body_carries_the_profile_and_webhook() {
        let c = TelnyxCreds {
            api_key: "KEYsecret".into(),
            messaging_profile_id: Some("mp-1".into()),
        };
        let b = body(
            &c,
            Some("+15550001111"),
            "+15550002222",
            "Hi",
            Some("https://cb"),
        );
        assert_eq!(b["from"], "+15550001111");
        assert_eq!(b["messaging_profile_id"], "mp-1");
        assert_eq!(b["webhook_url"], "https://cb");
        assert!(!format!("{c:?}").contains("KEYsecret"));
    }
}
