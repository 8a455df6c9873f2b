//! Standard Webhooks signatures: `webhook-signature: v1,<base64 HMAC-SHA256 over
//! "<webhook-id>.<webhook-timestamp>.<body>">`, keyed with the decoded `whsec_` secret.
//! [`verify`] is what a receiver does (our tests' receiver uses it): constant-time, several
//! space-separated signatures accepted (secret rotation), timestamps within a tolerance.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::WebhookSecret;

pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// How far a receiver should accept a timestamp from its own clock (the spec's 5 minutes).
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

fn mac(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length; this cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    m.update(id.as_bytes());
    m.update(b".");
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// The `webhook-signature` value for one message.
pub fn sign(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(&secret.key(), id, timestamp, body)
        .finalize()
        .into_bytes();
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(tag)
    )
}

/// Why a message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the webhook-timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the webhook-timestamp is too far from now (replay?)")]
    Stale,
    #[error("no v1 signature matches")]
    NoMatch,
}

/// Checks a received message: the timestamp within [`TOLERANCE_SECONDS`] of `now` and one
/// of the space-separated `v1,` signatures matching, compared in constant time.
pub fn verify(
    secret: &WebhookSecret,
    id: &str,
    timestamp: &str,
    signatures: &str,
    body: &[u8],
    now: i64,
) -> Result<(), VerifyError> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::BadTimestamp)?;
    if (now - ts).abs() > TOLERANCE_SECONDS {
        return Err(VerifyError::Stale);
    }
    let key = secret.key();
    for sig in signatures.split(' ') {
        let Some(b64) = sig.strip_prefix("v1,") else {
            continue;
        };
        let Ok(tag) = base64::engine::general_purpose::STANDARD.decode(b64) else {
            continue;
        };
        if mac(&key, id, ts, body).verify_slice(&tag).is_ok() {
            return Ok(());
        }
    }
    Err(VerifyError::NoMatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;

    #[test]
    fn the_specifications_test_vector_reproduces() {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        assert_eq!(
            sign(&secret, ID, TS, BODY),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn verification_accepts_ours_among_others_and_refuses_changes() {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        let sig = sign(&secret, ID, TS, BODY);
        let header = format!("v1,bm9wZQ== {sig}");
        assert_eq!(
            verify(&secret, ID, &TS.to_string(), &header, BODY, TS + 10),
            Ok(())
        );
        assert_eq!(
            verify(&secret, ID, &TS.to_string(), &sig, b"{}", TS),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(&secret, "msg_other", &TS.to_string(), &sig, BODY, TS),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(&secret, ID, &TS.to_string(), &sig, BODY, TS + 301),
            Err(VerifyError::Stale)
        );
        assert_eq!(
            verify(&secret, ID, "soon", &sig, BODY, TS),
            Err(VerifyError::BadTimestamp)
        );
        let other = WebhookSecret::generate();
        assert_eq!(
            verify(&other, ID, &TS.to_string(), &sig, BODY, TS),
            Err(VerifyError::NoMatch)
        );
    }
}
