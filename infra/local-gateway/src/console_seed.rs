//! `make run`'s console demo: an admin who can sign in at once (the password is printed,
//! local only), two demo patients through the real practice-api, and one of them texting
//! so `/console/` opens on a waiting thread.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use frontdesk::domain::{PatientId, PracticeId, StaffRole};
use frontdesk::ports::Store;

use crate::{Gateway, GatewayError};

pub const DEMO_ADMIN_EMAIL: &str = "admin@demo-dental.example.com";
/// Local demo only: the printed sign-in of `make run`.
pub const DEMO_ADMIN_PASSWORD: &str = "demo-console-password";

async fn put_patient(
    gw: &Gateway,
    key: &str,
    id: &str,
    body: serde_json::Value,
) -> Result<(), GatewayError> {
    let Some(f) = gw.http.get("PracticeApiFunction") else {
        return Err(GatewayError::Seed("practice-api is not wired".into()));
    };
    let path = format!("/v1/patients/{id}");
    let route = crate::routes::HttpRoute {
        function: "PracticeApiFunction".into(),
        method: "PUT".into(),
        path: "/v1/patients/{patient_id}".into(),
    };
    let mut headers = http::HeaderMap::new();
    let auth = http::HeaderValue::from_str(&format!("Bearer {key}"))
        .map_err(|_| GatewayError::Seed("the demo key is not a header value".into()))?;
    headers.insert("authorization", auth);
    headers.insert(
        "content-type",
        http::HeaderValue::from_static("application/json"),
    );
    let params = HashMap::from([("patient_id".to_string(), id.to_string())]);
    let event = crate::apigw::to_event(
        &route,
        params,
        &http::Method::PUT,
        &path,
        "",
        &headers,
        body.to_string().as_bytes(),
    )
    .map_err(|e| GatewayError::Seed(e.to_string()))?;
    let resp = f(event).await;
    if resp.status_code >= 300 {
        return Err(GatewayError::Seed(format!(
            "PUT {path}: status {}",
            resp.status_code
        )));
    }
    Ok(())
}

/// Seeds the console demo for the practice `seed_demo` created (`demo` is its answer).
pub async fn seed_console_demo(gw: &Gateway, demo: &serde_json::Value) -> Result<(), GatewayError> {
    let Some(store) = gw.store.clone() else {
        return Err(GatewayError::Seed("no store to seed".into()));
    };
    let store: std::sync::Arc<dyn Store> = store;
    let practice_id = PracticeId::parse(demo["practice_id"].as_str().unwrap_or(""))
        .map_err(|e| GatewayError::Seed(e.to_string()))?;
    let key = demo["api_key"].as_str().unwrap_or("");
    put_patient(
        gw,
        key,
        "demo-ann",
        serde_json::json!({
            "first_name": "Ann", "last_name": "Lee", "phone": "+13125550188",
            "preferred_channel": "sms", "consents": {"sms": {"care": true}}
        }),
    )
    .await?;
    put_patient(
        gw,
        key,
        "demo-ben",
        serde_json::json!({
            "first_name": "Ben", "last_name": "Ortiz", "email": "ben@demo-patient.example.com",
            "preferred_channel": "email", "consents": {"email": {"care": true}}
        }),
    )
    .await?;
    let now = Utc::now();
    let seed = |e: frontdesk::Error| GatewayError::Seed(e.to_string());
    staff_console::demo::seed_member(
        store.as_ref(),
        &practice_id,
        "Demo Admin",
        DEMO_ADMIN_EMAIL,
        StaffRole::Admin,
        DEMO_ADMIN_PASSWORD,
        now,
    )
    .await
    .map_err(seed)?;
    let ann = PatientId::parse("demo-ann").map_err(seed)?;
    staff_console::demo::patient_texted(
        store.as_ref(),
        &practice_id,
        &ann,
        "Hi, can I move my cleaning to Friday?",
        now - Duration::minutes(42),
    )
    .await
    .map_err(seed)?;
    Ok(())
}
