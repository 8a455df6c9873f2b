//! Reminders: the 5-minute EventBridge sweep of appointment reminders and confirmation
//! deadlines, on the shared engine ([`frontdesk::sweep`]). `main.rs` serves it; [`decide`]
//! decides what one claimed item becomes, purely; `reminder` delivers a reminder.
//!
//! The promises kept here:
//! - a reminder goes out once: it is claimed before it is sent, and finished in the same
//!   transaction that records the send (only if a run dies, or the store stays down, between
//!   a send and its record does the lease bring it back to be sent again);
//! - one reminder per appointment at a time: a reminder still due when a later one for the
//!   same appointment is also due is superseded (on the timeline, never sent), so a late or
//!   overlapping run never sends two reminders for one visit at once;
//! - on the patient's preferred channel only, never in their quiet hours (it waits for the
//!   window to open) and never after the visit starts;
//! - a patient who confirmed is not asked again (at most a short day-of note);
//! - work for a moved, cancelled or missing appointment is dropped unsent ("stale");
//! - an appointment unconfirmed at the end of the day before becomes a red-flag task.
//!
//! Per-patient caps are exact within a run: the engine hands a patient's items over one
//! after another, each on records read after the previous one was written.

mod deadline;
pub mod decide;
pub mod handler;
mod reminder;

/// The one error type of the sweep functions.
pub use frontdesk::sweep::SweepError as Error;
pub use frontdesk::sweep::{wire, Deps};
pub use handler::{handle, run, Reminders};

#[cfg(test)]
#[path = "decide_tests.rs"]
mod decide_tests;
#[cfg(test)]
#[path = "handler_tests.rs"]
mod handler_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod test_support;
