//! Wiring the functions to the local AWS stack (moto), exactly as their `main.rs` wires
//! them to AWS, but in-process.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use frontdesk::aws::Clients;
use frontdesk::config::Config;
use frontdesk::ports::Store;
use frontdesk::sweep::Deps as SweepDeps;
use lambda_runtime::{Context, LambdaEvent};
use local_stack::Moto;

use crate::{Gateway, GatewayError, HttpFunction, ScheduledFunction, Template};

/// The table `make run` uses.
pub const LOCAL_TABLE: &str = "frontdesk-local";

/// Wraps a scheduled function as Lambda invokes it: `handle` with an EventBridge
/// scheduled event whose `time` is the moment fired, so a failed invocation fails here too.
macro_rules! scheduled {
    ($krate:ident, $deps:expr) => {{
        let deps = $deps;
        let f: ScheduledFunction = Arc::new(move |now| {
            let deps = deps.clone();
            Box::pin(async move {
                let event = LambdaEvent::new(eventbridge_event(now), Context::default());
                $krate::handle(&deps, event)
                    .await
                    .map_err(|d| format!("{}: {}", d.error_type, d.error_message))
            })
        });
        f
    }};
}

/// The EventBridge Scheduler event a schedule of template.yaml delivers at `time`.
pub fn eventbridge_event(time: DateTime<Utc>) -> serde_json::Value {
    serde_json::json!({
        "version": "0",
        "id": format!("local-{}", time.timestamp_millis()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "000000000000",
        "time": time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": local_stack::REGION,
        "resources": [],
        "detail": {}
    })
}

/// Creates the table from template.yaml (if missing) and wires every function with its
/// own `wire`, exactly as its `main.rs` does, over moto's clients.
pub async fn build(
    moto: Moto,
    table: &str,
    operator_secret: &str,
) -> Result<Gateway, GatewayError> {
    let public_base_url = std::env::var(frontdesk::config::PUBLIC_BASE_URL_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty());
    build_at(moto, table, operator_secret, public_base_url).await
}

/// The Practice API's per-practice limit locally: none unless `PRACTICE_RATE_LIMIT` is set
/// (`PRACTICE_RATE_LIMIT=20/40 make run` behaves as deployed).
fn local_rate_limit(table: &str) -> Result<Option<frontdesk::rate_limit::Limit>, GatewayError> {
    use frontdesk::config::{PRACTICE_RATE_LIMIT_ENV, TABLE_NAME_ENV};
    let Some(value) = std::env::var(PRACTICE_RATE_LIMIT_ENV).ok() else {
        return Ok(None);
    };
    let config = Config::from_lookup(|name| match name {
        TABLE_NAME_ENV => Some(table.to_string()),
        PRACTICE_RATE_LIMIT_ENV => Some(value.clone()),
        _ => None,
    })
    .map_err(config_error)?;
    Ok(config.practice_rate_limit)
}

/// [`build`], with the URL providers call back (`PUBLIC_BASE_URL`): the status callback
/// URL outbound SMS name, and the URL Twilio signs. `make run` passes the gateway's own.
pub async fn build_at(
    moto: Moto,
    table: &str,
    operator_secret: &str,
    public_base_url: Option<String>,
) -> Result<Gateway, GatewayError> {
    build_with(
        moto,
        table,
        operator_secret,
        public_base_url,
        Sweeps::Direct,
    )
    .await
}

/// How the local gateway runs reminders, no-shows and review-requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweeps {
    /// One in-process invocation sweeps everything (what the e2e suite replays).
    Direct,
    /// As deployed: the scheduled invocation coordinates onto an SQS queue in moto, and
    /// the gateway drains the queue into the worker in-process (`make run`).
    FanOut,
}

/// The queue `make run`'s coordinators fill in moto.
pub const LOCAL_SWEEP_QUEUE: &str = "frontdesk-local-sweep-work";

