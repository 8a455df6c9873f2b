//! The staff console in a real browser: Debian's chromium driven over WebDriver
//! (chromedriver, plain W3C JSON over reqwest) against the local gateway's stack. Elements
//! are found by their label, button text or link text, as a person finds them. A
//! screenshot of each page goes to `target/console-screenshots/`.
//!
//! Skips (passing, with a message) when /usr/bin/chromium or chromedriver is missing:
//! `apt-get install -y chromium chromium-driver` (`.ci/run` does it when root).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use e2e_tests::spawn_app;
use frontdesk::domain::{PatientId, PracticeId, Priority, StaffRole, Task, TaskId, TaskKind};
use frontdesk::ports::{Store, Write};
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const PASSWORD: &str = "correct horse battery";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn chromedriver() -> Option<PathBuf> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

struct Driver {
    child: Child,
    http: reqwest::Client,
    base: String,
    session: String,
    shots: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start(path: &PathBuf) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("fd-console-{}", std::process::id()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1200,900", format!("--user-data-dir={}", profile.display())
            ]}
        }}});
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("a session")
            .json()
            .await
            .expect("session JSON");
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
        let shots = target.join("console-screenshots");
        std::fs::create_dir_all(&shots).expect("screenshot folder");
        Driver {
            child,
            http,
            base,
            session,
            shots,
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("JSON");
        if v["value"].get("error").is_some() {
            panic!("webdriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    /// The element at `xpath`, waiting up to 10 s for it (a submitted form navigates
    /// after the click returns).
    async fn xpath(&self, xpath: &str) -> String {
        let url = format!("{}/session/{}/element", self.base, self.session);
        let mut last = Value::Null;
        for _ in 0..100 {
            let sent = self
                .http
                .post(&url)
                .json(&json!({"using": "xpath", "value": xpath}))
                .send()
                .await;
            if let Ok(r) = sent {
                let v: Value = r.json().await.unwrap_or(Value::Null);
                if let Some(id) = v["value"][ELEMENT].as_str() {
                    return id.to_string();
                }
                last = v;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element {xpath}: {last}");
    }

    /// The form control whose visible label is `label`.
    async fn labelled(&self, label: &str) -> String {
        let l = self
            .xpath(&format!("//label[normalize-space()='{label}']"))
            .await;
        let id = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{l}/attribute/for"),
                None,
            )
            .await;
        self.xpath(&format!("//*[@id='{}']", id.as_str().expect("label for")))
            .await
    }

    async fn fill(&self, label: &str, text: &str) {
        let e = self.labelled(label).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/clear"),
            Some(json!({})),
        )
        .await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn click(&self, xpath: &str) {
        let e = self.xpath(xpath).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn press(&self, button: &str) {
        self.click(&format!("(//button[normalize-space()='{button}'])[1]"))
            .await;
    }

    async fn follow(&self, link: &str) {
        self.click(&format!("(//a[normalize-space()='{link}'])[1]"))
            .await;
    }

    async fn text(&self) -> String {
        let body = self.xpath("//body").await;
        self.cmd(reqwest::Method::GET, &format!("/element/{body}/text"), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The visible text of the first element at `xpath`, or "" while it is not there.
    async fn try_text(&self, xpath: &str) -> String {
        let find = format!("{}/session/{}/element", self.base, self.session);
        let Ok(r) = self
            .http
            .post(&find)
            .json(&json!({"using": "xpath", "value": xpath}))
            .send()
            .await
        else {
            return String::new();
        };
        let v: Value = r.json().await.unwrap_or(Value::Null);
        let Some(id) = v["value"][ELEMENT].as_str() else {
            return String::new();
        };
        let url = format!("{}/session/{}/element/{id}/text", self.base, self.session);
        let Ok(r) = self.http.get(url).send().await else {
            return String::new();
        };
        let v: Value = r.json().await.unwrap_or(Value::Null);
        v["value"].as_str().unwrap_or("").to_string()
    }

    /// Waits (up to 10 s) for the page whose first heading is `want`.
    async fn expect_heading(&self, want: &str) {
        let mut seen = String::new();
        for _ in 0..100 {
            seen = self.try_text("//h1").await;
            if seen == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("want the page {want:?}, got {seen:?}");
    }

    /// Waits (up to 10 s) for the page to show `needle`; returns the page's text.
    /// Waits until the form control at `xpath` holds `want` (a page load may be under way).
    async fn expect_value(&self, xpath: &str, want: &str) {
        let mut seen = String::new();
        for _ in 0..100 {
            let find = format!("{}/session/{}/element", self.base, self.session);
            let found = self
                .http
                .post(&find)
                .json(&json!({"using": "xpath", "value": xpath}))
                .send()
                .await;
            if let Ok(r) = found {
                let v: Value = r.json().await.unwrap_or(Value::Null);
                if let Some(id) = v["value"][ELEMENT].as_str() {
                    let url = format!(
                        "{}/session/{}/element/{id}/property/value",
                        self.base, self.session
                    );
                    if let Ok(r) = self.http.get(url).send().await {
                        let v: Value = r.json().await.unwrap_or(Value::Null);
                        seen = v["value"].as_str().unwrap_or("").to_string();
                        if seen == want {
                            return;
                        }
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("want {want:?} in {xpath}, got {seen:?}");
    }

    async fn expect_text(&self, needle: &str) -> String {
        let mut seen = String::new();
        for _ in 0..100 {
            seen = self.try_text("//body").await;
            if seen.contains(needle) {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("want {needle:?} on the page, got {seen}");
    }

    async fn shot(&self, name: &str) {
        use base64::Engine;
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or(""))
            .expect("PNG");
        std::fs::write(self.shots.join(format!("{name}.png")), png).expect("screenshot written");
    }

    async fn quit(&self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.http.delete(url).send().await;
    }
}

async fn sign_in(d: &Driver, console: &str, email: &str) {
    d.go(console).await;
    d.expect_heading("Sign in").await;
    d.fill("Email", email).await;
    d.fill("Password", PASSWORD).await;
    d.press("Sign in").await;
    d.expect_heading("Inbox").await;
}

#[tokio::test]
async fn staff_work_the_console_in_a_browser() {
    let Some(driver_path) = chromedriver().filter(|_| std::path::Path::new(CHROMIUM).exists())
    else {
        eprintln!(
            "SKIPPED console browser test: /usr/bin/chromium or chromedriver is missing \
             (apt-get install -y chromium chromium-driver)"
        );
        return;
    };
    let app = spawn_app().await;
    let (a, key_a) = app.onboard("Lakeside Dental", Some("+13125550143")).await;
    let (b, _) = app.onboard("Hillside Dental", Some("+13125550144")).await;
    let (a, b) = (PracticeId::parse(a).unwrap(), PracticeId::parse(b).unwrap());
    let (s, body) = app
        .call(
            "PUT",
            "/v1/patients/pt-1",
            Some(&key_a),
            Some(json!({
                "first_name": "Ann", "last_name": "Lee", "phone": "(312) 555-0188",
                "preferred_channel": "sms", "consents": {"sms": {"care": true}}
            })),
        )
        .await;
    assert!(s < 300, "{body}");
    let store: &dyn Store = app.store.as_ref();
    let patient = PatientId::parse("pt-1").unwrap();
    let now = Utc::now();
    staff_console::demo::patient_texted(
        store,
        &a,
        &patient,
        "Can I move my visit?",
        now - chrono::Duration::minutes(20),
    )
    .await
    .unwrap();
    // A second patient, waiting since four days ago: long past the promised answer.
    let (s, body) = app
        .call(
            "PUT",
            "/v1/patients/pt-2",
            Some(&key_a),
            Some(json!({
                "first_name": "Bo", "last_name": "Ray", "phone": "(312) 555-0189",
                "preferred_channel": "sms", "consents": {"sms": {"care": true}}
            })),
        )
        .await;
    assert!(s < 300, "{body}");
    staff_console::demo::patient_texted(
        store,
        &a,
        &PatientId::parse("pt-2").unwrap(),
        "Are you open on Saturday?",
        now - chrono::Duration::days(4),
    )
    .await
    .unwrap();
    staff_console::demo::seed_member(
        store,
        &a,
        "Dana Admin",
        "dana@lakeside.example",
        StaffRole::Admin,
        PASSWORD,
        now,
    )
    .await
    .unwrap();
    staff_console::demo::seed_member(
        store,
        &b,
        "Hal Admin",
        "hal@hillside.example",
        StaffRole::Admin,
        PASSWORD,
        now,
    )
    .await
    .unwrap();
    let task = Task {
        script: Some("Hello, this is Lakeside Dental.".into()),
        patient_id: Some(patient.clone()),
        ..Task::open(
            a.clone(),
            TaskId::generate(),
            TaskKind::CallPatient,
            Priority::High,
            "Call Ann back",
            "She asked to move her visit.",
            now - chrono::Duration::minutes(1),
        )
    };
    store
        .write(vec![Write::Task(Box::new(task.clone()))])
        .await
        .unwrap();

    let (s, canned) = app
        .call(
            "POST",
            "/v1/practice/replies",
            Some(&key_a),
            Some(json!({
                "title": "Move a visit",
                "body": "Hi {{ first_name }}: call us and we will find a time."
            })),
        )
        .await;
    assert_eq!(s, 201, "{canned}");

    let d = Driver::start(&driver_path).await;
    let console = format!("{}/console/", app.base);

    // The admin invites a staff member.
    d.go(&console).await;
    d.shot("sign-in").await;
    sign_in(&d, &console, "dana@lakeside.example").await;
    d.follow("Staff").await;
    d.fill("Name", "Sam Staff").await;
    d.fill("Email", "sam@lakeside.example").await;
    d.press("Invite").await;
    d.shot("staff").await;
    let out = d.xpath("//output[@id='invite-url']").await;
    let link = d
        .cmd(reqwest::Method::GET, &format!("/element/{out}/text"), None)
        .await;
    let link = link.as_str().unwrap().to_string();
    assert!(link.contains("/console/invite#code="), "{link}");
    d.press("Sign out").await;
    // Let the sign-out land before leaving, or its redirect can replace the next page.
    d.expect_heading("Sign in").await;

    // The staff member sets a password from the link, then signs in.
    d.go(&link).await;
    d.expect_heading("Set your password").await;
    d.shot("invite").await;
    d.fill("New password", PASSWORD).await;
    d.press("Set password").await;
    d.expect_heading("Inbox").await;
    d.press("Sign out").await;
    d.expect_heading("Sign in").await;
    sign_in(&d, &console, "sam@lakeside.example").await;
    d.shot("inbox").await;
    let inbox = d.expect_text("Ann L.").await;
    assert!(
        inbox.contains("Ann L.") && inbox.contains("20 min"),
        "{inbox}"
    );
    // The inbox marks the thread past its promised answer, in the column labelled Status.
    let status_of = |who: &str| {
        format!(
            "//table//tr[td/a[normalize-space()='{who}']]/td[count(//table//th\
             [normalize-space()='Status']/preceding-sibling::th)+1]"
        )
    };
    assert_eq!(d.try_text(&status_of("Bo R.")).await, "Overdue");
    assert_eq!(d.try_text(&status_of("Ann L.")).await, "On time");
    d.shot("inbox-overdue").await;

    // Opens the waiting thread and replies.
    d.follow("Ann L.").await;
    d.expect_heading("Thread with Ann L.").await;
    let thread = d.expect_text("Can I move my visit?").await;
    // Times on the practice's clock (Lakeside is in Chicago), not UTC.
    let texted_local = frontdesk::time::staff_time(
        now - chrono::Duration::minutes(20),
        chrono_tz::America::Chicago,
    );
    assert!(
        thread.contains(&texted_local) && !thread.contains("UTC"),
        "want {texted_local:?}: {thread}"
    );
    // A canned reply, filled in for Ann by Preview, then sent.
    d.click("//select[@id='canned']/option[normalize-space()='Move a visit']")
        .await;
    d.press("Preview").await;
    d.expect_value(
        "//textarea[@id='body']",
        "Hi Ann: call us and we will find a time.",
    )
    .await;
    d.press("Send").await;
    let page = d.expect_text("Reply sent.").await;
    assert!(
        page.contains("Reply sent.")
            && page.contains("Hi Ann: call us and we will find a time.")
            && page.contains("by Sam Staff"),
        "{page}"
    );
    d.shot("thread").await;
    let (_, outbox) = app.call("GET", "/_local/outbox", None, None).await;
    let to_ann: Vec<&Value> = outbox["sms"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["to"] == json!("+13125550188"))
        .collect();
    assert_eq!(to_ann.len(), 1, "{outbox}");
    assert!(to_ann[0]["body"]
        .as_str()
        .unwrap_or("")
        .contains("we will find a time"));

    d.follow("Patient details").await;
    d.expect_heading("Ann Lee").await;
    d.shot("patient").await;

    // Resolves the task.
    d.follow("Tasks").await;
    d.expect_text("Hello, this is Lakeside Dental.").await;
    d.shot("tasks").await;
    d.press("Assign to me").await;
    d.expect_text("assigned to Sam Staff").await;
    d.press("Resolve").await;
    d.expect_text("Task resolved.").await;
    let open = store.open_tasks(&a, None, 50).await.unwrap();
    assert!(
        open.items.iter().all(|t| t.task_id != task.task_id),
        "resolved"
    );
    d.press("Sign out").await;
    d.expect_heading("Sign in").await;

    // Practice B's admin typing A's thread and patient URLs sees nothing of A.
    sign_in(&d, &console, "hal@hillside.example").await;
    for (i, path) in ["threads/p_pt-1", "patients/pt-1"].iter().enumerate() {
        d.go(&format!("{console}{path}")).await;
        d.expect_heading("Not found").await;
        let page = d.text().await;
        assert!(
            !page.contains("Ann") && !page.contains("move my visit"),
            "{page}"
        );
        d.shot(&format!("other-practice-{i}")).await;
    }
    d.quit().await;
}
