//! Review requests: the every-15-minutes sweep of `DueKind::ReviewRequest`, planned at a
//! visit's completion + `review_delay_minutes`.
//!
//! One request per completed visit, on the patient's own channel with their consent for
//! reviews, in office-friendly hours ([`window`]), at most once per `review_cap_days`, and
//! never gated: the decision never reads feedback, ratings or complaints (an open complaint
//! does not hold the request), and every eligible patient gets the practice's one public
//! `review_url` and the same private feedback path ([`request`]). Voice patients
//! get no automated request, only a low-priority note for staff's next call.
//!
//! `main.rs` wires it; [`handler`] runs the sweep.

pub mod handler;
pub mod request;
pub mod window;

/// The one error type of the sweep functions.
pub use frontdesk::sweep::SweepError as Error;
pub use frontdesk::sweep::{wire, Deps};
pub use handler::{handle, run, ReviewRequests};
