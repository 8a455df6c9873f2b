//! SESv2 email adapter: `SendEmail` with simple content (text body) from the practice's
//! verified sender, optionally through a configuration set (bounce and complaint events).
//! With [`EmailLinks`] configured, email to a patient gets `Reply-To` the practice's reply
//! address, and automated email the RFC 8058 headers (`List-Unsubscribe` with a signed
//! https URL and a mailto, `List-Unsubscribe-Post: List-Unsubscribe=One-Click`), set as
//! SESv2 message headers.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageHeader};

use crate::email_links::{EmailLinks, ONE_CLICK};

use crate::ports::{Email, EmailSender};
use crate::sns::send_error;
use crate::{Error, Result};

/// Sends email through SESv2. Cheap to clone; build it once per container.
#[derive(Debug, Clone)]
pub struct SesEmail {
    client: aws_sdk_sesv2::Client,
    configuration_set: Option<String>,
    links: Option<EmailLinks>,
}

impl SesEmail {
    /// `configuration_set`: the SES configuration set to send through, if any (blank is none).
    pub fn new(client: aws_sdk_sesv2::Client, configuration_set: Option<String>) -> Self {
        Self {
            client,
            configuration_set: configuration_set
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
            links: None,
        }
    }

    /// Reply-To and one-click unsubscribe headers on email to patients (see the module docs).
    pub fn with_links(mut self, links: Option<EmailLinks>) -> Self {
        self.links = links;
        self
    }

    /// The Reply-To address and extra headers of one email, as sent.
    pub fn headers_for(&self, email: &Email) -> (Option<String>, Vec<(&'static str, String)>) {
        let (Some(links), Some(to)) = (&self.links, &email.patient) else {
            return (None, Vec::new());
        };
        let reply_to = links.reply_to(&email.practice_id, to.kind);
        let headers = match to.kind {
            Some(kind) => vec![
                (
                    "List-Unsubscribe",
                    links.list_unsubscribe(
                        &email.practice_id,
                        &to.patient_id,
                        kind,
                        chrono::Utc::now(),
                    ),
                ),
                ("List-Unsubscribe-Post", ONE_CLICK.to_string()),
            ],
            None => Vec::new(),
        };
        (Some(reply_to), headers)
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
        let (reply_to, headers) = self.headers_for(email);
        let mut message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(Body::builder().text(utf8(&email.text)?).build());
        for (name, value) in headers {
            message = message.headers(
                MessageHeader::builder()
                    .name(name)
                    .value(value)
                    .build()
                    .map_err(|_| {
                        Error::SendRejected("SESv2 SendEmail: a header could not be built".into())
                    })?,
            );
        }
        let message = message.build();
        let out = self
            .client
            .send_email()
            .from_email_address(email.from.as_str())
            .destination(
                Destination::builder()
                    .to_addresses(email.to.as_str())
                    .build(),
            )
            .set_reply_to_addresses(reply_to.map(|r| vec![r]))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EmailAddress, MessageKind, PatientId, PracticeId};
    use crate::ports::PatientMail;

    fn sender(links: bool) -> SesEmail {
        let conf = aws_sdk_sesv2::Config::builder()
            .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
            .region(aws_sdk_sesv2::config::Region::new("us-east-1"))
            .build();
        SesEmail::new(aws_sdk_sesv2::Client::from_conf(conf), None).with_links(links.then(|| {
            EmailLinks::new(
                &"s".repeat(32),
                "https://api.example.com",
                "mail.example.com",
            )
            .unwrap()
        }))
    }

    fn email(patient: Option<PatientMail>) -> Email {
        Email {
            practice_id: PracticeId::parse("prc_a").unwrap(),
            from: EmailAddress::parse("front@smile.example").unwrap(),
            to: EmailAddress::parse("ana@example.org").unwrap(),
            subject: "S".into(),
            text: "T".into(),
            patient,
        }
    }

    #[test]
    fn automated_email_gets_reply_to_and_one_click_headers_and_replies_only_reply_to() {
        let pt = PatientId::parse("pt-1").unwrap();
        let s = sender(true);
        let (reply_to, headers) = s.headers_for(&email(Some(PatientMail::automated(
            pt.clone(),
            MessageKind::Care,
        ))));
        assert_eq!(
            reply_to.as_deref(),
            Some("reply+prc_a+care@mail.example.com")
        );
        let names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["List-Unsubscribe", "List-Unsubscribe-Post"]);
        assert!(headers[0]
            .1
            .starts_with("<https://api.example.com/public/email/preferences?token="));
        assert_eq!(headers[1].1, ONE_CLICK);

        let (reply_to, headers) = s.headers_for(&email(Some(PatientMail::reply(pt))));
        assert_eq!(reply_to.as_deref(), Some("reply+prc_a@mail.example.com"));
        assert!(headers.is_empty());
        // Staff email, or no links configured: nothing added.
        assert_eq!(s.headers_for(&email(None)), (None, vec![]));
        let plain = sender(false);
        let automated = email(Some(PatientMail::automated(
            PatientId::parse("pt-1").unwrap(),
            MessageKind::Care,
        )));
        assert_eq!(plain.headers_for(&automated), (None, vec![]));
    }
}
