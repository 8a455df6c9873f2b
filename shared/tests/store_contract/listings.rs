//! Listings: timeline and open-task pages with their cursors, a patient's appointments and
//! the sweep cursor.

use chrono::{DateTime, Utc};
use frontdesk::domain::{Message, PracticeId, Priority, Sweep, TaskStatus};
use frontdesk::ports::{Expect, Key, Write};

use crate::fixtures::*;
use crate::ContractStore;

pub async fn the_timeline_pages_in_time_order_across_pages<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let written: Vec<Message> = [40, 5, 25, 10, 55]
        .iter()
        .map(|m| message(&p, "pat-1", at(10, *m)))
        .collect();
    let mut writes: Vec<Write> = written
        .iter()
        .map(|m| Write::Message(Box::new(m.clone())))
        .collect();
    writes.push(Write::Message(Box::new(message(&p, "pat-2", at(10, 30)))));
    // A patient whose id extends this one's is another thread.
    writes.push(Write::Message(Box::new(message(&p, "pat-10", at(10, 31)))));
    store.write(writes).await.unwrap();

    let mut seen: Vec<Message> = vec![];
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        store.reset_requests();
        let page = store
            .timeline(&p, &pid("pat-1"), cursor.as_deref(), 2)
            .await
            .unwrap();
        assert_eq!(store.requests(), 1, "one Query per page");
        pages += 1;
        assert!(page.items.len() <= 2);
        seen.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut expected = written.clone();
    expected.sort_by_key(|m| m.at);
    assert_eq!(
        seen, expected,
        "oldest first, whole messages, only this patient's"
    );

    // A page that ends exactly at the end has no cursor (no empty last page).
    let all = store.timeline(&p, &pid("pat-1"), None, 5).await.unwrap();
    assert_eq!(all.items.len(), 5);
    assert_eq!(all.next, None);
}

pub async fn a_foreign_or_garbage_timeline_cursor_is_rejected<S: ContractStore>(store: S) {
    let mine = PracticeId::generate();
    let theirs = PracticeId::generate();
    let pat = pid("pat-1");
    store
        .write(
            (0..3)
                .map(|m| Write::Message(Box::new(message(&theirs, "pat-1", at(11, m)))))
                .collect(),
        )
        .await
        .unwrap();
    let foreign = store
        .timeline(&theirs, &pat, None, 1)
        .await
        .unwrap()
        .next
        .unwrap();
    let other_patient = pid("pat-2");
    for (practice, patient, cursor) in [
        (&mine, &pat, foreign.as_str()),
        (&theirs, &other_patient, foreign.as_str()),
        (&mine, &pat, "not a cursor"),
        (&mine, &pat, "eyJQSyI6IlAjeCJ9"),
        (&mine, &pat, ""),
    ] {
        assert_invalid_cursor(store.timeline(practice, patient, Some(cursor), 10).await);
    }
    // The cursor still works where it came from.
    let rest = store
        .timeline(&theirs, &pat, Some(&foreign), 10)
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 2);
}

pub async fn open_tasks_come_most_urgent_then_newest_and_resolved_tasks_leave_the_list<
    S: ContractStore,
>(
    store: S,
) {
    let p = PracticeId::generate();
    let normal_old = task(&p, Priority::Normal, at(8, 0));
    let normal_new = task(&p, Priority::Normal, at(9, 0));
    let urgent = task(&p, Priority::Urgent, at(7, 0));
    let low = task(&p, Priority::Low, at(10, 0));
    let high = task(&p, Priority::High, at(6, 0));
    let elsewhere = task(&PracticeId::generate(), Priority::Urgent, at(6, 0));
    store
        .write(
            [&normal_old, &normal_new, &urgent, &low, &high, &elsewhere]
                .into_iter()
                .map(|t| Write::Task(Box::new(t.clone())))
                .collect(),
        )
        .await
        .unwrap();

    store.reset_requests();
    let first = store.open_tasks(&p, None, 3).await.unwrap();
    assert_eq!(store.requests(), 1, "one Query per page");
    let second = store
        .open_tasks(&p, first.next.as_deref(), 3)
        .await
        .unwrap();
    assert_eq!(second.next, None);
    let order: Vec<_> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|t| &t.task_id)
        .collect();
    assert_eq!(
        order,
        vec![
            &urgent.task_id,
            &high.task_id,
            &normal_new.task_id,
            &normal_old.task_id,
            &low.task_id
        ]
    );

    let mut done = urgent.clone();
    done.status = TaskStatus::Resolved;
    done.resolved_at = Some(at(12, 0));
    done.resolution = Some("reached".into());
    store
        .write(vec![Write::Task(Box::new(done.clone()))])
        .await
        .unwrap();
    let open = store.open_tasks(&p, None, 10).await.unwrap();
    assert_eq!(open.items.len(), 4);
    assert!(open.items.iter().all(|t| t.task_id != urgent.task_id));
    let fetched = store
        .get_many(&p, &[Key::Task(done.task_id.clone())])
        .await
        .unwrap();
    assert_eq!(
        fetched.task(&done.task_id),
        Some(&done),
        "the resolved task is still stored"
    );
}

