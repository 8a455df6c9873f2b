//! No-shows: the every-minute sweep of `DueKind::NoShowCheck` and `DueKind::NoShowFollowUp`.
//!
//! - **The check** (start + `no_show_grace_minutes`): an appointment still `scheduled` is
//!   marked `no_show`, the patient's `no_show_count` goes up, and staff get an urgent
//!   wellbeing call task (a script and a voicemail that carries no clinical detail unless
//!   the patient signed a voicemail waiver). Nothing is sent to the patient that day.
//!   The follow-up is planned for the next local morning (see [`follow_up_at`]).
//! - **The follow-up**: suppressed (on the timeline) when the patient rebooked or came in
//!   since, or staff reached them on the wellbeing call; otherwise one caring message with
//!   a way to rebook on the patient's own channel, after quiet hours (voice: a call task).
//!
//! `main.rs` wires it; [`handler`] runs the sweep; [`check`] and [`follow_up`] decide.

pub mod check;
pub mod follow_up;
pub mod handler;

pub use follow_up::follow_up_at;
/// The one error type of the sweep functions.
pub use frontdesk::sweep::SweepError as Error;
pub use frontdesk::sweep::{wire, Deps};
pub use handler::{handle, run, NoShows};
