//! Vonage SMS API (chosen over the Messages API: it authenticates with the API key and
//! secret the practice already has, and its inbound webhooks are the signed ones
//! inbound-sms verifies). `POST /sms/json`, form-encoded, `api_key`/`api_secret`,
//! `status-report-req=1` and `callback`. Numbers go without the `+`. The answer is
//! `200` even for most failures; each part has a `status` ("0" = accepted).

use serde::Deserialize;

use super::policy::{parse_retry_after, retryable_status, Permanent, Verdict};

/// A practice's Vonage outbound credentials. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct VonageCreds {
    pub api_key: String,
    pub api_secret: String,
}

impl std::fmt::Debug for VonageCreds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VonageCreds")
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

pub const PATH: &str = "/sms/json";

fn bare(number: &str) -> String {
    number.trim_start_matches('+').to_string()
}

/// The form fields.
pub fn form(
    creds: &VonageCreds,
    from: &str,
    to: &str,
    text: &str,
    callback: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("api_key", creds.api_key.clone()),
        ("api_secret", creds.api_secret.clone()),
        ("from", bare(from)),
        ("to", bare(to)),
        ("text", text.to_string()),
        ("type", "unicode".to_string()),
    ];
    if let Some(cb) = callback {
        f.push(("status-report-req", "1".into()));
        f.push(("callback", cb.to_string()));
    }
    f
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    messages: Vec<Part>,
}

#[derive(Deserialize)]
struct Part {
    status: Option<String>,
    #[serde(rename = "message-id")]
    message_id: Option<String>,
}

/// Vonage SMS API status codes: 1 (throttled) and 5 (internal error) may be retried;
/// the rest are permanent.
pub fn status_outcome(code: &str) -> Option<Permanent> {
    match code {
        "1" | "5" => None,
        "4" | "14" | "32" => Some(Permanent::BadCredentials),
        "3" => Some(Permanent::InvalidNumber),
        "7" | "8" | "29" | "33" => Some(Permanent::Barred),
        "15" => Some(Permanent::BadSender),
        _ => Some(Permanent::Refused),
    }
}

/// What a Vonage answer means. A multi-part message is sent when every part is; its id is
/// the first part's.
pub fn verdict(status: u16, retry_after: Option<&str>, body: &[u8]) -> Verdict {
    if retryable_status(status) {
        return Verdict::Retry {
            retry_after: parse_retry_after(retry_after),
            code: "http".into(),
            status,
        };
    }
    let parts = serde_json::from_slice::<Answer>(body)
        .map(|a| a.messages)
        .unwrap_or_default();
    if !(200..300).contains(&status) || parts.is_empty() {
        let reason = if matches!(status, 401 | 403) {
            Permanent::BadCredentials
        } else {
            Permanent::Refused
        };
        return Verdict::Reject {
            reason,
            code: "none".into(),
            status,
        };
    }
    if let Some(bad) = parts.iter().find(|p| p.status.as_deref() != Some("0")) {
        let code = bad.status.clone().unwrap_or_else(|| "none".into());
        return match status_outcome(&code) {
            None => Verdict::Retry {
                retry_after: parse_retry_after(retry_after),
                code,
                status,
            },
            Some(reason) => Verdict::Reject {
                reason,
                code,
                status,
            },
        };
    }
    match parts.into_iter().find_map(|p| p.message_id) {
        Some(id) if !id.is_empty() => Verdict::Sent(id),
        _ => Verdict::Reject {
            reason: Permanent::Refused,
            code: "no_message_id".into(),
            status,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_parts_return_the_first_id() {
        let v = verdict(
            200,
            None,
            br#"{"message-count":"1","messages":[{"to":"447700900000","message-id":"0A000000123","status":"0"}]}"#,
        );
        assert_eq!(v, Verdict::Sent("0A000000123".into()));
    }

    #[test]
    fn status_codes_decide_retry_or_reject() {
        let body = |s: &str| {
            format!(r#"{{"message-count":"1","messages":[{{"status":"{s}","error-text":"x"}}]}}"#)
        };
        assert!(matches!(
            verdict(200, None, body("1").as_bytes()),
            Verdict::Retry { .. }
        ));
        assert!(matches!(
            verdict(200, None, body("5").as_bytes()),
            Verdict::Retry { .. }
        ));
        assert!(matches!(
            verdict(200, None, body("4").as_bytes()),
            Verdict::Reject {
                reason: Permanent::BadCredentials,
                ..
            }
        ));
        assert!(matches!(
            verdict(200, None, body("29").as_bytes()),
            Verdict::Reject {
                reason: Permanent::Barred,
                ..
            }
        ));
        assert!(matches!(
            verdict(429, Some("2"), b""),
            Verdict::Retry {
                retry_after: Some(_),
                ..
            }
        ));
        assert!(matches!(
            verdict(200, None, b"not json"),
            Verdict::Reject { .. }
        ));
    }

    #[test]
    fn numbers_lose_the_plus_and_the_receipt_is_asked_for() {
        let c = VonageCreds {
            api_key: "k".into(),
            api_secret: "s3cret".into(),
        };
        let f = form(&c, "+15550001111", "+15550002222", "Hi", Some("https://cb"));
        assert!(f.contains(&("from", "15550001111".into())));
        assert!(f.contains(&("to", "15550002222".into())));
        assert!(f.contains(&("status-report-req", "1".into())));
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
