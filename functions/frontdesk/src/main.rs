//! The multi-call binary: every function's runtime loop in one executable, built and
//! linked once. The function comes from `FRONTDESK_FUNCTION` (template.yaml sets it),
//! else from the handler name (`_HANDLER`, unless it is the default `bootstrap`), else
//! from the name the binary was started under (a symlink named after the function).
//! Each arm runs exactly what that function's own `main.rs` runs.

// The router's future nests every route's; computing its layout needs more than the default depth.
#![recursion_limit = "256"]

use lambda_runtime::Error;

/// The variable naming the function to run.
const FUNCTION_ENV: &str = "FRONTDESK_FUNCTION";

const FUNCTIONS: &[&str] = &[
    "practice-api",
    "staff-console",
    "inbound-sms",
    "inbound-email",
    "delivery-events",
    "reminders",
    "no-shows",
    "review-requests",
    "answer-sla",
    "staff-replies",
    "webhooks",
    "outreach",
    "sweep-worker",
];

fn chosen() -> Option<String> {
    let set = |v: Result<String, _>| v.ok().filter(|s: &String| !s.trim().is_empty());
    set(std::env::var(FUNCTION_ENV))
        .or_else(|| set(std::env::var("_HANDLER")).filter(|h| h != "bootstrap"))
        .or_else(|| {
            let argv0 = std::env::args().next()?;
            let name = std::path::Path::new(&argv0)
                .file_name()?
                .to_str()?
                .to_string();
            FUNCTIONS.contains(&name.as_str()).then_some(name)
        })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    match chosen().as_deref() {
        Some("practice-api") => practice_api::serve().await,
        Some("staff-console") => staff_console::serve().await,
        Some("inbound-sms") => inbound_sms::serve().await,
        Some("inbound-email") => inbound_email::serve().await,
        Some("delivery-events") => delivery_events::serve().await,
        Some("reminders") => frontdesk::sweep::serve::<reminders::Reminders>().await,
        Some("no-shows") => frontdesk::sweep::serve::<no_shows::NoShows>().await,
        Some("review-requests") => {
            frontdesk::sweep::serve::<review_requests::ReviewRequests>().await
        }
        Some("answer-sla") => practice_api::serve::answer_sla().await,
        Some("staff-replies") => practice_api::serve::staff_replies().await,
        Some("webhooks") => practice_api::serve::webhooks().await,
        Some("outreach") => outreach::serve().await,
        // Every fanned-out sweep's work units, dispatched by the unit's sweep.
        Some("sweep-worker") => {
            frontdesk::sweep::serve_worker(|w| {
                w.with::<reminders::Reminders>()
                    .with::<no_shows::NoShows>()
                    .with::<review_requests::ReviewRequests>()
            })
            .await
        }
        other => Err(format!(
            "unknown function {other:?}: set {FUNCTION_ENV} to one of {}",
            FUNCTIONS.join(", ")
        )
        .into()),
    }
}
