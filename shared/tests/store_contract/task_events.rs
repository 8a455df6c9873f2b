//! Every task write carries its `task.created` / `task.resolved` outbox item in the same
//! transaction, whatever wrote it: the store derives them from the task's news
//! (`Task::open`, `Task::resolve_as`), so no writer can forget. One row per writer of
//! tasks, by the kind it opens; a task read back and rewritten (a snooze, an escalation)
//! causes nothing.

use frontdesk::domain::{PracticeId, Priority, Task, TaskId, TaskKind};
use frontdesk::ports::{Key, Write};
use frontdesk::webhooks::{EventType, OutboxEvent};

use crate::fixtures::*;
use crate::ContractStore;

/// The writers of tasks and the kind each opens.
const WRITERS: [(&str, TaskKind); 12] = [
    (
        "reminders: a voice patient's reminder call",
        TaskKind::CallPatient,
    ),
    ("no-shows: the wellbeing call", TaskKind::WellbeingCall),
    (
        "reminders: unconfirmed by the day before",
        TaskKind::UnconfirmedAppointment,
    ),
    (
        "sweeps: the preferred channel cannot be used",
        TaskKind::ChannelUnusable,
    ),
    (
        "sweeps: the give-up task of a failing send",
        TaskKind::SendFailed,
    ),
    ("inbound: a staff message", TaskKind::InboxMessage),
    ("inbound: a red flag", TaskKind::Emergency),
    ("answer-sla: an overdue reply", TaskKind::InboxMessage),
    ("outreach: a call-list task", TaskKind::CallPatient),
    ("waitlist: book the freed slot", TaskKind::WaitlistBooking),
    (
        "review requests: a voice patient's call",
        TaskKind::CallPatient,
    ),
    ("inbound: a low rating", TaskKind::FeedbackFollowUp),
];

async fn outbox<S: ContractStore>(store: &S, p: &PracticeId) -> Vec<OutboxEvent> {
    let mut due = store
        .webhook_events_due(at(23, 0), 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| &e.practice_id == p)
        .collect::<Vec<_>>();
    due.sort_by_key(|a| a.occurred_at);
    due
}

pub async fn every_task_write_carries_its_created_and_resolved_events<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let mut tasks = Vec::new();
    for (i, (writer, kind)) in WRITERS.iter().enumerate() {
        let t = Task::open(
            p.clone(),
            TaskId::generate(),
            *kind,
            Priority::High,
            *writer,
            "detail",
            at(9, i as u32),
        );
        store.reset_requests();
        store.write(Write::open_task(t.clone())).await.unwrap();
        assert_eq!(
            store.requests(),
            1,
            "{writer}: one transaction, event included"
        );
        tasks.push(t);
    }
    let events = outbox(&store, &p).await;
    assert_eq!(events.len(), WRITERS.len(), "one event per task");
    for ((writer, kind), (t, e)) in WRITERS.iter().zip(tasks.iter().zip(&events)) {
        assert_eq!(e.event_type, EventType::TaskCreated, "{writer}");
        assert_eq!(e.data["task_id"], t.task_id.as_str(), "{writer}");
        assert_eq!(e.data["kind"], serde_json::json!(kind), "{writer}");
        assert_eq!(e.occurred_at, t.created_at, "{writer}");
    }

    // Read back and rewritten: no new event. Resolved: one `task.resolved`.
    let keys: Vec<Key> = tasks.iter().map(|t| Key::Task(t.task_id.clone())).collect();
    let fetched = store.get_many(&p, &keys).await.unwrap();
    let mut back: Vec<Task> = tasks
        .iter()
        .filter_map(|t| fetched.task(&t.task_id).cloned())
        .collect();
    assert_eq!(back.len(), tasks.len());
    for t in &mut back {
        t.priority = Priority::Urgent;
    }
    store
        .write(
            back.iter()
                .cloned()
                .map(|t| Write::Task(Box::new(t)))
                .collect(),
        )
        .await
        .unwrap();
    assert_eq!(
        outbox(&store, &p).await.len(),
        WRITERS.len(),
        "a rewrite is no news"
    );
    let mut done = back[1].clone();
    done.resolve_as("reached", at(12, 0));
    store
        .write(vec![Write::Task(Box::new(done.clone()))])
        .await
        .unwrap();
    let events = outbox(&store, &p).await;
    let resolved: Vec<&OutboxEvent> = events
        .iter()
        .filter(|e| e.event_type == EventType::TaskResolved)
        .collect();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].data["task_id"], done.task_id.as_str());
    assert_eq!(resolved[0].occurred_at, at(12, 0));
}
