//! Inbound email: SES receives each email to `reply+<practice>[+<kind>]@<receiving domain>`,
//! stores its raw MIME in S3 and invokes this function. Every message is checked (SES's
//! spam, virus, SPF, DKIM and DMARC verdicts), read (`mime`), matched to a patient of that
//! practice by address, classified by the same engine as SMS, written once and answered by
//! email.
//!
//! - `receipt`: the notification, validated; `mime`: the message, parsed.
//! - `plan`: what to do (pure); `process`: doing it; `handler`: the Lambda entry point.

pub mod error;
pub mod handler;
pub mod mime;
pub mod plan;
pub mod process;
pub mod receipt;
pub mod serve;
pub use serve::serve;

use std::sync::Arc;

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use frontdesk::ports::SystemClock;

pub use error::EmailError;
pub use handler::{handle, handle_value, RawMail, S3Mail};
pub use process::Deps;

/// The prefix the receipt rule's S3 action stores messages under (template.yaml).
pub const OBJECT_PREFIX: &str = "inbound/";

/// Builds the dependencies from the configuration. No I/O.
pub fn wire(config: &Config, clients: &Clients) -> frontdesk::Result<Deps> {
    let links = config.email_links.as_ref().ok_or_else(|| {
        frontdesk::Error::Config(
            "inbound-email needs UNSUBSCRIBE_SECRET, EMAIL_RECEIVING_DOMAIN and EMAIL_LINK_BASE_URL"
                .into(),
        )
    })?;
    let store: Arc<dyn frontdesk::ports::Store> = Arc::new(clients.store(config));
    Ok(Deps {
        senders: clients.senders(config, store.clone()),
        store,
        clock: Arc::new(SystemClock),
        domain: links.domain().to_string(),
    })
}

/// The S3 reader of the configured bucket.
pub fn s3_mail(config: &Config, sdk: &aws_config::SdkConfig) -> frontdesk::Result<S3Mail> {
    let bucket = config.inbound_email_bucket.clone().ok_or_else(|| {
        frontdesk::Error::Config(
            "INBOUND_EMAIL_BUCKET is not set (template.yaml passes !Ref InboundEmailBucket)".into(),
        )
    })?;
    Ok(S3Mail {
        client: aws_sdk_s3::Client::new(sdk),
        bucket,
        prefix: OBJECT_PREFIX.into(),
    })
}