/// [`build_at`], choosing how the sweeps run.
pub async fn build_with(
    moto: Moto,
    table: &str,
    operator_secret: &str,
    public_base_url: Option<String>,
    sweeps: Sweeps,
) -> Result<Gateway, GatewayError> {
    let template_path = local_stack::template_path();
    let template = Template::load(&template_path)?;
    let clients = Clients::new(&moto.sdk_config());
    local_stack::create_table_from_template(&clients.dynamodb, &template_path, table).await?;
    let (provider_urls, fake_providers) = crate::providers::local_providers().await?;
    // Per-practice secrets are sealed as deployed, under a KMS key in moto.
    let secrets_key = local_stack::secrets_key(&moto.sdk_config()).await?;
    let mut config = Config::local(table)
        .with_secrets_key(secrets_key)
        .with_operator_secret(operator_secret)
        .with_provider_urls(provider_urls)
        .with_email_links(local_email_links()?)
        .with_practice_rate_limit(local_rate_limit(table)?);
    config.public_base_url = public_base_url;
    let dynamo = Arc::new(clients.store(&config));
    let store: Arc<dyn Store> = dynamo.clone();

    let senders = clients.senders(&config, store.clone());
    let mut api_deps = practice_api::wire(&config, &clients).map_err(config_error)?;
    api_deps.store = store.clone();
    api_deps.senders = senders.clone();
    // Local receivers listen on 127.0.0.1 over http; deployed, webhooks are https only.
    api_deps.webhook_loopback = true;
    let practice_api_fn: HttpFunction = Arc::new(move |event| {
        let deps = api_deps.clone();
        Box::pin(async move { practice_api::respond(&deps, event).await })
    });

    let mut inbound_deps = inbound_sms::wire(&config, &clients).map_err(config_error)?;
    inbound_deps.store = store.clone();
    inbound_deps.senders = senders.clone();
    let inbound_http = inbound_deps.clone();
    let inbound_fn: HttpFunction = Arc::new(move |event| {
        let deps = inbound_http.clone();
        Box::pin(async move { inbound_sms::respond(&deps, event).await })
    });

    let console_deps =
        staff_console::from_parts(store.clone(), senders.clone(), clients.owners(&config));
    let console_fn: HttpFunction = Arc::new(move |event| {
        let deps = console_deps.clone();
        Box::pin(async move { staff_console::respond(&deps, event).await })
    });

    let mut http = HashMap::new();
    http.insert("PracticeApiFunction".to_string(), practice_api_fn);
    http.insert("StaffConsoleFunction".to_string(), console_fn);
    http.insert("InboundSmsFunction".to_string(), inbound_fn);

    // One store (and its request counter) for every function, as they share the table.
    let sweep_deps = SweepDeps::new(store.clone(), senders.clone());
    let mut scheduled = HashMap::new();
    scheduled.insert(
        "reminders".to_string(),
        scheduled!(reminders, sweep_deps.clone()),
    );
    scheduled.insert(
        "no-shows".to_string(),
        scheduled!(no_shows, sweep_deps.clone()),
    );
    let (replies_store, replies_senders) = (store.clone(), senders.clone());
    let staff_replies: ScheduledFunction = Arc::new(move |now| {
        let (store, senders) = (replies_store.clone(), replies_senders.clone());
        Box::pin(async move {
            frontdesk::staff_replies::send_due(store.as_ref(), &senders, now)
                .await
                .map_err(|e| e.to_string())
                .and_then(|report| serde_json::to_value(report).map_err(|e| e.to_string()))
        })
    });
    scheduled.insert("staff-replies".to_string(), staff_replies);
    let answer_deps = sweep_deps.clone();
    let answer_sla: ScheduledFunction = Arc::new(move |now| {
        let deps = answer_deps.clone();
        Box::pin(async move {
            let event = LambdaEvent::new(eventbridge_event(now), Context::default());
            practice_api::answer_sla::handle(&deps, event)
                .await
                .map_err(|d| format!("{}: {}", d.error_type, d.error_message))
        })
    });
    scheduled.insert("answer-sla".to_string(), answer_sla);
    // The webhooks job: the outbox delivered, signed, to the practices' receivers.
    let webhook_http = Arc::new(
        // Local receivers are on 127.0.0.1: loopback admitted, everything internal else refused.
        frontdesk::webhooks::deliver::HttpTransport::new(
            frontdesk::webhooks::target::TargetPolicy::with_loopback(),
        )
        .map_err(config_error)?,
    );
    let webhook_store = store.clone();
    let webhooks: ScheduledFunction = Arc::new(move |now| {
        let (store, http) = (webhook_store.clone(), webhook_http.clone());
        Box::pin(async move {
            let run = frontdesk::webhooks::deliver::Run::at(now);
            frontdesk::webhooks::deliver::deliver_due(store.as_ref(), http.as_ref(), &run)
                .await
                .map_err(|e| e.to_string())
                .and_then(|report| serde_json::to_value(report).map_err(|e| e.to_string()))
        })
    });
    scheduled.insert("webhooks".to_string(), webhooks);
    scheduled.insert(
        "outreach".to_string(),
        scheduled!(outreach, sweep_deps.clone()),
    );
    scheduled.insert(
        "review-requests".to_string(),
        scheduled!(review_requests, sweep_deps.clone()),
    );
    if sweeps == Sweeps::FanOut {
        let queue = crate::fanout::local_queue(&clients, LOCAL_SWEEP_QUEUE).await?;
        crate::fanout::wire(&mut scheduled, sweep_deps, queue);
    }

    let sdk = moto.sdk_config();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    crate::ses_inbound::create_bucket(&s3)
        .await
        .map_err(GatewayError::Config)?;
    let mut email_deps = inbound_email::wire(&config, &clients).map_err(config_error)?;
    email_deps.store = store.clone();
    email_deps.senders = senders.clone();
    let inbound_email = crate::ses_inbound::InboundEmail {
        deps: email_deps,
        mail: Arc::new(inbound_email::S3Mail {
            client: s3,
            bucket: crate::ses_inbound::LOCAL_BUCKET.into(),
            prefix: inbound_email::OBJECT_PREFIX.into(),
        }),
    };

    Ok(Gateway {
        template,
        http,
        scheduled,
        inbound_email: Some(inbound_email),
        inbound_sns: Some(inbound_deps),
        delivery_events: Some(delivery_events::Deps {
            store: store.clone(),
            clock: Arc::new(frontdesk::ports::SystemClock),
        }),
        moto: Some(moto),
        store: Some(dynamo),
        fake_providers,
    })
}

