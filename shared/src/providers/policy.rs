//! Pure decisions shared by the provider adapters: what an HTTP answer means
//! ([`Verdict`]), the permanent reasons ([`Permanent`]) and the retry policy
//! ([`RetryPolicy`]). No I/O; unit- and property-tested.

use std::time::Duration;

use crate::domain::SmsProvider;
use crate::Error;

/// Why a provider refused a message for good. The code is stable: it goes into the
/// `SendRejected` reason as `<provider>:<code>` (e.g. `twilio:opted_out`), with the
/// provider's own numeric code, never its text (which can echo phone numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permanent {
    /// The recipient opted out at the carrier/provider (Twilio 21610, Telnyx 40300).
    OptedOut,
    /// The number is not a valid phone number (Twilio 21211, Vonage 3 on `to`).
    InvalidNumber,
    /// The number cannot receive SMS: landline or non-mobile (Twilio 21614).
    NotMobile,
    /// The destination or account is barred (Vonage 7, 29, 33).
    Barred,
    /// The practice's provider credentials are wrong (HTTP 401/403, Vonage 4).
    BadCredentials,
    /// The practice's `from`/sender is not usable on the account (Vonage 15, Twilio 21606).
    BadSender,
    /// Any other refusal (other 4xx, other documented permanent codes).
    Refused,
}

impl Permanent {
    pub fn code(self) -> &'static str {
        match self {
            Self::OptedOut => "opted_out",
            Self::InvalidNumber => "invalid_number",
            Self::NotMobile => "not_mobile",
            Self::Barred => "barred",
            Self::BadCredentials => "bad_credentials",
            Self::BadSender => "bad_sender",
            Self::Refused => "refused",
        }
    }

    /// The reason a `code()` names.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::OptedOut,
            Self::InvalidNumber,
            Self::NotMobile,
            Self::Barred,
            Self::BadCredentials,
            Self::BadSender,
            Self::Refused,
        ]
        .into_iter()
        .find(|p| p.code() == code)
    }

    /// Whether it says something about the patient's number (channel health), rather
    /// than about the practice's account.
    pub fn is_about_recipient(self) -> bool {
        matches!(self, Self::OptedOut | Self::InvalidNumber | Self::NotMobile)
    }
}

/// What one provider answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted; the provider's message id.
    Sent(String),
    /// May succeed later (429, 5xx, documented throttling codes).
    Retry {
        retry_after: Option<Duration>,
        code: String,
        status: u16,
    },
    /// Never retried, never sent another way.
    Reject {
        reason: Permanent,
        code: String,
        status: u16,
    },
}

impl Verdict {
    /// The error a caller sees once retrying is over (or was never allowed).
    pub fn into_error(self, provider: SmsProvider) -> Option<Error> {
        match self {
            Verdict::Sent(_) => None,
            Verdict::Retry { code, status, .. } => Some(Error::SendUnavailable(format!(
                "{provider}:{code} (HTTP {status})"
            ))),
            Verdict::Reject {
                reason,
                code,
                status,
            } => Some(Error::SendRejected(format!(
                "{provider}:{} (code {code}, HTTP {status})",
                reason.code()
            ))),
        }
    }
}

/// A status that the provider documents as retryable.
pub fn retryable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// `Retry-After` in delta-seconds (what Twilio, Telnyx and Vonage send). An HTTP-date or
/// junk is `None`: the backoff decides instead.
pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    let v = value?.trim();
    if v.is_empty() || v.len() > 10 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse::<u64>().ok().map(Duration::from_secs)
}

/// Bounded, jittered retries of retryable answers within one send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The first backoff; doubled each attempt up to `cap`.
    pub base: Duration,
    pub cap: Duration,
    /// A `Retry-After` longer than this ends the send as unavailable (a later run
    /// retries) instead of holding the function.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(2),
            max_wait: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The wait before the next attempt after `attempt` (1-based) failed retryably, or
    /// `None` to stop. `jitter` is uniform in `[0, 1)`. A `Retry-After` is honoured
    /// (never waited less), the backoff is "equal jitter": half fixed, half random.
    pub fn next_delay(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let shift = attempt.saturating_sub(1).min(16);
        let backoff = self.base.saturating_mul(1u32 << shift).min(self.cap);
        let spread = backoff.mul_f64(0.5 + jitter / 2.0);
        match retry_after {
            Some(d) if d > self.max_wait => None,
            Some(d) => Some(d + self.base.mul_f64(jitter / 2.0)),
            None => Some(spread),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_429_and_5xx_are_retryable() {
        for s in [429, 500, 502, 503, 599] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [200, 201, 400, 401, 403, 404, 409, 422, 600] {
            assert!(!retryable_status(s), "{s}");
        }
    }

    #[test]
    fn retry_after_is_read_in_seconds_only() {
        assert_eq!(parse_retry_after(Some("2")), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(Some(" 0 ")), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
        assert_eq!(parse_retry_after(Some("-1")), None);
        assert_eq!(parse_retry_after(Some("99999999999999")), None);
        assert_eq!(parse_retry_after(None), None);
    }

    #[test]
    fn a_rejection_names_provider_reason_and_code_only() {
        let e = Verdict::Reject {
            reason: Permanent::OptedOut,
            code: "21610".into(),
            status: 400,
        }
        .into_error(SmsProvider::Twilio)
        .unwrap();
        assert_eq!(
            e,
            Error::SendRejected("twilio:opted_out (code 21610, HTTP 400)".into())
        );
        assert!(Verdict::Sent("x".into())
            .into_error(SmsProvider::Twilio)
            .is_none());
    }

    #[test]
    fn a_long_retry_after_gives_up_and_the_last_attempt_stops() {
        let p = RetryPolicy::default();
        assert_eq!(p.next_delay(1, Some(Duration::from_secs(60)), 0.5), None);
        assert_eq!(p.next_delay(3, None, 0.5), None);
        assert_eq!(
            p.next_delay(1, Some(Duration::from_secs(1)), 0.0),
            Some(Duration::from_secs(1))
        );
    }

    proptest! {
        #[test]
        fn delays_are_bounded_and_honour_retry_after(
            attempt in 1u32..10,
            after in proptest::option::of(0u64..10_000),
            jitter in 0.0f64..1.0,
        ) {
            let p = RetryPolicy::default();
            let after = after.map(Duration::from_millis);
            match p.next_delay(attempt, after, jitter) {
                None => prop_assert!(attempt >= p.max_attempts || after.is_some_and(|d| d > p.max_wait)),
                Some(d) => {
                    prop_assert!(attempt < p.max_attempts);
                    prop_assert!(d <= p.max_wait + p.base);
                    if let Some(a) = after { prop_assert!(d >= a); }
                    else { prop_assert!(d <= p.cap && d >= p.base / 2); }
                }
            }
        }

        #[test]
        fn at_most_max_attempts_are_made(jitter in 0.0f64..1.0) {
            let p = RetryPolicy::default();
            let attempts = (1..).take_while(|a| *a == 1 || p.next_delay(a - 1, None, jitter).is_some()).take(100).count();
            prop_assert_eq!(attempts as u32, p.max_attempts);
        }
    }
}
