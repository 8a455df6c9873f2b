//! The events a batch of writes causes, derived from the batch itself (pure), so each
//! writer adds one call before its `Store::write` and the outbox items commit or fail with
//! the change: `let writes = webhooks::with_events(writes, now);`.
//!
//! Tasks are the store's: every `Store::write` adds their events ([`with_task_events`],
//! from the news `Task::open` and the resolutions put on the task), so no writer of a task
//! (a sweep, a staff reply, an escalation, a call list) can forget them.
//!
//! Otherwise a change counts when it happens at `now`, the moment the writer stamps on what
//! it writes: an appointment confirmed now; a freed slot claimed now (by text, email or a
//! call staff took: `waitlist::claim`); every consent event (they are append-only) except the PMS's own; an inbound
//! message from a known patient. Rewrites later (a snooze, a reminder bookkeeping write)
//! carry older stamps and cause nothing. Event ids come from the change, so deriving twice
//! names the same items.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{EventType, OutboxEvent};
use crate::domain::{ConsentChangeSource, Direction, SlotState, TaskKind, TaskStatus};
use crate::ports::Write;

/// Title of the task that asks the patient which they meant (not yet a cancel request).
const CLARIFYING: &str = "(to clarify)";

/// `writes` with the outbox items of the events they cause appended. Task events need no
/// call: the store adds them to every batch ([`with_task_events`]).
pub fn with_events(mut writes: Vec<Write>, now: DateTime<Utc>) -> Vec<Write> {
    let events = events(&writes, now);
    append(&mut writes, events);
    writes
}

/// `writes` with the outbox items of its tasks' news: `task.created` (and for a patient's
/// reschedule or cancel request, `appointment.*_requested`) for a task just opened,
/// `task.resolved` for one just resolved (see `Task::news`). Every `Store::write` applies
/// it to its batch, so no writer of a task can forget its event; it needs no clock (the
/// news is on the task, the times are the task's own) and it is idempotent (an item
/// already in the batch is not added twice).
pub fn with_task_events(mut writes: Vec<Write>) -> Vec<Write> {
    let events = task_events(&writes);
    append(&mut writes, events);
    writes
}

/// Appends the events not already in the batch.
fn append(writes: &mut Vec<Write>, events: Vec<OutboxEvent>) {
    let present: std::collections::HashSet<String> = writes
        .iter()
        .filter_map(|w| match w {
            Write::WebhookEvent { event, .. } => Some(event.event_id.clone()),
            _ => None,
        })
        .collect();
    writes.extend(
        events
            .into_iter()
            .filter(|e| !present.contains(&e.event_id))
            .map(|e| Write::WebhookEvent {
                event: Box::new(e),
                expect_version: None,
            }),
    );
}

/// The events of the tasks in one batch, in the order of the writes.
pub fn task_events(writes: &[Write]) -> Vec<OutboxEvent> {
    let mut out: Vec<OutboxEvent> = Vec::new();
    for w in writes {
        let Write::Task(t) = w else { continue };
        let base = json!({
            "task_id": t.task_id,
            "kind": t.kind,
            "priority": t.priority,
            "patient_id": t.patient_id,
            "appointment_id": t.appointment_id,
            "due_at": t.due_at,
        });
        if t.news.created() && t.status != TaskStatus::Resolved {
            let now = t.created_at;
            let ask = match t.kind {
                TaskKind::RescheduleRequest => Some(EventType::AppointmentRescheduleRequested),
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
        if let (true, TaskStatus::Resolved, Some(at)) = (t.news.resolved(), t.status, t.resolved_at)
        {
            let mut data = base;
            data["resolved_at"] = json!(at);
            out.push(OutboxEvent::new(
                t.practice_id.clone(),
                EventType::TaskResolved,
                t.task_id.as_str(),
                at,
                data,
            ));
        }
    }
    dedupe(out)
}

fn dedupe(mut out: Vec<OutboxEvent>) -> Vec<OutboxEvent> {
    let mut seen = std::collections::HashSet::new();
    out.retain(|e| seen.insert(e.event_id.clone()));
    out
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
            Write::Slot { slot: s, .. } => {
                let SlotState::Claimed {
                    patient_id,
                    entry_id,
                    at,
                    via,
                } = &s.state
                else {
                    continue;
                };
                if *at != now {
                    continue;
                }
                out.push(OutboxEvent::new(
                    s.practice_id.clone(),
                    EventType::WaitlistSlotClaimed,
                    s.appointment_id.as_str(),
                    now,
                    json!({
                        "appointment_id": s.appointment_id,
                        "patient_id": patient_id,
                        "entry_id": entry_id,
                        "starts_at": s.starts_at,
                        "claimed_at": at,
                        "via": via,
                    }),
                ));
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
    dedupe(out)
}

#[cfg(test)]
#[path = "derive_tests.rs"]
mod tests;
