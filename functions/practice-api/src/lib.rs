//! Practice API (v1): how a practice's systems and staff get data in and see what happened.
//! `main.rs` wires it; `handler` answers requests; one file per resource.

mod appointments;
mod arrivals;
pub mod as_staff;
pub mod auth;
mod consents;
mod deps;
pub mod email_preferences;
pub mod error;
pub mod handler;
pub mod http_io;
mod inbox;
mod messages;
mod patients;
mod practices;
mod reply_delivery;
pub mod router;
mod senders;
mod staff;
mod task_actions;
mod tasks;
mod wire;

pub use deps::{wire, Deps};
pub use handler::{handle, respond};
