use super::*;
use crate::domain::TaskStatus;
use crate::domain::{Channel, Patient, PatientId, PhoneNumber, Priority, Task, TaskId, TaskKind};
use crate::ports::{Expect, Write};
use chrono::{TimeZone, Utc};

fn patient(phone: Option<&str>) -> Patient {
    let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    Patient {
        phone: phone.map(|p| PhoneNumber::parse_e164(p).unwrap()),
        version: 3,
        ..Patient::new(
            PracticeId::parse("prc_1").unwrap(),
            PatientId::parse("pat-1").unwrap(),
            "Ada",
            "Lovelace",
            Channel::Sms,
            t,
        )
    }
}

fn expanded(w: Write) -> Vec<Op> {
    let mut ops = vec![];
    expand(w, &mut ops).unwrap();
    ops
}

#[test]
fn a_patient_with_a_new_phone_writes_main_and_index_and_drops_the_old_index() {
    let ops = expanded(Write::Patient {
        patient: Box::new(patient(Some("+14155550123"))),
        expect: Expect::Version(2),
        previous_phone: Some(PhoneNumber::parse_e164("+14155550199").unwrap()),
    });
    assert_eq!(ops.len(), 3);
    assert_eq!(ops[0].sk, "PATIENT#pat-1");
    assert_eq!(ops[0].condition, Some(Condition::version(2)));
    assert_eq!(ops[1].sk, "PHONE#+14155550123#pat-1");
    assert!(ops[1].condition.is_none());
    assert_eq!(ops[2].sk, "PHONE#+14155550199#pat-1");
    assert_eq!(ops[2].action, Action::Delete);
}

#[test]
fn an_unchanged_previous_phone_does_not_delete_the_live_index_entry() {
    let ops = expanded(Write::Patient {
        patient: Box::new(patient(Some("+14155550123"))),
        expect: Expect::Any,
        previous_phone: Some(PhoneNumber::parse_e164("+14155550123").unwrap()),
    });
    assert_eq!(ops.len(), 2);
    assert!(ops.iter().all(|o| matches!(o.action, Action::Put(_))));
}

#[test]
fn items_round_trip_and_carry_their_type() {
    let p = patient(Some("+14155550123"));
    let ops = expanded(Write::Patient {
        patient: Box::new(p.clone()),
        expect: Expect::Any,
        previous_phone: None,
    });
    let Action::Put(item) = ops[0].action.clone() else {
        panic!("a put")
    };
    assert_eq!(item[TYPE], s("patient"));
    let back: Patient = decode(item.clone(), kind::PATIENT).unwrap();
    assert_eq!(back, p);
    let err = decode::<Patient>(item, kind::TASK).unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)));
}

#[test]
fn decoding_errors_never_echo_stored_values() {
    let mut item = key_attrs("P#prc_1".into(), "PATIENT#pat-1".into());
    item.insert(TYPE.into(), s(kind::PATIENT));
    item.insert("first_name".into(), AttributeValue::N("7".into()));
    item.insert("last_name".into(), s("Lovelace"));
    let err = decode::<Patient>(item, kind::PATIENT).unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)));
    assert!(!err.to_string().contains("Lovelace"), "{err}");
}

#[test]
fn only_open_tasks_enter_the_open_task_index() {
    let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let mut task = Task::open(
        PracticeId::parse("prc_1").unwrap(),
        TaskId::parse("tsk_1").unwrap(),
        TaskKind::InboxMessage,
        Priority::High,
        "t",
        "d",
        t,
    );
    let open = expanded(Write::Task(Box::new(task.clone())));
    let Action::Put(item) = &open[0].action else {
        panic!("a put")
    };
    assert_eq!(item[keys::GSI2_PK], s("P#prc_1#OPEN"));
    task.status = TaskStatus::Resolved;
    let resolved = expanded(Write::Task(Box::new(task)));
    let Action::Put(item) = &resolved[0].action else {
        panic!("a put")
    };
    assert_eq!(
        item[keys::GSI2_PK],
        s("P#prc_1#RESOLVED"),
        "resolved tasks move to their own partition"
    );
}

#[test]
fn a_batch_touching_one_item_twice_keeps_the_later_write() {
    let a = Op::delete("P#x".into(), "DUE#a#r".into(), kind::DUE);
    let mut b = Op::delete("P#x".into(), "DUE#a#r".into(), kind::DUE);
    b.condition = Some(Condition::absent());
    let c = Op::delete("P#x".into(), "DUE#b#r".into(), kind::DUE);
    let out = collapse(vec![b, c, a]).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].condition, Some(Condition::absent()));
}

