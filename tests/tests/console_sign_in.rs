//! The console's sign-in over HTTP, on DynamoDB (moto) through the local gateway: the
//! cookie's flags, the backoff after repeated failures, CSRF, and sign-out.

use chrono::Utc;
use e2e_tests::spawn_app;
use frontdesk::domain::{PracticeId, StaffRole};

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn sign_in_sets_a_safe_cookie_backs_off_and_checks_csrf() {
    let app = spawn_app().await;
    let (pid, _) = app.onboard("Lakeside Dental", Some("+13125550143")).await;
    let pid = PracticeId::parse(pid).unwrap();
    staff_console::demo::seed_member(
        app.store.as_ref(),
        &pid,
        "Dana Admin",
        "dana@lakeside.example",
        StaffRole::Admin,
        PASSWORD,
        Utc::now(),
    )
    .await
    .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = |p: &str| format!("{}{p}", app.base);
    let post = |email: &str, password: &str| {
        http.post(url("/console/sign-in"))
            .form(&[("email", email), ("password", password)])
            .send()
    };

    let ok = post("dana@lakeside.example", PASSWORD).await.unwrap();
    assert_eq!(ok.status(), 303);
    let set = ok.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.starts_with("fd_session=") && set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    assert!(!set.contains("Secure"), "loopback has no TLS");
    let cookie = set.split(';').next().unwrap().to_string();
    let inbox = http
        .get(url("/console/inbox"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(inbox.status(), 200);
    assert!(inbox.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let page = inbox.text().await.unwrap();
    let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = page[at..at + 64].to_string();

    // A post without the session's CSRF token is refused; with it, sign-out works.
    let r = http
        .post(url("/console/sign-out"))
        .header("cookie", &cookie)
        .form(&[("csrf", "0".repeat(64))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Five failures, then even the right password waits; unknown emails look the same.
    for _ in 0..5 {
        let r = post("dana@lakeside.example", "not the password")
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = post("dana@lakeside.example", PASSWORD).await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("Too many attempts"));

    let r = http
        .post(url("/console/sign-out"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let r = http
        .get(url("/console/inbox"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the session ended");
}
