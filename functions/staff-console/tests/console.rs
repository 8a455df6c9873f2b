//! The console over the in-memory store: sign-in, invitation, inbox, reply, tasks, CSRF,
//! and one practice's staff seeing nothing of another's.

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use chrono::{Duration, Utc};
use frontdesk::domain::{
    PatientId, PracticeId, Priority, StaffRole, Task, TaskId, TaskKind, TaskStatus,
};
use frontdesk::ports::{Store, Write};
use frontdesk::testing::{MemoryStore, RecordingEmail, RecordingSms};
use http::{HeaderValue, Method};
use serde_json::{json, Value};

const OP: &str = "test-operator-secret-for-the-console";
const PASSWORD: &str = "correct horse battery";

struct App {
    api: practice_api::Deps,
    console: staff_console::Deps,
    store: Arc<MemoryStore>,
    sms: Arc<RecordingSms>,
}

fn app() -> App {
    let store = Arc::new(MemoryStore::new());
    let sms = Arc::new(RecordingSms::default());
    let senders = frontdesk::deliver::Senders {
        sms: sms.clone(),
        email: Arc::new(RecordingEmail::default()),
    };
    let api = practice_api::Deps::new(
        store.clone(),
        Arc::new(frontdesk::ports::SystemClock),
        practice_api::auth::OperatorSecret::new(OP),
        senders.clone(),
        frontdesk::testing::owners().0,
    );
    App {
        api,
        console: staff_console::from_parts(store.clone(), senders, frontdesk::testing::owners().0),
        store,
        sms,
    }
}

fn text(r: &ApiGatewayV2httpResponse) -> String {
    match &r.body {
        Some(Body::Text(t)) => t.clone(),
        _ => String::new(),
    }
}

fn header<'a>(r: &'a ApiGatewayV2httpResponse, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The value of the `name="csrf"` field on a page.
fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field");
    let rest = &page[at + 19..];
    rest[..rest.find('"').unwrap()].to_string()
}

impl App {
    async fn api(&self, method: &str, path: &str, token: &str, body: Value) -> Value {
        let mut ev = ApiGatewayV2httpRequest::default();
        ev.request_context.http.method = Method::from_bytes(method.as_bytes()).unwrap();
        ev.raw_path = Some(path.into());
        ev.headers.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        ev.headers
            .insert("content-type", HeaderValue::from_static("application/json"));
        ev.body = Some(body.to_string());
        let r = practice_api::respond(&self.api, ev).await;
        assert!(r.status_code < 300, "{path}: {}", text(&r));
        serde_json::from_str(&text(&r)).unwrap()
    }

    /// A practice with a patient `pt-1` who texted; returns (practice id, api key).
    async fn practice(&self, name: &str, number: &str) -> (PracticeId, String) {
        let b = self
            .api(
                "POST",
                "/v1/practices",
                OP,
                json!({"name": name, "time_zone": "America/Chicago", "sms_number": number}),
            )
            .await;
        let pid = PracticeId::parse(b["practice_id"].as_str().unwrap()).unwrap();
        let key = b["api_key"].as_str().unwrap().to_string();
        (pid, key)
    }

    async fn console(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> ApiGatewayV2httpResponse {
        let mut ev = ApiGatewayV2httpRequest::default();
        ev.request_context.http.method = Method::from_bytes(method.as_bytes()).unwrap();
        ev.request_context.http.source_ip = Some("127.0.0.1".into());
        let (p, q) = path.split_once('?').unwrap_or((path, ""));
        ev.raw_path = Some(p.into());
        ev.raw_query_string = Some(q.into());
        ev.headers
            .insert("host", HeaderValue::from_static("127.0.0.1:3000"));
        if let Some(c) = cookie {
            ev.cookies = Some(vec![c.to_string()]);
        }
        if !form.is_empty() {
            ev.body = Some(serde_urlencoded::to_string(form).unwrap());
        }
        staff_console::respond(&self.console, ev).await
    }

    /// An admin member of the practice, with the test password.
    async fn seed_admin(&self, practice: &PracticeId, name: &str, email: &str) {
        staff_console::demo::seed_member(
            self.store.as_ref(),
            practice,
            name,
            email,
            StaffRole::Admin,
            PASSWORD,
            Utc::now(),
        )
        .await
        .unwrap();
    }

    /// Signs in; returns the `fd_session=...` cookie pair.
    async fn sign_in(&self, email: &str) -> String {
        let r = self
            .console(
                "POST",
                "/console/sign-in",
                None,
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status_code, 303, "{}", text(&r));
        assert_eq!(header(&r, "location"), "/console/inbox");
        let c = r.cookies[0].clone();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && !c.contains("Secure"));
        c.split(';').next().unwrap().to_string()
    }
}

