//! Message texts, rendered with minijinja from typed contexts.
//!
//! - Templates are compiled once per process (a [`LazyLock`]), in strict mode: a variable
//!   missing from the context is an error, never an empty string. Call
//!   [`check_templates`] at start-up to fail fast.
//! - Rendering never panics: every failure is a [`crate::Error::Config`] naming the
//!   template (it can only come from a template bug, which the tests render to rule out).
//! - What a template may show is decided by the context constructors in
//!   [`super::template_context`] (minimum necessary); the wording rules are in
//!   `template_text.rs`.
//! - Review requests show the practice's single public review link to everyone, and beside
//!   it a private feedback path. Nothing else asks for a public review, and a rating never
//!   changes what is offered (no review gating).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use minijinja::{context, AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::domain::{Channel, PracticeSettings};
use crate::{Error, Result};

use super::template_context::{
    EmergencyForwardContext, NoShowContext, ReminderContext, ReplyContext, ReviewContext,
};
use super::template_text as t;

static ENVIRONMENT: LazyLock<std::result::Result<Environment<'static>, String>> =
    LazyLock::new(build_environment);

fn build_environment() -> std::result::Result<Environment<'static>, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    for (name, source) in t::TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| format!("template {name} does not compile: {e}"))?;
    }
    Ok(env)
}

/// Compiles every template (once). Call at start-up so a broken template stops the
/// function before it takes traffic.
pub fn check_templates() -> Result<()> {
    ENVIRONMENT
        .as_ref()
        .map(|_| ())
        .map_err(|e| Error::Config(e.clone()))
}

pub(crate) fn render<S: Serialize>(name: &str, ctx: S) -> Result<String> {
    let env = ENVIRONMENT.as_ref().map_err(|e| Error::Config(e.clone()))?;
    env.get_template(name)
        .and_then(|template| template.render(ctx))
        .map(|text| text.trim().to_string())
        .map_err(|e| Error::Config(format!("template {name} failed to render: {e}")))
}

/// An email: a one-line subject and a plain-text body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailContent {
    pub subject: String,
    pub text: String,
}

/// What a staff member needs for a call: the script, and the only words to leave on a
/// voicemail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallScripts {
    pub script: String,
    pub voicemail: String,
}

fn email<S: Serialize + Copy>(subject: &str, text: &str, ctx: S) -> Result<EmailContent> {
    Ok(EmailContent {
        subject: render(subject, ctx)?.replace(['\r', '\n'], " "),
        text: render(text, ctx)?,
    })
}

// --- Reminders -------------------------------------------------------------------------

/// The reminder text: practice, date and time on the patient's clock, "Reply C to confirm
/// or R to reschedule", "Reply STOP to opt out". Never suggests replying CANCEL.
pub fn reminder_sms(ctx: &ReminderContext) -> Result<String> {
    render(t::REMINDER_SMS, ctx)
}

/// The reminder email: the same words as the text.
pub fn reminder_email(ctx: &ReminderContext) -> Result<EmailContent> {
    email(t::REMINDER_EMAIL_SUBJECT, t::REMINDER_EMAIL_TEXT, ctx)
}

/// The reminder call for a voice patient: a staff script and a voicemail with no
/// clinical detail (unless waived).
pub fn reminder_call(ctx: &ReminderContext) -> Result<CallScripts> {
    Ok(CallScripts {
        script: render(t::REMINDER_CALL_SCRIPT, ctx)?,
        voicemail: render(t::REMINDER_VOICEMAIL, ctx)?,
    })
}

/// The short day-of note for a patient who already confirmed.
pub fn day_of_note_sms(ctx: &ReminderContext) -> Result<String> {
    render(t::DAY_OF_SMS, ctx)
}

/// The day-of note by email.
pub fn day_of_note_email(ctx: &ReminderContext) -> Result<EmailContent> {
    email(t::DAY_OF_EMAIL_SUBJECT, t::DAY_OF_EMAIL_TEXT, ctx)
}

// --- No-shows --------------------------------------------------------------------------

/// The wellbeing call after a missed appointment, and its voicemail: practice name, direct
/// callback number, "we missed you today and hope you're alright", and "we're holding
/// options to rebook soon". The procedure only with the patient's voicemail waiver.
pub fn no_show_call(ctx: &NoShowContext) -> Result<CallScripts> {
    Ok(CallScripts {
        script: render(t::NO_SHOW_CALL_SCRIPT, ctx)?,
        voicemail: render(t::NO_SHOW_VOICEMAIL, ctx)?,
    })
}

/// The caring follow-up text (usually the next day), with a way to rebook: reply R or call.
pub fn no_show_follow_up_sms(ctx: &NoShowContext) -> Result<String> {
    render(t::NO_SHOW_SMS, ctx)
}

/// The caring follow-up by email.
pub fn no_show_follow_up_email(ctx: &NoShowContext) -> Result<EmailContent> {
    email(t::NO_SHOW_EMAIL_SUBJECT, t::NO_SHOW_EMAIL_TEXT, ctx)
}

