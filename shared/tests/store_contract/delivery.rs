//! Delivery reports and channel health: `sent_message`, `Write::DeliveryReport` and
//! `Write::ChannelHealth`.

use frontdesk::domain::{Channel, Decision, PracticeId, Priority, TaskId, TaskStatus, Unhealthy};
use frontdesk::ports::{Expect, Key, Write};
use frontdesk::Error;

use crate::fixtures::{at, message, patient, phone, put_patient, task};
use crate::ContractStore;

pub async fn a_sent_message_is_found_by_provider_id_only_in_its_practice<S: ContractStore>(
    store: S,
) {
    let p = PracticeId::generate();
    let other = PracticeId::generate();
    let m = message(&p, "pat-1", at(10, 0));
    store
        .write(vec![Write::Message(Box::new(m.clone()))])
        .await
        .unwrap();
    store.reset_requests();
    assert_eq!(
        store.sent_message(&p, "m-1").await.unwrap(),
        Some(m.clone())
    );
    assert_eq!(store.requests(), 1, "one GetItem");
    assert_eq!(store.sent_message(&other, "m-1").await.unwrap(), None);
    assert_eq!(store.sent_message(&p, "m-2").await.unwrap(), None);
    // A message that was not sent (deferred) has no provider id to find.
    let mut deferred = message(&p, "pat-1", at(10, 5));
    deferred.decision = Decision::Deferred { until: at(12, 0) };
    store
        .write(vec![Write::Message(Box::new(deferred))])
        .await
        .unwrap();
    assert_eq!(store.sent_message(&p, "m-1").await.unwrap(), Some(m));
}

pub async fn a_delivery_report_applies_once_and_never_backwards<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let m = message(&p, "pat-1", at(10, 0));
    store
        .write(vec![Write::Message(Box::new(m.clone()))])
        .await
        .unwrap();
    let mut delivered = m.clone();
    delivered.decision = Decision::Delivered {
        provider_message_id: Some("m-1".into()),
        at: at(10, 1),
    };
    store
        .write(vec![Write::DeliveryReport(Box::new(delivered.clone()))])
        .await
        .unwrap();
    // A second report (a duplicate, or a late failure) conflicts and changes nothing.
    let mut failed = m.clone();
    failed.decision = Decision::Undelivered {
        provider_message_id: Some("m-1".into()),
        code: "twilio:30006".into(),
        at: at(10, 2),
    };
    for again in [delivered.clone(), failed] {
        assert_eq!(
            store
                .write(vec![Write::DeliveryReport(Box::new(again))])
                .await,
            Err(Error::Conflict)
        );
    }
    let page = store
        .timeline(&p, &m.patient_id.clone().unwrap(), None, 10)
        .await
        .unwrap();
    assert_eq!(page.items, vec![delivered]);
    // A report for a message that is not stored conflicts too (nothing is created).
    let ghost = message(&p, "pat-1", at(11, 0));
    assert_eq!(
        store
            .write(vec![Write::DeliveryReport(Box::new(ghost))])
            .await,
        Err(Error::Conflict)
    );
    assert_eq!(
        store
            .timeline(&p, &m.patient_id.unwrap(), None, 10)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

fn unhealthy(task_id: &TaskId) -> Unhealthy {
    Unhealthy {
        code: "twilio:opted_out (code 21610)".into(),
        reason: "opted out at the carrier".into(),
        since: at(10, 0),
        task_id: task_id.clone(),
    }
}

pub async fn a_channel_is_marked_once_with_its_task_and_healed_on_both_copies<S: ContractStore>(
    store: S,
) {
    let p = PracticeId::generate();
    let number = "+12125550111";
    let ada = patient(&p, "pat-1", Some(number));
    let id = ada.patient_id.clone();
    store
        .write(vec![put_patient(ada.clone(), Expect::Absent, None)])
        .await
        .unwrap();
    let mark = |t: &frontdesk::domain::Task| Write::ChannelHealth {
        practice_id: p.clone(),
        patient_id: id.clone(),
        phone: Some(phone(number)),
        channel: Channel::Sms,
        unhealthy: Some(Box::new(unhealthy(&t.task_id))),
    };
    let first = task(&p, Priority::High, at(10, 0));
    store.reset_requests();
    store
        .write(vec![mark(&first), Write::Task(Box::new(first.clone()))])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1);
    // Marking again (a duplicate report, a racing send) conflicts: no second task.
    let second = task(&p, Priority::High, at(10, 1));
    assert_eq!(
        store
            .write(vec![mark(&second), Write::Task(Box::new(second.clone()))])
            .await,
        Err(Error::Conflict)
    );
    let open = store.open_tasks(&p, None, 10).await.unwrap().items;
    assert_eq!(
        open.iter().map(|t| &t.task_id).collect::<Vec<_>>(),
        vec![&first.task_id]
    );
    assert_eq!(open[0].status, TaskStatus::Open);

    let read = store
        .get_many(&p, &[Key::Patient(id.clone())])
        .await
        .unwrap();
    let marked = read.patient(&id).unwrap().clone();
    assert_eq!(marked.sms_health, Some(unhealthy(&first.task_id)));
    assert_eq!(marked.email_health, None);
    assert_eq!(marked.version, 2, "the mark bumps the version");
    assert_eq!(
        store.patients_by_phone(&p, &phone(number)).await.unwrap(),
        vec![marked.clone()]
    );
    // A stale upsert cannot erase the mark.
    assert_eq!(
        store
            .write(vec![put_patient(ada.clone(), Expect::Version(1), None)])
            .await,
        Err(Error::Conflict)
    );

    let heal = Write::ChannelHealth {
        practice_id: p.clone(),
        patient_id: id.clone(),
        phone: Some(phone(number)),
        channel: Channel::Sms,
        unhealthy: None,
    };
    store.write(vec![heal.clone()]).await.unwrap();
    let healed = store.patients_by_phone(&p, &phone(number)).await.unwrap();
    assert_eq!(healed[0].sms_health, None);
    assert_eq!(healed[0].version, 3);
    let read = store
        .get_many(&p, &[Key::Patient(id.clone())])
        .await
        .unwrap();
    assert_eq!(read.patient(&id).unwrap(), &healed[0]);
    // Healing a healthy channel is harmless; marking works again after a heal.
    store.write(vec![heal]).await.unwrap();
    let third = task(&p, Priority::High, at(11, 0));
    store
        .write(vec![mark(&third), Write::Task(Box::new(third))])
        .await
        .unwrap();
}

