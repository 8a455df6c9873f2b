//! Twilio: form-encoded webhooks signed with `X-Twilio-Signature`, which is
//! base64(HMAC-SHA1(auth token, full URL + each POST parameter's name and value, sorted by
//! name)). The URL is the public one Twilio called (see [`Request::public_url`]); like
//! Twilio's own libraries, the URL is also tried with its default port added or removed,
//! because Twilio may sign either form.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::{ct_eq, Proof as AnyProof, Unverified};
use crate::error::{InboundError, Refusal};
use crate::http_io::Request;
use crate::inbound::{Inbound, Parsed, Provider};

pub const SIGNATURE_HEADER: &str = "x-twilio-signature";

#[derive(Debug, Clone)]
pub struct Proof {
    signature: String,
    urls: Vec<String>,
    params: Vec<(String, String)>,
}

impl Proof {
    pub fn verify(&self, auth_token: Option<&str>) -> Result<(), Refusal> {
        let token = auth_token
            .filter(|t| !t.is_empty())
            .ok_or(Refusal::SecretNotConfigured)?;
        // Check every candidate URL, so timing does not depend on which one matched.
        let mut matched = false;
        for url in &self.urls {
            let expected = signature(token, url, &self.params)?;
            matched |= ct_eq(expected.as_bytes(), self.signature.as_bytes());
        }
        if matched {
            Ok(())
        } else {
            Err(Refusal::SignatureInvalid)
        }
    }
}

/// base64(HMAC-SHA1(token, url + name1 + value1 + name2 + value2 …)), parameters sorted by
/// name (then value, for repeated names), byte-wise.
fn signature(token: &str, url: &str, params: &[(String, String)]) -> Result<String, Refusal> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac =
        Hmac::<Sha1>::new_from_slice(token.as_bytes()).map_err(|_| Refusal::SecretUnusable)?;
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// The URL as given, and with its default port toggled (added when absent, removed when
/// present).
fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_string()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let default_port = match scheme {
        "https" => "443",
        "http" => "80",
        _ => return out,
    };
    let bracketed_v6 = authority.starts_with('[');
    let port = authority.rsplit_once(':').filter(|(host, p)| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && (!bracketed_v6 || host.ends_with(']'))
    });
    let other = match port {
        Some((host, _)) => format!("{scheme}://{host}{tail}"),
        None => format!("{scheme}://{authority}:{default_port}{tail}"),
    };
    if other != url {
        out.push(other);
    }
    out
}

pub fn read(req: &Request, public_base_url: Option<&str>) -> Result<Unverified, InboundError> {
    let (proof, params) = read_form(req, public_base_url)?;
    let content = parse(&params);
    Ok(Unverified {
        provider: Provider::Twilio,
        proof,
        content,
    })
}

/// The signature (present, not yet verified) and the form parameters of a Twilio request:
/// inbound messages and status callbacks alike.
pub fn read_form(
    req: &Request,
    public_base_url: Option<&str>,
) -> Result<(AnyProof, Vec<(String, String)>), InboundError> {
    match req.media_type().as_deref() {
        None | Some("application/x-www-form-urlencoded") => {}
        Some(_) => {
            return Err(InboundError::UnsupportedMediaType(
                "application/x-www-form-urlencoded",
            ))
        }
    }
    let signature = req
        .header(SIGNATURE_HEADER)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(InboundError::Forbidden(Refusal::SignatureMissing))?
        .to_string();
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(&req.body)
        .map_err(|_| InboundError::bad_request("the body is not valid form data"))?;
    let proof = AnyProof::Twilio(Proof {
        signature,
        urls: url_variants(&req.public_url(public_base_url)),
        params: params.clone(),
    });
    Ok((proof, params))
}

pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn required<'a>(params: &'a [(String, String)], name: &str) -> Result<&'a str, InboundError> {
    param(params, name).ok_or_else(|| InboundError::bad_request(format!("{name} is required")))
}