// --- Reviews ---------------------------------------------------------------------------

/// The review request text: the public link and, beside it, the private feedback path
/// (the practice's feedback URL, or "reply to this message").
pub fn review_request_sms(ctx: &ReviewContext) -> Result<String> {
    render(t::REVIEW_SMS, ctx)
}

/// The review request by email.
pub fn review_request_email(ctx: &ReviewContext) -> Result<EmailContent> {
    email(t::REVIEW_EMAIL_SUBJECT, t::REVIEW_EMAIL_TEXT, ctx)
}

// --- Replies ---------------------------------------------------------------------------

/// An automatic reply to an inbound text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// "We got your message", while the office is open.
    OfficeHoursAck,
    /// Closed: when a person will answer (the next opening, practice time) and the
    /// emergency number.
    AfterHours,
    /// The HELP keyword: practice name, callback phone, how to opt out.
    Help,
    /// The one confirmation of an opt-out. Nothing else, no marketing.
    OptOutConfirmation,
    OptInConfirmation,
    /// A message mentioned cancelling: the visit, or the texts?
    CancelClarification,
    /// Thanks for confirming; names the appointment time when given.
    ConfirmThanks {
        appointment_at: Option<DateTime<Utc>>,
    },
    RescheduleAck,
    /// The safety reply to a message that matched an emergency keyword.
    Emergency {
        on_call_alerted: bool,
    },
    /// The thread is going nowhere: offer a call.
    CallSuggestion,
    /// The patient switched their preferred channel.
    ChannelSwitchAck {
        channel: Channel,
    },
    /// The patient asked to be called.
    CallRequestAck,
    /// Thanks for a rating; a low one (1–3) gets a promise of a personal follow-up. No
    /// rating is ever answered with a request for a public review.
    RatingThanks {
        rating: u8,
    },
}

/// The acknowledgement for a message that goes to staff: office-hours or after-hours.
pub fn acknowledgement(practice: &PracticeSettings, now: DateTime<Utc>) -> Reply {
    if practice.office_hours.is_open(now, practice.time_zone) {
        Reply::OfficeHoursAck
    } else {
        Reply::AfterHours
    }
}

/// Renders an automatic reply.
pub fn reply(ctx: &ReplyContext, reply: Reply) -> Result<String> {
    let base = Value::from_serialize(ctx);
    match reply {
        Reply::OfficeHoursAck => render(t::REPLY_OFFICE_HOURS_ACK, ctx),
        Reply::AfterHours => render(t::REPLY_AFTER_HOURS, ctx),
        Reply::Help => render(t::REPLY_HELP, ctx),
        Reply::OptOutConfirmation => render(t::REPLY_OPT_OUT, ctx),
        Reply::OptInConfirmation => render(t::REPLY_OPT_IN, ctx),
        Reply::CancelClarification => render(t::REPLY_CANCEL_CLARIFY, ctx),
        Reply::ConfirmThanks { appointment_at } => {
            let when = appointment_at.map(|at| ctx.when(at)).transpose()?;
            render(t::REPLY_CONFIRM_THANKS, context! { when, ..base })
        }
        Reply::RescheduleAck => render(t::REPLY_RESCHEDULE_ACK, ctx),
        Reply::Emergency { on_call_alerted } => {
            render(t::REPLY_EMERGENCY, context! { on_call_alerted, ..base })
        }
        Reply::CallSuggestion => render(t::REPLY_CALL_SUGGESTION, ctx),
        Reply::ChannelSwitchAck { channel } => {
            let (channel_name, address_name) = match channel {
                Channel::Sms => ("text message", "mobile number"),
                Channel::Email => ("email", "email address"),
                Channel::Voice => ("phone call", "phone number"),
            };
            let address_on_file = ctx.has_address(channel);
            render(
                t::REPLY_CHANNEL_SWITCH,
                context! { channel_name, address_name, address_on_file, ..base },
            )
        }
        Reply::CallRequestAck => render(t::REPLY_CALL_REQUEST, ctx),
        Reply::RatingThanks { rating } => {
            let low = rating <= 3;
            render(t::REPLY_RATING_THANKS, context! { low, ..base })
        }
    }
}

// --- On-call ---------------------------------------------------------------------------

/// The emergency alert texted to the on-call phone: who to call back, when it came in,
/// and nothing clinical.
pub fn emergency_forward_sms(ctx: &EmergencyForwardContext) -> Result<String> {
    render(t::EMERGENCY_FORWARD_SMS, ctx)
}

/// The emergency alert emailed to the on-call address.
pub fn emergency_forward_email(ctx: &EmergencyForwardContext) -> Result<EmailContent> {
    email(
        t::EMERGENCY_FORWARD_EMAIL_SUBJECT,
        t::EMERGENCY_FORWARD_EMAIL_TEXT,
        ctx,
    )
}
