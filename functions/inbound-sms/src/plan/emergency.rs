//! Emergencies (the safety reply and the on-call alert, with its fallback) and the
//! feedback follow-up task; the conditional markers that limit replies to unknown senders.

use chrono::{DateTime, Duration, Utc};
use frontdesk::domain::{Patient, PhoneNumber, PracticeSettings, Priority, Purpose, TaskKind};
use frontdesk::policy::templates::Reply;
use frontdesk::policy::{templates, EmergencyForwardContext, ReplyContext};
use frontdesk::ports::{Email, Sms};

use super::draft::{format_time, practice_time, Draft, Gate, TaskSpec};
use super::{Delivery, EmergencyFallback};

/// A low rating or a complaint: one follow-up task while none is open, else an inbox task
/// so the new message is seen. (Review requests never depend on it: no review gating.)
pub(super) fn feedback_task(
    d: &mut Draft<'_>,
    patient: &mut Patient,
    settings: &PracticeSettings,
    title: String,
    what: String,
    due: DateTime<Utc>,
) {
    let asked = patient
        .last_review_request_at
        .map(|t| {
            format!(
                " in reply to the review request of {}",
                practice_time(settings, t)
            )
        })
        .unwrap_or_default();
    if patient.open_feedback_task.is_none() {
        let task = d.task(TaskSpec {
            kind: TaskKind::FeedbackFollowUp,
            priority: Priority::High,
            title,
            detail: format!(
                "{what}{asked}. Reach out and make it right; the message is on their \
                 timeline."
            ),
            due_at: due,
            appointment_id: None,
        });
        patient.open_feedback_task = Some(task.task_id);
    } else {
        d.task(TaskSpec {
            kind: TaskKind::InboxMessage,
            priority: Priority::Normal,
            title: "More feedback from a patient".into(),
            detail: format!(
                "{what}{asked}. A feedback follow-up is already open for them; read the new \
                 message on their timeline."
            ),
            due_at: due,
            appointment_id: None,
        });
    }
}

/// Emergency: alert the on-call team at once by every configured route, raise an urgent
/// task, and tell the sender whom to call if it is life-threatening.
pub(super) fn emergency_plan(
    d: &mut Draft<'_>,
    patient: Option<&Patient>,
    ctx: &ReplyContext,
    reply_gate: Gate,
) -> frontdesk::Result<EmergencyFallback> {
    let settings = d.settings();
    let now = d.input.now;
    let from = d.input.inbound.from.clone();
    let fctx = EmergencyForwardContext::new(settings, patient, Some(&from), now)?;
    let mut routes = Vec::new();
    let mut missing = Vec::new();
    if let Some(phone) = &settings.on_call.phone {
        d.forward(Delivery::Sms(Sms {
            practice_id: d.input.practice.practice_id.clone(),
            from: d.reply_from.clone(),
            to: phone.clone(),
            body: templates::emergency_forward_sms(&fctx)?,
        }));
        routes.push("text");
    }
    match (&settings.on_call.email, &settings.email_from) {
        (Some(to), Some(sender)) => {
            let content = templates::emergency_forward_email(&fctx)?;
            d.forward(Delivery::Email(Email {
                practice_id: d.input.practice.practice_id.clone(),
                from: sender.clone(),
                to: to.clone(),
                subject: content.subject,
                text: content.text,
                patient: None,
            }));
            routes.push("email");
        }
        (Some(_), None) => missing.push(
            "the on-call email could not be sent because the practice has no email sender \
             (settings: email_from)",
        ),
        _ => {}
    }
    let alerted = !routes.is_empty();
    let who = match patient {
        Some(_) => "a patient".to_string(),
        None => format!("an unknown number ending {}", from.last_four()),
    };
    let alert = if alerted {
        format!("The on-call team was alerted by {}.", routes.join(" and "))
    } else {
        "No on-call contact is set (settings: on_call), so nobody was alerted: call back now."
            .to_string()
    };
    let mut detail = format!(
        "A text from {who} matched an emergency keyword at {}. {alert}",
        practice_time(settings, now)
    );
    for m in missing {
        detail.push(' ');
        detail.push_str(&capitalise(m));
        detail.push('.');
    }
    detail.push_str(" Read the message on the thread and call back now.");
    let task = d.task(TaskSpec {
        kind: TaskKind::Emergency,
        priority: Priority::Urgent,
        title: match patient {
            Some(_) => "URGENT: emergency keyword in a patient's text".into(),
            None => format!(
                "URGENT: emergency keyword from number ending {}",
                from.last_four()
            ),
        },
        detail,
        due_at: now,
        appointment_id: None,
    });
    let text = templates::reply(
        ctx,
        Reply::Emergency {
            on_call_alerted: alerted,
        },
    )?;
    let index = d.reply(text, Purpose::Reply, reply_gate);
    let fallback = match index {
        Some(i) if alerted => Some((
            i,
            templates::reply(
                ctx,
                Reply::Emergency {
                    on_call_alerted: false,
                },
            )?,
        )),
        _ => None,
    };
    Ok(EmergencyFallback {
        task,
        reply: fallback,
    })
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Markers that bound automatic replies to an unknown number, which has no thread state.
pub(super) fn hourly_marker(from: &PhoneNumber, now: DateTime<Utc>) -> (String, DateTime<Utc>) {
    (
        format!("reply:{}:{}", from, format_time(now, "%Y-%m-%dT%H")),
        now.checked_add_signed(Duration::hours(2)).unwrap_or(now),
    )
}

pub(super) fn daily_opt_out_marker(
    from: &PhoneNumber,
    now: DateTime<Utc>,
) -> (String, DateTime<Utc>) {
    (
        format!("optout-confirm:{}:{}", from, format_time(now, "%Y-%m-%d")),
        now.checked_add_signed(Duration::days(2)).unwrap_or(now),
    )
}
