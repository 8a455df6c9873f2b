//! Local AWS stand-in for development and tests: a moto server on loopback (DynamoDB, SNS,
//! SESv2 and KMS on one port), the table created from `template.yaml`'s own definition, and a
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

/// The alias of the KMS key local runs seal per-practice secrets with (template.yaml's
/// `SecretsKeyAlias` is `alias/frontdesk-secrets-<stack>`).
pub const LOCAL_SECRETS_KEY_ALIAS: &str = "alias/frontdesk-local-secrets";

/// The KMS key in moto behind [`LOCAL_SECRETS_KEY_ALIAS`], created (with the alias) when
/// missing: its ARN, for `Config::with_secrets_key`. Idempotent, so a reused moto keeps
/// its key and what it sealed stays readable.
pub async fn secrets_key(config: &aws_config::SdkConfig) -> Result<String, Error> {
    let client = aws_sdk_kms::Client::new(config);
    match client
        .describe_key()
        .key_id(LOCAL_SECRETS_KEY_ALIAS)
        .send()
        .await
    {
        Ok(out) => {
            if let Some(arn) = out.key_metadata().and_then(|m| m.arn()) {
                return Ok(arn.to_string());
            }
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_not_found_exception()) => {}
        Err(e) => return Err(Error::aws("DescribeKey", e)),
    }
    let created = client
        .create_key()
        .description("Frontdesk local: seals per-practice secrets")
        .send()
        .await
        .map_err(|e| Error::aws("CreateKey", e))?;
    let meta = created.key_metadata().ok_or_else(|| Error::Aws {
        operation: "CreateKey",
        message: "moto returned no key metadata".into(),
    })?;
    match client
        .create_alias()
        .alias_name(LOCAL_SECRETS_KEY_ALIAS)
        .target_key_id(meta.key_id())
        .send()
        .await
    {
        Ok(_) => Ok(meta.arn().unwrap_or(meta.key_id()).to_string()),
        // Another caller (a parallel test) created it first: use theirs.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_already_exists_exception()) =>
        {
            client
                .describe_key()
                .key_id(LOCAL_SECRETS_KEY_ALIAS)
                .send()
                .await
                .map_err(|e| Error::aws("DescribeKey", e))?
                .key_metadata()
                .and_then(|m| m.arn())
                .map(str::to_string)
                .ok_or_else(|| Error::Aws {
                    operation: "DescribeKey",
                    message: "moto returned no key ARN".into(),
                })
        }
        Err(e) => Err(Error::aws("CreateAlias", e)),
    }
}

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
