//! Task work against moto: staff work (`work`) round trips, and resolved tasks move from
//! the open-task index to the resolved-task index (R13), newest first, per practice.

use chrono::{DateTime, TimeZone, Utc};
use frontdesk::domain::{
    Actor, PracticeId, Priority, StaffId, Task, TaskId, TaskKind, TaskOutcome,
};
use frontdesk::dynamo::DynamoStore;
use frontdesk::ports::{Key, Store, Write};
use frontdesk::Error;
use local_stack::Moto;

async fn dynamo() -> DynamoStore {
    let moto = Moto::shared().await.expect("moto starts");
    let table = moto.fresh_table().await.expect("table is created");
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&moto.sdk_config()), table)
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, h, m, 0).unwrap()
}

fn task(p: &PracticeId, created: DateTime<Utc>) -> Task {
    Task::open(
        p.clone(),
        TaskId::generate(),
        TaskKind::CallPatient,
        Priority::Normal,
        "Call",
        "Call the patient",
        created,
    )
}

#[tokio::test]
async fn resolved_tasks_are_listed_newest_first_with_their_work_and_leave_the_open_list() {
    let store = dynamo().await;
    let a = PracticeId::parse("prc_a").unwrap();
    let b = PracticeId::parse("prc_b").unwrap();
    let staff = StaffId::parse("stf_1").unwrap();
    let mut tasks: Vec<Task> = (0..3).map(|i| task(&a, at(9, i))).collect();
    for t in &tasks {
        store
            .write(vec![Write::Task(Box::new(t.clone()))])
            .await
            .unwrap();
    }
    let actor = Actor::Staff {
        staff_id: staff.clone(),
    };
    tasks[0].assign(staff.clone());
    tasks[0]
        .add_note("No answer at 9", actor.clone(), at(9, 5))
        .unwrap();
    tasks[0].resolve(
        Some(TaskOutcome::NoAnswer),
        "done".into(),
        actor.clone(),
        at(10, 0),
    );
    tasks[1].resolve(None, "spoke to them".into(), actor.clone(), at(11, 0));
    store
        .write(vec![
            Write::Task(Box::new(tasks[0].clone())),
            Write::Task(Box::new(tasks[1].clone())),
        ])
        .await
        .unwrap();

    let first = store.resolved_tasks(&a, None, 1).await.unwrap();
    assert_eq!(
        first.items[0].task_id, tasks[1].task_id,
        "newest resolved first"
    );
    let rest = store
        .resolved_tasks(&a, first.next.as_deref(), 5)
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0], tasks[0], "the work round trips");
    assert_eq!(rest.items[0].resolution.as_deref(), Some("no_answer"));
    let open = store.open_tasks(&a, None, 10).await.unwrap();
    assert_eq!(open.items.len(), 1);
    assert_eq!(open.items[0].task_id, tasks[2].task_id);

    assert!(store
        .resolved_tasks(&b, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(matches!(
        store.resolved_tasks(&b, first.next.as_deref(), 10).await,
        Err(Error::Invalid {
            field: "cursor",
            ..
        })
    ));
    let fetched = store
        .get_many(&a, &[Key::Task(tasks[0].task_id.clone())])
        .await
        .unwrap();
    assert_eq!(fetched.task(&tasks[0].task_id), Some(&tasks[0]));
}
