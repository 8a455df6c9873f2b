//! The webhook job's HTTP side: [`Transport`] (one signed POST), and the real one,
//! [`HttpTransport`], which reaches only the addresses its [`TargetPolicy`] admits.

use std::time::Duration as StdDuration;

use async_trait::async_trait;

use super::target::{self, CheckedResolver, TargetPolicy};
use crate::{Error, Result};

/// One delivery's HTTP timeout.
pub const HTTP_TIMEOUT: StdDuration = StdDuration::from_secs(5);

/// Sends one signed request. `Ok(status)` for any HTTP answer; `Err` names a failure
/// without a body ("timeout", "connect", "request").
#[async_trait]
pub trait Transport: Send + Sync {
    async fn post(
        &self,
        url: &str,
        headers: Vec<(&'static str, String)>,
        body: String,
    ) -> std::result::Result<u16, String>;
}

/// The real transport: reqwest over rustls, no redirects followed, [`HTTP_TIMEOUT`], and
/// only to the addresses its [`TargetPolicy`] admits: names through the checking resolver
/// (the connection goes to the checked address), IP literals checked here.
pub struct HttpTransport {
    client: reqwest::Client,
    policy: TargetPolicy,
}

impl HttpTransport {
    pub fn new(policy: TargetPolicy) -> Result<Self> {
        let client = reqwest::Client::builder()
            .dns_resolver(CheckedResolver::new(policy))
            .connect_timeout(StdDuration::from_secs(3))
            .timeout(HTTP_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("frontdesk-webhooks/1")
            .build()
            .map_err(|e| Error::Storage(format!("the webhook HTTP client: {e}")))?;
        Ok(Self { client, policy })
    }
}

/// The failure recorded for a refused target (no URL, no address).
pub const REFUSED: &str = "refused: not a public address";

#[async_trait]
impl Transport for HttpTransport {
    async fn post(
        &self,
        url: &str,
        headers: Vec<(&'static str, String)>,
        body: String,
    ) -> std::result::Result<u16, String> {
        let literal = url::Url::parse(url).ok().and_then(|u| match u.host() {
            Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
            _ => None,
        });
        if literal.is_some_and(|ip| !self.policy.allows(ip)) {
            return Err(REFUSED.into());
        }
        let mut req = self
            .client
            .post(url)
            .header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        match req.body(body).send().await {
            Ok(resp) => Ok(resp.status().as_u16()),
            Err(e) if target::is_refusal(&e) => Err(REFUSED.into()),
            Err(e) if e.is_timeout() => Err("timeout".into()),
            Err(e) if e.is_connect() => Err("connect".into()),
            Err(_) => Err("request".into()),
        }
    }
}
