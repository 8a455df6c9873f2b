//! Vonage SMS API: signed inbound messages (`sig`), sent as JSON or form data.
//!
//! The signature, as Vonage documents it and its SDKs compute it: take every parameter
//! except `sig`, sorted by name; in each value replace `&` and `=` with `_`; join them as
//! `&name=value&name=value…`; then HMAC that string with the account's signature secret
//! and hex-encode it (compared case-insensitively). The HMAC hash is the one chosen in the
//! Vonage dashboard; it is recognised by the signature's length: SHA-256 (64 hex digits,
//! recommended), SHA-512 (128) or SHA-1 (40). The legacy "MD5 hash" and MD5 HMAC methods
//! are refused (403): choose SHA-256 HMAC.
//!
//! The signed `timestamp` (Unix seconds) must be recent.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use super::{check_timestamp, ct_eq, json_syntax, Proof as AnyProof, Unverified};
use crate::error::{InboundError, Refusal};
use crate::http_io::Request;
use crate::inbound::{Inbound, Parsed, Provider};

#[derive(Debug, Clone)]
pub struct Proof {
    /// Lower-case hex.
    sig: String,
    /// Every parameter but `sig`.
    params: Vec<(String, String)>,
}

/// The string Vonage signs: `&name=value` for each parameter, sorted by name, with `&` and
/// `=` in values replaced by `_`.
fn signing_string(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut out = String::new();
    for (name, value) in sorted {
        out.push('&');
        out.push_str(name);
        out.push('=');
        out.push_str(&value.replace(['&', '='], "_"));
    }
    out
}

fn hmac_hex<M: Mac + hmac::digest::KeyInit>(secret: &[u8], data: &[u8]) -> Result<String, Refusal> {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret)
        .map_err(|_| Refusal::SecretUnusable)?;
    mac.update(data);
    Ok(hex::encode(mac.finalize().into_bytes()))
}

impl Proof {
    pub fn verify(&self, secret: Option<&str>) -> Result<(), Refusal> {
        let secret = secret
            .filter(|s| !s.is_empty())
            .ok_or(Refusal::SecretNotConfigured)?
            .as_bytes();
        let data = signing_string(&self.params);
        let expected = match self.sig.len() {
            40 => hmac_hex::<Hmac<Sha1>>(secret, data.as_bytes())?,
            64 => hmac_hex::<Hmac<Sha256>>(secret, data.as_bytes())?,
            128 => hmac_hex::<Hmac<Sha512>>(secret, data.as_bytes())?,
            _ => return Err(Refusal::SignatureInvalid),
        };
        if ct_eq(expected.as_bytes(), self.sig.as_bytes()) {
            Ok(())
        } else {
            Err(Refusal::SignatureInvalid)
        }
    }
}

pub fn read(req: &Request, now: DateTime<Utc>) -> Result<Unverified, InboundError> {
    let (proof, params) = read_params(req, now)?;
    let content = parse(&params);
    Ok(Unverified {
        provider: Provider::Vonage,
        proof,
        content,
    })
}

/// The signature (`sig`, present, with a fresh signed `timestamp`, not yet verified) and the
/// other parameters of a Vonage request: inbound messages and delivery receipts alike.
pub fn read_params(
    req: &Request,
    now: DateTime<Utc>,
) -> Result<(AnyProof, Vec<(String, String)>), InboundError> {
    let mut params = params(req)?;
    let sig = take(&mut params, "sig")
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .ok_or(InboundError::Forbidden(Refusal::SignatureMissing))?;
    let timestamp = params
        .iter()
        .find(|(k, _)| k == "timestamp")
        .map(|(_, v)| v.as_str());
    check_timestamp(timestamp, now).map_err(InboundError::Forbidden)?;
    let proof = AnyProof::Vonage(Proof {
        sig,
        params: params.clone(),
    });
    Ok((proof, params))
}

fn take(params: &mut Vec<(String, String)>, name: &str) -> Option<String> {
    let i = params.iter().position(|(k, _)| k == name)?;
    Some(params.remove(i).1)
}

