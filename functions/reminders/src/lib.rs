//! Reminders: the 5-minute EventBridge sweep of appointment reminders and confirmation
//! deadlines. `main.rs` wires it; [`handler`] runs one sweep through the shared engine
//! ([`frontdesk::sweep`]); `reminder` and `deadline` decide what one claimed item becomes.
//!
//! The promises kept here:
//! - a reminder goes out once: it is claimed before it is sent, and finished in the same
//!   transaction that records the send (only if a run dies, or the store stays down, between
//!   a send and its record does the lease bring it back to be sent again);
//! - on the patient's preferred channel only, never in their quiet hours (it waits for the
//!   window to open) and never after the visit starts;
//! - a patient who confirmed is not asked again (at most a short day-of note);
//! - work for a moved, cancelled or missing appointment is dropped unsent ("stale");
//! - an appointment unconfirmed at the end of the day before becomes a red-flag task.
//!
//! Per-patient caps are exact within a run: a run's items for one patient are handled one
//! after another and counted. Two runs at the same time still send each reminder once, but
//! each counts only its own sends and what it read, so together they could exceed a cap:
//! run one sweep at a time (reserved concurrency 1).

mod deadline;
pub mod handler;
mod jobs;
mod ledger;
mod reminder;

/// The one error type of the sweep functions.
pub use frontdesk::sweep::SweepError as Error;
pub use frontdesk::sweep::{wire, Deps};
pub use handler::{handle, run};

#[cfg(test)]
#[path = "handler_tests.rs"]
mod handler_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod test_support;
