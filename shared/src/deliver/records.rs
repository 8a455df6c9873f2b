//! What one delivery writes and sends: the send itself on the chosen channel, the
//! timeline entry, the staff task, and the channel-unusable task of a rejected contact.

use chrono::{DateTime, Utc};

use super::{Delivered, Delivery, Outbound, Senders};
use crate::channel_health;
use crate::domain::{Channel, Decision, Direction, Message, Task, TaskId, TaskKind};
use crate::ports::{Email, PatientMail, Sms, Write};
use crate::Error;

pub(super) async fn send(
    senders: &Senders,
    out: &Outbound<'_>,
    channel: Channel,
) -> crate::Result<String> {
    match channel {
        Channel::Sms => {
            let to = out
                .patient
                .phone
                .clone()
                .ok_or_else(|| Error::SendRejected("no phone number".into()))?;
            senders
                .sms
                .send_sms(&Sms {
                    practice_id: out.practice.practice_id.clone(),
                    from: out.practice.settings.sms_number.clone(),
                    to,
                    body: out.content.sms.clone(),
                })
                .await
        }
        Channel::Email => {
            let to = out
                .patient
                .email
                .clone()
                .ok_or_else(|| Error::SendRejected("no email address".into()))?;
            let from = out
                .practice
                .settings
                .email_from
                .clone()
                .ok_or_else(|| Error::SendRejected("no sender".into()))?;
            senders
                .email
                .send_email(&Email {
                    practice_id: out.practice.practice_id.clone(),
                    from,
                    to,
                    subject: out.content.email_subject.clone(),
                    text: out.content.email_text.clone(),
                    patient: Some(PatientMail::automated(
                        out.patient.patient_id.clone(),
                        out.kind,
                    )),
                })
                .await
        }
        Channel::Voice => Err(Error::SendRejected(
            "voice is never sent automatically".into(),
        )),
    }
}

pub(super) fn body_for(out: &Outbound<'_>, channel: Channel) -> String {
    out.content.body_for(channel)
}

pub(super) fn timeline(
    out: &Outbound<'_>,
    channel: Channel,
    now: DateTime<Utc>,
    body: String,
    decision: Decision,
) -> Write {
    Write::Message(Box::new(
        Message::new(
            out.practice.practice_id.clone(),
            now,
            channel,
            Direction::Outbound,
            out.purpose,
            body,
            decision,
        )
        .for_patient(&out.patient.patient_id)
        .about(out.appointment_id),
    ))
}

pub(super) fn staff_task(
    out: &Outbound<'_>,
    kind: TaskKind,
    detail: String,
    now: DateTime<Utc>,
) -> Delivered {
    let task_id = TaskId::generate();
    let task = Task {
        script: Some(out.content.call_script.clone()),
        voicemail_script: out.content.voicemail_script.clone(),
        patient_id: Some(out.patient.patient_id.clone()),
        appointment_id: out.appointment_id.cloned(),
        due_at: out.task_due,
        ..Task::open(
            out.practice.practice_id.clone(),
            task_id.clone(),
            kind,
            out.task_priority,
            out.content.task_title.clone(),
            detail.clone(),
            now,
        )
    };
    let channel = out.patient.preferred_channel;
    Delivered {
        delivery: Delivery::Task {
            task_id: task_id.clone(),
            kind,
        },
        writes: vec![
            Write::Task(Box::new(task)),
            timeline(
                out,
                channel,
                now,
                body_for(out, channel),
                Decision::StaffTask {
                    task_id,
                    reason: detail,
                },
            ),
        ],
    }
}

/// The provider refused the patient's number for good: the channel is marked unhealthy and
/// the one "fix the contact" task carries this message's call script. If another send
/// marked it meanwhile, the batch conflicts and the caller's retry finds it unhealthy.
pub(super) fn unhealthy(
    out: &Outbound<'_>,
    channel: Channel,
    rejection: &str,
    now: DateTime<Utc>,
) -> Delivered {
    let what = channel_health::recipient_failure(rejection)
        .map(channel_health::describe)
        .unwrap_or("the provider refused the number");
    let code = match rejection.split_once(", HTTP") {
        Some((head, _)) => format!("{head})"),
        None => rejection.to_string(),
    };
    let what = format!("{what}; {code}");
    let mut task = channel_health::fix_contact_task(
        out.patient,
        channel,
        &what,
        Some(out.content.call_script.clone()),
        now,
    );
    task.voicemail_script = out.content.voicemail_script.clone();
    task.appointment_id = out.appointment_id.cloned();
    let task_id = task.task_id.clone();
    let mut writes = channel_health::mark(out.patient, channel, &code, &what, task, now);
    writes.push(timeline(
        out,
        channel,
        now,
        body_for(out, channel),
        Decision::StaffTask {
            task_id: task_id.clone(),
            reason: channel_health::blocked_detail_now(channel, &what),
        },
    ));
    Delivered {
        delivery: Delivery::Rejected { task_id },
        writes,
    }
}
