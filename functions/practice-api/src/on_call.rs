//! The practice's on-call contact (`settings.on_call`): the one place the answer sweep's
//! notices leave from. SMS to the on-call phone from the practice's number, else email
//! to the on-call address from the practice's sender. Counts only, never patient data.

use frontdesk::deliver::Senders;
use frontdesk::domain::Practice;
use frontdesk::ports::{Email, Sms};

/// Sends `text` to the practice's on-call contact. `Ok(false)` when the practice set
/// none (the tasks are urgent in the task list either way).
pub(crate) async fn tell(
    senders: &Senders,
    practice: &Practice,
    subject: &str,
    text: String,
) -> frontdesk::Result<bool> {
    let settings = &practice.settings;
    if let Some(to) = &settings.on_call.phone {
        senders
            .sms
            .send_sms(&Sms {
                practice_id: practice.practice_id.clone(),
                from: settings.sms_number.clone(),
                to: to.clone(),
                body: text,
            })
            .await?;
        return Ok(true);
    }
    match (&settings.on_call.email, &settings.email_from) {
        (Some(to), Some(from)) => {
            senders
                .email
                .send_email(&Email {
                    practice_id: practice.practice_id.clone(),
                    from: from.clone(),
                    to: to.clone(),
                    subject: subject.into(),
                    text,
                    patient: None,
                })
                .await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
