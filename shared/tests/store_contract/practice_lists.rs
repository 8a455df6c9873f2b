//! The practice-wide lists a PMS syncs from: patients and appointments paged in id order
//! (one Query a page, only this practice's, nothing else of the partition), and the
//! appointments of a time range from the day-schedule index (one Query per UTC day).

use chrono::{DateTime, Utc};
use frontdesk::domain::PracticeId;
use frontdesk::ports::{Expect, Write};

use crate::fixtures::*;
use crate::ContractStore;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn put_appointment(a: frontdesk::domain::Appointment) -> Write {
    Write::Appointment {
        appointment: Box::new(a),
        expect: Expect::Absent,
    }
}

pub async fn patients_page_in_id_order_and_only_this_practices<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let other = PracticeId::generate();
    let mut writes: Vec<Write> = ["pt-3", "pt-1", "pt-2", "pt-10"]
        .iter()
        .map(|id| put_patient(patient(&p, id, Some("+12125550101")), Expect::Absent, None))
        .collect();
    writes.push(put_patient(
        patient(&other, "pt-0", None),
        Expect::Absent,
        None,
    ));
    // Items of other kinds in the same partition are not patients.
    writes.push(Write::Message(Box::new(message(&p, "pt-1", at(10, 0)))));
    writes.push(put_appointment(appointment(&p, "ap-1", "pt-1")));
    store.write(writes).await.unwrap();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        store.reset_requests();
        let page = store.patients_page(&p, cursor.as_deref(), 3).await.unwrap();
        assert_eq!(store.requests(), 1, "one Query per page");
        seen.extend(page.items.into_iter().map(|x| x.patient_id.to_string()));
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, ["pt-1", "pt-10", "pt-2", "pt-3"]);
    let theirs = store.patients_page(&other, None, 10).await.unwrap();
    assert_eq!(theirs.items.len(), 1);
    // A cursor from one practice is refused by another.
    let page = store.patients_page(&p, None, 1).await.unwrap();
    let foreign = page.next.expect("more than one patient");
    assert_invalid_cursor(store.patients_page(&other, Some(&foreign), 1).await);
    assert_invalid_cursor(store.patients_page(&p, Some("garbage"), 1).await);
}

pub async fn appointments_page_in_id_order<S: ContractStore>(store: S) {
    let p = PracticeId::generate();
    let writes = ["ap-b", "ap-a", "ap-c"]
        .iter()
        .map(|id| put_appointment(appointment(&p, id, "pt-1")))
        .chain([put_patient(patient(&p, "pt-1", None), Expect::Absent, None)])
        .collect();
    store.write(writes).await.unwrap();
    let first = store.appointments_page(&p, None, 2).await.unwrap();
    let ids: Vec<&str> = first
        .items
        .iter()
        .map(|a| a.appointment_id.as_str())
        .collect();
    assert_eq!(ids, ["ap-a", "ap-b"]);
    let rest = store
        .appointments_page(&p, first.next.as_deref(), 2)
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].appointment_id.as_str(), "ap-c");
    assert_eq!(rest.next, None);
}

