//! `make run`: starts moto, creates the table, seeds a demo practice and serves the
//! HttpApi routes on http://127.0.0.1:$FRONTDESK_PORT. Local only; never deployed.

use std::sync::Arc;

use local_gateway::{router, stack, GatewayError};

fn port(var: &str, default: u16) -> Result<u16, GatewayError> {
    match std::env::var(var) {
        Err(_) => Ok(default),
        Ok(v) => v
            .parse()
            .map_err(|_| GatewayError::Config(format!("{var}={v:?} is not a port number"))),
    }
}

#[tokio::main]
async fn main() -> Result<(), GatewayError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,aws=warn,hyper=warn".into()),
        )
        .init();
    let http_port = port("FRONTDESK_PORT", 3000)?;
    let moto_port = port("MOTO_PORT", 5000)?;
    let operator =
        std::env::var("OPERATOR_SECRET").unwrap_or_else(|_| "local-operator-secret".into());

    let moto = local_stack::Moto::start(Some(moto_port)).await?;
    let moto_endpoint = moto.endpoint.clone();
    // Providers call back here (delivery status), unless PUBLIC_BASE_URL names a tunnel.
    let public_base_url = std::env::var(frontdesk::config::PUBLIC_BASE_URL_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| format!("http://127.0.0.1:{http_port}"));
    let gw = Arc::new(
        // The sweeps as deployed: coordinators enqueue work units on moto's SQS, the
        // gateway drains them into the worker in-process.
        stack::build_with(
            moto,
            stack::LOCAL_TABLE,
            &operator,
            Some(public_base_url),
            stack::Sweeps::FanOut,
        )
        .await?,
    );
    let demo = stack::seed_demo(&gw, &operator).await?;
    local_gateway::console_seed::seed_console_demo(&gw, &demo).await?;

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", http_port))
        .await
        .map_err(|e| {
            GatewayError::Serve(format!(
                "127.0.0.1:{http_port}: {e}; set FRONTDESK_PORT to a free port"
            ))
        })?;
    let base = format!("http://127.0.0.1:{http_port}");
    println!(
        "\nFrontdesk is running locally.\n  API:        {base}/v1/...\n  moto:       {moto_endpoint}\n  outbox:     {base}/_local/outbox\n  demo practice: {}\n  demo API key:  {}\n  console:       {base}/console/\n  console sign-in: {} / {}\n\nTry:\n  curl -s -H 'Authorization: Bearer {}' {base}/v1/practice\n",
        demo["practice_id"].as_str().unwrap_or("?"),
        demo["api_key"].as_str().unwrap_or("?"),
        local_gateway::console_seed::DEMO_ADMIN_EMAIL,
        local_gateway::console_seed::DEMO_ADMIN_PASSWORD,
        demo["api_key"].as_str().unwrap_or("?"),
    );
    match &gw.fake_providers {
        Some(fake) => println!(
            "  SMS providers (fake Twilio/Telnyx/Vonage): {}\n    twilio_account_sid={} twilio_auth_token={}\n    telnyx_api_key={} telnyx_public_key={}\n    vonage_api_key={} vonage_api_secret={} vonage_signature_secret={}\n    (delivery status callbacks come back to {base}/webhooks/sms-status/...)\n",
            fake.base_url(),
            fake_providers::DEMO_TWILIO_SID,
            fake_providers::DEMO_TWILIO_TOKEN,
            fake_providers::DEMO_TELNYX_KEY,
            fake_providers::demo_telnyx_public_key(),
            fake_providers::DEMO_VONAGE_KEY,
            fake_providers::DEMO_VONAGE_SECRET,
            fake_providers::DEMO_VONAGE_SIGNATURE_SECRET,
        ),
        None => println!("  SMS providers: TWILIO_API_URL / TELNYX_API_URL / VONAGE_API_URL\n"),
    }
    local_gateway::spawn_schedules(gw.clone());
    axum::serve(listener, router(gw))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| GatewayError::Serve(e.to_string()))
}
