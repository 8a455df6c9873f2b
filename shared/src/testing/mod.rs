//! In-memory fakes of every port, for fast unit tests of handlers and policy. They never
//! stand in for the adapters' own tests, which run against moto.

mod memory_store;
mod senders;

pub use memory_store::MemoryStore;
pub use senders::{RecordingEmail, RecordingSms};
