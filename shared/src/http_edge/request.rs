//! Decoding an API Gateway v2 request.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use base64::Engine;
use http::{HeaderMap, HeaderValue, Method};

/// Why an event's body could not be read. Both are the caller's fault (4xx).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdgeError {
    #[error("the body is marked base64 but is not valid base64")]
    BodyNotBase64,
    #[error("the body is larger than {0} bytes; send a smaller one")]
    BodyTooLarge(usize),
}

/// The parts of a request every HTTP function reads.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub method: Method,
    /// The path exactly as the client sent it (percent-encoding kept).
    pub path: String,
    /// The query string exactly as sent, without `?` (providers sign it as sent).
    pub raw_query: String,
    /// The query, decoded (a malformed query reads as empty).
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    /// `name=value` pairs, as API Gateway v2 passes them.
    pub cookies: Vec<String>,
    /// The raw body bytes (base64 already undone).
    pub body: Vec<u8>,
    /// `requestContext.domainName`, used when there is no Host header.
    pub domain_name: Option<String>,
    pub source_ip: Option<String>,
}

impl HttpRequest {
    /// Decodes an event, refusing a body over `max_body_bytes` or falsely marked base64.
    pub fn from_event(
        ev: ApiGatewayV2httpRequest,
        max_body_bytes: usize,
    ) -> Result<Self, EdgeError> {
        let body = match ev.body {
            None => Vec::new(),
            Some(b) if ev.is_base64_encoded => base64::engine::general_purpose::STANDARD
                .decode(b.as_bytes())
                .map_err(|_| EdgeError::BodyNotBase64)?,
            Some(b) => b.into_bytes(),
        };
        if body.len() > max_body_bytes {
            return Err(EdgeError::BodyTooLarge(max_body_bytes));
        }
        let ctx = ev.request_context;
        let raw_query = ev.raw_query_string.unwrap_or_default();
        Ok(Self {
            method: ctx.http.method,
            path: ev.raw_path.or(ctx.http.path).unwrap_or_default(),
            query: serde_urlencoded::from_str(&raw_query).unwrap_or_default(),
            raw_query,
            headers: ev.headers,
            cookies: ev.cookies.unwrap_or_default(),
            body,
            domain_name: ctx.domain_name,
            source_ip: ctx.http.source_ip,
        })
    }

    /// A request made in-process (the console calling the API, tests).
    pub fn new(method: Method, path: &str) -> Self {
        Self {
            method,
            path: path.to_string(),
            ..Self::default()
        }
    }

    /// Sets the query (both decoded and raw).
    pub fn with_query(mut self, pairs: &[(&str, &str)]) -> Self {
        self.query = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.raw_query = serde_urlencoded::to_string(pairs).unwrap_or_default();
        self
    }

    /// Adds a header; a value that is not a valid header value is left out.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.insert(name, v);
        }
        self
    }

    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// A header as text (first value), if present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The first query parameter called `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The cookie called `name`.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.iter().find_map(|c| {
            let (k, v) = c.split_once('=')?;
            (k.trim() == name).then_some(v.trim())
        })
    }

    /// The bearer token, if the `Authorization` header is well formed.
    pub fn bearer(&self) -> Option<&str> {
        let v = self.header("authorization")?;
        let (scheme, token) = v.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    }

    /// The media type of the body, lower-cased, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The body as `application/x-www-form-urlencoded` pairs (malformed reads as empty).
    pub fn form(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_bytes(&self.body).unwrap_or_default()
    }

    /// The Host header, else the API's domain name, else empty.
    pub fn host(&self) -> String {
        self.header("host")
            .map(str::to_string)
            .or_else(|| self.domain_name.clone())
            .unwrap_or_default()
    }

    /// The URL the caller used, as a provider signs it: `public_base_url` + raw path + raw
    /// query when the base is configured, else rebuilt from `X-Forwarded-Proto`, `Host`
    /// (or the API's domain name), the raw path and the raw query. Without a forwarded
    /// scheme, a loopback host is `http` (the local gateway) and anything else `https`
    /// (API Gateway always sets the header).
    pub fn public_url(&self, public_base_url: Option<&str>) -> String {
        let query = if self.raw_query.is_empty() {
            String::new()
        } else {
            format!("?{}", self.raw_query)
        };
        if let Some(base) = public_base_url {
            return format!("{}{}{}", base.trim_end_matches('/'), self.path, query);
        }
        let host = self
            .header("host")
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .or(self.domain_name.as_deref())
            .unwrap_or("localhost");
        let forwarded = self
            .header("x-forwarded-proto")
            .and_then(|p| p.split(',').next())
            .map(|p| p.trim().to_ascii_lowercase())
            .filter(|p| p == "http" || p == "https");
        let scheme = forwarded.unwrap_or_else(|| {
            if is_loopback(host) {
                "http".into()
            } else {
                "https".into()
            }
        });
        format!("{scheme}://{host}{}{query}", self.path)
    }
}