/// The parameters, from a JSON object or form data in the body (query string when the body
/// is empty). Every parameter name must appear once.
fn params(req: &Request) -> Result<Vec<(String, String)>, InboundError> {
    let media = req.media_type();
    let body = req.body.as_slice();
    let params = if body.iter().all(u8::is_ascii_whitespace) {
        form(req.raw_query.as_bytes())?
    } else {
        match media.as_deref() {
            Some("application/json") => json(body)?,
            Some("application/x-www-form-urlencoded") => form(body)?,
            None if body.trim_ascii_start().starts_with(b"{") => json(body)?,
            None => form(body)?,
            Some(_) => {
                return Err(InboundError::UnsupportedMediaType(
                    "application/json or application/x-www-form-urlencoded",
                ))
            }
        }
    };
    let mut names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(InboundError::bad_request("a parameter is repeated"));
    }
    Ok(params)
}

fn form(bytes: &[u8]) -> Result<Vec<(String, String)>, InboundError> {
    serde_urlencoded::from_bytes(bytes)
        .map_err(|_| InboundError::bad_request("the body is not valid form data"))
}

/// A flat JSON object; numbers and booleans are taken as their JSON text.
fn json(bytes: &[u8]) -> Result<Vec<(String, String)>, InboundError> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| json_syntax(&e))?;
    let Value::Object(map) = v else {
        return Err(InboundError::bad_request("the body must be a JSON object"));
    };
    map.into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            Value::Number(n) => Ok((k, n.to_string())),
            Value::Bool(b) => Ok((k, b.to_string())),
            _ => Err(InboundError::bad_request(format!(
                "{k} must be a string, number or boolean"
            ))),
        })
        .collect()
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

/// Vonage numbers come without the leading `+`.
fn e164(n: &str) -> String {
    let n = n.trim();
    if n.starts_with('+') {
        n.to_string()
    } else {
        format!("+{n}")
    }
}

/// `msisdn` (the sender), `to`, `messageId` and `text` (absent for binary messages). A
/// delivery receipt (it has `status` and no `msisdn` text) is acknowledged and ignored.
fn parse(params: &[(String, String)]) -> Result<Parsed, InboundError> {
    if param(params, "status").is_some() && param(params, "text").is_none() {
        return Ok(Parsed::Ignored("delivery_receipt"));
    }
    let id = required(params, "messageId")?;
    let from = e164(required(params, "msisdn")?);
    let to = param(params, "to").map(e164);
    let text = match (param(params, "text"), param(params, "type")) {
        (Some(t), _) => t,
        (None, Some("binary")) => "",
        (None, _) => return Err(InboundError::bad_request("text is required")),
    };
    Ok(Parsed::Message(Inbound::new(
        Provider::Vonage,
        id,
        &from,
        to.as_deref(),
        text,
    )?))
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
    fn the_signing_string_sorts_and_neutralises_separators() {
        let s = signing_string(&p(&[("text", "a=b&c"), ("msisdn", "447700900001")]));
        assert_eq!(s, "&msisdn=447700900001&text=a_b_c");
    }

    #[test]
    fn sha256_sha512_and_sha1_hmacs_verify_and_md5_lengths_are_refused() {
        let params = p(&[("msisdn", "447700900001"), ("timestamp", "1800000000")]);
        let data = signing_string(&params);
        for sig in [
            hmac_hex::<Hmac<Sha256>>(b"s3cret", data.as_bytes()).unwrap(),
            hmac_hex::<Hmac<Sha512>>(b"s3cret", data.as_bytes()).unwrap(),
            hmac_hex::<Hmac<Sha1>>(b"s3cret", data.as_bytes()).unwrap(),
        ] {
            let proof = Proof {
                sig,
                params: params.clone(),
            };
            assert!(proof.verify(Some("s3cret")).is_ok());
            assert_eq!(proof.verify(Some("other")), Err(Refusal::SignatureInvalid));
        }
        let md5_length = Proof {
            sig: "0".repeat(32),
            params,
        };
        assert_eq!(
            md5_length.verify(Some("s3cret")),
            Err(Refusal::SignatureInvalid)
        );
    }

    #[test]
    fn inbound_fields_are_read_and_receipts_ignored() {
        let Parsed::Message(m) = parse(&p(&[
            ("msisdn", "14155552671"),
            ("to", "14155550100"),
            ("messageId", "0A0000001234"),
            ("text", "C"),
            ("type", "text"),
        ]))
        .unwrap() else {
            panic!("expected a message")
        };
        assert_eq!(m.from.as_str(), "+14155552671");
        assert_eq!(
            parse(&p(&[("messageId", "x"), ("status", "delivered")])).unwrap(),
            Parsed::Ignored("delivery_receipt")
        );
        assert!(parse(&p(&[("messageId", "x"), ("msisdn", "14155552671")])).is_err());
    }
}
