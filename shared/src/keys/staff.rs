//! Keys of staff accounts: members, their email index, invitations, console sessions, the
//! global sign-in index and sign-in failure counters.

use crate::domain::{EmailAddress, StaffId};

/// Prefix of a practice's staff members.
pub const STAFF_PREFIX: &str = "STAFF#";

pub fn staff_sk(id: &StaffId) -> String {
    format!("{STAFF_PREFIX}{id}")
}

/// The staff email index: one staff member per email within a practice (sign-in looks
/// the email up here).
pub fn staff_email_sk(email: &EmailAddress) -> String {
    format!("STAFFEMAIL#{}", email.as_str().to_ascii_lowercase())
}

/// A pending staff invitation, by the SHA-256 of its token.
pub fn invitation_sk(token_hash: &str) -> String {
    format!("INVITE#{token_hash}")
}

/// Prefix of a practice's console sessions.
pub const SESSION_PREFIX: &str = "SESSION#";

/// A console session, by the SHA-256 of its cookie token.
pub fn session_sk(token_hash: &str) -> String {
    format!("{SESSION_PREFIX}{token_hash}")
}

/// The global sign-in index: which practice and staff member an email signs in as.
pub fn staff_login_pk(email: &EmailAddress) -> String {
    format!("LOGIN#{}", email.as_str().to_ascii_lowercase())
}
pub const STAFF_LOGIN_SK: &str = "LOGIN";

/// Failed sign-ins of one scope, by the hash of the scope (never an email or address).
pub fn sign_in_failures_pk(scope_key: &str) -> String {
    format!("SIGNINFAIL#{scope_key}")
}
pub const SIGN_IN_FAILURES_SK: &str = "SIGNINFAIL";
