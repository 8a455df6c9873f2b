//! A webhook subscription of one practice.

use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::EventType;
use crate::domain::{DomainError, PracticeId};

/// At most this many subscriptions per practice (each event is sent to each that wants it).
pub const MAX_ENDPOINTS: usize = 5;
const SECRET_PREFIX: &str = "whsec_";
const SECRET_BYTES: usize = 32;

/// A signing secret, `whsec_<base64 of 32 random bytes>` (the Standard Webhooks format).
/// Stored sealed under the KMS secrets key (`dynamo::sealing`), returned once when created
/// and never again; `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    pub fn generate() -> Self {
        let mut bytes = [0u8; SECRET_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!(
            "{SECRET_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ))
    }

    /// A secret given as text (tests, receivers): `whsec_` and base64.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let ok = s
            .strip_prefix(SECRET_PREFIX)
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .is_some_and(|k| (24..=64).contains(&k.len()));
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(DomainError::Invalid {
                field: "secret",
                reason: "must be whsec_ followed by the base64 of 24 to 64 bytes".into(),
            })
        }
    }

    /// The HMAC key: the base64 part, decoded.
    pub fn key(&self) -> Vec<u8> {
        let b = self.0.strip_prefix(SECRET_PREFIX).unwrap_or(&self.0);
        base64::engine::general_purpose::STANDARD
            .decode(b)
            .unwrap_or_else(|_| b.as_bytes().to_vec())
    }

    /// The text, for the one response that shows it.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

/// Whether deliveries are made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EndpointState {
    Active,
    /// Turned off after failing for the whole retry window; a staff task says why.
    /// Re-enable by creating the subscription again.
    Disabled {
        at: DateTime<Utc>,
        reason: String,
    },
}

/// One subscription: `WEBHOOK#<webhook_id>` in the practice's partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub practice_id: PracticeId,
    /// `wh_` and a lowercase ULID.
    pub webhook_id: String,
    pub url: String,
    pub events: Vec<EventType>,
    pub secret: WebhookSecret,
    #[serde(flatten)]
    pub state: EndpointState,
    pub created_at: DateTime<Utc>,
    /// When the current run of failures began (`None` while deliveries succeed).
    #[serde(default)]
    pub failing_since: Option<DateTime<Utc>>,
    /// The last failure, for staff: an HTTP status or "timeout", never a body.
    #[serde(default)]
    pub last_error: Option<String>,
    /// After a rotation, the secret before it and until when messages are signed with it
    /// too (a `webhook-signature` with two `v1,` values), so receivers can switch over.
    #[serde(default)]
    pub previous_secret: Option<(WebhookSecret, DateTime<Utc>)>,
}

/// How long the secret before a rotation still signs messages.
pub const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

/// Whether `url` may receive webhooks: https, at most 500 characters, no credentials.
/// `allow_http_loopback` admits `http://127.0.0.1` / `localhost` (local runs and tests).
pub fn check_url(url: &str, allow_http_loopback: bool) -> Result<(), DomainError> {
    let bad = |reason: &str| DomainError::Invalid {
        field: "url",
        reason: reason.into(),
    };
    if url.len() > 500 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("must be a URL of at most 500 characters"));
    }
    let parsed = url::Url::parse(url).map_err(|_| bad("must be an absolute https URL"))?;
    let host = parsed.host_str().unwrap_or_default();
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1");
    match parsed.scheme() {
        "https" if !host.is_empty() => {}
        "http" if allow_http_loopback && loopback => {}
        _ => return Err(bad("must be an https URL")),
    }
    // No internal targets given as IP literals (private, loopback, link-local, CGNAT,
    // multicast, metadata; IPv4-mapped too). Names are resolved and checked at
    // registration (`target::check_registration`) and on every delivery.
    let literal = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
        _ => None,
    };
    let internal = literal.is_some_and(|ip| !super::target::is_public(ip));
    if internal && !(allow_http_loopback && loopback) {
        return Err(bad("must not point at a private or internal address"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "must not carry credentials; we sign every request instead",
        ));
    }
    Ok(())
}

impl WebhookEndpoint {
    /// A new, active subscription with a fresh secret. `events` must not be empty.
    pub fn new(
        practice_id: PracticeId,
        url: &str,
        mut events: Vec<EventType>,
        allow_http_loopback: bool,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        check_url(url, allow_http_loopback)?;
        events.sort();
        events.dedup();
        if events.is_empty() {
            return Err(DomainError::Invalid {
                field: "events",
                reason: "name at least one event type".into(),
            });
        }
        Ok(Self {
            practice_id,
            webhook_id: format!("wh_{}", ulid::Ulid::new().to_string().to_lowercase()),
            url: url.to_string(),
            events,
            secret: WebhookSecret::generate(),
            state: EndpointState::Active,
            created_at: now,
            failing_since: None,
            last_error: None,
            previous_secret: None,
        })
    }

