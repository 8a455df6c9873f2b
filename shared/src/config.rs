//! The one typed configuration of every function, read from the environment once at start
//! (`Config::from_env`). A missing or bad value is an error that says what to set; nothing
//! falls back to a silent default. Each function crate's `wire` takes what it needs from
//! here, so `main.rs`, the local gateway and the tests build their dependencies one way.

use crate::{Error, Result};

/// The DynamoDB table (`!Ref Table` in template.yaml).
pub const TABLE_NAME_ENV: &str = "TABLE_NAME";
/// The SES configuration set sends go through (bounce and complaint events).
pub const SES_CONFIGURATION_SET_ENV: &str = "SES_CONFIGURATION_SET";
/// The operator secret that authorises onboarding, as a value: local runs and tests only.
pub const OPERATOR_SECRET_ENV: &str = "OPERATOR_SECRET";
/// The Practice API's per-practice limit, `<requests per second>/<burst>` or `off`
/// (default 20/40 deployed; local configurations have none unless set).
pub const PRACTICE_RATE_LIMIT_ENV: &str = "PRACTICE_RATE_LIMIT";
/// The Secrets Manager secret holding the operator secret (deployed practice-api).
pub const OPERATOR_SECRET_ARN_ENV: &str = "OPERATOR_SECRET_ARN";
/// The KMS key (id, key ARN or alias ARN) that envelope-encrypts the secrets stored per
/// practice (`frontdesk::envelope`). Required in Lambda; unset locally, they are stored
/// as they are.
pub const SECRETS_KEY_ID_ENV: &str = "SECRETS_KEY_ID";
/// Set by Lambda in every function's environment.
const LAMBDA_FUNCTION_NAME_ENV: &str = "AWS_LAMBDA_FUNCTION_NAME";
/// The public base URL providers call (inbound-sms, for Twilio signatures).
pub const PUBLIC_BASE_URL_ENV: &str = "PUBLIC_BASE_URL";
/// The secret that signs unsubscribe links (at least 32 bytes).
pub const UNSUBSCRIBE_SECRET_ENV: &str = "UNSUBSCRIBE_SECRET";
/// The SES receiving domain replies go to (`reply+<practice>@<domain>`).
pub const EMAIL_RECEIVING_DOMAIN_ENV: &str = "EMAIL_RECEIVING_DOMAIN";
/// The public https origin unsubscribe links point at (the HTTP API's domain).
pub const EMAIL_LINK_BASE_URL_ENV: &str = "EMAIL_LINK_BASE_URL";
/// The S3 bucket SES stores received mail in (inbound-email).
pub const INBOUND_EMAIL_BUCKET_ENV: &str = "INBOUND_EMAIL_BUCKET";
/// The secret that keys unknown-sender thread ids (at least 32 bytes; see
/// `domain::thread_key`). Required by `Config::from_env`.
pub const THREAD_ID_SECRET_ENV: &str = "THREAD_ID_SECRET";
/// Provider REST API base URLs (the local fake providers in `make run` and tests).
pub const TWILIO_API_URL_ENV: &str = "TWILIO_API_URL";
pub const TELNYX_API_URL_ENV: &str = "TELNYX_API_URL";
pub const VONAGE_API_URL_ENV: &str = "VONAGE_API_URL";

/// Where the SMS providers' REST APIs are. Defaults to the real ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderUrls {
    pub twilio: String,
    pub telnyx: String,
    pub vonage: String,
}

impl Default for ProviderUrls {
    fn default() -> Self {
        Self {
            twilio: "https://api.twilio.com".into(),
            telnyx: "https://api.telnyx.com".into(),
            vonage: "https://rest.nexmo.com".into(),
        }
    }
}

impl ProviderUrls {
    /// Every URL served by one base (the fake providers serve all three).
    pub fn all_at(base: &str) -> Self {
        let base = base.trim_end_matches('/').to_string();
        Self {
            twilio: base.clone(),
            telnyx: base.clone(),
            vonage: base,
        }
    }
}

fn provider_url(name: &'static str, value: Option<String>, default: String) -> Result<String> {
    match value {
        None => Ok(default),
        Some(v) if v.starts_with("https://") || v.starts_with("http://") => {
            Ok(v.trim_end_matches('/').to_string())
        }
        Some(_) => Err(Error::Config(format!(
            "{name} must be an http(s) base URL such as https://api.example.com"
        ))),
    }
}

