//! `spawn_app()`: the local gateway on a free loopback port, over a fresh table in the
//! shared moto server, so every test has its own data and nothing leaks between runs.

use std::sync::Arc;

pub mod faults;

use frontdesk::dynamo::DynamoStore;
use serde_json::Value;

pub const OPERATOR_SECRET: &str = "e2e-operator-secret";

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub moto: local_stack::Moto,
    pub store: Arc<DynamoStore>,
    /// The in-process fake SMS providers' base URL (`/_fake/...` controls), if started.
    pub fake_providers: Option<String>,
}

/// Starts (or reuses) moto, creates a fresh table from template.yaml and serves the
/// gateway on 127.0.0.1:<free port>.
pub async fn spawn_app() -> TestApp {
    spawn(false).await
}

/// [`spawn_app`], with the gateway's own URL as `PUBLIC_BASE_URL`: outbound SMS name their
/// status callback URL, and the fake providers call it back (as `make run` does).
pub async fn spawn_app_with_callbacks() -> TestApp {
    spawn(true).await
}

async fn spawn(callbacks: bool) -> TestApp {
    let moto = local_stack::Moto::shared()
        .await
        .expect("moto starts (run `make venv` first)")
        .clone();
    spawn_on(moto, callbacks).await
}

/// [`spawn_app_with_callbacks`] with every SDK call going to `moto` (e.g. a
/// [`faults::FaultProxy`] in front of the shared server).
pub async fn spawn_app_on(moto: local_stack::Moto) -> TestApp {
    spawn_on(moto, true).await
}

async fn spawn_on(moto: local_stack::Moto, callbacks: bool) -> TestApp {
    let table = moto.fresh_table().await.expect("table from template.yaml");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("free port");
    let addr = listener.local_addr().expect("bound address");
    let base_url = callbacks.then(|| format!("http://{addr}"));
    let gw = local_gateway::stack::build_at(moto.clone(), &table, OPERATOR_SECRET, base_url)
        .await
        .expect("gateway wiring");
    let store = gw.store.clone().expect("gateway exposes its store");
    let fake_providers = gw.fake_providers.as_ref().map(|f| f.base_url());
    tokio::spawn(async move {
        let _ = axum::serve(listener, local_gateway::router(Arc::new(gw))).await;
    });
    TestApp {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        moto,
        store,
        fake_providers,
    }
}

impl TestApp {
    /// Sends a request; returns the status and the JSON body (Null when empty).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("gateway answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Sends a request with extra headers; returns the status, the response headers and
    /// the JSON body (Null when empty).
    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("gateway answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// Onboards a practice; returns (practice_id, api_key).
    pub async fn onboard(&self, name: &str, sms_number: Option<&str>) -> (String, String) {
        let mut body = serde_json::json!({"name": name, "time_zone": "America/Chicago"});
        if let Some(n) = sms_number {
            body["sms_number"] = Value::String(n.into());
        }
        let (s, b) = self
            .call("POST", "/v1/practices", Some(OPERATOR_SECRET), Some(body))
            .await;
        assert_eq!(s, 201, "onboarding: {b}");
        (
            b["practice_id"].as_str().unwrap_or_default().to_string(),
            b["api_key"].as_str().unwrap_or_default().to_string(),
        )
    }

    /// Puts the suite's usual patient `pt-1` (Ann Lee, texts, care consent) through the
    /// Practice API, which must answer 201.
    pub async fn put_ann(&self, key: &str) {
        let (s, b) = self
            .call(
                "PUT",
                "/v1/patients/pt-1",
                Some(key),
                Some(serde_json::json!({
                    "first_name": "Ann", "last_name": "Lee", "phone": "+13125550188",
                    "preferred_channel": "sms", "consents": {"sms": {"care": true}}
                })),
            )
            .await;
        assert_eq!(s, 201, "{b}");
    }

    /// Books `pt-1`'s 30-minute visit `ap-1` at `starts`, which must answer 201.
    pub async fn book_ann(&self, key: &str, starts: chrono::DateTime<chrono::Utc>) {
        let (s, b) = self
            .call(
                "PUT",
                "/v1/appointments/ap-1",
                Some(key),
                Some(serde_json::json!({
                    "patient_id": "pt-1", "starts_at": starts.to_rfc3339(), "duration_minutes": 30
                })),
            )
            .await;
        assert_eq!(s, 201, "{b}");
    }

    /// `pt-1` with a visit in three days at 16:00 UTC (10:00 in Chicago), as most end-to-end
    /// tests start; returns the visit's start.
    pub async fn ann_in_three_days(&self, key: &str) -> chrono::DateTime<chrono::Utc> {
        self.put_ann(key).await;
        let starts = (chrono::Utc::now() + chrono::Duration::days(3))
            .date_naive()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            + chrono::Duration::hours(16);
        self.book_ann(key, starts).await;
        starts
    }

    /// Fires the scheduled `function` (e.g. `reminders`) as its schedule would at `at`, which
    /// must succeed; returns the run's report.
    pub async fn fire(&self, function: &str, at: chrono::DateTime<chrono::Utc>) -> Value {
        let time = at.to_rfc3339().replace('+', "%2B");
        let path = format!("/_local/schedules/{function}?time={time}");
        let (s, report) = self.call("POST", &path, None, None).await;
        assert_eq!(s, 200, "{report}");
        report
    }
}
