//! The addresses and links every email to a patient carries, built and checked in one place:
//!
//! - **Reply-To** `reply+<practice_id>@<receiving domain>` (an automated email adds its kind:
//!   `reply+<practice_id>+<kind>@…`, so a STOP reply opts out of that kind only). SES
//!   receives it and `inbound-email` reads the practice (and kind) back with [`parse_reply_to`].
//! - **List-Unsubscribe** (RFC 8058): an https URL with a signed, expiring token naming the
//!   practice, the patient and the kind, plus a `mailto:` to the reply address.
//!
//! The token is `base64url(v1|practice|patient|kind|expires epoch)` `.` `base64url(HMAC-SHA256)`
//! under the deployment's unsubscribe secret; it is checked in constant time and carries no
//! name, address or health information.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::{EmailAddress, MessageKind, PatientId, PracticeId};
use crate::{Error, Result};

/// How long an unsubscribe link works (mail sits in inboxes; RFC 8058 asks that the link keep
/// working for a reasonable time).
pub const TOKEN_LIFETIME: Duration = Duration::days(90);
/// The path the links point at (served by practice-api, unauthenticated).
pub const UNSUBSCRIBE_PATH: &str = "/public/email/preferences";
/// The header value RFC 8058 requires next to a one-click URL.
pub const ONE_CLICK: &str = "List-Unsubscribe=One-Click";
/// The shortest secret accepted.
pub const MIN_SECRET_BYTES: usize = 32;

const VERSION: &str = "v1";

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub practice_id: PracticeId,
    pub patient_id: PatientId,
    pub kind: MessageKind,
    pub expires_at: DateTime<Utc>,
}

/// Why a token was refused (all answered the same way to the patient: a plain error page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    BadSignature,
    Expired,
}

/// The deployment's email link settings: secret, public base URL, receiving domain.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailLinks {
    secret: Vec<u8>,
    base_url: String,
    domain: String,
}

impl std::fmt::Debug for EmailLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailLinks")
            .field("secret", &"***")
            .field("base_url", &self.base_url)
            .field("domain", &self.domain)
            .finish()
    }
}

impl EmailLinks {
    /// `base_url`: the public https origin of the HTTP API; `domain`: the SES receiving domain.
    pub fn new(secret: &str, base_url: &str, domain: &str) -> Result<Self> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(Error::Config(format!(
                "the unsubscribe secret must be at least {MIN_SECRET_BYTES} bytes \
                 (generate one with `openssl rand -hex 32`)"
            )));
        }
        let base_url = base_url.trim().trim_end_matches('/');
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(Error::Config(
                "the public base URL must be an http(s) origin such as https://api.example.com"
                    .into(),
            ));
        }
        let domain = domain.trim().to_ascii_lowercase();
        EmailAddress::parse(&format!("reply@{domain}")).map_err(|_| {
            Error::Config("the receiving domain must be a domain such as mail.example.com".into())
        })?;
        Ok(Self {
            secret: secret.as_bytes().to_vec(),
            base_url: base_url.to_string(),
            domain,
        })
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
    }

    /// The reply address of an email from `practice`; `kind` for automated email.
    pub fn reply_to(&self, practice: &PracticeId, kind: Option<MessageKind>) -> String {
        match kind {
            Some(k) => format!("reply+{practice}+{}@{}", k.as_str(), self.domain),
            None => format!("reply+{practice}@{}", self.domain),
        }
    }

    /// A signed token for one patient's one kind of email, valid until `now + TOKEN_LIFETIME`.
    pub fn token(
        &self,
        practice: &PracticeId,
        patient: &PatientId,
        kind: MessageKind,
        now: DateTime<Utc>,
    ) -> String {
        let expires = now.checked_add_signed(TOKEN_LIFETIME).unwrap_or(now);
        let payload = format!(
            "{VERSION}|{practice}|{patient}|{}|{}",
            kind.as_str(),
            expires.timestamp()
        );
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let sig = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(sig)
        )
    }

    /// The one-click URL (its GET is the preference page).
    pub fn unsubscribe_url(&self, token: &str) -> String {
        format!("{}{UNSUBSCRIBE_PATH}?token={token}", self.base_url)
    }

    /// The `List-Unsubscribe` header value: the https URL, then the mailto.
    pub fn list_unsubscribe(
        &self,
        practice: &PracticeId,
        patient: &PatientId,
        kind: MessageKind,
        now: DateTime<Utc>,
    ) -> String {
        let url = self.unsubscribe_url(&self.token(practice, patient, kind, now));
        format!(
            "<{url}>, <mailto:{}?subject=unsubscribe>",
            self.reply_to(practice, Some(kind))
        )
    }

    /// Checks a token's signature (constant time) and expiry.
    pub fn verify(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> std::result::Result<Unsubscribe, TokenError> {
        let (payload_b64, sig_b64) = token.trim().split_once('.').ok_or(TokenError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .map_err(|_| TokenError::Malformed)?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig_b64)
            .map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_slice(&sig)
            .map_err(|_| TokenError::BadSignature)?;
        let payload = String::from_utf8(payload).map_err(|_| TokenError::Malformed)?;
        let parts: Vec<&str> = payload.split('|').collect();
        let [VERSION, practice, patient, kind, expires] = parts.as_slice() else {
            return Err(TokenError::Malformed);
        };
        let expires_at = expires
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or(TokenError::Malformed)?;
        if now > expires_at {
            return Err(TokenError::Expired);
        }
        Ok(Unsubscribe {
            practice_id: PracticeId::parse(*practice).map_err(|_| TokenError::Malformed)?,
            patient_id: PatientId::parse(*patient).map_err(|_| TokenError::Malformed)?,
            kind: parse_kind(kind).ok_or(TokenError::Malformed)?,
            expires_at,
        })
    }
}

