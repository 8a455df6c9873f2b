//! Failed sign-ins back off, per account (the email typed, whether or not it exists) and
//! per client address. The first [`FREE_FAILURES`] failures in a window cost nothing; each
//! one after doubles the wait, from one second up to [`MAX_DELAY`]. A window ends
//! [`WINDOW`] after the last failure; a success clears the account's counter.
//!
//! Counters are stored under the SHA-256 of their scope (`email:<lowercased>` or
//! `addr:<ip>`), so neither the email nor the address is in a key, and unknown emails get
//! counters exactly like known ones: the answer never tells which emails exist.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::EmailAddress;

pub const FREE_FAILURES: u32 = 5;
pub const FIRST_DELAY_SECS: i64 = 30;
pub const MAX_DELAY: Duration = Duration::minutes(15);
pub const WINDOW: Duration = Duration::hours(1);

/// Failures counted in the current window of one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failures {
    pub count: u32,
    pub last_at: DateTime<Utc>,
}

/// What a failure counter is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Account(EmailAddress),
    /// The client's source address, as the gateway saw it.
    Address(String),
}

impl Scope {
    /// The stored key of the counter: a hash, never the email or address itself.
    pub fn key(&self) -> String {
        let raw = match self {
            Scope::Account(e) => format!("email:{}", e.as_str().to_ascii_lowercase()),
            Scope::Address(a) => format!("addr:{}", a.trim()),
        };
        hex::encode(Sha256::digest(raw.as_bytes()))
    }
}

/// How long the scope must wait after its last failure (zero for the free ones).
pub fn delay(count: u32) -> Duration {
    if count < FREE_FAILURES {
        return Duration::zero();
    }
    // 30 s after the fifth failure, doubling to the cap: long enough to stop guessing,
    // short enough that a staff member who mistyped waits half a minute.
    let exp = (count - FREE_FAILURES).min(20);
    let secs = FIRST_DELAY_SECS << exp;
    Duration::seconds(secs).min(MAX_DELAY)
}

impl Failures {
    /// The window still open at `now`?
    fn current(self, now: DateTime<Utc>) -> Option<Self> {
        (now - self.last_at < WINDOW).then_some(self)
    }

    /// When the next attempt may be made; `None` when it may be made now.
    pub fn locked_until(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let f = self.current(now)?;
        let until = f.last_at + delay(f.count);
        (until > now).then_some(until)
    }

    /// The counter after one more failure at `now` (a new window when the last closed).
    pub fn after_failure(previous: Option<Self>, now: DateTime<Utc>) -> Self {
        let count = previous
            .and_then(|p| p.current(now))
            .map_or(1, |p| p.count.saturating_add(1));
        Failures {
            count,
            last_at: now,
        }
    }

    /// When the stored counter may be dropped (DynamoDB TTL).
    pub fn expires_at(self) -> DateTime<Utc> {
        self.last_at + WINDOW
    }
}

/// When the earliest next attempt may be made given every scope's counter, or `None`.
pub fn locked_until(counters: &[Option<Failures>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    counters
        .iter()
        .flatten()
        .filter_map(|f| f.locked_until(now))
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T15:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn five_failures_are_free_then_the_wait_doubles() {
        let now = t0();
        let mut f = None;
        for _ in 0..FREE_FAILURES - 1 {
            f = Some(Failures::after_failure(f, now));
            assert_eq!(f.unwrap().locked_until(now), None);
        }
        let f5 = Failures::after_failure(f, now);
        assert_eq!(f5.locked_until(now), Some(now + Duration::seconds(30)));
        let f6 = Failures::after_failure(Some(f5), now);
        assert_eq!(f6.locked_until(now), Some(now + Duration::seconds(60)));
    }

    #[test]
    fn scope_keys_hash_the_email_case_insensitively_and_hide_it() {
        let a = Scope::Account(EmailAddress::parse("Ana@Example.com").unwrap());
        let b = Scope::Account(EmailAddress::parse("ana@example.com").unwrap());
        assert_eq!(a.key(), b.key());
        assert!(!a.key().contains("ana"));
        assert_ne!(a.key(), Scope::Address("ana@example.com".into()).key());
    }

    proptest! {
        #[test]
        fn the_delay_never_shrinks_and_is_capped(a in 0u32..200, b in 0u32..200) {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(delay(lo) <= delay(hi));
            prop_assert!(delay(hi) <= MAX_DELAY);
            prop_assert!(delay(hi) >= Duration::zero());
        }

        #[test]
        fn a_lock_always_ends_and_a_closed_window_starts_again(
            count in 0u32..10_000, secs in 0i64..100_000
        ) {
            let f = Failures { count, last_at: t0() };
            let later = t0() + Duration::seconds(secs);
            if let Some(until) = f.locked_until(later) {
                prop_assert!(until > later);
                prop_assert!(until <= t0() + MAX_DELAY);
            }
            prop_assert_eq!(f.locked_until(t0() + MAX_DELAY), None);
            let next = Failures::after_failure(Some(f), t0() + WINDOW);
            prop_assert_eq!(next.count, 1);
        }

        #[test]
        fn the_strictest_scope_decides(c1 in 0u32..50, c2 in 0u32..50) {
            let now = t0();
            let a = Failures { count: c1, last_at: now };
            let b = Failures { count: c2, last_at: now };
            let both = locked_until(&[Some(a), Some(b), None], now);
            prop_assert_eq!(both, a.locked_until(now).max(b.locked_until(now)));
        }
    }
}
