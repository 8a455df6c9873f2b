//! Expanding a broadcast's audience into recipients, one page per transaction: each page
//! writes its recipients (created conditionally: the keyed send intent, so no patient is
//! added twice), their due sends (paced, see [`crate::pace`]), the call-list entries, and
//! the broadcast moved on (version-checked: an overlapping run that expanded the same
//! page meanwhile makes this one conflict, re-read, and continue after it).
//!
//! Never a Scan: all active patients page over the practice's `PATIENT#` items; a date is
//! the day-schedule index (GSI1, at most two Queries for a local day); a list is one
//! BatchGetItem per page.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use frontdesk::domain::{
    AppointmentStatus, Audience, Broadcast, BroadcastStatus, Decision, Direction, DueWork, Message,
    MessageId, Patient, PatientId, Practice, Purpose, Recipient, RecipientOutcome, TaskId,
};
use frontdesk::ports::{Expect, Key, Store, Write};
use frontdesk::sweep::{self, Handled};

use super::call_list;
use super::decide::on_call_list;
use crate::pace;

/// Patients per page: two writes each, plus the broadcast, the call list and the claim,
/// stay within one 100-item transaction.
pub const PAGE: usize = 45;
/// Pages one claimed expansion writes before giving the rest to the next run.
pub const PAGES_PER_RUN: usize = 12;

/// One page of the audience.
#[derive(Debug, Default)]
pub struct PageRead {
    pub patients: Vec<Patient>,
    /// Listed ids with no patient (never stored, or erased).
    pub missing: Vec<PatientId>,
    /// Where the next page starts; `None` when this is the last.
    pub next: Option<String>,
}

/// Expands up to [`PAGES_PER_RUN`] pages of the claimed broadcast.
pub async fn expand(
    store: &dyn Store,
    claimed: &DueWork,
    practice: &Practice,
    now: DateTime<Utc>,
) -> frontdesk::Result<Handled> {
    let Some(id) = claimed.broadcast_id() else {
        return finish(store, claimed, "broadcast_gone").await;
    };
    for _ in 0..PAGES_PER_RUN {
        let fetched = store
            .get_many(&practice.practice_id, &[Key::Broadcast(id.clone())])
            .await?;
        let Some(b) = fetched.broadcast(&id).cloned() else {
            return finish(store, claimed, "broadcast_gone").await;
        };
        if b.cancelled() || b.status == BroadcastStatus::Expanded {
            return finish(store, claimed, "broadcast_expanded").await;
        }
        let page = read_page(store, practice, &b).await?;
        let last = page.next.is_none();
        let previous = match &b.call_task {
            Some(t) => store
                .get_many(&practice.practice_id, &[Key::Task(t.clone())])
                .await?
                .task(t)
                .cloned(),
            None => None,
        };
        let mut writes = page_writes(practice, &b, page, previous, now);
        if last {
            writes.push(sweep::done(claimed));
        }
        match store.write(writes).await {
            Ok(()) if last => return Ok(Handled::Done("broadcast_expanded")),
            Ok(()) => {}
            // Another run wrote this page meanwhile: re-read and go on after it.
            Err(frontdesk::Error::Conflict) => {}
            Err(e) => return Err(e),
        }
    }
    store.write(vec![sweep::release(claimed, now)]).await?;
    Ok(Handled::Released("broadcast_expanding"))
}

async fn finish(
    store: &dyn Store,
    claimed: &DueWork,
    label: &'static str,
) -> frontdesk::Result<Handled> {
    store.write(vec![sweep::done(claimed)]).await?;
    Ok(Handled::Done(label))
}

/// The next page of `b`'s audience, after its cursor.
pub async fn read_page(
    store: &dyn Store,
    practice: &Practice,
    b: &Broadcast,
) -> frontdesk::Result<PageRead> {
    let pid = &practice.practice_id;
    match &b.audience {
        Audience::AllActive => {
            let page = store.patients_page(pid, b.cursor.as_deref(), PAGE).await?;
            Ok(PageRead {
                patients: page.items,
                missing: vec![],
                next: page.next,
            })
        }
        Audience::Patients { patient_ids } => listed(store, pid, b, patient_ids).await,
        Audience::AppointmentsOn { date } => {
            let tz = practice.settings.time_zone;
            let start = |d: chrono::NaiveDate| {
                tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            };
            let (Some(from), Some(to)) = (start(*date), start(*date + Duration::days(1))) else {
                return Ok(PageRead::default());
            };
            let mut ids: Vec<PatientId> = store
                .appointments_starting(pid, from, to)
                .await?
                .into_iter()
                .filter(|a| a.status != AppointmentStatus::Cancelled)
                .map(|a| a.patient_id)
                .collect();
            ids.sort();
            ids.dedup();
            listed(store, pid, b, &ids).await
        }
    }
}