fn note(phone: Option<&str>, minute: u32) -> Write {
    Write::NoteAutomatedSend {
        practice_id: PracticeId::parse("prc_1").unwrap(),
        patient_id: PatientId::parse("pat-1").unwrap(),
        phone: phone.map(|p| PhoneNumber::parse_e164(p).unwrap()),
        at: Utc.with_ymd_and_hms(2026, 1, 2, 3, minute, 0).unwrap(),
    }
}

fn due_work(due_at: chrono::DateTime<Utc>, attempts: u32) -> DueWork {
    DueWork {
        practice_id: PracticeId::parse("prc_1").unwrap(),
        appointment_id: crate::domain::AppointmentId::parse("appt-1").unwrap(),
        patient_id: PatientId::parse("pat-1").unwrap(),
        kind: crate::domain::DueKind::NoShowCheck,
        due_at,
        planned_for: due_at,
        attempts,
    }
}

#[test]
fn noting_a_send_updates_the_patient_strictly_and_its_phone_copy_leniently() {
    let ops = expanded(note(Some("+14155550123"), 7));
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0].sk, "PATIENT#pat-1");
    assert_eq!(ops[0].condition, Some(Condition::exists()));
    assert!(!ops[0].lenient);
    assert_eq!(ops[1].sk, "PHONE#+14155550123#pat-1");
    assert!(ops[1].lenient, "a vanished copy is not a conflict");
    assert_eq!(
        ops[0].update_expression().unwrap(),
        "SET #u0 = list_append(if_not_exists(#u0, :empty), :u0), #u1 = #u1 + :u1"
    );
    let names = ops[0].names().unwrap();
    assert_eq!(names["#u0"], "recent_automated");
    assert_eq!(names["#u1"], "version");
    assert_eq!(names["#pk"], "PK");
    let values = ops[0].values().unwrap();
    assert_eq!(
        values[":u0"],
        AttributeValue::L(vec![s("2026-01-02T03:07:00Z")])
    );
    assert_eq!(values[":u1"], AttributeValue::N("1".into()));
    assert_eq!(expanded(note(None, 7)).len(), 1);
}

#[test]
fn a_noted_send_after_a_put_of_the_patient_is_folded_into_the_put() {
    let mut ops = expanded(Write::Patient {
        patient: Box::new(patient(Some("+14155550123"))),
        expect: Expect::Version(2),
        previous_phone: None,
    });
    expand(note(Some("+14155550123"), 7), &mut ops).unwrap();
    expand(note(Some("+14155550123"), 8), &mut ops).unwrap();
    let ops = collapse(ops).unwrap();
    assert_eq!(ops.len(), 2);
    for op in &ops {
        let Action::Put(item) = op.action.clone() else {
            panic!("a put")
        };
        let back: Patient = decode(item, op.item_type).unwrap();
        assert_eq!(back.version, 5, "3 written, then two sends noted");
        assert_eq!(
            back.recent_automated,
            vec![
                Utc.with_ymd_and_hms(2026, 1, 2, 3, 7, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 1, 2, 3, 8, 0).unwrap()
            ]
        );
    }
    assert_eq!(ops[0].condition, Some(Condition::version(2)));
    assert!(ops[1].condition.is_none() && !ops[1].lenient);
}

#[test]
fn two_noted_sends_become_one_update() {
    let mut ops = expanded(note(Some("+14155550123"), 7));
    expand(note(Some("+14155550123"), 8), &mut ops).unwrap();
    let ops = collapse(ops).unwrap();
    assert_eq!(ops.len(), 2);
    let Action::Update(u) = &ops[0].action else {
        panic!("an update")
    };
    assert_eq!(u.increment, vec![(VERSION, 2)]);
    assert_eq!(u.append[0].1.len(), 2);
    assert!(!ops[0].lenient && ops[1].lenient);
}

