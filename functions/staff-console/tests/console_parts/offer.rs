//! "Accepted by phone" on a freed slot's offer task (helpers in `../console.rs`): the
//! console claims the slot for the task's patient through the API, resolves the task, and
//! a second acceptance for the same slot is refused with the API's message.

use frontdesk::domain::{
    AppointmentId, Channel, FreedSlot, OfferedTo, SlotReason, SlotState, WaitlistEntryId,
};
use frontdesk::ports::{Expect, Key};

use super::*;

fn offer_task(pid: &PracticeId, patient: &str) -> Task {
    Task {
        patient_id: Some(PatientId::parse(patient).unwrap()),
        appointment_id: Some(AppointmentId::parse("apt-free").unwrap()),
        script: Some("An earlier appointment is free. Would you like it?".into()),
        ..Task::open(
            pid.clone(),
            TaskId::generate(),
            TaskKind::CallPatient,
            Priority::High,
            frontdesk::waitlist::OFFER_TASK_TITLE,
            "Call the patient.",
            Utc::now() - Duration::minutes(5),
        )
    }
}

#[tokio::test]
async fn accepted_by_phone_claims_the_slot_once_and_resolves_the_offer_task() {
    let app = app();
    let (pid, key) = app.practice("Lakeside Dental", "+13125550143").await;
    for (id, phone) in [("pt-2", "(312) 555-0177"), ("pt-3", "(312) 555-0166")] {
        app.api(
            "PUT",
            &format!("/v1/patients/{id}"),
            &key,
            json!({"first_name": "Bo", "last_name": "Park", "phone": phone,
                   "preferred_channel": "voice", "consents": {"voice": {"care": true}}}),
        )
        .await;
    }
    let now = Utc::now();
    let offered = |p: &str| OfferedTo {
        patient_id: PatientId::parse(p).unwrap(),
        entry_id: WaitlistEntryId::parse(format!("wl-{p}")).unwrap(),
        at: now - Duration::minutes(5),
        outcome: "staff_task".into(),
    };
    let slot = FreedSlot {
        practice_id: pid.clone(),
        appointment_id: AppointmentId::parse("apt-free").unwrap(),
        freed_by: PatientId::parse("pt-1").unwrap(),
        starts_at: now + Duration::days(2),
        duration_minutes: 30,
        provider: None,
        kind: None,
        reason: SlotReason::Cancelled,
        state: SlotState::Open,
        offered: vec![offered("pt-2"), offered("pt-3")],
        created_at: now - Duration::minutes(10),
        updated_at: now - Duration::minutes(10),
        version: 2,
    };
    let (first, second) = (offer_task(&pid, "pt-2"), offer_task(&pid, "pt-3"));
    app.store
        .write(vec![
            Write::Slot {
                slot: Box::new(slot.clone()),
                expect: Expect::Absent,
            },
            Write::Task(Box::new(first.clone())),
            Write::Task(Box::new(second.clone())),
        ])
        .await
        .unwrap();
    app.seed_admin(&pid, "Dana Admin", "dana@lakeside.example")
        .await;
    let cookie = app.sign_in("dana@lakeside.example").await;
    let page = text(
        &app.console("GET", "/console/tasks", Some(&cookie), &[])
            .await,
    );
    assert_eq!(
        page.matches(">Accepted by phone</button>").count(),
        2,
        "on each offer task: {page}"
    );
    let token = csrf(&page);

    let r = app
        .console(
            "POST",
            &format!("/console/tasks/{}/accepted-by-phone", first.task_id),
            Some(&cookie),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(r.status_code, 303, "{}", text(&r));
    assert_eq!(header(&r, "location"), "/console/tasks?done=accepted");
    let stored = app
        .store
        .get_many(&pid, &[Key::Slot(slot.appointment_id.clone())])
        .await
        .unwrap()
        .slot(&slot.appointment_id)
        .cloned()
        .unwrap();
    match &stored.state {
        SlotState::Claimed {
            patient_id, via, ..
        } => {
            assert_eq!(patient_id.as_str(), "pt-2");
            assert_eq!(*via, Some(Channel::Voice));
        }
        other => panic!("{other:?}"),
    }
    let tasks = app.store.all_tasks(&pid);
    let find = |id: &TaskId| tasks.iter().find(|t| &t.task_id == id).unwrap();
    assert_eq!(find(&first.task_id).status, TaskStatus::Resolved);
    let booking: Vec<_> = tasks
        .iter()
        .filter(|t| t.kind == TaskKind::WaitlistBooking)
        .collect();
    assert_eq!(booking.len(), 1, "one task to book it");
    assert!(booking[0].detail.contains("accepted by phone"));

    // The other patient's acceptance comes too late: the page says so, the task stays.
    let r = app
        .console(
            "POST",
            &format!("/console/tasks/{}/accepted-by-phone", second.task_id),
            Some(&cookie),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(r.status_code, 409, "{}", text(&r));
    assert!(
        text(&r).contains("another patient has already claimed"),
        "{}",
        text(&r)
    );
    let tasks = app.store.all_tasks(&pid);
    let find = |id: &TaskId| tasks.iter().find(|t| &t.task_id == id).unwrap();
    assert_eq!(find(&second.task_id).status, TaskStatus::Open);
}
