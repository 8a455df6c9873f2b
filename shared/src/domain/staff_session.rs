//! Console sessions, CSRF tokens and the sign-in backoff: pure rules, no I/O.
//!
//! A session is a random 32-byte token in an `HttpOnly; SameSite=Lax` cookie (`Secure`
//! except on loopback); only its SHA-256 is stored (`SESSION#<hash>`, TTL = the idle
//! deadline). The cookie value is `<practice id>.<token>` so a request reads the session
//! in its own practice's partition with no index. A session is valid while its staff
//! member exists and is active, it has been used within [`SESSION_IDLE`], it is younger
//! than [`SESSION_MAX`] and it started after the member's `sessions_revoked_at`.
//!
//! The CSRF token of a session is derived from its token (`sha256("csrf:" + token)`), so
//! it needs no storage, and is compared in constant time.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{token_hash, PracticeId, StaffId, StaffMember, StaffRole, StaffStatus};

/// A session ends after this long unused.
pub const SESSION_IDLE: Duration = Duration::minutes(30);
/// And after this long in any case (a working day).
pub const SESSION_MAX: Duration = Duration::hours(12);
/// `last_seen_at` is rewritten at most this often (one write per few requests, not each).
pub const TOUCH_EVERY: Duration = Duration::minutes(1);
pub const SESSION_COOKIE: &str = "fd_session";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub practice_id: PracticeId,
    pub staff_id: StaffId,
    /// Hex SHA-256 of the cookie token.
    pub token_hash: String,
    pub role: StaffRole,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// Why a session cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// Unused for longer than [`SESSION_IDLE`], or older than [`SESSION_MAX`].
    Expired,
    /// The member was removed, is not active, or revoked their sessions.
    Revoked,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

impl Session {
    /// A new session for an active member, and its cookie token.
    pub fn start(member: &StaffMember, now: DateTime<Utc>) -> (Session, String) {
        let token = random_token();
        let session = Session {
            practice_id: member.practice_id.clone(),
            staff_id: member.staff_id.clone(),
            token_hash: token_hash(&token),
            role: member.role,
            created_at: now,
            last_seen_at: now,
        };
        (session, token)
    }

    /// When the stored item may be deleted (the DynamoDB TTL): the idle deadline, capped
    /// by the absolute one.
    pub fn expires_at(&self) -> DateTime<Utc> {
        let idle = self.last_seen_at + SESSION_IDLE;
        let max = self.created_at + SESSION_MAX;
        idle.min(max)
    }

    /// Whether the session may be used at `now` by `member` (as read with it).
    pub fn check(
        &self,
        member: Option<&StaffMember>,
        now: DateTime<Utc>,
    ) -> Result<(), SessionEnd> {
        let Some(m) = member else {
            return Err(SessionEnd::Revoked);
        };
        if m.staff_id != self.staff_id
            || m.practice_id != self.practice_id
            || m.status != StaffStatus::Active
            || m.sessions_revoked_at.is_some_and(|r| self.created_at <= r)
        {
            return Err(SessionEnd::Revoked);
        }
        if now >= self.expires_at() || now < self.created_at - Duration::minutes(5) {
            return Err(SessionEnd::Expired);
        }
        Ok(())
    }

    /// The session with `last_seen_at = now`, when it is due to be rewritten.
    pub fn touched(&self, now: DateTime<Utc>) -> Option<Session> {
        (now - self.last_seen_at >= TOUCH_EVERY).then(|| Session {
            last_seen_at: now,
            ..self.clone()
        })
    }
}

/// The cookie value: `<practice id>.<token>`.
pub fn cookie_value(practice_id: &PracticeId, token: &str) -> String {
    format!("{practice_id}.{token}")
}

/// Splits a cookie value (or an invitation code, same shape) into its practice and token.
/// `None` for anything malformed.
pub fn parse_cookie_value(value: &str) -> Option<(PracticeId, String)> {
    let (practice, token) = value.trim().rsplit_once('.')?;
    let ok = (32..=128).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return None;
    }
    Some((PracticeId::parse(practice).ok()?, token.to_string()))
}

/// Whether the request came to a loopback host (the local gateway), where cookies cannot
/// be `Secure` because there is no TLS.
pub fn is_loopback_host(host: &str) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    name == "localhost" || name == "[::1]" || name.starts_with("127.")
}

/// The `Set-Cookie` header starting a session.
pub fn session_cookie(value: &str, host: &str) -> String {
    let secure = if is_loopback_host(host) {
        ""
    } else {
        "; Secure"
    };
    format!(
        "{SESSION_COOKIE}={value}; Path=/console; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        SESSION_MAX.num_seconds()
    )
}

/// The `Set-Cookie` header ending a session in the browser.
pub fn clear_session_cookie(host: &str) -> String {
    let secure = if is_loopback_host(host) {
        ""
    } else {
        "; Secure"
    };
    format!("{SESSION_COOKIE}=; Path=/console; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The CSRF token of a session (derived from its secret token; stored nowhere).
pub fn csrf_token(session_token: &str) -> String {
    hex::encode(Sha256::digest(format!("csrf:{session_token}").as_bytes()))
}

/// Whether a form's CSRF token is the session's, in constant time.
pub fn csrf_matches(session_token: &str, presented: &str) -> bool {
    constant_time_eq(&csrf_token(session_token), presented)
}

/// Constant-time equality of two strings (the length is not secret).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
#[path = "staff_session_tests.rs"]
mod tests;