fn rate_limit(value: Option<String>) -> Result<Option<crate::rate_limit::Limit>> {
    let Some(v) = value else {
        return Ok(Some(crate::rate_limit::Limit::PRACTICE_API));
    };
    if v.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let parsed = v.split_once('/').and_then(|(r, b)| {
        Some(crate::rate_limit::Limit {
            per_second: r.trim().parse().ok().filter(|n| *n > 0)?,
            burst: b.trim().parse().ok().filter(|n| *n > 0)?,
        })
    });
    parsed.map(Some).ok_or_else(|| {
        Error::Config(format!(
            "{PRACTICE_RATE_LIMIT_ENV} must be <requests per second>/<burst> such as 20/40, or off"
        ))
    })
}

/// Everything the functions read from their environment.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub table_name: String,
    /// `None` when unset or blank: sends go without a configuration set.
    pub ses_configuration_set: Option<String>,
    operator_secret: Option<String>,
    /// The Practice API's per-practice token bucket (`None`: unlimited).
    pub practice_rate_limit: Option<crate::rate_limit::Limit>,
    /// Where the deployed practice-api reads the operator secret (`OPERATOR_SECRET_ARN`).
    pub operator_secret_arn: Option<String>,
    /// Unvalidated; inbound-sms checks its shape when it wires itself.
    pub public_base_url: Option<String>,
    /// The SMS providers' API base URLs (`TWILIO_API_URL`, `TELNYX_API_URL`, `VONAGE_API_URL`).
    pub provider_urls: ProviderUrls,
    /// Reply-To and unsubscribe links: set when `UNSUBSCRIBE_SECRET`,
    /// `EMAIL_RECEIVING_DOMAIN` and `EMAIL_LINK_BASE_URL` all are.
    pub email_links: Option<crate::email_links::EmailLinks>,
    /// Where SES stores received mail (`INBOUND_EMAIL_BUCKET`).
    pub inbound_email_bucket: Option<String>,
    /// The KMS key sealing per-practice secrets (`SECRETS_KEY_ID`); `None`: stored unsealed
    /// (local runs and tests only; `from_env` refuses it in Lambda).
    pub secrets_key_id: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("table_name", &self.table_name)
            .field("ses_configuration_set", &self.ses_configuration_set)
            .field(
                "operator_secret",
                &self.operator_secret.as_ref().map(|_| "***"),
            )
            .field("operator_secret_arn", &self.operator_secret_arn)
            .field("practice_rate_limit", &self.practice_rate_limit)
            .field("public_base_url", &self.public_base_url)
            .field("provider_urls", &self.provider_urls)
            .field("email_links", &self.email_links)
            .field("inbound_email_bucket", &self.inbound_email_bucket)
            .field("secrets_key_id", &self.secrets_key_id)
            .finish()
    }
}

impl Config {
    /// Reads the process environment, and installs the deployment's thread-id secret
    /// (`THREAD_ID_SECRET`, required) for this process.
    pub fn from_env() -> Result<Self> {
        let config = Self::from_lookup(|name| std::env::var(name).ok())?;
        let secret = std::env::var(THREAD_ID_SECRET_ENV).unwrap_or_default();
        if secret.trim().is_empty() {
            return Err(Error::Config(format!(
                "{THREAD_ID_SECRET_ENV} is not set: set it to at least 32 random bytes \
                 (SAM parameter ThreadIdSecret); it keys unknown-sender thread ids"
            )));
        }
        crate::domain::thread_key::install(secret.trim())
            .map_err(|e| Error::Config(e.to_string()))?;
        let in_lambda = std::env::var(LAMBDA_FUNCTION_NAME_ENV).is_ok_and(|v| !v.is_empty());
        if in_lambda && config.secrets_key_id.is_none() {
            return Err(Error::Config(format!(
                "{SECRETS_KEY_ID_ENV} is not set: set it to the KMS key that seals provider \
                 credentials and webhook secrets (template.yaml passes !GetAtt SecretsKey.Arn)"
            )));
        }
        Ok(config)
    }

