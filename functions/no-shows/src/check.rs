//! The no-show check, due at start + `no_show_grace_minutes`.
//!
//! An appointment still `scheduled` at that moment (and still at the time the check was
//! planned for) becomes `no_show`, in one transaction that also:
//! - bumps `patient.no_show_count` (conditional on the patient's version),
//! - raises an urgent wellbeing call task and records its id on the appointment, so a
//!   late check-in closes it,
//! - puts the task on the patient's timeline (outbound, voice, staff task),
//! - plans the next-morning follow-up and makes it the only key in
//!   `appointment.planned_due` (removing anything else still planned), so a move, a late
//!   check-in or a cancel removes it,
//! - finishes the claimed check.
//!
//! Nothing is sent to the patient: the first contact after a missed visit is a person.

use chrono::{DateTime, Utc};
use frontdesk::domain::{
    Appointment, AppointmentStatus, Channel, Decision, DueKind, DueWork, Patient, Practice,
    Priority, Purpose, Task, TaskId, TaskKind,
};
use frontdesk::keys;
use frontdesk::policy::{templates, NoShowContext};
use frontdesk::ports::{Expect, Write};

use std::convert::Infallible;

use crate::follow_up::follow_up_at;
use frontdesk::sweep::{self, Handled, Plan, Snapshot};

/// Outcome labels, as counted in the sweep report.
pub mod labels {
    /// Marked no-show, wellbeing task raised, follow-up planned.
    pub const NO_SHOW: &str = "no_show";
    /// Checked in, completed, cancelled (or already marked): nothing to do.
    pub const NOT_MISSED: &str = "not_missed";
    /// The appointment moved (its new check is planned) or is gone.
    pub const STALE: &str = "stale";
}

/// What the check decides, purely: only writes (it sends nothing).
pub(crate) fn plan_check(
    claimed: &DueWork,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> frontdesk::Result<Plan<Infallible>> {
    let Some((practice, patient, appointment)) = snapshot.complete() else {
        return Ok(Plan::finish(claimed, labels::STALE));
    };
    if appointment.starts_at != claimed.planned_for {
        return Ok(Plan::finish(claimed, labels::STALE));
    }
    if appointment.status != AppointmentStatus::Scheduled {
        return Ok(Plan::finish(claimed, labels::NOT_MISSED));
    }

    let task = wellbeing_task(practice, patient, appointment, now)?;
    let zone = patient.zone(practice.settings.time_zone);
    let follow_up = DueWork {
        practice_id: claimed.practice_id.clone(),
        appointment_id: claimed.appointment_id.clone(),
        patient_id: claimed.patient_id.clone(),
        kind: DueKind::NoShowFollowUp,
        due_at: follow_up_at(
            appointment.starts_at,
            zone,
            &practice.settings.quiet_hours,
            now,
        ),
        planned_for: appointment.starts_at,
        attempts: 0,
    };
    let follow_up_key = keys::due_key_of(&follow_up);
    let check_key = keys::due_key_of(claimed);

    // A no-show plans nothing but its follow-up (as `planning::plan` plans nothing for
    // `no_show`): anything else still listed goes, the way the API re-plans a status
    // change. The check itself is finished by `DoneDue` below.
    let removed: Vec<Write> = appointment
        .planned_due
        .iter()
        .filter(|k| **k != check_key && **k != follow_up_key)
        .map(|k| Write::RemoveDue {
            practice_id: appointment.practice_id.clone(),
            due_key: k.clone(),
        })
        .collect();
    let mut missed = appointment.clone();
    missed.status = appointment.status.transition(AppointmentStatus::NoShow)?;
    missed.tasks.push(task.task_id.clone());
    missed.planned_due = vec![follow_up_key];
    missed.updated_at = now;
    missed.version = appointment.version + 1;

    let mut counted = patient.clone();
    counted.no_show_count = patient.no_show_count.saturating_add(1);
    counted.updated_at = now;
    counted.version = patient.version + 1;

    let decision = Decision::StaffTask {
        task_id: task.task_id.clone(),
        reason: "Missed appointment: a wellbeing call for staff. Nothing was sent to the \
                 patient; a follow-up is planned for the next morning."
            .into(),
    };
    let body = task.script.clone().unwrap_or_default();
    let purpose = Purpose::NoShowFollowUp;
    let timeline = sweep::entry(
        patient,
        appointment,
        Channel::Voice,
        purpose,
        body,
        decision,
        now,
    );

    let mut writes = removed;
    writes.extend([
        Write::Appointment {
            appointment: Box::new(missed),
            expect: Expect::Version(appointment.version),
        },
        Write::Patient {
            patient: Box::new(counted),
            expect: Expect::Version(patient.version),
            previous_phone: None,
        },
        timeline,
        Write::Due(Box::new(follow_up)),
        sweep::done(claimed),
    ]);
    // The wellbeing call is urgent: its notice due goes with it, for on-call's batch.
    writes.extend(Write::open_task(task));
    Ok(Plan::Write {
        writes,
        handled: Handled::Done(labels::NO_SHOW),
    })
}

/// The wellbeing call task for a missed appointment: urgent, due now, with the call script
/// and the voicemail (practice name, direct callback number, "we missed you today and hope
/// you're alright", "we're holding options to rebook soon"; the appointment kind only with
/// the patient's voicemail waiver). A repeat no-show is flagged in the title and detail.
pub fn wellbeing_task(
    practice: &Practice,
    patient: &Patient,
    appointment: &Appointment,
    now: DateTime<Utc>,
) -> frontdesk::Result<Task> {
    let ctx = NoShowContext::new(&practice.settings, patient, appointment, now)?;
    let scripts = templates::no_show_call(&ctx)?;
    let earlier = patient.no_show_count;
    let title = if earlier == 0 {
        "Wellbeing call: check the patient is OK after a missed appointment".to_string()
    } else {
        "Wellbeing call (repeat missed appointment): check the patient is OK".to_string()
    };
    let mut detail = String::from(
        "The patient did not arrive for their appointment. Call to check they are alright: \
         we are concerned for them, not for the schedule. Follow the script; if you reach \
         voicemail, leave only the voicemail message. When you speak with them, resolve this \
         task as \"reached\" (that stops tomorrow's automatic follow-up).",
    );
    if earlier > 0 {
        detail.push_str(&format!(
            " Repeat no-show: this is missed appointment number {} for this patient. Ask \
             gently whether something makes it hard to attend (transport, timing, reminders) \
             and how we can help.",
            u64::from(earlier) + 1
        ));
    }
    let settings = &practice.settings;
    if settings.callback_phone.is_none() && settings.sms_number.is_none() {
        detail.push_str(
            " The practice has no callback number configured (settings: callback_phone), so \
             the voicemail cannot give one: say the number yourself.",
        );
    }
    Ok(Task {
        script: Some(scripts.script),
        voicemail_script: Some(scripts.voicemail),
        patient_id: Some(patient.patient_id.clone()),
        appointment_id: Some(appointment.appointment_id.clone()),
        ..Task::open(
            practice.practice_id.clone(),
            TaskId::generate(),
            TaskKind::WellbeingCall,
            Priority::Urgent,
            title,
            detail,
            now,
        )
    })
}