/// The secret local unsubscribe links are signed with (local only).
const LOCAL_UNSUBSCRIBE_SECRET: &str = "local-unsubscribe-secret-not-for-production-use";

/// Reply-To `reply+<practice>@mail.frontdesk.test`; unsubscribe links at
/// `EMAIL_LINK_BASE_URL`, else `http://127.0.0.1:$FRONTDESK_PORT` (3000).
fn local_email_links() -> Result<frontdesk::email_links::EmailLinks, GatewayError> {
    let base = std::env::var(frontdesk::config::EMAIL_LINK_BASE_URL_ENV).unwrap_or_else(|_| {
        let port = std::env::var("FRONTDESK_PORT").unwrap_or_else(|_| "3000".into());
        format!("http://127.0.0.1:{port}")
    });
    frontdesk::email_links::EmailLinks::new(
        LOCAL_UNSUBSCRIBE_SECRET,
        &base,
        crate::ses_inbound::LOCAL_DOMAIN,
    )
    .map_err(config_error)
}

fn config_error(e: frontdesk::Error) -> GatewayError {
    GatewayError::Config(e.to_string())
}

/// Onboards the demo practice through the real practice-api handler and returns
/// `{practice_id, api_key}`. Its sender is verified in moto so email sends work.
pub async fn seed_demo(
    gw: &Gateway,
    operator_secret: &str,
) -> Result<serde_json::Value, GatewayError> {
    let Some(f) = gw.http.get("PracticeApiFunction") else {
        return Err(GatewayError::Seed("practice-api is not wired".into()));
    };
    let route = crate::routes::HttpRoute {
        function: "PracticeApiFunction".into(),
        method: "POST".into(),
        path: "/v1/practices".into(),
    };
    let mut headers = http::HeaderMap::new();
    let auth = http::HeaderValue::from_str(&format!("Bearer {operator_secret}"))
        .map_err(|_| GatewayError::Config("OPERATOR_SECRET must be printable ASCII".into()))?;
    headers.insert("authorization", auth);
    headers.insert(
        "content-type",
        http::HeaderValue::from_static("application/json"),
    );
    let body = serde_json::json!({
        "name": "Demo Dental",
        "time_zone": "America/Chicago",
        "sms_number": "+13125550100",
        "email_from": "frontdesk@demo-dental.example.com",
        "callback_phone": "+13125550101",
        "review_url": "https://g.page/r/demo-dental/review",
        "feedback_url": "https://demo-dental.example.com/feedback",
        "on_call": {"phone": "+13125550102"}
    });
    let event = crate::apigw::to_event(
        &route,
        HashMap::new(),
        &http::Method::POST,
        "/v1/practices",
        "",
        &headers,
        body.to_string().as_bytes(),
    )
    .map_err(|e| GatewayError::Seed(e.to_string()))?;
    let resp = f(event).await;
    let text = match resp.body {
        Some(aws_lambda_events::encodings::Body::Text(t)) => t,
        _ => String::new(),
    };
    if resp.status_code != 201 {
        return Err(GatewayError::Seed(format!(
            "status {}: {text}",
            resp.status_code
        )));
    }
    if let Some(moto) = &gw.moto {
        local_stack::verify_sender(&moto.sdk_config(), "frontdesk@demo-dental.example.com").await?;
    }
    serde_json::from_str(&text).map_err(|e| GatewayError::Seed(e.to_string()))
}
