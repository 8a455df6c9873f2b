//! A loopback proxy in front of moto that fails a seeded share of the SDK's calls the way
//! AWS fails them: DynamoDB `ProvisionedThroughputExceededException`, `ThrottlingException`
//! and `InternalServerError` (half of the 500s after moto applied the request, as a lost
//! response), SNS `Throttling` and SESv2 `TooManyRequestsException`. Only signed requests
//! (the SDK's) are touched; the outbox reads pass through. `set_kms_down` fails every KMS
//! call (`KMSInternalException`, a 500) regardless of the dice: a KMS outage.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The AWS service a signed request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    DynamoDb,
    Sns,
    Ses,
    Other,
}

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    DynamoThroughput,
    DynamoThrottling,
    /// 500 before moto saw the request.
    Dynamo500,
    /// moto applied it, the caller gets a 500 (the outcome is unknown to it).
    Dynamo500Applied,
    SnsThrottling,
    SesTooManyRequests,
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::DynamoThroughput => "dynamodb ProvisionedThroughputExceededException",
            Fault::DynamoThrottling => "dynamodb ThrottlingException",
            Fault::Dynamo500 => "dynamodb 500 (not applied)",
            Fault::Dynamo500Applied => "dynamodb 500 (applied, response lost)",
            Fault::SnsThrottling => "sns Throttling",
            Fault::SesTooManyRequests => "sesv2 TooManyRequestsException",
        }
    }

    fn answer(self) -> Response {
        let dynamo = |status: StatusCode, kind: &str, message: &str| {
            let body = format!(r#"{{"__type":"{kind}","message":"{message}"}}"#);
            with_type(status, "application/x-amz-json-1.0", body)
        };
        match self {
            Fault::DynamoThroughput => dynamo(
                StatusCode::BAD_REQUEST,
                "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded.",
            ),
            Fault::DynamoThrottling => dynamo(
                StatusCode::BAD_REQUEST,
                "com.amazon.coral.availability#ThrottlingException",
                "Rate of requests exceeds the allowed throughput.",
            ),
            Fault::Dynamo500 | Fault::Dynamo500Applied => dynamo(
                StatusCode::INTERNAL_SERVER_ERROR,
                "com.amazonaws.dynamodb.v20120810#InternalServerError",
                "Internal server error",
            ),
            Fault::SnsThrottling => with_type(
                StatusCode::BAD_REQUEST,
                "text/xml",
                "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>".into(),
            ),
            Fault::SesTooManyRequests => {
                let mut r = with_type(
                    StatusCode::TOO_MANY_REQUESTS,
                    "application/json",
                    r#"{"message":"Maximum sending rate exceeded."}"#.into(),
                );
                r.headers_mut().insert(
                    "x-amzn-errortype",
                    HeaderValue::from_static("TooManyRequestsException"),
                );
                r
            }
        }
    }
}

fn with_type(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static(content_type));
    r
}

struct Inner {
    upstream: String,
    http: reqwest::Client,
    enabled: AtomicBool,
    kms_down: AtomicBool,
    rate: f64,
    rng: Mutex<StdRng>,
    injected: Mutex<BTreeMap<&'static str, u64>>,
    calls: Mutex<BTreeMap<&'static str, u64>>,
}

/// The running proxy. `endpoint` stands in for moto's.
#[derive(Clone)]
pub struct FaultProxy {
    pub endpoint: String,
    inner: Arc<Inner>,
}

impl FaultProxy {
    /// Serves on 127.0.0.1:<free port>, forwarding to `upstream`; faults start disabled.
    pub async fn start(upstream: &str, rate: f64, seed: u64) -> FaultProxy {
        let inner = Arc::new(Inner {
            upstream: upstream.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
            enabled: AtomicBool::new(false),
            kms_down: AtomicBool::new(false),
            rate,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            injected: Mutex::default(),
            calls: Mutex::default(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("free port");
        let addr = listener.local_addr().expect("bound address");
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FaultProxy {
            endpoint: format!("http://{addr}"),
            inner,
        }
    }

    pub fn set_enabled(&self, on: bool) {
        self.inner.enabled.store(on, Ordering::SeqCst);
    }

    /// While on, every KMS call fails as during a KMS outage.
    pub fn set_kms_down(&self, on: bool) {
        self.inner.kms_down.store(on, Ordering::SeqCst);
    }

    /// The faults injected so far, by kind.
    pub fn injected(&self) -> BTreeMap<&'static str, u64> {
        self.inner
            .injected
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// The SDK calls seen while faults were on, by service.
    pub fn calls(&self) -> BTreeMap<&'static str, u64> {
        self.inner
            .calls
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }
}

fn service(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Service {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if target.starts_with("DynamoDB_") {
        Service::DynamoDb
    } else if uri.path().starts_with("/v2/email") {
        Service::Ses
    } else if uri.path() == "/" && body.starts_with(b"Action=") {
        Service::Sns
    } else {
        Service::Other
    }
}

impl Inner {
    /// The fault for this call, if the dice say so (one draw per signed call).
    fn draw(&self, service: Service) -> Option<Fault> {
        let name = match service {
            Service::DynamoDb => "dynamodb",
            Service::Sns => "sns",
            Service::Ses => "sesv2",
            Service::Other => return None,
        };
        if let Ok(mut c) = self.calls.lock() {
            *c.entry(name).or_default() += 1;
        }
        let mut rng = self.rng.lock().ok()?;
        if !rng.random_bool(self.rate) {
            return None;
        }
        let fault = match service {
            Service::DynamoDb => match rng.random_range(0..4) {
                0 => Fault::DynamoThroughput,
                1 => Fault::DynamoThrottling,
                2 => Fault::Dynamo500,
                _ => Fault::Dynamo500Applied,
            },
            Service::Sns => Fault::SnsThrottling,
            Service::Ses => Fault::SesTooManyRequests,
            Service::Other => return None,
        };
        drop(rng);
        if let Ok(mut m) = self.injected.lock() {
            *m.entry(fault.name()).or_default() += 1;
        }
        Some(fault)
    }
}

async fn forward(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signed = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256"));
    let kms = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("TrentService."));
    if signed && kms && inner.kms_down.load(Ordering::SeqCst) {
        return with_type(
            StatusCode::INTERNAL_SERVER_ERROR,
            "application/x-amz-json-1.1",
            r#"{"__type":"KMSInternalException","message":"KMS is unavailable (fault proxy)"}"#
                .into(),
        );
    }
    let fault = if signed && inner.enabled.load(Ordering::SeqCst) {
        inner.draw(service(&uri, &headers, &body))
    } else {
        None
    };
    if let Some(f) = fault.filter(|f| *f != Fault::Dynamo500Applied) {
        return f.answer();
    }
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut req = inner
        .http
        .request(method, format!("{}{}", inner.upstream, path));
    for (name, value) in &headers {
        if !matches!(name.as_str(), "host" | "content-length" | "connection") {
            req = req.header(name, value);
        }
    }
    let upstream = match req.body(body).send().await {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    if let Some(f) = fault {
        let _ = upstream.bytes().await;
        return f.answer();
    }
    let status = upstream.status();
    let mut out_headers = HeaderMap::new();
    for (name, value) in upstream.headers() {
        if !matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            out_headers.append(name.clone(), value.clone());
        }
    }
    let bytes = upstream.bytes().await.unwrap_or_default();
    let mut r = (status, bytes).into_response();
    r.headers_mut().extend(out_headers);
    r
}
