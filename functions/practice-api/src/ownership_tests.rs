//! A practice sends only from what it owns: its sender becomes an SES identity created for
//! it (and says whether SES has verified it), and a provider number is accepted only when
//! the provider lists it on the account whose credentials the practice gave.

use frontdesk::ports::IdentityStatus;

use super::*;

fn twilio() -> Value {
    json!({"provider": "twilio", "twilio_account_sid": "AC0123456789abcdef0123456789abcdef",
           "twilio_auth_token": "tok-1"})
}

#[tokio::test]
async fn a_sender_becomes_an_ses_identity_of_that_practice_and_shows_its_status() {
    let app = app();
    *app.identities.new_status.lock().unwrap() = IdentityStatus::PendingVerification;
    let (s, b) = app
        .call(
            "POST",
            "/v1/practices",
            Some(OP),
            Some(json!({"name": "B Dental", "email_from": "hello@b-dental.example"})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        b["practice"]["email_from_status"],
        json!("pending_verification")
    );
    let b_id = PracticeId::parse(b["practice_id"].as_str().unwrap()).unwrap();
    assert_eq!(
        app.identities.created(),
        vec![("hello@b-dental.example".to_string(), b_id)]
    );

    let (a_id, a_key) = app.practice("A Dental").await;
    let (_, got) = app.call("GET", "/v1/practice", Some(&a_key), None).await;
    assert!(
        got.get("email_from_status").is_none(),
        "no sender, no status: {got}"
    );
    *app.identities.new_status.lock().unwrap() = IdentityStatus::Verified;
    let (s, got) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&a_key),
            Some(json!({"email_from": "desk@a-dental.example"})),
        )
        .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["email_from_status"], json!("verified"));
    let (_, got) = app.call("GET", "/v1/practice", Some(&a_key), None).await;
    assert_eq!(got["email_from_status"], json!("verified"));
    assert!(app.identities.created().contains(&(
        "desk@a-dental.example".to_string(),
        PracticeId::parse(&a_id).unwrap()
    )));

    // Another practice's sender is refused before SES is asked for anything.
    let before = app.identities.created().len();
    let (s, _) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&a_key),
            Some(json!({"email_from": "hello@b-dental.example"})),
        )
        .await;
    assert_eq!(s, 409);
    assert_eq!(app.identities.created().len(), before);
}

#[tokio::test]
async fn a_provider_number_is_accepted_only_with_the_credentials_of_the_account_that_holds_it() {
    let app = app();
    let (_, key) = app.practice("A Dental").await;
    app.numbers
        .not_owned
        .lock()
        .unwrap()
        .push("+13125550199".into());

    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"sms_number": "+13125550199", "sms_provider": twilio()})),
        )
        .await;
    assert_eq!(s, 409, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("twilio account"),
        "{b}"
    );
    let (_, got) = app.call("GET", "/v1/practice", Some(&key), None).await;
    assert_eq!(
        got["sms_provider"]["provider"],
        json!("aws"),
        "nothing stored: {got}"
    );
    assert_eq!(got["sms_number"], json!("+13125550143"), "{got}");

    let sid = "AC0123456789abcdef0123456789abcdef".to_string();
    app.numbers.refused.lock().unwrap().push(sid);
    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"sms_number": "+13125550142", "sms_provider": twilio()})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["error"]["field"], json!("sms_provider"), "{b}");

    app.numbers.refused.lock().unwrap().clear();
    let (s, b) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"sms_number": "+13125550142", "sms_provider": twilio()})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["sms_number"], json!("+13125550142"));

    // Unrelated settings changes do not ask the provider again.
    let asked = app.numbers.checked.lock().unwrap().len();
    let (s, _) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"name": "A Dental Care"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.numbers.checked.lock().unwrap().len(), asked);
}

#[tokio::test]
async fn an_aws_number_is_never_sent_to_a_provider_to_check() {
    let app = app();
    let (_, key) = app.practice("A Dental").await;
    let (s, _) = app
        .call(
            "PATCH",
            "/v1/practice",
            Some(&key),
            Some(json!({"sms_number": "+13125550144"})),
        )
        .await;
    assert_eq!(s, 200);
    assert!(app.numbers.checked.lock().unwrap().is_empty());
}