pub async fn marking_a_missing_patient_conflicts_and_healing_it_does_nothing<S: ContractStore>(
    store: S,
) {
    let p = PracticeId::generate();
    let ada = patient(&p, "pat-9", None);
    let t = task(&p, Priority::High, at(10, 0));
    let write = |u: Option<Box<Unhealthy>>| Write::ChannelHealth {
        practice_id: p.clone(),
        patient_id: ada.patient_id.clone(),
        phone: None,
        channel: Channel::Email,
        unhealthy: u,
    };
    assert_eq!(
        store
            .write(vec![
                write(Some(Box::new(unhealthy(&t.task_id)))),
                Write::Task(Box::new(t))
            ])
            .await,
        Err(Error::Conflict)
    );
    assert!(store
        .open_tasks(&p, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    store.write(vec![write(None)]).await.unwrap();
    let read = store
        .get_many(&p, &[Key::Patient(ada.patient_id.clone())])
        .await
        .unwrap();
    assert!(read.patient(&ada.patient_id).is_none(), "no stub patient");
}

pub async fn recent_messages_are_the_patients_newest_first_in_one_request<S: ContractStore>(
    store: S,
) {
    let p = PracticeId::generate();
    let other = PracticeId::generate();
    let writes: Vec<Write> = (0..5)
        .map(|i| Write::Message(Box::new(message(&p, "pat-1", at(10, i)))))
        .chain([
            Write::Message(Box::new(message(&p, "pat-2", at(10, 9)))),
            Write::Message(Box::new(message(&other, "pat-1", at(10, 9)))),
        ])
        .collect();
    store.write(writes).await.unwrap();
    let id = frontdesk::domain::PatientId::parse("pat-1").unwrap();
    store.reset_requests();
    let recent = store.recent_messages(&p, &id, 3).await.unwrap();
    assert_eq!(store.requests(), 1, "one Query");
    assert_eq!(
        recent.iter().map(|m| m.at).collect::<Vec<_>>(),
        vec![at(10, 4), at(10, 3), at(10, 2)]
    );
    assert!(recent
        .iter()
        .all(|m| m.practice_id == p && m.patient_id.as_ref() == Some(&id)));
    assert_eq!(store.recent_messages(&p, &id, 50).await.unwrap().len(), 5);
    let nobody = frontdesk::domain::PatientId::parse("pat-3").unwrap();
    assert!(store
        .recent_messages(&p, &nobody, 5)
        .await
        .unwrap()
        .is_empty());
}
