//! A corrected number from the practice heals SMS and closes its "fix the contact" task,
//! with a line on the timeline; an unchanged number leaves both as they are.

use frontdesk::channel_health;
use frontdesk::domain::{Channel, PatientId, PracticeId, TaskOutcome, TaskStatus};
use frontdesk::ports::{Key, Store};
use serde_json::json;

use super::{app, now};

#[tokio::test]
async fn a_corrected_number_closes_the_fix_the_contact_task_on_the_timeline() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    app.patient(&key, "pt-1").await;
    let practice_id = PracticeId::parse(&pid).unwrap();
    let patient_id = PatientId::parse("pt-1").unwrap();
    let read = || async {
        app.store
            .get_many(&practice_id, &[Key::Patient(patient_id.clone())])
            .await
            .unwrap()
            .patient(&patient_id)
            .cloned()
            .unwrap()
    };
    let p = read().await;
    let task = channel_health::fix_contact_task(&p, Channel::Sms, "a landline", None, now());
    let task_id = task.task_id.clone();
    app.store
        .write(channel_health::mark(
            &p,
            Channel::Sms,
            "twilio:30006",
            "a landline",
            task,
            now(),
        ))
        .await
        .unwrap();
    let put = |phone: &'static str| {
        json!({
            "first_name": "Ann", "last_name": "Lee", "phone": phone,
            "preferred_channel": "sms", "consents": {"sms": {"care": true, "reviews": true}}
        })
    };
    // The same number again: still marked, the task still open.
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(put("(312) 555-0188")),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(read().await.sms_health.is_some());
    let task_now = || async {
        app.store
            .get_many(&practice_id, &[Key::Task(task_id.clone())])
            .await
            .unwrap()
            .task(&task_id)
            .cloned()
            .unwrap()
    };
    assert_eq!(task_now().await.status, TaskStatus::Open);

    // A corrected number: healed, the task closed, one timeline line.
    let (s, b) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key),
            Some(put("(312) 555-0199")),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(read().await.sms_health.is_none());
    assert_eq!(b["channel_health"]["sms"]["status"], json!("healthy"));
    let closed = task_now().await;
    assert_eq!(closed.status, TaskStatus::Resolved);
    assert_eq!(closed.work.outcome, Some(TaskOutcome::ContactUpdated));
    let lines: Vec<_> = app
        .timeline_of(&key, "pt-1")
        .await
        .into_iter()
        .filter(|m| {
            m["body"]
                .as_str()
                .unwrap_or("")
                .contains("Contact corrected")
        })
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(!lines[0].to_string().contains("555-0199"));
}
