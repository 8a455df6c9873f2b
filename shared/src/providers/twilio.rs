//! Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`,
//! form-encoded, HTTP Basic auth (Account SID + auth token). Success is `201` with
//! `{"sid": "SM…"}`; errors are `{"code": 21610, "message": …, "status": 400}`.

use serde::Deserialize;

use super::policy::{parse_retry_after, retryable_status, Permanent, Verdict};

/// A practice's Twilio outbound credentials. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct TwilioCreds {
    pub account_sid: String,
    pub auth_token: String,
    pub messaging_service_sid: Option<String>,
}

impl std::fmt::Debug for TwilioCreds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioCreds")
            .field("account_sid", &self.account_sid)
            .finish_non_exhaustive()
    }
}

/// The request path for the account.
pub fn path(account_sid: &str) -> String {
    format!("/2010-04-01/Accounts/{account_sid}/Messages.json")
}

/// The account's number list (filtered with `PhoneNumber=`).
pub fn numbers_path(account_sid: &str) -> String {
    format!("/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers.json")
}

/// The form fields: `To`, `Body`, then `MessagingServiceSid` or `From`, and
/// `StatusCallback` when there is a public callback URL.
pub fn form(
    creds: &TwilioCreds,
    from: Option<&str>,
    to: &str,
    body: &str,
    status_callback: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut f = vec![("To", to.to_string()), ("Body", body.to_string())];
    match (&creds.messaging_service_sid, from) {
        (Some(ms), _) => f.push(("MessagingServiceSid", ms.clone())),
        (None, Some(from)) => f.push(("From", from.to_string())),
        (None, None) => {}
    }
    if let Some(cb) = status_callback {
        f.push(("StatusCallback", cb.to_string()));
    }
    f
}

#[derive(Deserialize)]
struct Created {
    sid: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<u32>,
}

/// Twilio's documented permanent error codes we act on.
pub fn permanent(code: u32) -> Permanent {
    match code {
        21610 => Permanent::OptedOut,
        21211 | 21217 | 21401 | 21421 => Permanent::InvalidNumber,
        21614 | 21408 => Permanent::NotMobile,
        21612 | 30004 => Permanent::Barred,
        21606 | 21659 | 21660 | 21212 => Permanent::BadSender,
        20003 | 20005 => Permanent::BadCredentials,
        _ => Permanent::Refused,
    }
}

/// What a Twilio answer means.
pub fn verdict(status: u16, retry_after: Option<&str>, body: &[u8]) -> Verdict {
    if (200..300).contains(&status) {
        return match serde_json::from_slice::<Created>(body)
            .ok()
            .and_then(|c| c.sid)
        {
            Some(sid) if !sid.is_empty() => Verdict::Sent(sid),
            _ => Verdict::Retry {
                retry_after: None,
                code: "no_sid".into(),
                status,
            },
        };
    }
    let code = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|e| e.code);
    let code_str = code.map_or_else(|| "none".to_string(), |c| c.to_string());
    // 20429 is Twilio's "Too Many Requests" code.
    if retryable_status(status) || code == Some(20429) {
        return Verdict::Retry {
            retry_after: parse_retry_after(retry_after),
            code: code_str,
            status,
        };
    }
    let reason = match (status, code) {
        (401 | 403, _) => Permanent::BadCredentials,
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

    fn creds() -> TwilioCreds {
        TwilioCreds {
            account_sid: "ACabc".into(),
            auth_token: "tok-secret".into(),
            messaging_service_sid: None,
        }
    }

    #[test]
    fn created_returns_the_sid() {
        let v = verdict(201, None, br#"{"sid":"SM123","status":"queued"}"#);
        assert_eq!(v, Verdict::Sent("SM123".into()));
    }

    #[test]
    fn documented_codes_map_to_reasons_and_are_never_retried() {
        for (code, reason) in [
            (21610, Permanent::OptedOut),
            (21211, Permanent::InvalidNumber),
            (21614, Permanent::NotMobile),
            (99999, Permanent::Refused),
        ] {
            let body = format!(r#"{{"code":{code},"message":"To +15551234567","status":400}}"#);
            match verdict(400, None, body.as_bytes()) {
                Verdict::Reject {
                    reason: r, code: c, ..
                } => {
                    assert_eq!(r, reason);
                    assert_eq!(c, code.to_string());
                }
                other => panic!("{code}: {other:?}"),
            }
        }
        let v = verdict(
            401,
            None,
            br#"{"code":20003,"message":"Authenticate","status":401}"#,
        );
        assert!(matches!(
            v,
            Verdict::Reject {
                reason: Permanent::BadCredentials,
                ..
            }
        ));
    }

    #[test]
    fn throttling_and_server_errors_retry_with_retry_after() {
        let v = verdict(
            429,
            Some("3"),
            br#"{"code":20429,"message":"Too Many Requests","status":429}"#,
        );
        assert!(matches!(v, Verdict::Retry { retry_after: Some(d), .. } if d.as_secs() == 3));
        assert!(matches!(
            verdict(503, None, b"<html>"),
            Verdict::Retry { .. }
        ));
    }

    #[test]
    fn a_messaging_service_replaces_from_and_the_callback_is_sent() {
        let f = form(
            &creds(),
            Some("+15550001111"),
            "+15550002222",
            "Hi",
            Some("https://cb"),
        );
        assert!(f.contains(&("From", "+15550001111".into())));
        assert!(f.contains(&("StatusCallback", "https://cb".into())));
        let mut c = creds();
        c.messaging_service_sid = Some("MG1".into());
        let f = form(&c, Some("+15550001111"), "+15550002222", "Hi", None);
        assert!(f.contains(&("MessagingServiceSid", "MG1".into())));
        assert!(!f
            .iter()
            .any(|(k, _)| *k == "From" || *k == "StatusCallback"));
        assert!(!format!("{c:?}").contains("tok-secret"));
    }
}
