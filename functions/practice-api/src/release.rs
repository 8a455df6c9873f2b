//! `POST /v1/appointments/{id}/release`: the practice gives an unconfirmed slot away. The
//! appointment is cancelled (version-checked), its due work is removed, its open red-flag
//! task is closed, the freed slot goes to the waitlist (`frontdesk::waitlist`), all in one
//! transaction; then the patient is told kindly, on their own channel, through `deliver`.
//! Idempotent: releasing a released appointment answers the same and sends nothing.
//! Round trips: R2 (practice, appointment, slot), R2 (patient, tasks), one write, the send,
//! one write of its record.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use frontdesk::deliver::{deliver, Content, Outbound};
use frontdesk::domain::{
    AppointmentId, AppointmentStatus, MessageKind, Priority, Purpose, SlotReason, TaskKind,
    TaskStatus,
};
use frontdesk::ports::{Expect, Key, Write};
use frontdesk::time::staff_time;
use frontdesk::waitlist;
use http::StatusCode;

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};
use crate::wire::AppointmentOut;

const RELEASED: &str = "auto: the slot was released to the waitlist";

pub async fn release(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let appointment_id = AppointmentId::parse(id).map_err(|_| ApiError::NotFound("appointment"))?;
    let (practice, fetched) = authenticate(
        deps,
        req,
        vec![
            Key::Appointment(appointment_id.clone()),
            Key::Slot(appointment_id.clone()),
        ],
    )
    .await?;
    let old = fetched
        .appointment(&appointment_id)
        .ok_or(ApiError::NotFound("appointment"))?;
    let answer = |a: &frontdesk::domain::Appointment, told: &str| {
        json_response(
            StatusCode::OK,
            &serde_json::json!({
                "appointment": AppointmentOut::from(a),
                "released": true,
                "patient_told": told,
            }),
        )
    };
    if let Some(slot) = fetched.slot(&appointment_id) {
        if slot.reason == SlotReason::Released {
            return Ok(answer(old, "already"));
        }
    }
    if old.status != AppointmentStatus::Scheduled {
        return Err(ApiError::Conflict(format!(
            "only a scheduled appointment can be released; this one is {}",
            old.status.as_str()
        )));
    }
    let now = deps.clock.now();
    let mut keys = vec![Key::Patient(old.patient_id.clone())];
    keys.extend(old.tasks.iter().map(|t| Key::Task(t.clone())));
    let more = deps.store.get_many(&practice.practice_id, &keys).await?;

    let mut appt = old.clone();
    appt.status = AppointmentStatus::Cancelled;
    appt.updated_at = now;
    appt.version = old.version.saturating_add(1);
    let mut writes: Vec<Write> = appt
        .planned_due
        .drain(..)
        .map(|due_key| Write::RemoveDue {
            practice_id: practice.practice_id.clone(),
            due_key,
        })
        .collect();
    for task_id in &old.tasks {
        if let Some(t) = more.task(task_id) {
            if t.kind == TaskKind::UnconfirmedAppointment && t.status == TaskStatus::Open {
                let mut t = t.clone();
                t.resolve_as(RELEASED, now);
                writes.push(Write::Task(Box::new(t)));
            }
        }
    }
    writes.extend(waitlist::free_slot(&appt, SlotReason::Released, now));
    if !writes.iter().any(|w| matches!(w, Write::Slot { .. })) {
        // Too close to the start for the waitlist: the release is still recorded.
        writes.push(Write::Slot {
            slot: Box::new(frontdesk::domain::FreedSlot::new(
                &appt,
                SlotReason::Released,
                now,
            )),
            expect: Expect::Absent,
        });
    }
    writes.push(Write::Appointment {
        appointment: Box::new(appt.clone()),
        expect: Expect::Version(old.version),
    });
    // A concurrent change (or a concurrent release) conflicts: nothing half-done, 409.
    deps.store.write(writes).await?;

    let Some(patient) = more.patient(&appt.patient_id) else {
        return Ok(answer(&appt, "patient_missing"));
    };
    let settings = &practice.settings;
    let name = settings.name.trim();
    let when = staff_time(appt.starts_at, patient.zone(settings.time_zone));
    let call = settings
        .callback_phone
        .as_ref()
        .map(|p| format!(" at {p}"))
        .unwrap_or_default();
    let text = format!(
        "{name}: we hadn't heard back about your appointment on {when}, so we have offered the \
         time to another patient. We'd love to see you soon: reply or call us{call} to book a \
         new time."
    );
    let delivered = deliver(
        &deps.senders,
        Outbound {
            practice: &practice,
            patient,
            kind: MessageKind::Care,
            purpose: Purpose::SlotReleased,
            appointment_id: Some(&appt.appointment_id),
            not_after: None,
            content: Content {
                sms: text.clone(),
                email_subject: format!("{name}: about your appointment on {when}"),
                email_text: format!("Hello {},\n\n{text}", patient.first_name),
                call_script: format!(
                    "Hello, this is {name}. We hadn't heard back about the appointment on {when}, \
                     so the time was offered to another patient. Would you like to book a new \
                     time?"
                ),
                voicemail_script: Some(format!(
                    "Hello, this is {name} about your appointment. Please call us back{call}."
                )),
                task_title: "Released appointment: call the patient to rebook".into(),
            },
            task_priority: Priority::Normal,
            task_due: now,
        },
        now,
    )
    .await;
    let told = delivered.delivery.label();
    if let Err(e) = deps.store.write(delivered.writes).await {
        tracing::error!(
            practice_id = %practice.practice_id,
            error = %e,
            "the release message could not be recorded on the timeline"
        );
    }
    Ok(answer(&appt, told))
}