pub async fn appointments_of_a_range_come_soonest_first_from_each_day_touched<S: ContractStore>(
    store: S,
) {
    let p = PracticeId::generate();
    let other = PracticeId::generate();
    let mk = |practice: &PracticeId, id: &str, starts: &str| {
        let mut a = appointment(practice, id, "pt-1");
        a.starts_at = utc(starts);
        a
    };
    // A Chicago day (UTC-5 in March after DST): 05:00Z to 05:00Z the next day.
    let writes = vec![
        put_appointment(mk(&p, "before", "2026-03-10T04:59:59Z")),
        put_appointment(mk(&p, "first", "2026-03-10T05:00:00Z")),
        put_appointment(mk(&p, "evening", "2026-03-11T01:30:00Z")),
        put_appointment(mk(&p, "noon", "2026-03-10T17:00:00Z")),
        put_appointment(mk(&p, "after", "2026-03-11T05:00:00Z")),
        put_appointment(mk(&other, "theirs", "2026-03-10T17:00:00Z")),
    ];
    store.write(writes).await.unwrap();
    store.reset_requests();
    let found = store
        .appointments_starting(&p, utc("2026-03-10T05:00:00Z"), utc("2026-03-11T05:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        store.requests(),
        2,
        "one Query per UTC day the range touches"
    );
    let ids: Vec<&str> = found.iter().map(|a| a.appointment_id.as_str()).collect();
    assert_eq!(
        ids,
        ["first", "noon", "evening"],
        "from inclusive, to exclusive"
    );

    // A moved appointment leaves its old day.
    let mut moved = mk(&p, "noon", "2026-03-12T17:00:00Z");
    moved.version = 2;
    store
        .write(vec![Write::Appointment {
            appointment: Box::new(moved),
            expect: Expect::Version(1),
        }])
        .await
        .unwrap();
    let found = store
        .appointments_starting(&p, utc("2026-03-10T05:00:00Z"), utc("2026-03-11T05:00:00Z"))
        .await
        .unwrap();
    let ids: Vec<&str> = found.iter().map(|a| a.appointment_id.as_str()).collect();
    assert_eq!(ids, ["first", "evening"]);

    for (from, to) in [
        ("2026-03-10T05:00:00Z", "2026-03-10T05:00:00Z"),
        ("2026-03-10T00:00:00Z", "2026-03-20T00:00:00Z"),
    ] {
        let r = store.appointments_starting(&p, utc(from), utc(to)).await;
        assert!(
            matches!(r, Err(frontdesk::Error::Invalid { .. })),
            "{from}..{to}: {r:?}"
        );
    }
}

pub async fn an_idempotency_record_is_claimed_once_then_replaced_and_removed<S: ContractStore>(
    store: S,
) {
    use frontdesk::domain::{IdempotentRequest, StoredResponse, IDEMPOTENCY_TTL};
    use frontdesk::ports::Key;
    let p = PracticeId::generate();
    let mut record = IdempotentRequest {
        practice_id: p.clone(),
        key_hash: "ab12".into(),
        fingerprint: "f00d".into(),
        response: None,
        created_at: at(10, 0),
        expires_at: at(10, 0) + IDEMPOTENCY_TTL,
    };
    let put = |r: &IdempotentRequest, first: bool| Write::Idempotency {
        record: Box::new(r.clone()),
        first,
    };
    store.write(vec![put(&record, true)]).await.unwrap();
    assert!(matches!(
        store.write(vec![put(&record, true)]).await,
        Err(frontdesk::Error::Conflict)
    ));
    record.response = Some(StoredResponse {
        status: 201,
        body: "{\"ok\":true}".into(),
        etag: Some("\"v1\"".into()),
    });
    store.write(vec![put(&record, false)]).await.unwrap();
    store.reset_requests();
    let fetched = store
        .get_many(&p, &[Key::Practice, Key::Idempotency("ab12".into())])
        .await
        .unwrap();
    assert_eq!(store.requests(), 1, "read with the practice, one request");
    assert_eq!(fetched.idempotency("ab12"), Some(&record));
    let other = PracticeId::generate();
    let theirs = store
        .get_many(&other, &[Key::Idempotency("ab12".into())])
        .await
        .unwrap();
    assert!(
        theirs.idempotency("ab12").is_none(),
        "keys are per practice"
    );
    store
        .write(vec![Write::RemoveIdempotency {
            practice_id: p.clone(),
            key_hash: "ab12".into(),
        }])
        .await
        .unwrap();
    let gone = store
        .get_many(&p, &[Key::Idempotency("ab12".into())])
        .await
        .unwrap();
    assert!(gone.idempotency("ab12").is_none());
}

pub async fn erasure_removes_the_patient_its_phone_entry_and_its_messages<S: ContractStore>(
    store: S,
) {
    use frontdesk::ports::Key;
    let p = PracticeId::generate();
    let number = "+12125550123";
    let kept = message(&p, "pt-2", at(10, 5));
    let gone = message(&p, "pt-1", at(10, 0));
    store
        .write(vec![
            put_patient(patient(&p, "pt-1", Some(number)), Expect::Absent, None),
            put_patient(patient(&p, "pt-2", Some(number)), Expect::Absent, None),
            Write::Message(Box::new(gone.clone())),
            Write::Message(Box::new(kept.clone())),
        ])
        .await
        .unwrap();
    store
        .write(vec![
            Write::RemoveMessage(Box::new(gone)),
            Write::RemovePatient {
                practice_id: p.clone(),
                patient_id: pid("pt-1"),
                phone: Some(phone(number)),
            },
        ])
        .await
        .unwrap();
    let fetched = store
        .get_many(&p, &[Key::Patient(pid("pt-1"))])
        .await
        .unwrap();
    assert!(fetched.patient(&pid("pt-1")).is_none());
    let family = store.patients_by_phone(&p, &phone(number)).await.unwrap();
    let ids: Vec<&str> = family.iter().map(|x| x.patient_id.as_str()).collect();
    assert_eq!(ids, ["pt-2"], "the family member sharing the phone stays");
    assert!(store
        .timeline(&p, &pid("pt-1"), None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        store
            .timeline(&p, &pid("pt-2"), None, 10)
            .await
            .unwrap()
            .items,
        vec![kept]
    );
    // Erasing what is already gone is not an error (a retried erasure finishes).
    store
        .write(vec![Write::RemovePatient {
            practice_id: p.clone(),
            patient_id: pid("pt-1"),
            phone: Some(phone(number)),
        }])
        .await
        .unwrap();
}

pub async fn changes_come_in_change_order_from_since_across_days_and_pages<S: ContractStore>(
    store: S,
) {
    use frontdesk::ports::{ChangeKind, Item};
    let p = PracticeId::generate();
    let other = PracticeId::generate();
    let changed = |id: &str, when: &str| {
        let mut x = patient(&p, id, None);
        x.updated_at = utc(when);
        put_patient(x, Expect::Any, None)
    };
    let mut theirs = patient(&other, "pt-x", None);
    theirs.updated_at = utc("2026-03-10T12:00:00Z");
    store
        .write(vec![
            changed("pt-old", "2026-03-09T23:59:59Z"),
            changed("pt-b", "2026-03-10T12:00:00Z"),
            changed("pt-a", "2026-03-10T12:00:00Z"),
            changed("pt-c", "2026-03-11T08:00:00Z"),
            changed("pt-d", "2026-03-13T08:00:00Z"),
            put_patient(theirs, Expect::Absent, None),
        ])
        .await
        .unwrap();
    let mut appt = appointment(&p, "ap-1", "pt-a");
    appt.updated_at = utc("2026-03-10T13:00:00Z");
    store.write(vec![put_appointment(appt)]).await.unwrap();

    let since = utc("2026-03-10T00:00:00Z");
    let until = utc("2026-03-13T09:00:00Z");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .changed_since(&p, ChangeKind::Patients, since, until, cursor.as_deref(), 2)
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.into_iter().map(|i| match i {
            Item::Patient(x) => x.patient_id.to_string(),
            other => panic!("{other:?}"),
        }));
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["pt-a", "pt-b", "pt-c", "pt-d"],
        "change order, ties by id"
    );

    // A patient changed again moves to its new place, once.
    let mut again = patient(&p, "pt-a", None);
    again.updated_at = utc("2026-03-12T10:00:00Z");
    store
        .write(vec![put_patient(again, Expect::Any, None)])
        .await
        .unwrap();
    store.reset_requests();
    let all = store
        .changed_since(&p, ChangeKind::Patients, since, until, None, 50)
        .await
        .unwrap();
    assert_eq!(store.requests(), 4, "one Query per day from since to until");
    let ids: Vec<String> = all
        .items
        .iter()
        .map(|i| match i {
            Item::Patient(x) => x.patient_id.to_string(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(ids, ["pt-b", "pt-c", "pt-a", "pt-d"]);
    assert_eq!(all.next, None);

    let appts = store
        .changed_since(&p, ChangeKind::Appointments, since, until, None, 50)
        .await
        .unwrap();
    assert_eq!(appts.items.len(), 1);
    assert_invalid_cursor(
        store
            .changed_since(&p, ChangeKind::Patients, since, until, Some("garbage"), 5)
            .await,
    );
}
