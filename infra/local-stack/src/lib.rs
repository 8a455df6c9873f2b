//! Local AWS stand-in for development and tests: a moto server on loopback (DynamoDB, SNS
//! and SESv2 on one port), the table created from `template.yaml`'s own definition, and a
//! view of what was "sent". Local tooling only, never deployed.
//!
//! ```no_run
//! # async fn demo() -> Result<(), local_stack::Error> {
//! let moto = local_stack::Moto::shared().await?;
//! let table = moto.fresh_table().await?;
//! let dynamodb = aws_sdk_dynamodb::Client::new(&moto.sdk_config());
//! # let _ = (table, dynamodb);
//! # Ok(()) }
//! ```
//!
//! Environment:
//! - `FRONTDESK_MOTO_ENDPOINT`: reuse a running moto instead of starting one.
//! - `FRONTDESK_VENV`: the venv with `bin/moto_server` (default `<repo>/.venv`, made by `make venv`).
//! - `FRONTDESK_TEMPLATE`: the SAM template (default `<repo>/template.yaml`).

mod error;
mod moto;
mod outbox;
mod template;

pub use error::Error;
pub use moto::{venv_dir, Moto, ENDPOINT_ENV, MAX_ATTEMPTS_ENV, REGION, VENV_ENV};
pub use template::{create_table_from_template, delete_table, template_path, TEMPLATE_ENV};

pub(crate) use template::repo_root;

/// Makes an SES identity usable for sending in moto (SESv2 `CreateEmailIdentity`); moto
/// rejects SESv2 sends from unknown senders. Idempotent.
pub async fn verify_sender(config: &aws_config::SdkConfig, email: &str) -> Result<(), Error> {
    let client = aws_sdk_sesv2::Client::new(config);
    match client
        .create_email_identity()
        .email_identity(email)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_already_exists_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(Error::aws("CreateEmailIdentity", e)),
    }
}
