//! A loopback stub of the Lambda Runtime API (2018-06-01): it hands one event to the
//! process that asks first, and notes when that process first asked and first answered.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::Notify;

/// What one cold start did, as the stub saw it.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// First `GET /runtime/invocation/next`.
    pub next_at: Option<Instant>,
    /// First result posted (`/response` or `/error`), and which.
    pub result_at: Option<Instant>,
    pub result: Option<&'static str>,
    /// `POST /runtime/init/error`: the process failed to start.
    pub init_error: bool,
}

#[derive(Default)]
struct Inner {
    event: serde_json::Value,
    served: bool,
    seen: Seen,
}

#[derive(Clone, Default)]
pub struct Stub {
    inner: Arc<Mutex<Inner>>,
    done: Arc<Notify>,
}

impl Stub {
    /// Arms the stub for the next process: this event, nothing seen yet.
    pub fn arm(&self, event: serde_json::Value) {
        if let Ok(mut i) = self.inner.lock() {
            *i = Inner {
                event,
                ..Inner::default()
            };
        }
    }

    pub fn seen(&self) -> Seen {
        self.inner
            .lock()
            .map(|i| i.seen.clone())
            .unwrap_or_default()
    }

    /// Waits until the armed process posted a result or an init error.
    pub async fn finished(&self) {
        loop {
            let notified = self.done.notified();
            let s = self.seen();
            if s.result.is_some() || s.init_error {
                return;
            }
            notified.await;
        }
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(|s: State<Stub>| result(s, "response")),
            )
            .route(
                "/2018-06-01/runtime/invocation/{id}/error",
                post(|s: State<Stub>| result(s, "error")),
            )
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(self.clone())
    }
}

async fn next(State(stub): State<Stub>) -> Response {
    let now = Instant::now();
    let event = {
        let Ok(mut i) = stub.inner.lock() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        if i.served {
            None
        } else {
            i.served = true;
            i.seen.next_at = Some(now);
            Some(i.event.clone())
        }
    };
    // One event per process: later polls wait until the process is stopped.
    let Some(event) = event else {
        std::future::pending::<()>().await;
        return StatusCode::NO_CONTENT.into_response();
    };
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() + 30_000)
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    let pairs = [
        (
            "lambda-runtime-aws-request-id",
            "cold-start-0001".to_string(),
        ),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:000000000000:function:cold-start".to_string(),
        ),
        (
            "lambda-runtime-trace-id",
            "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"
                .to_string(),
        ),
        ("content-type", "application/json".to_string()),
    ];
    for (k, v) in pairs {
        if let Ok(v) = HeaderValue::from_str(&v) {
            headers.insert(k, v);
        }
    }
    (headers, event.to_string()).into_response()
}

async fn result(State(stub): State<Stub>, kind: &'static str) -> StatusCode {
    let now = Instant::now();
    if let Ok(mut i) = stub.inner.lock() {
        if i.seen.result.is_none() {
            i.seen.result_at = Some(now);
            i.seen.result = Some(kind);
        }
    }
    stub.done.notify_waiters();
    StatusCode::ACCEPTED
}

async fn init_error(State(stub): State<Stub>) -> StatusCode {
    if let Ok(mut i) = stub.inner.lock() {
        i.seen.init_error = true;
    }
    stub.done.notify_waiters();
    StatusCode::ACCEPTED
}
