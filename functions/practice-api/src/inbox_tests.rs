//! The inbox, threads, unknown senders' replies and deferred replies, over the in-memory
//! store (helpers in `messages_tests`).

use chrono::Duration;
use frontdesk::domain::{Channel, ConsentSource, PatientId, PracticeId};
use frontdesk::ports::{Expect, Key, Store, Write};
use serde_json::{json, Value};

use super::messages_tests::utc;
use super::{app, app_at, now};

#[tokio::test]
async fn the_inbox_lists_waiting_threads_oldest_first_paged_and_per_practice() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    let key_b = app.other_practice().await;
    app.patient(&key, "pt-1").await;
    app.patient(&key, "pt-2").await;
    app.patient_texted(&pid, "pt-2", now() - Duration::hours(3))
        .await;
    app.patient_texted(&pid, "pt-1", now() - Duration::hours(1))
        .await;
    app.patient_texted(&pid, "pt-2", now() - Duration::minutes(10))
        .await;
    let unknown = app
        .stranger_texted(&pid, "+13125550100", now() - Duration::hours(2))
        .await;
    app.stranger_texted(&pid, "+13125550100", now() - Duration::minutes(1))
        .await;
    assert!(!unknown.contains("5550100"), "no number in the thread id");

    let (s, b) = app.call("GET", "/v1/inbox?limit=2", Some(&key), None).await;
    assert_eq!(s, 200, "{b}");
    let ids: Vec<&str> = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["thread_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["p_pt-2", unknown.as_str()]);
    assert_eq!(b["items"][1]["label"], json!("Unknown number ending 0100"));
    assert!(!b.to_string().contains("5550100"));
    let cursor = b["next_cursor"].as_str().unwrap().to_string();
    let (s, b) = app
        .call(
            "GET",
            &format!("/v1/inbox?limit=2&cursor={cursor}"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["items"][0]["thread_id"], json!("p_pt-1"));

    assert!(
        app.inbox(&key_b).await.is_empty(),
        "B sees none of A's inbox"
    );
    let (s, _) = app.call("GET", "/v1/inbox", None, None).await;
    assert_eq!(s, 401);
    let (s, _) = app.call("GET", "/v1/inbox?limit=0", Some(&key), None).await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn a_thread_is_the_patients_timeline_or_the_unknown_senders_messages() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    let key_b = app.other_practice().await;
    app.patient(&key, "pt-1").await;
    app.patient_texted(&pid, "pt-1", now() - Duration::hours(1))
        .await;
    let (s, b) = app
        .call("GET", "/v1/threads/p_pt-1", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["kind"], json!("patient"));
    assert_eq!(b["messages"].as_array().unwrap().len(), 1);
    assert_eq!(b["waiting_since"], json!("2026-03-01T14:00:00Z"));

    let unknown = app
        .stranger_texted(&pid, "+13125550100", now() - Duration::hours(2))
        .await;
    let (s, b) = app
        .call("GET", &format!("/v1/threads/{unknown}"), Some(&key), None)
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["kind"], json!("unknown_sender"));
    assert_eq!(b["number"], json!("+13125550100"));
    assert_eq!(b["messages"][0]["direction"], json!("inbound"));

    for path in [
        format!("/v1/threads/{unknown}"),
        "/v1/threads/p_pt-1".to_string(),
    ] {
        let (s, _) = app.call("GET", &path, Some(&key_b), None).await;
        assert_eq!(s, 404, "{path} is not B's");
    }
    for bad in [
        "/v1/threads/pt-1",
        "/v1/threads/u_123",
        "/v1/threads/p_nobody",
    ] {
        let (s, _) = app.call("GET", bad, Some(&key), None).await;
        assert_eq!(s, 404, "{bad}");
    }
    let (s, _) = app.call("GET", "/v1/threads/p_pt-1", None, None).await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn an_unknown_sender_is_answered_by_sms_on_their_thread_which_leaves_the_inbox() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    let key_b = app.other_practice().await;
    let thread = app
        .stranger_texted(&pid, "+13125550100", now() - Duration::hours(2))
        .await;
    app.stranger_texted(&pid, "+13125550100", now() - Duration::hours(1))
        .await;
    let path = format!("/v1/threads/{thread}/messages");
    let (s, _) = app
        .reply(&key_b, &path, json!({"body": "Who is this?"}))
        .await;
    assert_eq!(s, 404, "another practice's thread");
    let (s, b) = app
        .reply(
            &key,
            &path,
            json!({"body": "Hi! Which patient is this about?"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let sent = app.sms.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to.as_str(), "+13125550100");
    assert_eq!(sent[0].from.as_ref().unwrap().as_str(), "+13125550143");
    assert!(app.inbox(&key).await.is_empty(), "both entries are cleared");
    let (_, b) = app
        .call("GET", &format!("/v1/threads/{thread}"), Some(&key), None)
        .await;
    let messages = b["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[2]["purpose"], json!("staff_reply"));
    assert_eq!(b["waiting_since"], Value::Null);
}

#[tokio::test]
async fn a_deferred_reply_goes_out_when_quiet_hours_end_once_and_answers_the_thread() {
    // 21:30 in Chicago; the patient wrote two days ago.
    let app = app_at(utc("2026-03-02T03:30:00Z"));
    let (pid, key) = app.practice("Lakeside Dental").await;
    app.patient(&key, "pt-1").await;
    app.patient_texted(&pid, "pt-1", utc("2026-02-28T15:00:00Z"))
        .await;
    let (s, b) = app
        .reply(
            &key,
            "/v1/patients/pt-1/messages",
            json!({"body": "Your results are in; call us."}),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let sweep = |at: &str| {
        let at = utc(at);
        let store = app.store.clone();
        let senders = app.deps.senders.clone();
        async move {
            frontdesk::staff_replies::send_due(store.as_ref(), &senders, at)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        sweep("2026-03-02T13:59:00Z").await.due,
        0,
        "not before 08:00"
    );
    assert!(app.sms.sent().is_empty());
    let r = sweep("2026-03-02T14:00:00Z").await;
    assert_eq!((r.due, r.sent), (1, 1), "{r:?}");
    let sent = app.sms.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body, "Your results are in; call us.");
    assert_eq!(sent[0].from.as_ref().unwrap().as_str(), "+13125550143");
    assert!(
        app.inbox(&key).await.is_empty(),
        "answered once it went out"
    );
    let timeline = app.timeline_of(&key, "pt-1").await;
    let reply = timeline
        .iter()
        .find(|m| m["purpose"] == json!("staff_reply"))
        .unwrap();
    assert_eq!(reply["decision"]["outcome"], json!("sent"));
    assert_eq!(sweep("2026-03-02T14:05:00Z").await.due, 0, "sent once");
    assert_eq!(app.sms.sent().len(), 1);
}

#[tokio::test]
async fn a_deferred_reply_to_a_patient_who_opted_out_meanwhile_is_not_sent() {
    let app = app_at(utc("2026-03-02T03:30:00Z"));
    let (pid, key) = app.practice("Lakeside Dental").await;
    app.patient(&key, "pt-1").await;
    let (s, b) = app
        .reply(&key, "/v1/patients/pt-1/messages", json!({"body": "Hello"}))
        .await;
    assert_eq!(s, 202, "{b}");
    let practice_id = PracticeId::parse(&pid).unwrap();
    let patient_id = PatientId::parse("pt-1").unwrap();
    let mut p = app
        .store
        .get_many(&practice_id, &[Key::Patient(patient_id.clone())])
        .await
        .unwrap()
        .patient(&patient_id)
        .unwrap()
        .clone();
    p.consents
        .opt_out(Channel::Sms, ConsentSource::PatientKeyword, now());
    let v = p.version;
    p.version += 1;
    app.store
        .write(vec![Write::Patient {
            patient: Box::new(p),
            expect: Expect::Version(v),
            previous_phone: None,
        }])
        .await
        .unwrap();
    let r = frontdesk::staff_replies::send_due(
        app.store.as_ref(),
        &app.deps.senders,
        utc("2026-03-02T14:00:00Z"),
    )
    .await
    .unwrap();
    assert_eq!((r.due, r.refused, r.sent), (1, 1, 0), "{r:?}");
    assert!(app.sms.sent().is_empty());
    let timeline = app.timeline_of(&key, "pt-1").await;
    assert_eq!(timeline[0]["decision"]["outcome"], json!("suppressed"));
    assert!(timeline[0]["decision"]["reason"]
        .as_str()
        .unwrap()
        .contains("opted out"));
}

#[tokio::test]
async fn inbox_entries_past_their_answer_deadline_are_marked_overdue() {
    let app = app();
    let (pid, key) = app.practice("A Dental").await;
    app.patient(&key, "pt-1").await;
    app.patient(&key, "pt-2").await;
    // Thursday morning in New York (open): due half an hour later, long past by Sunday.
    app.patient_texted(&pid, "pt-1", now() - Duration::days(3))
        .await;
    // Sunday (closed): due after Monday's opening, not yet.
    app.patient_texted(&pid, "pt-2", now() - Duration::hours(1))
        .await;
    let (s, b) = app.call("GET", "/v1/inbox", Some(&key), None).await;
    assert_eq!(s, 200, "{b}");
    let items = b["items"].as_array().unwrap();
    let item = |id: &str| {
        items
            .iter()
            .find(|i| i["thread_id"] == json!(id))
            .unwrap()
            .clone()
    };
    let old = item("p_pt-1");
    assert_eq!(old["overdue"], json!(true), "{old}");
    assert!(old["answer_by"].as_str().unwrap() > old["waiting_since"].as_str().unwrap());
    let recent = item("p_pt-2");
    assert_eq!(recent["overdue"], json!(false), "{recent}");
    assert!(recent["answer_by"].as_str().unwrap() > now().to_rfc3339().as_str());
}