#[test]
fn a_put_after_a_noted_send_checks_the_version_from_before_the_batch() {
    let mut ops = expanded(note(None, 7));
    expand(
        Write::Patient {
            patient: Box::new(patient(None)),
            expect: Expect::Version(4),
            previous_phone: None,
        },
        &mut ops,
    )
    .unwrap();
    let ops = collapse(ops).unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].condition, Some(Condition::version(3)));

    for expect in [Expect::Absent, Expect::Version(0)] {
        let mut ops = expanded(note(None, 7));
        expand(
            Write::Patient {
                patient: Box::new(patient(None)),
                expect,
                previous_phone: None,
            },
            &mut ops,
        )
        .unwrap();
        assert_eq!(collapse(ops), Err(Error::Conflict), "{expect:?}");
    }
}

#[test]
fn a_noted_send_on_a_phone_copy_deleted_in_the_same_batch_is_dropped() {
    let mut ops = expanded(Write::Patient {
        patient: Box::new(patient(Some("+14155550123"))),
        expect: Expect::Any,
        previous_phone: Some(PhoneNumber::parse_e164("+14155550199").unwrap()),
    });
    expand(note(Some("+14155550199"), 7), &mut ops).unwrap();
    let ops = collapse(ops).unwrap();
    assert_eq!(ops.len(), 3);
    assert_eq!(ops[2].action, Action::Delete);
}

#[test]
fn held_claims_compare_the_stored_encodings() {
    let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let seen = due_work(t, 2);
    let c = Condition::held(&seen).unwrap();
    let values = c.values().unwrap();
    let stored = due_item(&seen).unwrap();
    assert_eq!(values[":held_due_at"], stored["due_at"]);
    assert_eq!(values[":held_attempts"], stored["attempts"]);

    let done = expanded(Write::DoneDue {
        claimed: Box::new(seen.clone()),
    });
    assert_eq!(done[0].action, Action::Delete);
    assert_eq!(done[0].condition, Some(c.clone()));

    let mut next = seen.clone();
    next.due_at = t + chrono::Duration::hours(1);
    let released = expanded(Write::ReleaseDue {
        claimed: Box::new(seen.clone()),
        next: Box::new(next.clone()),
    });
    assert_eq!(released[0].action, Action::Put(due_item(&next).unwrap()));
    assert_eq!(released[0].condition, Some(c));

    let mut other = next;
    other.kind = crate::domain::DueKind::ReviewRequest;
    let mut ops = vec![];
    let err = expand(
        Write::ReleaseDue {
            claimed: Box::new(seen),
            next: Box::new(other),
        },
        &mut ops,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Storage(_)));
}

#[test]
fn a_claim_moves_the_due_item_to_the_lease_bucket() {
    let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let seen = due_work(t, 0);
    let mut claimed = seen.clone();
    claimed.due_at = t + chrono::Duration::minutes(10);
    claimed.attempts = 1;
    let op = claim_op(&seen, &claimed).unwrap();
    assert_eq!(op.sk, "DUE#appt-1#noshow-check");
    let values = op.values().unwrap();
    let names = op.names().unwrap();
    let set_value = |attr: &str| {
        let (n, _) = names
            .iter()
            .find(|(k, v)| k.starts_with("#u") && *v == attr)
            .unwrap();
        values[&n.replace('#', ":")].clone()
    };
    // The lease's day, in the item's own shard (a stable hash of practice and key), sorted
    // by the lease's end.
    let shard = keys::due_shard_of(&seen);
    assert_eq!(
        keys::due_shard_of(&claimed),
        shard,
        "a claim keeps its shard"
    );
    assert_eq!(
        set_value("GSI1PK"),
        s(format!("DUE#no-shows#2026-01-02#{shard:02}"))
    );
    assert_eq!(set_value("GSI1SK"), s(keys::due_sort(&claimed)));
    assert_eq!(set_value("due_at"), s("2026-01-02T03:14:05Z"));
    assert_eq!(set_value("attempts"), AttributeValue::N("1".into()));
}

#[test]
fn a_sweep_cursor_is_a_typed_system_item() {
    let bucket = Utc.with_ymd_and_hms(2026, 1, 2, 3, 5, 0).unwrap();
    let ops = expanded(Write::SweepCursor {
        sweep: Sweep::NoShows,
        bucket,
    });
    assert_eq!(
        (ops[0].pk.as_str(), ops[0].sk.as_str()),
        ("SWEEP#no-shows", "CURSOR")
    );
    assert!(ops[0].condition.is_none());
    let Action::Put(item) = ops[0].action.clone() else {
        panic!("a put")
    };
    let back: SweepCursor = decode(item, kind::SWEEP_CURSOR).unwrap();
    assert_eq!(back.bucket, bucket);
}
