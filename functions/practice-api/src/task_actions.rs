//! Staff work on a task: assign, snooze, note (and resolve, from `tasks`). Each action is
//! written with its timeline entry on the patient's thread (who did what), in one
//! transaction; resolving a thread's task also settles the patient's thread (escalation
//! counters reset, as `policy::escalation` assumes), checked against the patient's version.
//!
//! Round trips: R2 (practice + task), R1 (the task's patient, when it has one), one write.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chrono::{DateTime, Utc};
use frontdesk::domain::{
    Actor, Channel, Message, Patient, StaffId, Task, TaskId, TaskStatus, ThreadId, UnknownThread,
};
use frontdesk::policy::resolve_thread;
use frontdesk::ports::{Expect, Key, Write};
use http::StatusCode;
use serde::Deserialize;

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::http_io::{json_response, Request};
use crate::tasks::TaskOut;

const MAX_ATTEMPTS: usize = 3;
/// Inbox entries one write clears (a transaction holds at most 100 writes).
const MAX_CLEARED: usize = 90;

/// What an action did to the task.
pub enum Change {
    /// Nothing to do (resolving a resolved task): answered with the task as it is.
    Unchanged,
    Changed {
        /// For the timeline; no health information.
        what: String,
        actor: Actor,
        settles_thread: bool,
    },
}

pub fn actor(staff_id: Option<String>) -> ApiResult<Actor> {
    let id = staff_id
        .map(StaffId::parse)
        .transpose()
        .map_err(|_| ApiError::invalid("staff_id", "must be a staff id such as stf_01h..."))?;
    Ok(crate::tasks::actor_of(id))
}

