//! The events a batch of writes causes, derived from the batch itself (pure), so each
//! writer adds one call before its `Store::write` and the outbox items commit or fail with
//! the change: `let writes = webhooks::with_events(writes, now);`.
//!
//! A change counts when it happens at `now`, the moment the writer stamps on what it
//! writes: a task created now (`created_at == now`), resolved now, an appointment confirmed
//! now; every consent event (they are append-only) except the PMS's own; an inbound
//! message from a known patient. Rewrites later (a snooze, a reminder bookkeeping write)
//! carry older stamps and cause nothing. Event ids come from the change, so deriving twice
//! names the same items.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{EventType, OutboxEvent};
use crate::domain::{ConsentChangeSource, Direction, TaskKind, TaskStatus};
use crate::ports::Write;

/// Title of the task that asks the patient which they meant (not yet a cancel request).
const CLARIFYING: &str = "(to clarify)";

/// `writes` with the outbox items of the events they cause appended.
pub fn with_events(mut writes: Vec<Write>, now: DateTime<Utc>) -> Vec<Write> {
    let events = events(&writes, now);
    writes.extend(events.into_iter().map(|e| Write::WebhookEvent {
        event: Box::new(e),
        expect_version: None,
    }));
    writes
}

/// The events of one batch, in the order of the writes.
pub fn events(writes: &[Write], now: DateTime<Utc>) -> Vec<OutboxEvent> {
    let mut out: Vec<OutboxEvent> = Vec::new();
    for w in writes {
        match w {
            Write::Appointment { appointment: a, .. }
                if a.confirmation.as_ref().is_some_and(|c| c.at == now) =>
            {
                out.push(OutboxEvent::new(
                    a.practice_id.clone(),
                    EventType::AppointmentConfirmed,
                    a.appointment_id.as_str(),
                    now,
                    json!({
                        "appointment_id": a.appointment_id,
                        "patient_id": a.patient_id,
                        "starts_at": a.starts_at,
                        "confirmation": a.confirmation,
                    }),
                ));
            }
            Write::Task(t) => {
                let base = json!({
                    "task_id": t.task_id,
                    "kind": t.kind,
                    "priority": t.priority,
                    "patient_id": t.patient_id,
                    "appointment_id": t.appointment_id,
                    "due_at": t.due_at,
                });
                if t.created_at == now && t.status != TaskStatus::Resolved {
                    let ask = match t.kind {
                        TaskKind::RescheduleRequest => {
                            Some(EventType::AppointmentRescheduleRequested)
                        }
                        TaskKind::CancelRequest if !t.title.contains(CLARIFYING) => {
                            Some(EventType::AppointmentCancelRequested)
                        }
                        _ => None,
                    };
                    if let Some(ty) = ask {
                        out.push(OutboxEvent::new(
                            t.practice_id.clone(),
                            ty,
                            t.task_id.as_str(),
                            now,
                            json!({
                                "patient_id": t.patient_id,
                                "appointment_id": t.appointment_id,
                                "task_id": t.task_id,
                            }),
                        ));
                    }
                    out.push(OutboxEvent::new(
                        t.practice_id.clone(),
                        EventType::TaskCreated,
                        t.task_id.as_str(),
                        now,
                        base.clone(),
                    ));
                }
                if t.status == TaskStatus::Resolved && t.resolved_at == Some(now) {
                    let mut data = base;
                    data["resolved_at"] = json!(now);
                    out.push(OutboxEvent::new(
                        t.practice_id.clone(),
                        EventType::TaskResolved,
                        t.task_id.as_str(),
                        now,
                        data,
                    ));
                }
            }
            Write::ConsentEvent(e) if e.source != ConsentChangeSource::Pms => {
                let opted_out = !e.granted && e.kind.is_none();
                let ty = if opted_out {
                    EventType::PatientOptedOut
                } else {
                    EventType::PatientPreferencesChanged
                };
                out.push(OutboxEvent::new(
                    e.practice_id.clone(),
                    ty,
                    &format!("{}#{}", e.patient_id, e.event_id),
                    e.at,
                    json!({
                        "patient_id": e.patient_id,
                        "channel": e.channel,
                        "kind": e.kind,
                        "granted": e.granted,
                        "source": e.source,
                        "at": e.at,
                    }),
                ));
            }
            Write::Message(m) if m.direction == Direction::Inbound => {
                let Some(patient_id) = &m.patient_id else {
                    continue;
                };
                out.push(OutboxEvent::new(
                    m.practice_id.clone(),
                    EventType::MessageReceived,
                    m.message_id.as_str(),
                    m.at,
                    json!({
                        "message_id": m.message_id,
                        "patient_id": patient_id,
                        "channel": m.channel,
                        "received_at": m.at,
                        "appointment_id": m.appointment_id,
                    }),
                ));
            }
            _ => {}
        }
    }
    // One item per id: a batch that names the same change twice writes it once.
    let mut seen = std::collections::HashSet::new();
    out.retain(|e| seen.insert(e.event_id.clone()));
    out
}

#[cfg(test)]
#[path = "derive_tests.rs"]
mod tests;
