//! A local fake of the Twilio, Telnyx and Vonage SMS REST APIs, for `make run` and tests.
//!
//! - `POST /2010-04-01/Accounts/{sid}/Messages.json` (Twilio: form, Basic auth),
//!   `POST /v2/messages` (Telnyx: JSON, Bearer), `POST /sms/json` (Vonage SMS API: form,
//!   `api_key`/`api_secret`). Credentials are checked against the accounts it was given;
//!   wrong ones get the provider's real answer (Twilio 401 code 20003, Telnyx 401 code
//!   10009, Vonage 200 with status "4" "Bad Credentials", as the SMS API does).
//! - The number lists (Twilio `IncomingPhoneNumbers.json`, Telnyx `GET /v2/phone_numbers`,
//!   Vonage `GET /account/numbers`) answer from [`Accounts::numbers`]; with
//!   [`Accounts::fictional_numbers`] (the demo) every account holds every fictional number
//!   (`+1 NPA 555-XXXX`).
//! - Every request is recorded: `GET /_fake/requests` (and [`FakeProviders::requests`]).
//! - Delivery status callbacks to the URL each message names (`callbacks`): automatic
//!   `delivered` reports, or `POST /_fake/status {"message_id","status","error_code"}`.
//! - `POST /_fake/throttle {"provider","times","retry_after"}` answers the next `times`
//!   requests 429 with `Retry-After`; `POST /_fake/fail {"provider","times","status","code"}`
//!   answers them with that provider error, in the provider's error body.
//!   `POST /_fake/fault_rate {"rate","seed"}` fails that share of sends at random
//!   (seeded: half 429, half 500/502/503), after the queued faults.

mod answers;
mod callbacks;
mod error;
mod numbers;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

pub use callbacks::{
    demo_telnyx_public_key, DEMO_TELNYX_SIGNING_SEED, DEMO_VONAGE_SIGNATURE_SECRET,
};
pub use error::FakeError;
use state::Shared;
pub use state::{
    Accounts, Fault, Provider, Recorded, DEMO_TELNYX_KEY, DEMO_TWILIO_SID, DEMO_TWILIO_TOKEN,
    DEMO_VONAGE_KEY, DEMO_VONAGE_SECRET,
};

/// A running fake. Dropping it leaves the server running until the runtime ends.
#[derive(Clone)]
pub struct FakeProviders {
    addr: SocketAddr,
    state: Shared,
}

/// The router, for serving in-process (the local gateway mounts it on its own port).
pub fn router(accounts: Accounts) -> (Router, FakeHandle) {
    let state = Shared::new(accounts);
    (routes(state.clone()), FakeHandle { state })
}

/// Control of a fake served by [`router`].
#[derive(Clone)]
pub struct FakeHandle {
    state: Shared,
}

impl FakeHandle {
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests()
    }
}

fn routes(state: Shared) -> Router {
    Router::new()
        .route(
            "/2010-04-01/Accounts/{sid}/Messages.json",
            post(answers::twilio),
        )
        .route(
            "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
            get(numbers::twilio),
        )
        .route("/v2/messages", post(answers::telnyx))
        .route("/v2/phone_numbers", get(numbers::telnyx))
        .route("/account/numbers", get(numbers::vonage))
        .route("/sms/json", post(answers::vonage))
        .route("/_fake/requests", get(answers::requests))
        .route("/_fake/throttle", post(answers::throttle))
        .route("/_fake/fault_rate", post(answers::fault_rate))
        .route("/_fake/fail", post(answers::fail))
        .route("/_fake/status", post(answers::status))
        .route("/_fake/auto_status", post(answers::auto_status))
        .with_state(Arc::new(state))
}

impl FakeProviders {
    /// Serves on `127.0.0.1` on a free port.
    pub async fn start(accounts: Accounts) -> Result<Self, FakeError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| FakeError::Io(e.to_string()))?;
        Self::serve(listener, accounts).await
    }

    /// Serves on a bound listener.
    pub async fn serve(
        listener: tokio::net::TcpListener,
        accounts: Accounts,
    ) -> Result<Self, FakeError> {
        let addr = listener
            .local_addr()
            .map_err(|e| FakeError::Io(e.to_string()))?;
        let state = Shared::new(accounts);
        let app = routes(state.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "fake providers stopped");
            }
        });
        Ok(Self { addr, state })
    }

    /// The base URL of all three APIs (`TWILIO_API_URL`, `TELNYX_API_URL`, `VONAGE_API_URL`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests()
    }

    /// Requests to one provider.
    pub fn requests_to(&self, provider: Provider) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.provider == provider)
            .collect()
    }

    /// Sends a status report for an accepted message (see the `callbacks` module): the HTTP status
    /// the service answered.
    pub async fn report_status(
        &self,
        message_id: &str,
        status: &str,
        error_code: Option<&str>,
    ) -> Result<u16, String> {
        callbacks::send(&self.state, message_id, status, error_code).await
    }

    /// Turns the automatic `delivered` reports on or off.
    pub fn set_auto_status(&self, enabled: bool) {
        self.state.set_auto_status(enabled);
    }

    /// Answers the next `times` requests to `provider` with `fault`.
    pub fn inject(&self, provider: Provider, times: u32, fault: Fault) {
        self.state.inject(provider, times, fault);
    }
}
