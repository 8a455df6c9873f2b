//! Channel policy: pure decision functions, no I/O.
//!
//! - [`route`](route::route): where, when, or whether an automated message goes out. The
//!   channel is always the patient's preferred one; unusable channels become staff tasks
//!   (or, for marketing, nothing); quiet hours defer; caps suppress.
//! - [`caps`]: rolling frequency caps and the send history they read.
//! - [`quiet_hours`]: quiet hours on the patient's wall clock, DST-safe.
//! - [`keywords`]: what an inbound text asks for (opt-out, confirm, reschedule, emergency…).
//! - [`escalation`]: when to suggest a call in a stalled thread; the auto-reply rate limit.
//! - [`spread`]: deterministic per-appointment offsets that spread the 08:00 day-of
//!   reminders and the red flags of one practice's day over a window.
//! - [`templates`] with [`template_context`]: the message texts (minijinja), with minimum
//!   necessary health information enforced by the typed contexts.
//!
//! Nothing here does I/O or reads the clock: `now` is always passed in.

pub mod answer_deadline;
pub mod caps;
pub mod escalation;
pub mod keywords;
mod local_time;
pub mod quiet_hours;
mod reasons;
pub mod red_flag;
pub mod reply;
pub mod route;
pub mod segments;
pub mod spread;
pub mod template_context;
mod template_text;
pub mod templates;
mod text_normalize;
pub mod undelivered_run;

#[cfg(test)]
mod keywords_tests;
#[cfg(test)]
mod route_proptests;
#[cfg(test)]
mod segments_tests;
#[cfg(test)]
mod stalled_tests;
#[cfg(test)]
mod templates_tests;
#[cfg(test)]
pub(crate) mod test_fixtures;

pub use answer_deadline::{answer_deadline, answer_overdue};
pub use caps::{cap_reached, record_automated_send, CAP_DAY, CAP_WEEK};
pub use escalation::{
    auto_reply_allowed, intent_settles_thread, record_auto_reply, record_call_suggested,
    record_inbound, record_inbound_at, reply_bypasses_limit, resolve_thread, should_suggest_call,
    should_suggest_call_at, stalled_by_time, AUTO_REPLY_WINDOW,
};
pub use keywords::{
    classify, is_cancel_visit, is_opt_out_word, Intent, CANCEL_VISIT_PHRASE, HELP_WORDS,
    OPT_IN_WORDS, OPT_OUT_WORDS,
};
pub use quiet_hours::{is_quiet, next_send_time};
pub use red_flag::{prior_business_day, red_flag_at, red_flag_floor, RedFlagLead};
pub use reply::{
    awaits_staff, in_conversation, note_inbound, reply_channel, route_reply, ReplyRefusal,
    ReplyRoute, ReplyTo, CONVERSATION_WINDOW,
};
pub use route::{channel_problem, route, ChannelProblem, Route, StaffTaskReason, SuppressReason};
pub use segments::{segment_count, segments, Encoding, SegmentCount};
pub use spread::{spread_deadline, spread_reminder, SpreadKey, MAX_SPREAD_MINUTES};
pub use template_context::{
    EmergencyForwardContext, NoShowContext, ReminderContext, ReplyContext, ReviewContext,
};
pub use templates::{check_templates, CallScripts, EmailContent, Reply};
