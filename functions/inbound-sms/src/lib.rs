//! Inbound SMS: every text a patient sends the practice, from any provider, is verified,
//! stored once on the patient's timeline, answered, and routed to staff or the on-call team.
//!
//! - `handler`: the Lambda entry points (HTTP webhooks and SNS), wired by `main.rs`.
//! - `providers`: each provider's request format and signature.
//! - `plan`: what to do with a text (pure); `process`: doing it (reads, one write, sends).
//! - `error`: the one error type, mapped to responses in one place.

mod consent_log;
mod deps;
pub mod error;
mod feedback;
pub mod handler;
pub mod http_io;
pub mod inbound;
pub mod plan;
pub mod process;
pub mod providers;
mod reply_send;
mod routes;
pub mod serve;
pub mod status;
#[cfg(test)]
mod testkit;
pub use serve::serve;

pub use deps::{public_base_url, wire, Deps};
pub use error::InboundError;
pub use handler::{handle, handle_sns, respond};

/// The error `handle_sns` returns.
pub type Error = InboundError;