fn is_loopback(host: &str) -> bool {
    let name = if host.starts_with('[') {
        host.split(']')
            .next()
            .unwrap_or(host)
            .trim_start_matches('[')
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name == "localhost" || name == "::1" || name.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(body: Option<&str>, base64: bool) -> ApiGatewayV2httpRequest {
        let mut ev = ApiGatewayV2httpRequest::default();
        ev.request_context.http.method = Method::POST;
        ev.raw_path = Some("/v1/x%20y".into());
        ev.raw_query_string = Some("a=1&b=%20two".into());
        ev.cookies = Some(vec!["fd_session=abc".into(), "other = z ".into()]);
        ev.body = body.map(str::to_string);
        ev.is_base64_encoded = base64;
        ev.headers.insert(
            "content-type",
            HeaderValue::from_static("Application/JSON; charset=utf-8"),
        );
        ev.request_context.domain_name = Some("api.example.com".into());
        ev
    }

    #[test]
    fn an_event_is_decoded_with_its_raw_path_query_cookies_and_body() {
        let req = HttpRequest::from_event(event(Some("aGk="), true), 64).unwrap();
        assert_eq!(req.method, Method::POST);
        assert_eq!(req.path, "/v1/x%20y");
        assert_eq!(req.raw_query, "a=1&b=%20two");
        assert_eq!(req.query("b"), Some(" two"));
        assert_eq!(req.query("c"), None);
        assert_eq!(req.cookie("fd_session"), Some("abc"));
        assert_eq!(req.cookie("other"), Some("z"));
        assert_eq!(req.body, b"hi");
        assert_eq!(req.media_type().as_deref(), Some("application/json"));
        assert_eq!(req.host(), "api.example.com");
        let plain = HttpRequest::from_event(event(Some("a=1&b=2"), false), 64).unwrap();
        assert_eq!(
            plain.form(),
            [("a".into(), "1".into()), ("b".into(), "2".into())]
        );
    }

    #[test]
    fn bad_base64_and_oversized_bodies_are_refused() {
        assert_eq!(
            HttpRequest::from_event(event(Some("not base64!"), true), 64).unwrap_err(),
            EdgeError::BodyNotBase64
        );
        assert_eq!(
            HttpRequest::from_event(event(Some("12345"), false), 4).unwrap_err(),
            EdgeError::BodyTooLarge(4)
        );
    }

    #[test]
    fn the_bearer_token_needs_the_scheme_and_a_token() {
        let with = |v: &str| HttpRequest::new(Method::GET, "/").with_header("authorization", v);
        assert_eq!(with("Bearer abc ").bearer(), Some("abc"));
        assert_eq!(with("bearer abc").bearer(), Some("abc"));
        assert_eq!(with("Basic abc").bearer(), None);
        assert_eq!(with("Bearer ").bearer(), None);
    }

    fn webhook(host: Option<&str>, proto: Option<&str>, query: &str) -> HttpRequest {
        let mut req = HttpRequest::new(Method::POST, "/webhooks/sms/twilio/prc_1");
        if let Some(h) = host {
            req = req.with_header("host", h);
        }
        if let Some(p) = proto {
            req = req.with_header("x-forwarded-proto", p);
        }
        req.raw_query = query.into();
        req.domain_name = Some("abc.execute-api.us-east-1.amazonaws.com".into());
        req
    }

    #[test]
    fn the_public_url_is_rebuilt_from_forwarding_headers() {
        assert_eq!(
            webhook(Some("127.0.0.1:3000"), None, "").public_url(None),
            "http://127.0.0.1:3000/webhooks/sms/twilio/prc_1"
        );
        assert_eq!(
            webhook(Some("api.example.com"), Some("https"), "a=1&b=%20").public_url(None),
            "https://api.example.com/webhooks/sms/twilio/prc_1?a=1&b=%20"
        );
        assert_eq!(
            webhook(None, None, "").public_url(None),
            "https://abc.execute-api.us-east-1.amazonaws.com/webhooks/sms/twilio/prc_1"
        );
        assert_eq!(
            webhook(Some("evil.example"), Some("https"), "")
                .public_url(Some("https://sms.example.com/")),
            "https://sms.example.com/webhooks/sms/twilio/prc_1"
        );
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        for h in [
            "localhost",
            "localhost:3000",
            "127.0.0.1",
            "127.0.0.1:3000",
            "[::1]:3000",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["example.com", "10.0.0.1:80", "[2001:db8::1]:443"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
