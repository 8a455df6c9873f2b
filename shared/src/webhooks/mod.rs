//! Outbound webhooks to the practice's systems (a PMS), signed per the Standard Webhooks
//! specification (<https://www.standardwebhooks.com>).
//!
//! - [`endpoint`]: a subscription (`WEBHOOK#<id>` under the practice): an https URL, the
//!   event types it wants, its `whsec_` secret (shown once at creation) and its state.
//! - [`event`]: the outbox item (`WHEVT#<event id>`): written in the SAME transaction as the
//!   change that causes it ([`derive::with_events`]), so a committed change always has its
//!   event, and a change that did not commit has none.
//! - [`signature`]: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64
//!   HMAC-SHA256 of "id.timestamp.body">`, and the verification a receiver does.
//! - [`backoff`]: the retry schedule (exponential with jitter, for up to 24 hours).
//! - [`deliver`]: the `webhooks` job that drains the outbox.
//! - [`target`]: where a webhook may go (public addresses only, checked at connect time).

pub mod backoff;
pub mod deliver;
pub mod derive;
pub mod endpoint;
pub mod event;
pub mod signature;
pub mod target;
pub mod transport;

pub use derive::with_events;
pub use endpoint::{
    check_url, EndpointState, WebhookEndpoint, WebhookSecret, MAX_ENDPOINTS, ROTATION_OVERLAP,
};
pub use event::{Delivery, EventType, OutboxEvent};
