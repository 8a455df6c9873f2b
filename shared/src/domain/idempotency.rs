//! A POST remembered under its `Idempotency-Key` for 24 hours, so a PMS retrying after a
//! timeout gets the first answer instead of a second side effect. Only hashes of the key
//! and of the request are stored; the response is kept once the first request finished.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::PracticeId;

/// How long a key is remembered.
pub const IDEMPOTENCY_TTL: Duration = Duration::hours(24);
/// How long a first request may run before a retry may take its key over.
pub const IDEMPOTENCY_LOCK: Duration = Duration::seconds(60);

/// The first answer to a request, replayed to its retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    #[serde(default)]
    pub etag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotentRequest {
    pub practice_id: PracticeId,
    /// SHA-256 (hex) of the key and the route it was used on.
    pub key_hash: String,
    /// SHA-256 (hex) of the method, path and body.
    pub fingerprint: String,
    /// `None` while the first request runs.
    #[serde(default)]
    pub response: Option<StoredResponse>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl IdempotentRequest {
    /// Whether the record still counts at `now` (DynamoDB's TTL deletes lazily).
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }

    /// A first request still running (or one that crashed less than the lock ago).
    pub fn is_running(&self, now: DateTime<Utc>) -> bool {
        self.response.is_none() && now < self.created_at + IDEMPOTENCY_LOCK
    }
}
