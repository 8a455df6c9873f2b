//! The staff inbox end to end against moto: texts arrive through inbound-sms, wait in the
//! Practice API's inbox, and staff answer them from the practice's number (SNS in moto).

mod common;

use common::*;
use serde_json::{json, Value};

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn texts_wait_in_the_inbox_until_staff_answer_them_from_the_practice_number() {
    let s = Stack::new(office_hours(), json!({})).await;
    let patient = s.n.patient.clone();
    let stranger = s.n.stranger.clone();
    let r = s.text("Can I bring my son to the appointment?").await;
    assert_eq!(r.status_code, 200, "{}", body_text(&r));
    let r = s
        .twilio("SMstranger1", &stranger, "Do you take new patients?")
        .await;
    assert_eq!(r.status_code, 200, "{}", body_text(&r));

    let (status, inbox) = s.api("GET", "/v1/inbox", None).await;
    assert_eq!(status, 200, "{inbox}");
    let waiting = items(&inbox);
    assert_eq!(waiting.len(), 2, "{inbox}");
    assert_eq!(waiting[0]["thread_id"], json!("p_pat-1"));
    assert_eq!(waiting[1]["kind"], json!("unknown_sender"));
    assert!(
        !inbox.to_string().contains(&stranger[2..]),
        "no number in the inbox"
    );
    let thread = waiting[1]["thread_id"].as_str().unwrap().to_string();
    let task = s
        .open_tasks()
        .await
        .into_iter()
        .find(|t| t.kind == frontdesk::domain::TaskKind::UnknownSender)
        .expect("a task for the unknown sender");
    assert_eq!(
        task.work.thread_id.map(|t| t.to_string()),
        Some(thread.clone()),
        "the task points at the sender's thread"
    );

    let answer = format!("{}: yes, of course, bring him along.", s.name);
    let (status, b) = s
        .api(
            "POST",
            "/v1/patients/pat-1/messages",
            Some(json!({"body": answer, "staff_id": "stf_front_desk"})),
        )
        .await;
    assert_eq!(status, 201, "{b}");
    assert!(s.sms_to(&patient).await.contains(&answer));

    let welcome = format!("{}: we do! Call us to book.", s.name);
    let (status, b) = s
        .api(
            "POST",
            &format!("/v1/threads/{thread}/messages"),
            Some(json!({"body": welcome})),
        )
        .await;
    assert_eq!(status, 201, "{b}");
    assert!(s.sms_to(&stranger).await.contains(&welcome));

    let (_, inbox) = s.api("GET", "/v1/inbox", None).await;
    assert!(items(&inbox).is_empty(), "{inbox}");
    let (status, t) = s.api("GET", &format!("/v1/threads/{thread}"), None).await;
    assert_eq!(status, 200, "{t}");
    let purposes: Vec<&str> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["purpose"].as_str())
        .collect();
    assert_eq!(purposes.first(), Some(&"patient_message"));
    // (The fixed test clock puts the reply at the instant of the text.)
    assert!(purposes.contains(&"staff_reply"), "{purposes:?}");
    let timeline = s.timeline("pat-1").await;
    let reply = timeline
        .iter()
        .find(|m| m.purpose == frontdesk::domain::Purpose::StaffReply)
        .unwrap();
    assert_eq!(reply.body, answer);
    assert_eq!(
        serde_json::to_value(&reply.actor).unwrap(),
        json!({"type": "staff", "staff_id": "stf_front_desk"})
    );
}

#[tokio::test]
async fn automatic_answers_leave_the_inbox_empty_and_an_opted_out_stranger_is_not_texted() {
    let s = Stack::new(office_hours(), json!({})).await;
    let stranger = s.n.stranger.clone();
    let r = s.text("HELP").await;
    assert_eq!(r.status_code, 200, "{}", body_text(&r));
    let (_, inbox) = s.api("GET", "/v1/inbox", None).await;
    assert!(
        items(&inbox).is_empty(),
        "HELP is answered automatically: {inbox}"
    );

    let r = s.twilio("SMstop1", &stranger, "STOP").await;
    assert_eq!(r.status_code, 200, "{}", body_text(&r));
    let (_, inbox) = s.api("GET", "/v1/inbox", None).await;
    assert!(
        items(&inbox).is_empty(),
        "an opt-out waits for nobody: {inbox}"
    );
    let r = s.twilio("SMq1", &stranger, "why did you text me").await;
    assert_eq!(r.status_code, 200, "{}", body_text(&r));
    let (_, inbox) = s.api("GET", "/v1/inbox", None).await;
    let thread = items(&inbox)[0]["thread_id"].as_str().unwrap().to_string();
    let before = s.sms_to(&stranger).await.len();
    let (status, b) = s
        .api(
            "POST",
            &format!("/v1/threads/{thread}/messages"),
            Some(json!({"body": format!("{}: sorry!", s.name)})),
        )
        .await;
    assert_eq!(
        (status, b["error"]["code"].clone()),
        (409, json!("opted_out")),
        "{b}"
    );
    assert_eq!(s.sms_to(&stranger).await.len(), before, "nothing sent");
}