pub async fn a_foreign_or_garbage_open_tasks_cursor_is_rejected<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let other = PracticeId::generate();
    store
        .write(vec![
            Write::Task(Box::new(task(&other, Priority::Low, at(1, 0)))),
            Write::Task(Box::new(task(&other, Priority::Low, at(2, 0)))),
            Write::Message(Box::new(message(&p, "pat-1", at(1, 0)))),
            Write::Message(Box::new(message(&p, "pat-1", at(2, 0)))),
        ])
        .await
        .unwrap();
    let foreign = store
        .open_tasks(&other, None, 1)
        .await
        .unwrap()
        .next
        .unwrap();
    let timeline = store
        .timeline(&p, &pid("pat-1"), None, 1)
        .await
        .unwrap()
        .next
        .unwrap();
    for cursor in [foreign.as_str(), &timeline, "not a cursor", ""] {
        assert_invalid_cursor(store.open_tasks(&p, Some(cursor), 10).await);
    }
    assert_invalid_cursor(store.timeline(&p, &pid("pat-1"), Some(&foreign), 10).await);
    let rest = store.open_tasks(&other, Some(&foreign), 10).await.unwrap();
    assert_eq!((rest.items.len(), rest.next), (1, None));
}

pub async fn a_patients_appointments_are_listed_soonest_first_from_a_time_and_only_theirs<
    S: ContractStore,
>(
    store: S,
) {
    let practice = PracticeId::parse("p-appts").unwrap();
    let mk = |id: &str, patient: &str, starts: &str| {
        let mut a = appointment(&practice, id, patient);
        a.starts_at = utc(starts);
        a.provider = None;
        a
    };
    let writes = [
        mk("a-late", "pt-1", "2030-03-01T10:00:00Z"),
        mk("a-past", "pt-1", "2020-03-01T10:00:00Z"),
        mk("a-soon", "pt-1", "2030-01-01T10:00:00Z"),
        mk("a-other", "pt-2", "2030-01-01T09:00:00Z"),
        mk("a-from", "pt-1", "2026-01-01T00:00:00Z"),
    ]
    .into_iter()
    .map(|a| Write::Appointment {
        appointment: Box::new(a),
        expect: Expect::Absent,
    })
    .collect();
    store.write(writes).await.unwrap();
    store.reset_requests();
    let found = store
        .appointments_for_patient(&practice, &pid("pt-1"), utc("2026-01-01T00:00:00Z"), 5)
        .await
        .unwrap();
    assert_eq!(store.requests(), 1);
    let ids: Vec<&str> = found.iter().map(|a| a.appointment_id.as_str()).collect();
    assert_eq!(ids, vec!["a-from", "a-soon", "a-late"], "from is inclusive");
    let first = store
        .appointments_for_patient(&practice, &pid("pt-1"), utc("2026-01-01T00:00:01Z"), 1)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].appointment_id.as_str(), "a-soon");

    // Moving an appointment moves it in the list.
    let mut moved = mk("a-late", "pt-1", "2029-06-01T10:00:00Z");
    moved.version = 2;
    store
        .write(vec![Write::Appointment {
            appointment: Box::new(moved),
            expect: Expect::Version(1),
        }])
        .await
        .unwrap();
    let found = store
        .appointments_for_patient(&practice, &pid("pt-1"), utc("2026-01-01T00:00:01Z"), 5)
        .await
        .unwrap();
    let ids: Vec<&str> = found.iter().map(|a| a.appointment_id.as_str()).collect();
    assert_eq!(ids, vec!["a-late", "a-soon"]);
}

/// A limit of 0 is read as 1, on every listing.
pub async fn a_zero_limit_still_returns_one_item<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let mut later = appointment(&p, "appt-2", "pat-1");
    later.starts_at = at(16, 0);
    store
        .write(vec![
            Write::Message(Box::new(message(&p, "pat-1", at(10, 0)))),
            Write::Message(Box::new(message(&p, "pat-1", at(10, 1)))),
            Write::Task(Box::new(task(&p, Priority::Low, at(1, 0)))),
            Write::Task(Box::new(task(&p, Priority::Low, at(2, 0)))),
            Write::Appointment {
                appointment: Box::new(appointment(&p, "appt-1", "pat-1")),
                expect: Expect::Absent,
            },
            Write::Appointment {
                appointment: Box::new(later),
                expect: Expect::Absent,
            },
        ])
        .await
        .unwrap();
    let timeline = store.timeline(&p, &pid("pat-1"), None, 0).await.unwrap();
    assert_eq!(timeline.items.len(), 1);
    assert!(timeline.next.is_some());
    let tasks = store.open_tasks(&p, None, 0).await.unwrap();
    assert_eq!(tasks.items.len(), 1);
    assert!(tasks.next.is_some());
    let appointments = store
        .appointments_for_patient(&p, &pid("pat-1"), at(0, 0), 0)
        .await
        .unwrap();
    assert_eq!(appointments.len(), 1);
}

pub async fn a_sweep_cursor_round_trips<S: ContractStore>(store: S) {
    assert_eq!(store.sweep_cursor(Sweep::Reminders).await.unwrap(), None);
    store.reset_requests();
    store
        .write(vec![Write::SweepCursor {
            sweep: Sweep::Reminders,
            bucket: at(10, 5),
        }])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "one PutItem");
    store.reset_requests();
    assert_eq!(
        store.sweep_cursor(Sweep::Reminders).await.unwrap(),
        Some(at(10, 5))
    );
    assert_eq!(store.requests(), 1, "one GetItem");
    store
        .write(vec![Write::SweepCursor {
            sweep: Sweep::Reminders,
            bucket: at(10, 10),
        }])
        .await
        .unwrap();
    assert_eq!(
        store.sweep_cursor(Sweep::Reminders).await.unwrap(),
        Some(at(10, 10))
    );
    assert_eq!(store.sweep_cursor(Sweep::NoShows).await.unwrap(), None);
}

fn utc(s: &str) -> DateTime<Utc> {
    frontdesk::testing::utc(s)
}
