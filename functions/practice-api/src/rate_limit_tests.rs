//! The per-practice request limit: a practice over its bucket gets a 429 in the documented
//! error shape with Retry-After, another practice is unaffected, onboarding (operator) and
//! bad keys are not counted against anyone.

use std::sync::Arc;

use frontdesk::rate_limit::{Limit, MemoryRateLimiter};

use super::{app, event, respond, OP};

#[tokio::test]
async fn a_practice_over_its_limit_gets_429_and_another_does_not() {
    let mut a = app();
    a.deps = a
        .deps
        .clone()
        .with_rate_limiter(Some(Arc::new(MemoryRateLimiter::new(Limit {
            per_second: 1,
            burst: 3,
        }))));
    let (_, busy) = a.practice("Busy Dental").await;
    let (s, b) = a
        .call(
            "POST",
            "/v1/practices",
            Some(OP),
            Some(serde_json::json!({"name": "Quiet Dental"})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let quiet = b["api_key"].as_str().unwrap().to_string();

    // A forged key naming the busy practice does not spend its budget.
    let forged = format!("{}.{}", busy.rsplit_once('.').unwrap().0, "x".repeat(43));
    for _ in 0..5 {
        let (s, _) = a.call("GET", "/v1/practice", Some(&forged), None).await;
        assert_eq!(s, 401);
    }

    for i in 0..3 {
        let (s, b) = a.call("GET", "/v1/practice", Some(&busy), None).await;
        assert_eq!(s, 200, "request {i}: {b}");
    }
    let r = respond(&a.deps, event("GET", "/v1/patients", Some(&busy), None)).await;
    assert_eq!(r.status_code, 429);
    assert_eq!(
        r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body = super::body_json(&r);
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("retry after 1 s"));

    // The other practice, at the same moment, is served.
    let (s, b) = a.call("GET", "/v1/practice", Some(&quiet), None).await;
    assert_eq!(s, 200, "{b}");
    // Onboarding is the operator's, not a practice's.
    let (s, _) = a
        .call(
            "POST",
            "/v1/practices",
            Some(OP),
            Some(serde_json::json!({"name": "Third Dental"})),
        )
        .await;
    assert_eq!(s, 201);
}
