//! The one test kit: everything tests of more than one crate need, in one place.
//!
//! - [`time`]: `utc("…")`, `hours(n)`.
//! - [`fixtures`]: a practice, patients and appointments built through one constructor each.
//! - [`spy`]: [`SpyStore`], the in-memory store with every write recorded, raced or hooked.
//! - [`signers`]: each SMS provider's webhook signing, written from its documentation (so
//!   tests check the algorithms instead of reusing the code under test), and event builders.
//! - [`api`]: the Practice API called in-process with real API Gateway v2 events.
//! - [`moto`]: a practice on moto (real DynamoDB, SNS and SES clients), seeded through the API.

pub mod api;
pub mod fixtures;
pub mod moto;
pub mod signers;
pub mod spy;
pub mod time;

pub use spy::{PassThrough, SpyStore, WriteHook};
pub use time::{hours, utc};
