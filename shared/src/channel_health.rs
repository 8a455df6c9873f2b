//! Marking and healing a patient's channel (see `domain::Unhealthy`): the writes that do
//! it, the one "fix the contact" task, and which send failures are about the patient's
//! number or address. Pure: callers add these writes to their own batch.

use chrono::{DateTime, Utc};

use crate::domain::{
    fix_contact_detail, fix_contact_title, Channel, Patient, Priority, Task, TaskId, TaskKind,
    Unhealthy,
};
use crate::ports::Write;
use crate::providers::Permanent;

/// The permanent, recipient-side reason in a `SendRejected` message
/// (`<provider>:<reason> (code N, HTTP S)`, see `providers::Verdict::into_error`), if any.
pub fn recipient_failure(rejection: &str) -> Option<Permanent> {
    let (_, rest) = rejection.split_once(':')?;
    let code = rest.split([' ', '(']).next()?;
    Permanent::from_code(code).filter(|p| p.is_about_recipient())
}

/// What a staff member reads about a permanent reason.
pub fn describe(p: Permanent) -> &'static str {
    match p {
        Permanent::OptedOut => "the number opted out of texts at the carrier (the patient replied STOP to the carrier or provider)",
        Permanent::InvalidNumber => "the number is not a valid phone number",
        Permanent::NotMobile => "the number is a landline or cannot receive texts",
        Permanent::Barred => "the number is barred by the carrier",
        _ => "the provider refused the number",
    }
}

/// The one "fix the contact" task for a channel that just failed for good. `script`: the
/// call script of the message that could not be sent, if any (so nothing is lost).
pub fn fix_contact_task(
    patient: &Patient,
    channel: Channel,
    what_failed: &str,
    script: Option<String>,
    now: DateTime<Utc>,
) -> Task {
    Task {
        patient_id: Some(patient.patient_id.clone()),
        script,
        ..Task::open(
            patient.practice_id.clone(),
            TaskId::generate(),
            TaskKind::ChannelUnusable,
            Priority::High,
            fix_contact_title(channel),
            fix_contact_detail(channel, what_failed),
            now,
        )
    }
}

/// Marks `channel` unhealthy with `task` as its one staff task: the mark (which conflicts
/// if the channel is already unhealthy, so the task is raised once) and the task.
pub fn mark(
    patient: &Patient,
    channel: Channel,
    code: &str,
    what_failed: &str,
    task: Task,
    now: DateTime<Utc>,
) -> Vec<Write> {
    let unhealthy = Unhealthy {
        code: code.to_string(),
        reason: what_failed.to_string(),
        since: now,
        task_id: task.task_id.clone(),
    };
    // An urgent task (a visit soon) also leaves its notice due for on-call's batch.
    let mut writes = vec![Write::ChannelHealth {
        practice_id: patient.practice_id.clone(),
        patient_id: patient.patient_id.clone(),
        phone: patient.phone.clone(),
        channel,
        unhealthy: Some(Box::new(unhealthy)),
    }];
    writes.extend(Write::open_task(task));
    writes
}

/// Heals `channel` if it is marked (a message from the patient on it proves it works).
pub fn heal(patient: &Patient, channel: Channel) -> Option<Write> {
    patient.unhealthy(channel)?;
    Some(Write::ChannelHealth {
        practice_id: patient.practice_id.clone(),
        patient_id: patient.patient_id.clone(),
        phone: patient.phone.clone(),
        channel,
        unhealthy: None,
    })
}

/// Why an automated send did not go out on an unhealthy channel (the staff task's detail).
pub fn blocked_detail(channel: Channel, u: &Unhealthy) -> String {
    format!(
        "Not sent by {channel}: this patient's {channel} has failed for good since {} ({}). \
         Reach the patient another way yourself and fix the contact (see the \"fix the \
         contact\" task); automated {channel} resumes once it is corrected or the patient \
         writes in on it.",
        u.since.format("%Y-%m-%d"),
        u.code
    )
}

/// The timeline reason of the send that found the channel broken.
pub fn blocked_detail_now(channel: Channel, what_failed: &str) -> String {
    format!(
        "Not delivered by {channel}: {what_failed}. The channel is marked unusable and staff \
         were asked to fix the contact."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_recipient_rejections_are_channel_failures() {
        assert_eq!(
            recipient_failure("twilio:opted_out (code 21610, HTTP 400)"),
            Some(Permanent::OptedOut)
        );
        assert_eq!(
            recipient_failure("telnyx:opted_out (code 40300, HTTP 422)"),
            Some(Permanent::OptedOut)
        );
        assert_eq!(
            recipient_failure("twilio:not_mobile (code 21614, HTTP 400)"),
            Some(Permanent::NotMobile)
        );
        assert_eq!(
            recipient_failure("twilio:bad_credentials (code 20003, HTTP 401)"),
            None
        );
        assert_eq!(recipient_failure("no phone number"), None);
        assert_eq!(recipient_failure(""), None);
    }
}
