//! Deciding one review request, and its words.
//!
//! The rules, in order:
//! 1. The appointment must still be the one planned for, and **completed** (never after a
//!    no-show or a cancelled visit).
//! 2. The practice must have a `review_url`; else suppressed ("practice has no review_url").
//! 3. At most one request per patient per `review_cap_days` (`last_review_request_at`,
//!    across visits).
//! 4. The preferred channel only, with consent for `MessageKind::Reviews`: when it cannot
//!    be used, the shared policy decides (a low-priority staff task, never another channel).
//! 5. Voice: nothing automatic; a low-priority note for staff to mention it on their next
//!    call with the patient (it counts as the request for the cap).
//! 6. Only in office-friendly hours (see [`crate::window`]): otherwise the claim is given
//!    back until then.
//!
//! **No review gating.** Nothing here reads a rating, a complaint, an open feedback task, a
//! sentiment or any other opinion: the decision depends only on the visit, consent, the cap
//! and the office-friendly window (Google forbids selectively soliciting positive reviews,
//! and holding requests from unhappy patients would be exactly that). Every eligible
//! patient gets the practice's one public `review_url`, and beside it the
//! same private feedback path (`feedback_url`, or "reply to this message").

use chrono::{DateTime, Duration, Utc};
use frontdesk::deliver::Content;
use frontdesk::domain::{
    AppointmentStatus, Channel, DueWork, MessageKind, Patient, Practice, PracticeSettings,
};
use frontdesk::policy::{channel_problem, templates, ReviewContext};

use crate::window::next_acceptable;
use frontdesk::sweep::Snapshot;

/// Outcome labels, as counted in the sweep report (with `deliver`'s own: `sent`,
/// `staff_task`, `suppressed`, `rejected`, `deferred`).
pub mod labels {
    pub const STALE: &str = "stale";
    pub const NOT_COMPLETED: &str = "suppressed_not_completed";
    pub const NO_REVIEW_URL: &str = "suppressed_no_review_url";
    pub const CAPPED: &str = "suppressed_cap";
    pub const NO_WINDOW: &str = "suppressed_no_window";
    pub const WAITING: &str = "waiting_for_office_hours";
    pub const VOICE_NOTE: &str = "voice_note";
}

/// The timeline reason when the practice has no review link.
pub const NO_REVIEW_URL_REASON: &str = "practice has no review_url";

/// What to do with one claimed review request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The appointment moved or is gone: finish quietly.
    Stale,
    /// Not sent, with why (recorded on the timeline).
    Suppress { label: &'static str, reason: String },
    /// Give the claim back until office-friendly hours.
    Wait { until: DateTime<Utc> },
    /// A voice patient: a low-priority note for staff.
    VoiceNote,
    /// Hand it to `deliver` (a send on the preferred channel, or the policy's staff task
    /// when that channel cannot be used).
    Deliver,
}

fn suppress(label: &'static str, reason: impl Into<String>) -> Verdict {
    Verdict::Suppress {
        label,
        reason: reason.into(),
    }
}

/// The practice's public review link, when it has one.
pub fn review_url(settings: &PracticeSettings) -> Option<&str> {
    settings
        .review_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
}

/// Rules 1–6. Deliberately blind to `patient.open_feedback_task` and to anything else
/// that carries an opinion (see `sentiment_tests`).
pub(crate) fn verdict(claimed: &DueWork, snapshot: &Snapshot, now: DateTime<Utc>) -> Verdict {
    let Some((practice, patient, appointment)) = snapshot.complete() else {
        return Verdict::Stale;
    };
    if appointment.starts_at != claimed.planned_for {
        return Verdict::Stale;
    }
    if appointment.status != AppointmentStatus::Completed {
        return suppress(
            labels::NOT_COMPLETED,
            format!(
                "review request not sent: the visit was not completed ({})",
                appointment.status.as_str()
            ),
        );
    }
    let settings = &practice.settings;
    if review_url(settings).is_none() {
        return suppress(labels::NO_REVIEW_URL, NO_REVIEW_URL_REASON);
    }
    if let Some(last) = patient.last_review_request_at {
        let cap = Duration::days(i64::from(settings.review_cap_days));
        if now < last + cap {
            return suppress(
                labels::CAPPED,
                format!(
                    "review request not sent: at most one every {} days, and the last was on {}",
                    settings.review_cap_days,
                    frontdesk::time::staff_date(last, settings.time_zone)
                ),
            );
        }
    }
    let channel = patient.preferred_channel;
    if channel_problem(patient, channel, MessageKind::Reviews).is_some() {
        return Verdict::Deliver;
    }
    if channel == Channel::Voice {
        return Verdict::VoiceNote;
    }
    let zone = patient.zone(settings.time_zone);
    match next_acceptable(now, zone, &settings.office_hours, &settings.quiet_hours) {
        None => suppress(
            labels::NO_WINDOW,
            "review request not sent: quiet hours leave no office-friendly time to send it; \
             check the practice's quiet_hours",
        ),
        Some(at) if at > now => Verdict::Wait { until: at },
        Some(_) => Verdict::Deliver,
    }
}

/// Replaces control characters and line breaks with spaces (settings text in a script).
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a staff member may say about reviews on a call: the same link and the same private
/// path for everyone.
pub fn call_script(settings: &PracticeSettings) -> String {
    let practice = one_line(&settings.name);
    let link = review_url(settings).unwrap_or("(the practice's review link is not set)");
    let private = match settings.feedback_url.as_deref().map(str::trim) {
        Some(u) if !u.is_empty() => format!("at {u}"),
        _ => "by calling or messaging us".to_string(),
    };
    format!(
        "At the end of your next call with the patient, if it feels natural:\n\
         \"Thank you for visiting {practice}. If you have a moment, we'd be grateful for a \
         review at {link}. And if anything could have been better, please tell us \
         directly, {private}.\"\n\
         Offer it the same way to everyone, whatever you expect them to say."
    )
}

/// The request in every channel's words (only the preferred channel's is used).
pub fn content(practice: &Practice, patient: &Patient) -> frontdesk::Result<Content> {
    let ctx = ReviewContext::new(&practice.settings, patient)?;
    let email = templates::review_request_email(&ctx)?;
    Ok(Content {
        sms: templates::review_request_sms(&ctx)?,
        email_subject: email.subject,
        email_text: email.text,
        call_script: call_script(&practice.settings),
        voicemail_script: None,
        task_title: "Review request not sent automatically".into(),
    })
}

/// The timeline body of a request that never reached a template (no review link).
pub const UNRENDERED_BODY: &str = "Review request (not written: the practice has no review link)";

/// The body to show on the timeline for `channel`.
pub fn body_for(content: Option<&Content>, channel: Channel) -> String {
    match (content, channel) {
        (None, _) => UNRENDERED_BODY.to_string(),
        (Some(c), Channel::Sms) => c.sms.clone(),
        (Some(c), Channel::Email) => format!("{}\n\n{}", c.email_subject, c.email_text),
        (Some(c), Channel::Voice) => c.call_script.clone(),
    }
}