/// A kind by its wire name (`care`, `reviews`, `marketing`).
pub fn parse_kind(s: &str) -> Option<MessageKind> {
    MessageKind::ALL.into_iter().find(|k| k.as_str() == s)
}

/// The practice (and, for an automated email, the kind) a reply was addressed to:
/// `reply+<practice>[+<kind>]@<domain>` on the receiving domain. Anything else is `None`.
pub fn parse_reply_to(address: &str, domain: &str) -> Option<(PracticeId, Option<MessageKind>)> {
    let (local, at) = address.trim().rsplit_once('@')?;
    if !at.eq_ignore_ascii_case(domain) {
        return None;
    }
    let tag = local
        .strip_prefix("reply+")
        .or_else(|| local.strip_prefix("REPLY+"))?;
    let (practice, kind) = match tag.split_once('+') {
        Some((p, k)) => (p, Some(parse_kind(&k.to_ascii_lowercase())?)),
        None => (tag, None),
    };
    Some((PracticeId::parse(practice).ok()?, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> EmailLinks {
        EmailLinks::new(
            &"k".repeat(32),
            "https://api.example.com/",
            "mail.example.com",
        )
        .unwrap()
    }
    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_token_round_trips_until_it_expires() {
        let l = links();
        let (pr, pt) = (
            PracticeId::parse("prc_a").unwrap(),
            PatientId::parse("pt-1").unwrap(),
        );
        let now = t("2026-01-01T00:00:00Z");
        let token = l.token(&pr, &pt, MessageKind::Reviews, now);
        let ok = l.verify(&token, now + Duration::days(89)).unwrap();
        assert_eq!(
            (ok.practice_id, ok.patient_id, ok.kind),
            (pr, pt, MessageKind::Reviews)
        );
        assert_eq!(
            l.verify(&token, now + Duration::days(91)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn a_tampered_or_foreign_token_is_refused() {
        let l = links();
        let now = t("2026-01-01T00:00:00Z");
        let token = l.token(
            &PracticeId::parse("prc_a").unwrap(),
            &PatientId::parse("pt-1").unwrap(),
            MessageKind::Care,
            now,
        );
        let other =
            EmailLinks::new(&"x".repeat(32), "https://a.example.com", "m.example.com").unwrap();
        assert_eq!(other.verify(&token, now), Err(TokenError::BadSignature));
        let (_, sig) = token.split_once('.').unwrap();
        let forged = format!(
            "{}.{sig}",
            URL_SAFE_NO_PAD.encode("v1|prc_b|pt-1|care|9999999999")
        );
        assert_eq!(l.verify(&forged, now), Err(TokenError::BadSignature));
        for junk in ["", "abc", "a.b", "..", "%%.%%"] {
            assert!(l.verify(junk, now).is_err());
        }
    }

    #[test]
    fn the_headers_and_reply_addresses_name_the_practice_and_kind() {
        let l = links();
        let pr = PracticeId::parse("prc_a").unwrap();
        let pt = PatientId::parse("pt-1").unwrap();
        let h = l.list_unsubscribe(&pr, &pt, MessageKind::Care, t("2026-01-01T00:00:00Z"));
        assert!(
            h.starts_with("<https://api.example.com/public/email/preferences?token="),
            "{h}"
        );
        assert!(h.ends_with(", <mailto:reply+prc_a+care@mail.example.com?subject=unsubscribe>"));
        assert_eq!(
            parse_reply_to("reply+prc_a+care@mail.example.com", "mail.example.com"),
            Some((pr.clone(), Some(MessageKind::Care)))
        );
        assert_eq!(
            parse_reply_to("reply+prc_a@MAIL.example.com", "mail.example.com"),
            Some((pr, None))
        );
        for bad in [
            "reply+prc_a@other.com",
            "someone@mail.example.com",
            "reply+@mail.example.com",
            "reply+prc_a+junk@mail.example.com",
        ] {
            assert_eq!(parse_reply_to(bad, "mail.example.com"), None, "{bad}");
        }
    }

    #[test]
    fn short_secrets_and_bad_settings_are_refused() {
        assert!(EmailLinks::new("short", "https://a.example.com", "m.example.com").is_err());
        assert!(EmailLinks::new(&"k".repeat(32), "ftp://a", "m.example.com").is_err());
        assert!(EmailLinks::new(&"k".repeat(32), "https://a.example.com", "not a domain").is_err());
    }
}
