//! `Idempotency-Key` on every practice POST (IETF draft "The Idempotency-Key HTTP Header
//! Field"): the first request runs and its answer is kept for 24 hours; a retry with the
//! same key and the same request gets that answer again (`Idempotent-Replayed: true`)
//! without a second side effect; the same key on a different request is a 422; a retry
//! while the first still runs is a 409. A first request that fails with a 5xx forgets the
//! key, so the retry runs. Answers that carry a secret shown once (a new API key, a staff
//! invitation link) are not kept: their retry is a 409 naming what was created.
//!
//! Round trips: the key's record is read with the practice (no extra read), then one
//! write before and one after the route.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body;
use frontdesk::domain::{IdempotentRequest, StoredResponse, IDEMPOTENCY_TTL};
use frontdesk::ports::{Key, Write};
use http::{HeaderValue, StatusCode};
use sha2::{Digest, Sha256};

use crate::auth::authenticate;
use crate::deps::Deps;
use crate::error::{ApiError, ApiResult};
use crate::handler::serve;
use crate::http_io::{error_response, Request};
use crate::router::Route;

pub const HEADER: &str = "idempotency-key";

/// The key, if the request sent one: 1 to 255 visible ASCII characters.
pub fn key_of(req: &Request) -> ApiResult<Option<&str>> {
    let Some(raw) = req.headers.get(HEADER) else {
        return Ok(None);
    };
    match raw.to_str() {
        Ok(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k))
        }
        _ => Err(ApiError::invalid(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters (a UUID is a good choice)",
        )),
    }
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// Routes whose answer holds a secret shown once: kept as its id only.
fn keeps_secret(route: &Route) -> Option<&'static str> {
    match route {
        Route::CreateApiKey => Some("key_id"),
        Route::CreateStaff => Some("staff_id"),
        Route::CreateWebhook | Route::RotateWebhook(_) => Some("webhook_id"),
        _ => None,
    }
}

fn text_of(resp: &ApiGatewayV2httpResponse) -> String {
    match &resp.body {
        Some(Body::Text(t)) => t.clone(),
        Some(Body::Binary(b)) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    }
}

fn replay(stored: &StoredResponse) -> ApiGatewayV2httpResponse {
    let mut resp = ApiGatewayV2httpResponse::default();
    resp.status_code = i64::from(stored.status);
    resp.headers
        .insert("content-type", HeaderValue::from_static("application/json"));
    resp.headers
        .insert("cache-control", HeaderValue::from_static("no-store"));
    resp.headers
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    if let Some(tag) = stored
        .etag
        .as_deref()
        .and_then(|t| HeaderValue::from_str(t).ok())
    {
        resp.headers.insert(http::header::ETAG, tag);
    }
    resp.body = Some(Body::Text(stored.body.clone()));
    resp
}

