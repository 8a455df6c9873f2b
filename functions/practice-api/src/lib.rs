//! Practice API (v1): how a practice's systems and staff get data in and see what happened.
//! `main.rs` wires it; `handler` answers requests; one file per resource.

mod appointments;
mod arrivals;
pub mod auth;
mod consents;
mod deps;
pub mod error;
pub mod handler;
pub mod http_io;
mod patients;
mod practices;
pub mod router;
mod senders;
mod tasks;
mod wire;

pub use deps::{wire, Deps};
pub use handler::{handle, respond};
