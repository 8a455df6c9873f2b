//! Outbound SMS through the provider that owns the practice's number.
//!
//! The practice's `sms_provider.provider` (`aws` when unset) decides the path of every SMS
//! it sends: [`ProviderSms`] reads the practice (one GetItem per SMS) and hands the
//! message to SNS or to the Twilio, Telnyx or Vonage REST adapter with the practice's own
//! credentials. `Clients::senders` returns it, so every function sends this way.
//!
//! Each adapter's answer is read by a pure `verdict` function ([`policy::Verdict`]):
//! 429/5xx (and the provider's documented throttling codes) are retried within a bounded,
//! jittered [`policy::RetryPolicy`] honouring `Retry-After`; documented permanent codes
//! are `Error::SendRejected("<provider>:<reason> (code N, HTTP S)")`, never retried and
//! never sent another way.

pub mod http;
pub mod numbers;
pub mod policy;
mod route;
pub mod telnyx;
pub mod twilio;
pub mod vonage;

pub use numbers::ProviderNumberApi;
pub use policy::{Permanent, RetryPolicy, Verdict};
pub use route::{status_callback_url, ProviderSms, Route};