/// An incoming message has `MessageSid` (or the older `SmsSid`), `From`, `To` and `Body`.
/// A status callback (it carries `MessageStatus`) is acknowledged and ignored.
fn parse(params: &[(String, String)]) -> Result<Parsed, InboundError> {
    if params.is_empty() {
        return Err(InboundError::bad_request(
            "the body has no parameters; expected Twilio's MessageSid, From, To and Body",
        ));
    }
    let mut names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    for key in ["MessageSid", "SmsSid", "From", "To", "Body"] {
        if names.iter().filter(|n| **n == key).count() > 1 {
            return Err(InboundError::bad_request(format!("{key} is repeated")));
        }
    }
    if param(params, "MessageStatus").is_some() {
        return Ok(Parsed::Ignored("status_callback"));
    }
    let id = param(params, "MessageSid")
        .or_else(|| param(params, "SmsSid"))
        .ok_or_else(|| InboundError::bad_request("MessageSid is required"))?;
    let from = required(params, "From")?;
    let body = required(params, "Body")?;
    let inbound = Inbound::new(Provider::Twilio, id, from, param(params, "To"), body)?;
    Ok(Parsed::Message(inbound))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn twilios_documented_example_signature_is_reproduced() {
        // Twilio's security documentation example (auth token 12345).
        let params = p(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        let sig = signature(
            "12345",
            "https://mycompany.com/myapp.php?foo=1&bar=2",
            &params,
        )
        .unwrap();
        assert_eq!(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    }

    #[test]
    fn any_changed_parameter_or_url_breaks_the_signature() {
        let params = p(&[("Body", "hi"), ("From", "+14155552671")]);
        let url = "https://h.example/webhooks/sms/twilio/prc_1";
        let good = signature("tok", url, &params).unwrap();
        let proof = |sig: &str, url: &str, params: Vec<(String, String)>| Proof {
            signature: sig.into(),
            urls: url_variants(url),
            params,
        };
        assert!(proof(&good, url, params.clone())
            .verify(Some("tok"))
            .is_ok());
        assert_eq!(
            proof(&good, url, p(&[("Body", "hi!"), ("From", "+14155552671")])).verify(Some("tok")),
            Err(Refusal::SignatureInvalid)
        );
        assert_eq!(
            proof(&good, "https://h.example/other", params.clone()).verify(Some("tok")),
            Err(Refusal::SignatureInvalid)
        );
        assert_eq!(
            proof(&good, url, params.clone()).verify(Some("other")),
            Err(Refusal::SignatureInvalid)
        );
        assert_eq!(
            proof(&good, url, params).verify(None),
            Err(Refusal::SecretNotConfigured)
        );
    }

    #[test]
    fn the_default_port_is_tried_both_ways() {
        assert_eq!(
            url_variants("https://h.example/p?q=1"),
            vec!["https://h.example/p?q=1", "https://h.example:443/p?q=1"]
        );
        assert_eq!(
            url_variants("http://127.0.0.1:3000/p"),
            vec!["http://127.0.0.1:3000/p", "http://127.0.0.1/p"]
        );
        assert_eq!(
            url_variants("https://[::1]/p"),
            vec!["https://[::1]/p", "https://[::1]:443/p"]
        );
        assert_eq!(url_variants("nonsense"), vec!["nonsense"]);
    }

    #[test]
    fn messages_need_an_id_a_sender_and_a_body_and_status_callbacks_are_ignored() {
        let ok = parse(&p(&[
            ("MessageSid", "SM1"),
            ("From", "+14155552671"),
            ("To", "+14155550100"),
            ("Body", ""),
        ]))
        .unwrap();
        assert!(matches!(ok, Parsed::Message(m) if m.text.is_empty()));
        assert_eq!(
            parse(&p(&[("MessageSid", "SM1"), ("MessageStatus", "delivered")])).unwrap(),
            Parsed::Ignored("status_callback")
        );
        for bad in [
            p(&[]),
            p(&[("From", "+14155552671"), ("Body", "x")]),
            p(&[("MessageSid", "SM1"), ("Body", "x")]),
            p(&[("MessageSid", "SM1"), ("From", "+14155552671")]),
            p(&[("MessageSid", "SM1"), ("From", "+1415"), ("Body", "x")]),
            p(&[
                ("MessageSid", "SM1"),
                ("From", "+14155552671"),
                ("Body", "x"),
                ("Body", "y"),
            ]),
        ] {
            assert!(parse(&bad).is_err(), "{bad:?}");
        }
    }
}
