//! Frontdesk core library: domain types, the channel policy, ports, and AWS adapters.
//!
//! - [`domain`]: validated newtypes and entities.
//! - [`policy`]: pure decision functions (routing, keywords, quiet hours, caps, templates).
//! - [`ports`]: traits the handlers depend on.
//! - [`arrival`]: a late arrival after a no-show (pure).
//! - [`dynamo`], [`sns`], [`ses`]: adapters over the real AWS SDK clients; [`aws::Clients`]
//!   and [`config::Config`] build them for each function's `wire`.
//! - `testing` (feature): in-memory fakes of every port.

pub mod arrival;
pub mod aws;
pub mod backfill;
pub mod birthdays;
pub mod channel_healing;
pub mod channel_health;
pub mod config;
pub mod deliver;
pub mod delivery_status;
pub mod domain;
pub mod dynamo;
pub mod email_links;
pub mod envelope;
mod error;
pub mod http_edge;
pub mod invocation;
pub mod keys;
pub mod planning;
pub mod policy;
pub mod ports;
pub mod providers;
pub mod rate_limit;
pub mod recall;
pub mod reply_intents;
pub mod secrets;
pub mod sender_guard;
pub mod ses;
pub mod ses_identities;
pub mod sns;
pub mod sqs;
pub mod stable_hash;
pub mod staff_replies;
pub mod staff_signin;
pub mod sweep;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod time;
pub mod waitlist;
pub mod webhooks;

pub use error::{Error, Result};
