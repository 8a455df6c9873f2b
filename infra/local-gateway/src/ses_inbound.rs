//! `POST /_local/ses/inbound`: what SES receiving does, locally. The body is a raw `.eml`;
//! it is stored in moto's S3 under the receipt rule's prefix (`inbound/<messageId>`), and
//! inbound-email is invoked with SES's notification for it. The verdicts are PASS unless a
//! query parameter says otherwise (`?spf=FAIL&dkim=FAIL`, also `spam`, `virus`, `dmarc`);
//! the recipient is `?to=` or else the message's first To/Cc address on the receiving domain.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use serde_json::json;

use crate::{local_error, Gateway};

/// The bucket the local stack keeps received mail in.
pub const LOCAL_BUCKET: &str = "frontdesk-inbound-email";
/// The receiving domain of the local stack (reply+<practice>@mail.frontdesk.test).
pub const LOCAL_DOMAIN: &str = "mail.frontdesk.test";

/// inbound-email, wired to moto's S3.
#[derive(Clone)]
pub struct InboundEmail {
    pub deps: inbound_email::Deps,
    pub mail: Arc<inbound_email::S3Mail>,
}

/// Creates the local bucket (idempotent).
pub async fn create_bucket(s3: &aws_sdk_s3::Client) -> Result<(), String> {
    match s3.create_bucket().bucket(LOCAL_BUCKET).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let text = aws_sdk_s3::error::DisplayErrorContext(&e).to_string();
            if text.contains("BucketAlreadyOwnedByYou") || text.contains("BucketAlreadyExists") {
                Ok(())
            } else {
                Err(format!("S3 CreateBucket {LOCAL_BUCKET}: {text}"))
            }
        }
    }
}

pub async fn deliver(
    State(gw): State<Arc<Gateway>>,
    Query(q): Query<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Response {
    let Some(inbound) = &gw.inbound_email else {
        return local_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "inbound-email is not served",
        );
    };
    if body.is_empty() {
        return local_error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the body must be a raw .eml message",
        );
    }
    let mut verdicts = [
        ("spam", "PASS"),
        ("virus", "PASS"),
        ("spf", "PASS"),
        ("dkim", "PASS"),
        ("dmarc", "PASS"),
    ];
    for (name, status) in verdicts.iter_mut() {
        if let Some(v) = q.get(*name) {
            match v.to_ascii_uppercase().as_str() {
                "PASS" => *status = "PASS",
                "FAIL" => *status = "FAIL",
                "GRAY" => *status = "GRAY",
                "PROCESSING_FAILED" => *status = "PROCESSING_FAILED",
                _ => {
                    return local_error(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        format!("{name} must be PASS, FAIL, GRAY or PROCESSING_FAILED"),
                    )
                }
            }
        }
    }
    let envelope = inbound_email::mime::envelope(&body);
    let recipients: Vec<String> = match q.get("to") {
        Some(to) => vec![to.clone()],
        None => envelope
            .recipients
            .iter()
            .filter(|r| {
                r.to_ascii_lowercase()
                    .ends_with(&format!("@{}", inbound.deps.domain))
            })
            .take(1)
            .cloned()
            .collect(),
    };
    if recipients.is_empty() {
        return local_error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!(
                "no recipient on {}: address the message to reply+<practice_id>@{} or pass ?to=",
                inbound.deps.domain, inbound.deps.domain
            ),
        );
    }
    let message_id = format!("local{}", ulid::Ulid::new().to_string().to_lowercase());
    let put = inbound
        .mail
        .client
        .put_object()
        .bucket(&inbound.mail.bucket)
        .key(format!("{}{message_id}", inbound.mail.prefix))
        .body(body.to_vec().into())
        .send()
        .await;
    if let Err(e) = put {
        return local_error(
            StatusCode::BAD_GATEWAY,
            "moto_unavailable",
            format!(
                "S3 PutObject: {}",
                aws_sdk_s3::error::DisplayErrorContext(&e)
            ),
        );
    }
    let source = envelope.from.unwrap_or_default();
    let event = inbound_email::receipt::notification(&message_id, &source, &recipients, verdicts);
    match inbound_email::handle_value(&inbound.deps, inbound.mail.as_ref(), &event).await {
        Ok(v) => Json(json!({"message_id": message_id, "result": v})).into_response(),
        Err(e) => local_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_processed",
            e.to_string(),
        ),
    }
}
