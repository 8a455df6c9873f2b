//! Normalising what moto 5.2.5 records as sent (`GET /moto-api/data.json`).
//!
//! moto's shapes: SMS under `.sns.SMS` as `{message_id, phone_number, message}`; SESv2
//! simple emails under `.ses.Message` as `{id, source, destinations: {ToAddresses,
//! CcAddresses, BccAddresses}, subject, body}`. A service moto has not loaded yet is absent.

use serde_json::{json, Value};

use crate::Error;

/// `{"sms": [{message_id, to, from, body}], "email": [{message_id, from, to, cc, bcc, subject, body}]}`.
/// SMS `from` is always null: moto does not keep message attributes of an SMS publish.
/// Email `to`/`cc`/`bcc` are the addresses joined with ", " (one address: just it).
pub(crate) fn normalise(data: &Value) -> Result<Value, Error> {
    let sms = records(data, "sns", "SMS")?
        .iter()
        .map(|m| {
            Ok(json!({
                "message_id": str_field(m, "message_id", "sns.SMS")?,
                "to": str_field(m, "phone_number", "sns.SMS")?,
                "from": Value::Null,
                "body": str_field(m, "message", "sns.SMS")?,
            }))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let email = records(data, "ses", "Message")?
        .iter()
        .map(|m| {
            let dest = m.get("destinations");
            Ok(json!({
                "message_id": str_field(m, "id", "ses.Message")?,
                "from": str_field(m, "source", "ses.Message")?,
                "to": addresses(dest, "ToAddresses")?,
                "cc": addresses(dest, "CcAddresses")?,
                "bcc": addresses(dest, "BccAddresses")?,
                "subject": str_field(m, "subject", "ses.Message")?,
                "body": str_field(m, "body", "ses.Message")?,
            }))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(json!({ "sms": sms, "email": email }))
}

/// Adds each email's headers (`From`, `To`, `Reply-To`, `List-Unsubscribe`,
/// `List-Unsubscribe-Post`...) from the SendEmail requests moto accepted, in the same order
/// (moto applies one request at a time). Left out when the two lists do not line up (a
/// moto server without the hook, or emails sent another way).
pub(crate) fn attach_headers(out: &mut Value, sent: &Value) {
    let Some(sent) = sent.as_array() else { return };
    let Some(emails) = out.get_mut("email").and_then(Value::as_array_mut) else {
        return;
    };
    if sent.len() != emails.len() {
        return;
    }
    for (email, request) in emails.iter_mut().zip(sent) {
        let mut headers = serde_json::Map::new();
        headers.insert("From".into(), request["FromEmailAddress"].clone());
        let join = |v: &Value| {
            v.as_array().map(|a| {
                Value::String(
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })
        };
        if let Some(to) = join(&request["Destination"]["ToAddresses"]) {
            headers.insert("To".into(), to);
        }
        if let Some(r) = join(&request["ReplyToAddresses"]) {
            headers.insert("Reply-To".into(), r);
        }
        for h in request["Content"]["Simple"]["Headers"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let (Some(n), Some(v)) = (h["Name"].as_str(), h["Value"].as_str()) {
                headers.insert(n.to_string(), Value::String(v.to_string()));
            }
        }
        if let Some(obj) = email.as_object_mut() {
            obj.insert("headers".into(), Value::Object(headers));
        }
    }
}

fn records<'a>(data: &'a Value, service: &str, model: &str) -> Result<&'a [Value], Error> {
    match data.get(service).and_then(|s| s.get(model)) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(Error::Outbox(format!("{service}.{model} is not a list"))),
    }
}

fn str_field<'a>(m: &'a Value, field: &str, at: &str) -> Result<&'a str, Error> {
    m.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Outbox(format!("{at} entry has no string {field:?}")))
}

fn addresses(dest: Option<&Value>, field: &str) -> Result<Value, Error> {
    match dest.and_then(|d| d.get(field)) {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(Value::Array(a)) => {
            let list = a
                .iter()
                .map(|v| {
                    v.as_str().ok_or_else(|| {
                        Error::Outbox(format!(
                            "ses.Message destinations.{field} holds a non-string"
                        ))
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            Ok(Value::String(list.join(", ")))
        }
        Some(_) => Err(Error::Outbox(format!(
            "ses.Message destinations.{field} is not a list"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moto_records_are_normalised_to_to_from_body() {
        let data = json!({
            "sns": {"SMS": [{"message": "hi", "message_id": "m1", "phone_number": "+14155550123"}], "Topic": []},
            "ses": {"Message": [{
                "body": "text", "id": "e1", "source": "front@example.com", "subject": "S",
                "destinations": {"ToAddresses": ["p@example.org"]}
            }]}
        });
        let out = normalise(&data).unwrap();
        assert_eq!(
            out,
            json!({
                "sms": [{"message_id": "m1", "to": "+14155550123", "from": null, "body": "hi"}],
                "email": [{"message_id": "e1", "from": "front@example.com", "to": "p@example.org",
                           "cc": null, "bcc": null, "subject": "S", "body": "text"}]
            })
        );
    }

    #[test]
    fn each_email_gets_the_headers_of_its_send_request() {
        let mut out = json!({"sms": [], "email": [{"message_id": "e1", "to": "p@example.org"}]});
        let sent = json!([{
            "FromEmailAddress": "front@example.com",
            "Destination": {"ToAddresses": ["p@example.org"]},
            "ReplyToAddresses": ["reply+prc_a@mail.example.com"],
            "Content": {"Simple": {"Headers": [
                {"Name": "List-Unsubscribe", "Value": "<https://x/u?token=t>"},
                {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"}
            ]}}
        }]);
        attach_headers(&mut out, &sent);
        let h = &out["email"][0]["headers"];
        assert_eq!(h["From"], json!("front@example.com"));
        assert_eq!(h["Reply-To"], json!("reply+prc_a@mail.example.com"));
        assert_eq!(
            h["List-Unsubscribe-Post"],
            json!("List-Unsubscribe=One-Click")
        );
        // Lists that do not line up attach nothing.
        let mut two = json!({"email": [{}, {}]});
        attach_headers(&mut two, &sent);
        assert!(two["email"][0].get("headers").is_none());
    }

    #[test]
    fn services_moto_has_not_loaded_yet_give_empty_lists() {
        assert_eq!(
            normalise(&json!({"core": {}})).unwrap(),
            json!({"sms": [], "email": []})
        );
    }

    #[test]
    fn an_unknown_shape_is_an_error_not_an_empty_outbox() {
        assert!(normalise(&json!({"sns": {"SMS": {"x": 1}}})).is_err());
        assert!(normalise(&json!({"sns": {"SMS": [{"message": 1}]}})).is_err());
    }
}
