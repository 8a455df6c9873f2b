//! Outreach: one scheduled function, its jobs chosen by the EventBridge event
//! (`detail.job`, see [`jobs`]). Today: broadcasts (an office closure, practice news) on
//! the shared sweep engine ([`frontdesk::sweep`]), every message routed by the channel
//! policy through the shared delivery path: the preferred channel only, consent per kind
//! (care or marketing), quiet hours on the patient's clock (deferred, never dropped),
//! caps, channel health, and one call-list task for the patients who prefer a call.
//! Sends are paced in one place ([`pace`]) so a broadcast never starves replies.
//! Birthdays ([`birthdays`], marketing) and recall ([`recall`], care) are per-patient
//! series planned by the patient's writes, each occasion sent once ([`once`]).

pub mod birthdays;
pub mod broadcasts;
pub mod jobs;
pub mod once;
pub mod pace;
pub mod recall;

pub use frontdesk::sweep::{wire, Deps, SweepError as Error};
pub use jobs::{handle, serve, Job};

#[cfg(test)]
mod handler_tests;
#[cfg(test)]
mod test_world;