/// Reads the task (and its patient), applies `change`, writes the task, the timeline entry
/// and, for a thread's task, the settled thread; retries when the patient changed meanwhile.
pub async fn apply<F>(
    deps: &Deps,
    req: &Request,
    task_id: &TaskId,
    change: F,
) -> ApiResult<ApiGatewayV2httpResponse>
where
    F: Fn(&mut Task, DateTime<Utc>) -> ApiResult<Change>,
{
    let (practice, fetched) = authenticate(deps, req, vec![Key::Task(task_id.clone())]).await?;
    let stored = fetched
        .task(task_id)
        .ok_or(ApiError::NotFound("task"))?
        .clone();
    for _ in 0..MAX_ATTEMPTS {
        let now = deps.clock.now();
        let mut task = stored.clone();
        let (what, actor, settles) = match change(&mut task, now)? {
            Change::Unchanged => return Ok(respond(&task, now)),
            Change::Changed {
                what,
                actor,
                settles_thread,
            } => (what, actor, settles_thread),
        };
        let patient = match &task.patient_id {
            Some(id) => deps
                .store
                .get_many(&practice.practice_id, &[Key::Patient(id.clone())])
                .await?
                .patient(id)
                .cloned(),
            None => None,
        };
        let mut writes = vec![Write::Task(Box::new(task.clone()))];
        if let Some(p) = &patient {
            writes.push(Write::Message(Box::new(Message::staff_action(
                &practice.practice_id,
                &p.patient_id,
                p.preferred_channel,
                &task.task_id,
                what,
                actor,
                now,
            ))));
            if settles && task.status == TaskStatus::Resolved {
                writes.extend(settled(p, now));
            }
        } else if let Some(thread_id) = &task.work.thread_id {
            // An unknown sender's task: the action goes on their thread.
            if let Some(t) = deps
                .store
                .unknown_thread(&practice.practice_id, thread_id)
                .await?
            {
                writes.push(Write::Message(Box::new(Message::staff_action_on(
                    &practice.practice_id,
                    None,
                    Some(&t.number),
                    Channel::Sms,
                    &task.task_id,
                    what,
                    actor,
                    now,
                ))));
                if settles && task.status == TaskStatus::Resolved {
                    writes.extend(settled_unknown(&t));
                }
            }
        }
        match deps
            .store
            .write(frontdesk::webhooks::with_events(writes, now))
            .await
        {
            Ok(()) => return Ok(respond(&task, now)),
            Err(frontdesk::Error::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict(
        "the patient's record (or the thread) kept changing meanwhile; retry".into(),
    ))
}

/// An unknown sender's thread once its task is resolved: out of the inbox, only while no
/// text arrived meanwhile (else the write conflicts and is decided again).
fn settled_unknown(t: &UnknownThread) -> Vec<Write> {
    let cleared: Vec<_> = t.waits.iter().take(MAX_CLEARED).copied().collect();
    let mut writes: Vec<Write> = cleared
        .iter()
        .map(|since| Write::RemoveWaiting {
            practice_id: t.practice_id.clone(),
            thread_id: t.thread_id.clone(),
            since: *since,
        })
        .collect();
    let mut answered = t.clone();
    answered.waits.drain(..cleared.len());
    writes.push(Write::UnknownThread {
        thread: Box::new(answered),
        seen_waits: t.waits.len(),
    });
    writes
}

/// The patient's thread once its task is resolved: the escalation counters start again,
/// and the thread leaves the inbox (staff dealt with it, by phone or otherwise).
fn settled(p: &Patient, now: DateTime<Utc>) -> Vec<Write> {
    let mut patient = p.clone();
    resolve_thread(&mut patient.thread);
    let mut writes = Vec::new();
    if let Some(since) = patient.thread.waiting_since.take() {
        writes.push(Write::RemoveWaiting {
            practice_id: p.practice_id.clone(),
            thread_id: ThreadId::patient(&p.patient_id),
            since,
        });
    }
    patient.version = p.version.saturating_add(1);
    patient.updated_at = now;
    writes.push(Write::Patient {
        patient: Box::new(patient),
        expect: Expect::Version(p.version),
        previous_phone: None,
    });
    writes
}

fn respond(task: &Task, now: DateTime<Utc>) -> ApiGatewayV2httpResponse {
    json_response(
        StatusCode::OK,
        &TaskOut {
            task,
            view: task.view(now),
        },
    )
}

fn open_only(task: &Task) -> ApiResult<()> {
    if task.status == TaskStatus::Resolved {
        return Err(ApiError::Conflict(
            "the task is resolved; it can still get notes, or raise a new task".into(),
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignIn {
    /// Who takes the task.
    staff_id: String,
    /// Who assigned it, when not the assignee.
    #[serde(default)]
    by: Option<String>,
}

pub async fn assign(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let task_id = TaskId::parse(id).map_err(|_| ApiError::NotFound("task"))?;
    let input: AssignIn = req.json()?;
    let assignee = StaffId::parse(input.staff_id)
        .map_err(|_| ApiError::invalid("staff_id", "must be a staff id such as stf_01h..."))?;
    let by = match input.by {
        Some(b) => actor(Some(b))?,
        None => Actor::Staff {
            staff_id: assignee.clone(),
        },
    };
    apply(deps, req, &task_id, |task, _| {
        open_only(task)?;
        task.assign(assignee.clone());
        Ok(Change::Changed {
            what: format!("Task assigned to {assignee}"),
            actor: by.clone(),
            settles_thread: false,
        })
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnoozeIn {
    /// RFC 3339 with offset.
    until: String,
    #[serde(default)]
    staff_id: Option<String>,
}

pub async fn snooze(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let task_id = TaskId::parse(id).map_err(|_| ApiError::NotFound("task"))?;
    let input: SnoozeIn = req.json()?;
    let until = DateTime::parse_from_rfc3339(&input.until)
        .map_err(|_| {
            ApiError::invalid(
                "until",
                "must be RFC 3339 with offset, e.g. 2026-03-02T09:00:00-06:00",
            )
        })?
        .to_utc();
    let who = actor(input.staff_id)?;
    apply(deps, req, &task_id, |task, now| {
        open_only(task)?;
        task.snooze(until, now)?;
        Ok(Change::Changed {
            what: format!("Task snoozed until {}", until.to_rfc3339()),
            actor: who.clone(),
            settles_thread: false,
        })
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteIn {
    text: String,
    #[serde(default)]
    staff_id: Option<String>,
}

pub async fn note(deps: &Deps, req: &Request, id: &str) -> ApiResult<ApiGatewayV2httpResponse> {
    let task_id = TaskId::parse(id).map_err(|_| ApiError::NotFound("task"))?;
    let input: NoteIn = req.json()?;
    let who = actor(input.staff_id)?;
    apply(deps, req, &task_id, |task, now| {
        task.add_note(&input.text, who.clone(), now)?;
        Ok(Change::Changed {
            // The note itself stays on the task; the timeline says only that one was added.
            what: "Note added to the task".into(),
            actor: who.clone(),
            settles_thread: false,
        })
    })
    .await
}
