//! The confirmation deadline (before the end of the prior business day, while the office
//! is open: `frontdesk::policy::red_flag`, planned by `frontdesk::planning`): an
//! appointment still unconfirmed becomes a red-flag task for staff. Nothing is sent to the
//! patient. Pure: [`crate::decide`] decides, this writes the task.
//!
//! - Priority High; Urgent for a new patient, whose task says they are higher risk (and
//!   whose deadline comes earlier, so they are flagged first).
//! - When the practice releases unconfirmed slots, the task says the slot may be offered
//!   to another patient.
//! - The task id is recorded on the appointment (so a later confirmation or check-in can
//!   close it), in the same transaction as the task and the end of the claim. The
//!   appointment write is conditional on the version read: if the appointment changed
//!   meanwhile, the engine's `write_decided` re-reads it and decides again.

use chrono::{DateTime, Utc};
use frontdesk::domain::{DueWork, Priority, Purpose, Task, TaskId, TaskKind};
use frontdesk::policy::{templates, ReminderContext};
use frontdesk::ports::{Expect, Write};
use frontdesk::sweep::{self, Handled, Plan, Snapshot};

pub(crate) fn red_flag(
    claimed: &DueWork,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> frontdesk::Result<Plan<Purpose>> {
    let Some((practice, patient, appointment)) = snapshot.complete() else {
        return Ok(Plan::finish(claimed, crate::decide::labels::STALE));
    };
    let settings = &practice.settings;
    let new_patient = patient.new_patient;
    let when = frontdesk::time::staff_time(appointment.starts_at, settings.time_zone);
    let (priority, title) = if new_patient {
        (
            Priority::Urgent,
            "Unconfirmed appointment, new patient (higher no-show risk): call to confirm",
        )
    } else {
        (Priority::High, "Unconfirmed appointment: call to confirm")
    };
    let mut detail = format!(
        "The patient has not confirmed their appointment on {when} (practice time). Call them with \
         the script to confirm it, or to find a time that suits them better."
    );
    if new_patient {
        detail.push_str(
            " This is a new patient: new patients are at higher risk of not showing up, so call \
             them first.",
        );
    }
    if settings.release_unconfirmed_slots {
        detail.push_str(
            " If the appointment is not confirmed, the slot may be offered to another patient.",
        );
    }
    let call = templates::reminder_call(&ReminderContext::new(settings, patient, appointment)?)?;
    let task = Task {
        script: Some(call.script),
        voicemail_script: Some(call.voicemail),
        patient_id: Some(patient.patient_id.clone()),
        appointment_id: Some(appointment.appointment_id.clone()),
        ..Task::open(
            practice.practice_id.clone(),
            TaskId::generate(),
            TaskKind::UnconfirmedAppointment,
            priority,
            title.to_string(),
            detail,
            now,
        )
    };
    let mut updated = appointment.clone();
    updated.tasks.push(task.task_id.clone());
    updated.updated_at = now;
    updated.version = appointment.version + 1;
    Ok(Plan::Write {
        // An urgent (new-patient) red flag also leaves a notice due for on-call's batch.
        writes: Write::open_task(task)
            .into_iter()
            .chain([
                Write::Appointment {
                    appointment: Box::new(updated),
                    expect: Expect::Version(appointment.version),
                },
                sweep::done(claimed),
            ])
            .collect(),
        handled: Handled::Done(if new_patient {
            "red_flag_new_patient"
        } else {
            "red_flag"
        }),
    })
}
