//! Frontdesk core library: domain types, the channel policy, ports, and AWS adapters.
//!
//! - [`domain`]: validated newtypes and entities.
//! - [`policy`]: pure decision functions (routing, keywords, quiet hours, caps, templates).
//! - [`ports`]: traits the handlers depend on.
//! - [`dynamo`], [`sns`], [`ses`]: adapters over the real AWS SDK clients.
//! - `testing` (feature): in-memory fakes of every port.

pub mod aws;
pub mod deliver;
pub mod domain;
pub mod dynamo;
mod error;
pub mod keys;
pub mod planning;
pub mod policy;
pub mod ports;
pub mod ses;
pub mod sns;
pub mod staff_replies;
pub mod sweep;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::{Error, Result};
