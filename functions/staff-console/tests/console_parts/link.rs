//! Linking an unknown number's conversation to a patient from the thread page (helpers in
//! `../console.rs`): the form posts to the API as the signed-in member and opens the
//! patient's thread, where the history now is.

use super::*;

#[tokio::test]
async fn staff_link_an_unknown_numbers_thread_to_a_patient() {
    let app = app();
    let (pid, key) = app.practice("Lakeside Dental", "+13125550143").await;
    app.api(
        "PUT",
        "/v1/patients/pt-1",
        &key,
        json!({"first_name": "Ann", "last_name": "Lee", "phone": "(312) 555-0188",
               "preferred_channel": "sms", "consents": {"sms": {"care": true}}}),
    )
    .await;
    let store: &dyn Store = app.store.as_ref();
    let number = frontdesk::domain::PhoneNumber::parse_e164("+13125550100").unwrap();
    let thread = staff_console::demo::stranger_texted(
        store,
        &pid,
        &number,
        "This is Ann's new phone",
        Utc::now() - Duration::minutes(5),
    )
    .await
    .unwrap();
    app.seed_admin(&pid, "Dana Admin", "dana@lakeside.example")
        .await;
    let cookie = app.sign_in("dana@lakeside.example").await;
    let page = app
        .console(
            "GET",
            &format!("/console/threads/{thread}"),
            Some(&cookie),
            &[],
        )
        .await;
    let html = text(&page);
    assert!(html.contains("<h2>Link to a patient</h2>"), "{html}");
    assert!(html.contains("<label for=\"link-patient\">Patient id</label>"));
    let token = csrf(&html);
    let path = format!("/console/threads/{thread}/link");
    // A malformed id is explained on the page; nothing moves.
    let r = app
        .console(
            "POST",
            &path,
            Some(&cookie),
            &[("csrf", &token), ("patient_id", "a#b")],
        )
        .await;
    assert_eq!(r.status_code, 409, "{}", text(&r));
    assert!(text(&r).contains("Enter the patient"));
    let r = app
        .console(
            "POST",
            &path,
            Some(&cookie),
            &[
                ("csrf", &token),
                ("patient_id", "pt-1"),
                ("update_contact", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status_code, 303, "{}", text(&r));
    assert_eq!(
        header(&r, "location"),
        "/console/threads/p_pt-1?done=linked"
    );
    let page = app
        .console(
            "GET",
            "/console/threads/p_pt-1?done=linked",
            Some(&cookie),
            &[],
        )
        .await;
    let html = text(&page);
    assert!(
        html.contains("This is Ann&#x27;s new phone") || html.contains("This is Ann's new phone"),
        "{html}"
    );
    assert!(html.contains("Linked:"));
    let p = app.api("GET", "/v1/patients/pt-1", &key, json!({})).await;
    assert_eq!(p["phone"], json!("+13125550100"));
    // Without the CSRF token the form does nothing.
    let r = app
        .console("POST", &path, Some(&cookie), &[("patient_id", "pt-1")])
        .await;
    assert_eq!(r.status_code, 403, "{}", text(&r));
}
