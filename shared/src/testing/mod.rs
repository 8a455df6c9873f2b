//! In-memory fakes of every port, for fast unit tests of handlers and policy. They never
//! stand in for the adapters' own tests, which run against moto.

mod memory_store;
mod ownership;
mod queue;
mod senders;

pub use memory_store::MemoryStore;
pub use ownership::{owners, FakeIdentities, FakeNumbers};
pub use queue::MemoryQueue;
pub use senders::{RecordingEmail, RecordingSms};

/// Parses an RFC 3339 instant for a test. Panics on a bad literal (test code only).
pub fn utc(s: &str) -> chrono::DateTime<chrono::Utc> {
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => t.to_utc(),
        Err(e) => panic!("bad RFC 3339 instant {s:?} in a test: {e}"),
    }
}