    /// A new secret; the old one keeps signing for [`ROTATION_OVERLAP`].
    pub fn rotate(&mut self, now: DateTime<Utc>) {
        let old = std::mem::replace(&mut self.secret, WebhookSecret::generate());
        self.previous_secret = Some((old, now + ROTATION_OVERLAP));
    }

    /// The secrets that sign a message sent at `now`: the current one first.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&WebhookSecret> {
        let mut out = vec![&self.secret];
        if let Some((old, until)) = &self.previous_secret {
            if now < *until {
                out.push(old);
            }
        }
        out
    }

    /// Whether an event of this type that happened at `at` goes to this subscription:
    /// active, subscribed to the type, and created by then (no history is replayed).
    pub fn wants(&self, ty: EventType, at: DateTime<Utc>) -> bool {
        self.state == EndpointState::Active && self.events.contains(&ty) && self.created_at <= at
    }

    /// A webhook id as given in a path: `wh_` and 26 lowercase ULID characters.
    pub fn valid_id(id: &str) -> bool {
        id.strip_prefix("wh_").is_some_and(|rest| {
            rest.len() == 26
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_standard_webhooks_secrets_and_never_printed() {
        let s = WebhookSecret::generate();
        assert!(s.reveal().starts_with("whsec_"));
        assert_eq!(s.key().len(), 32);
        assert_eq!(WebhookSecret::parse(s.reveal()).unwrap(), s);
        assert_eq!(format!("{s:?}"), "WebhookSecret(..)");
        assert!(WebhookSecret::parse("whsec_!!").is_err());
        assert!(WebhookSecret::parse("nope").is_err());
    }

    #[test]
    fn urls_must_be_https_without_credentials() {
        assert!(check_url("https://pms.example.com/hooks", false).is_ok());
        assert!(check_url("http://pms.example.com/hooks", false).is_err());
        assert!(check_url("http://127.0.0.1:9000/h", false).is_err());
        assert!(check_url("http://127.0.0.1:9000/h", true).is_ok());
        assert!(check_url("https://u:p@pms.example.com/", false).is_err());
        assert!(check_url("ftp://pms.example.com/", false).is_err());
        assert!(check_url("not a url", false).is_err());
        assert!(check_url("https://169.254.169.254/latest", false).is_err());
        assert!(check_url("https://10.0.0.8/h", false).is_err());
        assert!(check_url("https://[::1]/h", false).is_err());
        assert!(check_url("https://[::ffff:169.254.169.254]/h", false).is_err());
        assert!(check_url("https://100.64.1.1/h", false).is_err());
        assert!(check_url("https://[ff02::1]/h", false).is_err());
    }

    #[test]
    fn an_endpoint_gets_only_what_it_asked_for_from_its_creation_on() {
        let now = chrono::Utc::now();
        let p = PracticeId::parse("p1").unwrap();
        let e = WebhookEndpoint::new(
            p,
            "https://x.example/h",
            vec![EventType::TaskCreated, EventType::TaskCreated],
            false,
            now,
        )
        .unwrap();
        assert_eq!(e.events, vec![EventType::TaskCreated]);
        assert!(WebhookEndpoint::valid_id(&e.webhook_id));
        assert!(e.wants(EventType::TaskCreated, now));
        assert!(!e.wants(EventType::TaskResolved, now));
        assert!(!e.wants(EventType::TaskCreated, now - chrono::Duration::seconds(1)));
    }

    #[test]
    fn a_rotated_secret_signs_beside_the_new_one_for_a_day() {
        let now = chrono::Utc::now();
        let p = PracticeId::parse("p1").unwrap();
        let mut e = WebhookEndpoint::new(
            p,
            "https://x.example/h",
            vec![EventType::TaskCreated],
            false,
            now,
        )
        .unwrap();
        let old = e.secret.clone();
        e.rotate(now);
        assert_ne!(e.secret, old);
        assert_eq!(e.signing_secrets(now), vec![&e.secret, &old]);
        assert_eq!(e.signing_secrets(now + ROTATION_OVERLAP), vec![&e.secret]);
    }
}
