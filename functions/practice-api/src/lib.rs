//! Practice API (v1): how a practice's systems and staff get data in and see what happened.
//! `main.rs` wires it; `handler` answers requests; one file per resource.

// The router's future nests every route's; computing its layout needs more than the default depth.
#![recursion_limit = "256"]

pub mod answer_sla;
mod appointments;
mod arrivals;
pub mod as_staff;
pub mod auth;
mod batch;
mod broadcasts;
mod consents;
mod deps;
pub mod email_preferences;
mod erasure;
pub mod error;
mod etag;
pub mod handler;
pub mod http_io;
mod idempotency;
mod inbox;
mod lists;
mod messages;
pub mod notices;
mod on_call;
mod overdue_task;
mod ownership;
mod patient_sync;
mod patients;
mod practices;
mod release;
mod replies;
mod reply_delivery;
pub mod router;
mod senders;
pub mod serve;
mod slot_claims;
mod staff;
mod task_actions;
mod tasks;
mod thread_link;
mod waitlist;
mod webhooks;
mod wire;
pub use serve::serve;

pub use deps::{wire, Deps};
pub use handler::{handle, respond};
