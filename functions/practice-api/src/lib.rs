//! Practice API (v1): how a practice's systems and staff get data in and see what happened.
//! `main.rs` wires it; `handler` answers requests; one file per resource.

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
mod ownership;
mod patient_sync;
mod patients;
mod practices;
mod replies;
mod reply_delivery;
pub mod router;
mod senders;
mod staff;
mod task_actions;
mod tasks;
mod wire;

pub use deps::{wire, Deps};
pub use handler::{handle, respond};