/// A page of a fixed list of ids: the cursor is an offset into it.
async fn listed(
    store: &dyn Store,
    pid: &frontdesk::domain::PracticeId,
    b: &Broadcast,
    ids: &[PatientId],
) -> frontdesk::Result<PageRead> {
    let from = b
        .cursor
        .as_deref()
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(0)
        .min(ids.len());
    let to = (from + PAGE).min(ids.len());
    let slice = &ids[from..to];
    let keys: Vec<Key> = slice.iter().cloned().map(Key::Patient).collect();
    let fetched = if keys.is_empty() {
        Default::default()
    } else {
        store.get_many(pid, &keys).await?
    };
    let (mut patients, mut missing) = (vec![], vec![]);
    for id in slice {
        match fetched.patient(id) {
            Some(p) => patients.push(p.clone()),
            None => missing.push(id.clone()),
        }
    }
    Ok(PageRead {
        patients,
        missing,
        next: (to < ids.len()).then(|| to.to_string()),
    })
}

/// Pure: the writes of one expanded page (without the claim).
pub fn page_writes(
    practice: &Practice,
    b: &Broadcast,
    page: PageRead,
    previous_call_task: Option<frontdesk::domain::Task>,
    now: DateTime<Utc>,
) -> Vec<Write> {
    let settings = &practice.settings;
    let call_task = b.call_task.clone().unwrap_or_else(TaskId::generate);
    let mut writes = Vec::with_capacity(page.patients.len() * 2 + 4);
    let mut callers = Vec::new();
    let recipient = |patient_id: PatientId, outcome: RecipientOutcome| Write::BroadcastRecipient {
        recipient: Box::new(Recipient {
            practice_id: b.practice_id.clone(),
            broadcast_id: b.broadcast_id.clone(),
            patient_id,
            outcome,
            at: now,
        }),
        create: true,
    };
    for (index, p) in (b.expanded..).zip(page.patients.iter()) {
        if on_call_list(p, settings, b, now) {
            writes.push(recipient(p.patient_id.clone(), RecipientOutcome::CallList));
            writes.push(call_entry(b, p, &call_task, now));
            callers.push(p);
        } else {
            writes.push(recipient(p.patient_id.clone(), RecipientOutcome::Pending));
            let at = pace::due_at(b.send_at, index).max(now);
            writes.push(Write::Due(Box::new(DueWork::broadcast_send(
                b.practice_id.clone(),
                &b.broadcast_id,
                p.patient_id.clone(),
                at,
            ))));
        }
    }
    for id in &page.missing {
        let outcome = RecipientOutcome::Suppressed {
            code: "unknown_patient".into(),
        };
        writes.push(recipient(id.clone(), outcome));
    }
    let added = u32::try_from(page.patients.len() + page.missing.len()).unwrap_or(u32::MAX);
    let called = u32::try_from(callers.len()).unwrap_or(u32::MAX);
    let mut next = b.clone();
    next.cursor = page.next.clone();
    next.expanded = b.expanded.saturating_add(added);
    next.call_list = b.call_list.saturating_add(called);
    next.updated_at = now;
    next.version = b.version + 1;
    if page.next.is_none() {
        next.status = BroadcastStatus::Expanded;
    }
    if !callers.is_empty() {
        next.call_task = Some(call_task.clone());
        let task = call_list::task(
            practice,
            &next,
            call_task,
            previous_call_task,
            &callers,
            now,
        );
        writes.push(Write::Task(Box::new(task)));
    }
    writes.push(Write::Broadcast {
        broadcast: Box::new(next),
        expect: Expect::Version(b.version),
    });
    writes
}

/// The patient's timeline: this message is on the broadcast's call list.
fn call_entry(b: &Broadcast, p: &Patient, task: &TaskId, now: DateTime<Utc>) -> Write {
    Write::Message(Box::new(Message {
        practice_id: b.practice_id.clone(),
        patient_id: Some(p.patient_id.clone()),
        unknown_sender: None,
        message_id: MessageId::generate(),
        at: now,
        channel: p.preferred_channel,
        direction: Direction::Outbound,
        purpose: Purpose::Broadcast,
        body: b.body.clone(),
        decision: Decision::StaffTask {
            task_id: task.clone(),
            reason: "the patient prefers a phone call: on the broadcast's call list".into(),
        },
        appointment_id: None,
        actor: None,
    }))
}
