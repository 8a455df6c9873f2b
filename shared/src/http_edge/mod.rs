//! The one HTTP edge of every API Gateway v2 (HTTP API) function: [`HttpRequest`] decodes an
//! event once (base64 bodies, size limit, query, headers, cookies), [`response`] writes the
//! answer, and [`Routes`] matches `{param}` path templates with `matchit`, answering a known
//! path with another method as a 405 that names the allowed methods.
//!
//! Each function crate maps [`EdgeError`] and [`Miss`] onto its own error type and adds what
//! only it needs (JSON bodies for the API, forms and HTML for the console, provider
//! signatures for the SMS webhooks).

mod request;
mod response;
mod routes;

pub use request::{EdgeError, HttpRequest};
pub use response::{body_text, response, text};
pub use routes::{Miss, Routes};