#[tokio::test]
async fn staff_sign_in_answer_the_waiting_thread_and_resolve_a_task() {
    let app = app();
    let (pid, key) = app.practice("Lakeside Dental", "+13125550143").await;
    app.api(
        "PUT",
        "/v1/patients/pt-1",
        &key,
        json!({
            "first_name": "Ann", "last_name": "Lee", "phone": "(312) 555-0188",
            "preferred_channel": "sms", "consents": {"sms": {"care": true}}
        }),
    )
    .await;
    let patient = PatientId::parse("pt-1").unwrap();
    let texted = Utc::now() - Duration::minutes(185);
    staff_console::demo::patient_texted(
        app.store.as_ref(),
        &pid,
        &patient,
        "Can I move my visit?",
        texted,
    )
    .await
    .unwrap();
    app.seed_admin(&pid, "Dana Admin", "dana@lakeside.example")
        .await;

    // Signed out, every page sends to sign-in; the sign-in page has labels and a CSP.
    let r = app.console("GET", "/console/inbox", None, &[]).await;
    assert_eq!(
        (r.status_code, header(&r, "location")),
        (303, "/console/sign-in")
    );
    let r = app.console("GET", "/console/sign-in", None, &[]).await;
    let page = text(&r);
    assert!(
        page.contains("<label for=\"email\">Email</label>") && page.contains(">Sign in</button>")
    );
    assert!(header(&r, "content-security-policy").contains("script-src 'self'"));
    assert!(!page.contains("<script>"), "no inline script");
    let r = app
        .console(
            "POST",
            "/console/sign-in",
            None,
            &[
                ("email", "dana@lakeside.example"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    let unknown = app
        .console(
            "POST",
            "/console/sign-in",
            None,
            &[
                ("email", "nobody@lakeside.example"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(r.status_code, 401);
    assert_eq!(
        text(&r).replace("dana@", "X@"),
        text(&unknown).replace("nobody@", "X@"),
        "no hint which emails exist"
    );

    let cookie = app.sign_in("dana@lakeside.example").await;
    let r = app
        .console("GET", "/console/inbox", Some(&cookie), &[])
        .await;
    let page = text(&r);
    assert_eq!(r.status_code, 200, "{page}");
    assert!(
        page.contains("<h1>Inbox</h1>") && page.contains("Ann L.") && page.contains("3 h 5 min"),
        "{page}"
    );
    assert!(
        !page.contains("555-0188") && !page.contains("+1312555"),
        "no phone numbers on the inbox"
    );

    let r = app
        .console("GET", "/console/threads/p_pt-1", Some(&cookie), &[])
        .await;
    let page = text(&r);
    assert!(
        page.contains("Can I move my visit?") && page.contains(">Send</button>"),
        "{page}"
    );
    // Times on the practice's clock (Chicago), never UTC.
    let local = frontdesk::time::staff_time(texted, chrono_tz::America::Chicago);
    assert!(page.contains(&local), "want {local:?} in {page}");
    assert!(!page.contains("UTC"), "{page}");
    let token = csrf(&page);
    let r = app
        .console(
            "POST",
            "/console/threads/p_pt-1/reply",
            Some(&cookie),
            &[("body", "Yes, call us to pick a time.")],
        )
        .await;
    assert_eq!(r.status_code, 403, "no CSRF token, no reply");
    let r = app
        .console(
            "POST",
            "/console/threads/p_pt-1/reply",
            Some(&cookie),
            &[("csrf", &token), ("body", "Yes, call us to pick a time.")],
        )
        .await;
    assert_eq!(r.status_code, 303, "{}", text(&r));
    let sent = app.sms.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to.as_str(), "+13125550188");
    let page = text(
        &app.console(
            "GET",
            "/console/threads/p_pt-1?done=sent",
            Some(&cookie),
            &[],
        )
        .await,
    );
    assert!(
        page.contains("Yes, call us to pick a time.")
            && page.contains("by Dana Admin")
            && page.contains("Reply sent."),
        "{page}"
    );
    let page = text(
        &app.console("GET", "/console/inbox", Some(&cookie), &[])
            .await,
    );
    assert!(page.contains("Nobody is waiting"), "answered: {page}");

    // A canned reply: chosen on the thread page, previewed into the box, sent as it is.
    let canned = app
        .api(
            "POST",
            "/v1/practice/replies",
            &key,
            json!({"title": "Move a visit", "body": "Hi {{ first_name }}, {{ practice_name }} will call you to pick a new time."}),
        )
        .await;
    let reply_id = canned["reply_id"].as_str().unwrap();
    let page = text(
        &app.console("GET", "/console/threads/p_pt-1", Some(&cookie), &[])
            .await,
    );
    assert!(
        page.contains("<label for=\"canned\">Canned reply</label>")
            && page.contains(&format!(
                "<option value=\"{reply_id}\">Move a visit</option>"
            ))
            && page.contains(">Preview</button>"),
        "{page}"
    );
    let r = app
        .console(
            "POST",
            "/console/threads/p_pt-1/reply",
            Some(&cookie),
            &[
                ("csrf", &token),
                ("canned", reply_id),
                ("action", "preview"),
                ("body", ""),
            ],
        )
        .await;
    let page = text(&r);
    assert_eq!(r.status_code, 200, "{page}");
    assert!(
        page.contains("Hi Ann, Lakeside Dental will call you to pick a new time.</textarea>"),
        "{page}"
    );
    assert_eq!(app.sms.sent().len(), 1, "a preview sends nothing");
    let r = app
        .console(
            "POST",
            "/console/threads/p_pt-1/reply",
            Some(&cookie),
            &[
                ("csrf", &token),
                ("canned", reply_id),
                ("action", "send"),
                ("body", ""),
            ],
        )
        .await;
    assert_eq!(r.status_code, 303, "{}", text(&r));
    let sent = app.sms.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[1].body,
        "Hi Ann, Lakeside Dental will call you to pick a new time."
    );

    // A task: assign to me, resolve; recorded with the staff id.
    let task = Task {
        script: Some("Hello, this is Lakeside Dental.".into()),
        patient_id: Some(patient.clone()),
        ..Task::open(
            pid.clone(),
            TaskId::generate(),
            TaskKind::CallPatient,
            Priority::High,
            "Call Ann back",
            "She asked to move her visit.",
            Utc::now() - Duration::minutes(1),
        )
    };
    app.store
        .write(vec![Write::Task(Box::new(task.clone()))])
        .await
        .unwrap();
    let page = text(
        &app.console("GET", "/console/tasks", Some(&cookie), &[])
            .await,
    );
    assert!(
        page.contains("Call Ann back")
            && page.contains("Hello, this is Lakeside Dental.")
            && page.contains(">Assign to me</button>")
            && page.contains(">Snooze</button>"),
        "{page}"
    );
    let tid = task.task_id.to_string();
    let r = app
        .console(
            "POST",
            &format!("/console/tasks/{tid}/assign"),
            Some(&cookie),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(r.status_code, 303, "{}", text(&r));
    let r = app
        .console(
            "POST",
            &format!("/console/tasks/{tid}/resolve"),
            Some(&cookie),
            &[("csrf", &token), ("outcome", "reached")],
        )
        .await;
    assert_eq!(r.status_code, 303, "{}", text(&r));
    let stored = app
        .store
        .all_tasks(&pid)
        .into_iter()
        .find(|t| t.task_id == task.task_id)
        .unwrap();
    assert_eq!(stored.status, TaskStatus::Resolved);

    // The patient page: preferences and consents with their source.
    let page = text(
        &app.console("GET", "/console/patients/pt-1", Some(&cookie), &[])
            .await,
    );
    assert!(
        page.contains("<h2>Consents</h2>") && page.contains("pms"),
        "{page}"
    );

    // Sign out ends the session.
    let r = app
        .console(
            "POST",
            "/console/sign-out",
            Some(&cookie),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(r.status_code, 303);
    let r = app
        .console("GET", "/console/inbox", Some(&cookie), &[])
        .await;
    assert_eq!(r.status_code, 303, "signed out");
}

#[tokio::test]
async fn an_admin_invites_staff_who_set_a_password_and_see_only_their_practice() {
    let app = app();
    let (a, key_a) = app.practice("Lakeside Dental", "+13125550143").await;
    let (b, _) = app.practice("Hillside Dental", "+13125550144").await;
    app.api(
        "PUT",
        "/v1/patients/pt-1",
        &key_a,
        json!({
            "first_name": "Ann", "last_name": "Lee", "phone": "(312) 555-0188",
            "preferred_channel": "sms", "consents": {"sms": {"care": true}}
        }),
    )
    .await;
    staff_console::demo::patient_texted(
        app.store.as_ref(),
        &a,
        &PatientId::parse("pt-1").unwrap(),
        "Hello?",
        Utc::now(),
    )
    .await
    .unwrap();
    app.seed_admin(&a, "Dana Admin", "dana@lakeside.example")
        .await;
    app.seed_admin(&b, "Hal Admin", "hal@hillside.example")
        .await;

    let dana = app.sign_in("dana@lakeside.example").await;
    let page = text(&app.console("GET", "/console/staff", Some(&dana), &[]).await);
    assert!(
        page.contains("<h1>Staff</h1>") && page.contains(">Invite</button>"),
        "{page}"
    );
    let token = csrf(&page);
    let r = app
        .console(
            "POST",
            "/console/staff",
            Some(&dana),
            &[
                ("csrf", &token),
                ("name", "Sam Staff"),
                ("email", "sam@lakeside.example"),
                ("role", "staff"),
            ],
        )
        .await;
    let page = text(&r);
    assert_eq!(r.status_code, 200, "{page}");
    let at = page.find("#code=").expect("an invitation link") + 6;
    let code: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();

    let r = app.console("GET", "/console/invite", None, &[]).await;
    assert!(text(&r).contains("<label for=\"code\">Invitation code</label>"));
    let r = app
        .console(
            "POST",
            "/console/invite",
            None,
            &[("code", &code), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status_code, 303, "{}", text(&r));
    let r = app
        .console(
            "POST",
            "/console/invite",
            None,
            &[("code", &code), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status_code, 400, "single use");
    let sam = app.sign_in("sam@lakeside.example").await;
    let r = app.console("GET", "/console/staff", Some(&sam), &[]).await;
    assert_eq!(r.status_code, 404, "staff page is for admins");
    let page = text(&app.console("GET", "/console/inbox", Some(&sam), &[]).await);
    assert!(page.contains("Ann L."), "{page}");

    // Practice B's admin typing A's thread and patient URLs sees nothing of A.
    let hal = app.sign_in("hal@hillside.example").await;
    for path in [
        "/console/threads/p_pt-1",
        "/console/patients/pt-1",
        "/console/threads/p_..%2Fx",
    ] {
        let r = app.console("GET", path, Some(&hal), &[]).await;
        let page = text(&r);
        assert_eq!(r.status_code, 404, "{path}");
        assert!(!page.contains("Ann") && !page.contains("Hello?"), "{path}");
    }
    let page = text(&app.console("GET", "/console/inbox", Some(&hal), &[]).await);
    assert!(page.contains("Nobody is waiting") && !page.contains("Ann"));
    // A's cookie token presented as B's practice finds nothing.
    let forged = dana.replace(a.as_str(), b.as_str());
    let r = app
        .console("GET", "/console/inbox", Some(&forged), &[])
        .await;
    assert_eq!(r.status_code, 303);
    let _ = app.store.sessions(&a).await.unwrap();
}

#[path = "console_parts/link.rs"]
mod link;

#[path = "console_parts/offer.rs"]
mod offer;
