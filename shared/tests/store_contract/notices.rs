//! The notices-due index of urgent tasks: written with the task (`Write::open_task`),
//! read across practices by the answer sweep, and removed once, conditionally.

use frontdesk::domain::{PracticeId, Priority, Task, TaskId, TaskKind, UrgentNotice};
use frontdesk::ports::Write;
use frontdesk::Error;

use crate::fixtures::*;
use crate::ContractStore;

fn task(p: &PracticeId, kind: TaskKind, priority: Priority, h: u32, m: u32) -> Task {
    Task::open(
        p.clone(),
        TaskId::generate(),
        kind,
        priority,
        "A task",
        "Do it.",
        at(h, m),
    )
}

pub async fn urgent_tasks_are_due_as_notices_until_removed_once<S: ContractStore>(store: S) {
    let a = PracticeId::generate();
    let b = PracticeId::generate();
    let mut writes = Vec::new();
    for (p, kind, priority, m) in [
        (&a, TaskKind::UnconfirmedAppointment, Priority::Urgent, 0),
        (&a, TaskKind::WellbeingCall, Priority::Urgent, 5),
        (&a, TaskKind::Emergency, Priority::Urgent, 6),
        (&a, TaskKind::CallPatient, Priority::High, 7),
        (&b, TaskKind::SendFailed, Priority::Urgent, 10),
    ] {
        writes.extend(Write::open_task(task(p, kind, priority, 9, m)));
    }
    assert_eq!(
        writes.len(),
        8,
        "a notice only for the urgent non-emergencies"
    );
    store.write(writes).await.unwrap();

    let due = store.notices_due(at(9, 5), 100).await.unwrap();
    assert_eq!(due.len(), 2, "{due:?}");
    assert!(due.iter().all(|n| n.practice_id == a));
    let mut due = store.notices_due(at(10, 0), 100).await.unwrap();
    due.sort_by_key(|n| n.at);
    let kinds: Vec<TaskKind> = due.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        [
            TaskKind::UnconfirmedAppointment,
            TaskKind::WellbeingCall,
            TaskKind::SendFailed
        ]
    );

    store
        .write(vec![Write::RemoveNotice(Box::new(due[0].clone()))])
        .await
        .unwrap();
    let again = store
        .write(vec![Write::RemoveNotice(Box::new(due[0].clone()))])
        .await;
    assert!(matches!(again, Err(Error::Conflict)), "{again:?}");
    assert_eq!(store.notices_due(at(10, 0), 100).await.unwrap().len(), 2);
}

pub async fn the_notices_index_is_read_a_bounded_page_per_shard<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let writes: Vec<Write> = (0..3)
        .map(|m| {
            let t = task(&p, TaskKind::WellbeingCall, Priority::Urgent, 9, m);
            Write::Notice(Box::new(UrgentNotice::for_task(&t).unwrap()))
        })
        .collect();
    store.write(writes).await.unwrap();
    store.reset_requests();
    let due = store.notices_due(at(10, 0), 2).await.unwrap();
    assert_eq!(due.len(), 2, "one practice is one shard: 2 of its 3");
    assert_eq!(due[0].at, at(9, 0));
    assert_eq!(store.requests(), 4, "one Query per shard");
}
