//! SESv2 email adapter: `SendEmail` with simple content (text body) from the practice's
//! verified sender, optionally through a configuration set (bounce and complaint events).

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use crate::ports::{Email, EmailSender};
use crate::sns::send_error;
use crate::{Error, Result};

/// Sends email through SESv2. Cheap to clone; build it once per container.
#[derive(Debug, Clone)]
pub struct SesEmail {
    client: aws_sdk_sesv2::Client,
    configuration_set: Option<String>,
}

impl SesEmail {
    /// `configuration_set`: the SES configuration set to send through, if any (blank is none).
    pub fn new(client: aws_sdk_sesv2::Client, configuration_set: Option<String>) -> Self {
        Self {
            client,
            configuration_set: configuration_set
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
        }
    }

    /// Builds the client from the shared SDK configuration. No I/O.
    pub fn from_conf(config: &SdkConfig, configuration_set: Option<String>) -> Self {
        Self::new(aws_sdk_sesv2::Client::new(config), configuration_set)
    }

    pub fn configuration_set(&self) -> Option<&str> {
        self.configuration_set.as_deref()
    }
}

fn utf8(data: &str) -> Result<Content> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|_| Error::SendRejected("SESv2 SendEmail: the content could not be built".into()))
}

#[async_trait]
impl EmailSender for SesEmail {
    async fn send_email(&self, email: &Email) -> Result<String> {
        let message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(Body::builder().text(utf8(&email.text)?).build())
            .build();
        let out = self
            .client
            .send_email()
            .from_email_address(email.from.as_str())
            .destination(
                Destination::builder()
                    .to_addresses(email.to.as_str())
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| send_error("SESv2 SendEmail", &e))?;
        let id = out.message_id.unwrap_or_default();
        if id.is_empty() {
            tracing::warn!("SES accepted an email without returning a message id");
        }
        tracing::debug!(
            configuration_set = self.configuration_set.is_some(),
            "email sent"
        );
        Ok(id)
    }
}