    /// Reads through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let table_name = get(TABLE_NAME_ENV).ok_or_else(|| {
            Error::Config(format!(
                "{TABLE_NAME_ENV} is not set: set it to the DynamoDB table name \
                 (template.yaml passes !Ref Table; locally the gateway sets it)"
            ))
        })?;
        let defaults = ProviderUrls::default();
        let provider_urls = ProviderUrls {
            twilio: provider_url(TWILIO_API_URL_ENV, get(TWILIO_API_URL_ENV), defaults.twilio)?,
            telnyx: provider_url(TELNYX_API_URL_ENV, get(TELNYX_API_URL_ENV), defaults.telnyx)?,
            vonage: provider_url(VONAGE_API_URL_ENV, get(VONAGE_API_URL_ENV), defaults.vonage)?,
        };
        let email_links =
            match (
                lookup(UNSUBSCRIBE_SECRET_ENV).filter(|v| !v.trim().is_empty()),
                get(EMAIL_RECEIVING_DOMAIN_ENV),
                get(EMAIL_LINK_BASE_URL_ENV),
            ) {
                (Some(secret), Some(domain), Some(base)) => Some(
                    crate::email_links::EmailLinks::new(secret.trim(), &base, &domain)?,
                ),
                (None, None, _) => None,
                _ => {
                    return Err(Error::Config(format!(
                        "{UNSUBSCRIBE_SECRET_ENV}, {EMAIL_RECEIVING_DOMAIN_ENV} and \
                         {EMAIL_LINK_BASE_URL_ENV} go together: set all three (SAM parameters \
                         UnsubscribeSecret, EmailReceivingDomain, EmailLinkBaseUrl), or \
                         neither of the first two"
                    )))
                }
            };
        Ok(Self {
            email_links,
            inbound_email_bucket: get(INBOUND_EMAIL_BUCKET_ENV),
            provider_urls,
            table_name,
            ses_configuration_set: get(SES_CONFIGURATION_SET_ENV),
            operator_secret: lookup(OPERATOR_SECRET_ENV).filter(|v| !v.trim().is_empty()),
            operator_secret_arn: get(OPERATOR_SECRET_ARN_ENV),
            practice_rate_limit: rate_limit(get(PRACTICE_RATE_LIMIT_ENV))?,
            public_base_url: get(PUBLIC_BASE_URL_ENV),
            secrets_key_id: get(SECRETS_KEY_ID_ENV),
        })
    }

    /// A configuration for a local table (the gateway, tests): no configuration set, no
    /// public base URL, no operator secret until `with_operator_secret`.
    pub fn local(table_name: impl Into<String>) -> Self {
        Self {
            table_name: table_name.into(),
            ses_configuration_set: None,
            operator_secret: None,
            operator_secret_arn: None,
            practice_rate_limit: None,
            public_base_url: None,
            provider_urls: ProviderUrls::default(),
            email_links: None,
            inbound_email_bucket: None,
            secrets_key_id: None,
        }
    }

    /// Seal per-practice secrets with this KMS key (local runs and tests: a key in moto).
    pub fn with_secrets_key(mut self, key_id: impl Into<String>) -> Self {
        self.secrets_key_id = Some(key_id.into());
        self
    }

    /// Reply-To and unsubscribe links (local runs and tests).
    pub fn with_email_links(mut self, links: crate::email_links::EmailLinks) -> Self {
        self.email_links = Some(links);
        self
    }

    pub fn with_provider_urls(mut self, urls: ProviderUrls) -> Self {
        self.provider_urls = urls;
        self
    }

    /// The Practice API's per-practice limit (local runs and tests; `None` is unlimited).
    pub fn with_practice_rate_limit(mut self, limit: Option<crate::rate_limit::Limit>) -> Self {
        self.practice_rate_limit = limit;
        self
    }

    pub fn with_operator_secret(mut self, secret: impl Into<String>) -> Self {
        self.operator_secret = Some(secret.into());
        self
    }

    /// The operator secret as a value (`OPERATOR_SECRET`): local runs and tests. The
    /// deployed practice-api reads it from Secrets Manager (`operator_secret_arn`).
    pub fn operator_secret(&self) -> Result<&str> {
        self.operator_secret.as_deref().ok_or_else(|| {
            Error::Config(format!(
                "neither {OPERATOR_SECRET_ARN_ENV} nor {OPERATOR_SECRET_ENV} is set: deployed, \
                 template.yaml sets {OPERATOR_SECRET_ARN_ENV} (SAM parameter OperatorSecret); \
                 locally, set {OPERATOR_SECRET_ENV}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<Config> {
        Config::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn a_missing_or_blank_table_name_says_what_to_set() {
        for pairs in [&[][..], &[(TABLE_NAME_ENV, "  ")][..]] {
            let err = from(pairs).unwrap_err();
            assert!(matches!(err, Error::Config(ref m) if m.contains("TABLE_NAME")));
        }
    }

    #[test]
    fn blank_optional_values_are_none_and_values_are_trimmed() {
        let c = from(&[
            (TABLE_NAME_ENV, " frontdesk "),
            (SES_CONFIGURATION_SET_ENV, " "),
            (PUBLIC_BASE_URL_ENV, ""),
        ])
        .unwrap();
        assert_eq!(c.table_name, "frontdesk");
        assert_eq!(c.ses_configuration_set, None);
        assert_eq!(c.public_base_url, None);
        assert_eq!(c.secrets_key_id, None);
        let c = from(&[
            (TABLE_NAME_ENV, "t"),
            (SECRETS_KEY_ID_ENV, " alias/frontdesk "),
        ])
        .unwrap();
        assert_eq!(c.secrets_key_id.as_deref(), Some("alias/frontdesk"));
        let c = from(&[(TABLE_NAME_ENV, "t")]).unwrap();
        let err = c.operator_secret().unwrap_err();
        assert!(matches!(err, Error::Config(ref m) if m.contains("OPERATOR_SECRET")));
    }

    #[test]
    fn provider_urls_default_to_the_real_apis_and_can_be_pointed_elsewhere() {
        let c = from(&[(TABLE_NAME_ENV, "t")]).unwrap();
        assert_eq!(c.provider_urls, ProviderUrls::default());
        assert_eq!(c.provider_urls.twilio, "https://api.twilio.com");
        let c = from(&[
            (TABLE_NAME_ENV, "t"),
            (TWILIO_API_URL_ENV, "http://127.0.0.1:4010/"),
        ])
        .unwrap();
        assert_eq!(c.provider_urls.twilio, "http://127.0.0.1:4010");
        assert_eq!(c.provider_urls.vonage, "https://rest.nexmo.com");
        let err = from(&[(TABLE_NAME_ENV, "t"), (TELNYX_API_URL_ENV, "ftp://x")]).unwrap_err();
        assert!(matches!(err, Error::Config(ref m) if m.contains("TELNYX_API_URL")));
    }

    #[test]
    fn the_practice_rate_limit_defaults_and_parses() {
        use crate::rate_limit::Limit;
        let c = from(&[(TABLE_NAME_ENV, "t")]).unwrap();
        assert_eq!(c.practice_rate_limit, Some(Limit::PRACTICE_API));
        let c = from(&[(TABLE_NAME_ENV, "t"), (PRACTICE_RATE_LIMIT_ENV, "5/10")]).unwrap();
        assert_eq!(
            c.practice_rate_limit,
            Some(Limit {
                per_second: 5,
                burst: 10
            })
        );
        let c = from(&[(TABLE_NAME_ENV, "t"), (PRACTICE_RATE_LIMIT_ENV, "off")]).unwrap();
        assert_eq!(c.practice_rate_limit, None);
        for bad in ["5", "0/3", "x/y"] {
            let err = from(&[(TABLE_NAME_ENV, "t"), (PRACTICE_RATE_LIMIT_ENV, bad)]).unwrap_err();
            assert!(matches!(err, Error::Config(ref m) if m.contains("PRACTICE_RATE_LIMIT")));
        }
        assert_eq!(Config::local("t").practice_rate_limit, None);
    }

    #[test]
    fn the_operator_secret_is_never_printed() {
        let c = Config::local("t").with_operator_secret("hunter2-very-secret");
        assert_eq!(c.operator_secret().unwrap(), "hunter2-very-secret");
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