/// Runs a POST under its key (see the module documentation).
pub async fn run(
    deps: &Deps,
    req: &Request,
    route: Route,
    key: &str,
) -> ApiResult<ApiGatewayV2httpResponse> {
    // The practice comes from the credentials; authentication runs before anything is
    // replayed, so only the practice that sent the request can see its answer.
    let claimed = match &req.staff {
        Some(s) => Some(s.practice_id.clone()),
        None => req.bearer().and_then(crate::auth::claimed_practice),
    };
    let Some(practice_id) = claimed else {
        return serve(deps, req, route).await;
    };
    let key_hash = sha256_hex(&[practice_id.as_str().as_bytes(), key.as_bytes()]);
    let fingerprint = sha256_hex(&[
        req.method.as_str().as_bytes(),
        req.path.trim_end_matches('/').as_bytes(),
        req.body.as_slice(),
    ]);
    let (practice, fetched) =
        authenticate(deps, req, vec![Key::Idempotency(key_hash.clone())]).await?;
    let now = deps.clock.now();
    let stored = fetched.idempotency(&key_hash).filter(|r| r.is_live(now));
    if let Some(r) = stored {
        if r.fingerprint != fingerprint {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                "was used in the last 24 hours for a different request; send a new key with a new request",
            ));
        }
        if let Some(first) = &r.response {
            if let Some(id_field) = keeps_secret(&route) {
                let id = serde_json::from_str::<serde_json::Value>(&first.body)
                    .ok()
                    .and_then(|v| v[id_field].as_str().map(String::from))
                    .unwrap_or_default();
                return Err(ApiError::Conflict(format!(
                    "the first request with this Idempotency-Key already created {id}, whose secret is shown only once; if it was lost, remove it and create another with a new key"
                )));
            }
            return Ok(replay(first));
        }
        if r.is_running(now) {
            return Err(running());
        }
    }
    let mut record = IdempotentRequest {
        practice_id: practice.practice_id.clone(),
        key_hash: key_hash.clone(),
        fingerprint,
        response: None,
        created_at: now,
        expires_at: now + IDEMPOTENCY_TTL,
    };
    // `first` unless a dead record (expired, or a crashed first run) is being replaced.
    let first = fetched.idempotency(&key_hash).is_none();
    deps.store
        .write(vec![Write::Idempotency {
            record: Box::new(record.clone()),
            first,
        }])
        .await
        .map_err(|e| match e {
            frontdesk::Error::Conflict => running(),
            other => ApiError::from(other),
        })?;

    let result = serve(deps, req, route.clone()).await;
    let resp = match &result {
        Ok(r) => r.clone(),
        Err(e) => error_response(e),
    };
    let status = u16::try_from(resp.status_code).unwrap_or(500);
    let after = if StatusCode::from_u16(status).is_ok_and(|s| s.is_server_error()) {
        Write::RemoveIdempotency {
            practice_id: practice.practice_id.clone(),
            key_hash,
        }
    } else {
        let body = match keeps_secret(&route) {
            Some(id_field) => {
                let v: serde_json::Value =
                    serde_json::from_str(&text_of(&resp)).unwrap_or_default();
                let mut only_id = serde_json::Map::new();
                only_id.insert(id_field.to_string(), v[id_field].clone());
                serde_json::Value::Object(only_id).to_string()
            }
            None => text_of(&resp),
        };
        record.response = Some(StoredResponse {
            status,
            body,
            etag: resp
                .headers
                .get(http::header::ETAG)
                .and_then(|v| v.to_str().ok())
                .map(String::from),
        });
        Write::Idempotency {
            record: Box::new(record),
            first: false,
        }
    };
    if let Err(e) = deps.store.write(vec![after]).await {
        // The answer stands; a retry within the lock sees "running", later it runs again.
        tracing::error!(cause = %e, "idempotency record not updated");
    }
    result
}

/// Onboarding under an `Idempotency-Key` (the operator's route, before any practice
/// exists): the practice id is derived from the operator secret and the key, so a retry
/// names the same practice; the key's record is written in the practice's partition in the
/// same transaction that creates it. A retry of a request that created its practice is a
/// 409 naming it (its API key was shown once and is never replayed); the same key with
/// another body is a 422. `None` without a key.
pub struct Onboarding {
    pub practice_id: frontdesk::domain::PracticeId,
    pub record: Write,
}

pub async fn onboarding(
    deps: &Deps,
    req: &Request,
    operator_token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Option<Onboarding>> {
    let Some(key) = key_of(req)? else {
        return Ok(None);
    };
    let derived = sha256_hex(&[b"onboard", operator_token.as_bytes(), key.as_bytes()]);
    let practice_id = frontdesk::domain::PracticeId::parse(format!("prc_{}", &derived[..26]))?;
    let key_hash = sha256_hex(&[practice_id.as_str().as_bytes(), key.as_bytes()]);
    let fingerprint = sha256_hex(&[
        req.method.as_str().as_bytes(),
        req.path.trim_end_matches('/').as_bytes(),
        req.body.as_slice(),
    ]);
    let fetched = deps
        .store
        .get_many(
            &practice_id,
            &[Key::Practice, Key::Idempotency(key_hash.clone())],
        )
        .await?;
    if fetched.practice().is_some() {
        let same = fetched
            .idempotency(&key_hash)
            .filter(|r| r.is_live(now))
            .is_none_or(|r| r.fingerprint == fingerprint);
        if !same {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                "was used in the last 24 hours for a different request; send a new key with a new request",
            ));
        }
        return Err(ApiError::Conflict(format!(
            "the first request with this Idempotency-Key already created {practice_id}, whose API key is shown only once; use that key, or onboard again with a new Idempotency-Key"
        )));
    }
    let record = IdempotentRequest {
        practice_id: practice_id.clone(),
        key_hash,
        fingerprint,
        response: Some(StoredResponse {
            status: 201,
            body: serde_json::json!({"practice_id": practice_id.as_str()}).to_string(),
            etag: None,
        }),
        created_at: now,
        expires_at: now + IDEMPOTENCY_TTL,
    };
    Ok(Some(Onboarding {
        practice_id,
        record: Write::Idempotency {
            record: Box::new(record),
            first: true,
        },
    }))
}

fn running() -> ApiError {
    ApiError::Conflict(
        "a request with this Idempotency-Key is still running; retry in a few seconds".into(),
    )
}
