//! Linking an unknown sender's thread to a patient: the history moves once, nothing lost
//! or duplicated, under retries and concurrent links; the contact changes only on request.

use chrono::Duration;
use serde_json::{json, Value};

use super::{app, now};

const NUMBER: &str = "+13125550100";

async fn thread_texts(app: &super::App, pid: &str, n: i64) -> String {
    let mut id = String::new();
    for i in 0..n {
        id = app
            .stranger_texted(pid, NUMBER, now() - Duration::minutes(60 - i))
            .await;
    }
    id
}

fn link_body(patient: &str, update_contact: bool) -> Value {
    json!({"patient_id": patient, "update_contact": update_contact})
}

fn moved_ids(timeline: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = timeline
        .iter()
        .filter(|m| m["direction"] == json!("inbound"))
        .map(|m| m["message_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn linking_moves_the_whole_history_once_and_a_retry_does_nothing_more() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    app.patient(&key, "pt-1").await;
    let thread = thread_texts(&app, &pid, 35).await; // more than one page
    let path = format!("/v1/threads/{thread}/link");
    let (s, b) = app
        .call("POST", &path, Some(&key), Some(link_body("pt-1", false)))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["moved"], json!(35));
    assert_eq!(b["patient_thread_id"], json!("p_pt-1"));
    assert_eq!(b["contact_updated"], json!(false));
    let timeline = app.timeline_of(&key, "pt-1").await;
    let ids = moved_ids(&timeline);
    assert_eq!(ids.len(), 35);
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), 35, "no duplicates");
    // The unknown thread is empty and says where its history went; the inbox entry moved.
    let (s, t) = app
        .call("GET", &format!("/v1/threads/{thread}"), Some(&key), None)
        .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["messages"], json!([]));
    assert_eq!(t["linked_patient_id"], json!("pt-1"));
    let inbox: Vec<String> = app
        .inbox(&key)
        .await
        .iter()
        .map(|i| i["thread_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(inbox, vec!["p_pt-1".to_string()]);
    // The number was not made the patient's.
    let (_, p) = app.call("GET", "/v1/patients/pt-1", Some(&key), None).await;
    assert_eq!(p["phone"], json!("+13125550188"));

    // A retry: nothing more moves, nothing is duplicated.
    let (s, b) = app
        .call("POST", &path, Some(&key), Some(link_body("pt-1", false)))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["moved"], json!(0));
    assert_eq!(moved_ids(&app.timeline_of(&key, "pt-1").await), ids);
    // Another patient: refused, nothing moves.
    app.patient(&key, "pt-2").await;
    let (s, b) = app
        .call("POST", &path, Some(&key), Some(link_body("pt-2", false)))
        .await;
    assert_eq!(s, 409, "{b}");
    assert!(moved_ids(&app.timeline_of(&key, "pt-2").await).is_empty());
}

#[tokio::test]
async fn two_concurrent_links_move_the_history_once() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    app.patient(&key, "pt-1").await;
    app.patient(&key, "pt-2").await;
    let thread = thread_texts(&app, &pid, 12).await;
    let path = format!("/v1/threads/{thread}/link");
    let same = app.call("POST", &path, Some(&key), Some(link_body("pt-1", false)));
    let again = app.call("POST", &path, Some(&key), Some(link_body("pt-1", false)));
    let ((s1, b1), (s2, b2)) = tokio::join!(same, again);
    assert_eq!((s1, s2), (200, 200), "{b1} {b2}");
    assert!(b1["moved"].as_u64().unwrap() + b2["moved"].as_u64().unwrap() >= 12);
    let ids = moved_ids(&app.timeline_of(&key, "pt-1").await);
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!((ids.len(), unique.len()), (12, 12), "each message once");

    // Two links to different patients at once: one wins, the other is 409.
    let thread2 = app
        .stranger_texted(&pid, "+13125550177", now() - Duration::minutes(5))
        .await;
    let path2 = format!("/v1/threads/{thread2}/link");
    let to1 = app.call("POST", &path2, Some(&key), Some(link_body("pt-1", false)));
    let to2 = app.call("POST", &path2, Some(&key), Some(link_body("pt-2", false)));
    let ((s1, _), (s2, _)) = tokio::join!(to1, to2);
    let mut statuses = [s1, s2];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let on1 = moved_ids(&app.timeline_of(&key, "pt-1").await).len();
    let on2 = moved_ids(&app.timeline_of(&key, "pt-2").await).len();
    assert_eq!(on1 + on2, 13, "the new text is on exactly one timeline");
}

#[tokio::test]
async fn the_contact_is_updated_only_when_staff_choose_and_bad_links_are_refused() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    let key_b = app.other_practice().await;
    app.patient(&key, "pt-1").await;
    let thread = thread_texts(&app, &pid, 1).await;
    let path = format!("/v1/threads/{thread}/link");
    // Another practice cannot link (or even see) the thread; bad input is 4xx.
    let (s, _) = app
        .call("POST", &path, Some(&key_b), Some(link_body("pt-1", true)))
        .await;
    assert_eq!(s, 404);
    let (s, _) = app
        .call("POST", &path, None, Some(link_body("pt-1", true)))
        .await;
    assert_eq!(s, 401);
    let (s, _) = app
        .call("POST", &path, Some(&key), Some(json!({"patient": "pt-1"})))
        .await;
    assert_eq!(s, 422);
    let (s, _) = app
        .call("POST", &path, Some(&key), Some(link_body("pt-404", true)))
        .await;
    assert_eq!(s, 404);
    let (s, _) = app
        .call(
            "POST",
            "/v1/threads/p_pt-1/link",
            Some(&key),
            Some(link_body("pt-1", true)),
        )
        .await;
    assert_eq!(s, 404);

    let (s, b) = app
        .call("POST", &path, Some(&key), Some(link_body("pt-1", true)))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["contact_updated"], json!(true));
    let (_, p) = app.call("GET", "/v1/patients/pt-1", Some(&key), None).await;
    assert_eq!(p["phone"], json!(NUMBER));
}

#[tokio::test]
async fn an_opt_out_texted_from_the_number_follows_it_to_the_patient() {
    use frontdesk::domain::{PhoneNumber, PracticeId};
    use frontdesk::ports::{Store, Write};
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    app.patient(&key, "pt-1").await;
    let thread = thread_texts(&app, &pid, 1).await;
    app.store
        .write(vec![Write::UnknownInbound {
            practice_id: PracticeId::parse(&pid).unwrap(),
            number: PhoneNumber::parse_e164(NUMBER).unwrap(),
            at: now() - Duration::minutes(1),
            waiting: false,
            opted_out: Some(true),
        }])
        .await
        .unwrap();
    let (s, b) = app
        .call(
            "POST",
            &format!("/v1/threads/{thread}/link"),
            Some(&key),
            Some(link_body("pt-1", true)),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, p) = app.call("GET", "/v1/patients/pt-1", Some(&key), None).await;
    assert_eq!(p["phone"], json!(NUMBER));
    let opted_out = &p["consents"]["sms"]["opted_out"];
    assert!(!opted_out.is_null() && opted_out != &json!(false), "{p}");
}
