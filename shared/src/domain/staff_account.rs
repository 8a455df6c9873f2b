//! Staff accounts: a member of a practice's staff, their invitation, and the password
//! hash for the later sign-in. Passwords use Argon2id (the `argon2` crate, its default
//! parameters: 19 MiB, 2 passes) and are never logged or returned.
//!
//! Console sessions are in `staff_session` (rules) and `crate::staff_signin` (over the
//! store): a `session` item per sign-in (`SK = SESSION#<sha256 of the cookie token>`, with a
//! DynamoDB TTL for the idle timeout), read with the staff item on every request, so
//! deleting the staff member (or raising `sessions_revoked_at`) revokes all of their
//! sessions at once.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{DomainError, EmailAddress, PracticeId, StaffId};

/// How long an invitation link works.
pub const INVITATION_TTL: Duration = Duration::hours(72);
pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_BYTES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Manages staff and settings.
    Admin,
    Staff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffStatus {
    /// Invited; has not set a password yet.
    Invited,
    Active,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub practice_id: PracticeId,
    pub staff_id: StaffId,
    pub name: String,
    pub email: EmailAddress,
    pub role: StaffRole,
    pub status: StaffStatus,
    /// Argon2id PHC string, set by the set-password step. Never returned.
    #[serde(default)]
    pub password_hash: Option<String>,
    /// Sessions started before this are invalid.
    #[serde(default)]
    pub sessions_revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl StaffMember {
    /// A new, invited staff member. The name is validated here.
    pub fn invite(
        practice_id: &PracticeId,
        name: &str,
        email: EmailAddress,
        role: StaffRole,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(DomainError::Invalid {
                field: "name",
                reason: "must be 1 to 100 characters with no control characters".into(),
            });
        }
        Ok(Self {
            practice_id: practice_id.clone(),
            staff_id: StaffId::generate(),
            name: name.to_string(),
            email,
            role,
            status: StaffStatus::Invited,
            password_hash: None,
            sessions_revoked_at: None,
            created_at: now,
        })
    }
}

/// A pending invitation: single use, stored by the hash of its token only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub practice_id: PracticeId,
    pub staff_id: StaffId,
    /// Hex SHA-256 of the token (the token is only in the emailed link).
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

impl Invitation {
    /// A fresh invitation and its token (32 random bytes, URL-safe base64).
    pub fn issue(member: &StaffMember, now: DateTime<Utc>) -> (Invitation, String) {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token =
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes);
        let invitation = Invitation {
            practice_id: member.practice_id.clone(),
            staff_id: member.staff_id.clone(),
            token_hash: token_hash(&token),
            expires_at: now.checked_add_signed(INVITATION_TTL).unwrap_or(now),
        };
        (invitation, token)
    }

    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }
}

/// The stored form of an invitation (or session) token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a new password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, DomainError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(DomainError::Invalid {
            field: "password",
            reason: format!("must be at least {MIN_PASSWORD_CHARS} characters (and at most {MAX_PASSWORD_BYTES} bytes)"),
        });
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|_| DomainError::Config("the password salt could not be encoded".into()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| DomainError::Config("the password could not be hashed".into()))
}

/// Whether `password` matches a stored Argon2id hash. A malformed hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_argon2id_hashed_salted_and_verified() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(!h.contains("correct horse"));
        assert_ne!(h, hash_password("correct horse battery").unwrap(), "salted");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(hash_password("short").is_err());
    }

    #[test]
    fn an_invitation_stores_only_the_hash_of_its_token_and_expires_in_72_hours() {
        let now = DateTime::parse_from_rfc3339("2026-03-01T15:00:00Z")
            .unwrap()
            .to_utc();
        let m = StaffMember::invite(
            &PracticeId::parse("prc_1").unwrap(),
            "Ana Ruiz",
            EmailAddress::parse("ana@example.com").unwrap(),
            StaffRole::Staff,
            now,
        )
        .unwrap();
        let (inv, token) = Invitation::issue(&m, now);
        assert!(token.len() >= 43);
        assert_eq!(inv.token_hash, token_hash(&token));
        assert!(!inv.token_hash.contains(&token));
        assert!(inv.is_valid_at(now + Duration::hours(71)));
        assert!(!inv.is_valid_at(now + Duration::hours(72)));
        assert!(
            StaffMember::invite(&m.practice_id, " ", m.email.clone(), StaffRole::Admin, now)
                .is_err()
        );
    }
}
