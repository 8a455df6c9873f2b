//! Items of delivery status and channel health: the copy of each sent message under its
//! provider's id (`SENT#<id>`, kept 35 days), delivery reports (an in-place update of the
//! timeline message's decision, only while it is still `sent`), and a patient's channel
//! health (`sms_health` / `email_health` on the patient and its phone-index copy).

use aws_sdk_dynamodb::types::AttributeValue;

use super::{attribute, encode, kind, s, Condition, Op, Update, TYPE, VERSION};
use crate::domain::{Channel, Message};
use crate::keys;
use crate::ports::Write;
use crate::{Error, Result};

/// How long a sent message can be found by its provider id: providers report within hours
/// (SES within a day or two); five weeks leaves room for slow carriers.
pub(in crate::dynamo) const SENT_COPY_DAYS: i64 = 35;
const DECISION: &str = "decision";

/// The `SENT#<provider id>` copy of a message sent with a provider id, if it has one.
pub(super) fn sent_copy(m: &Message, out: &mut Vec<Op>) -> Result<()> {
    let Some(id) = m.decision.provider_message_id() else {
        return Ok(());
    };
    if !matches!(m.decision, crate::domain::Decision::Sent { .. }) || id.is_empty() {
        return Ok(());
    }
    let mut item = encode(
        m,
        keys::practice_pk(&m.practice_id),
        keys::sent_sk(id),
        kind::SENT_MESSAGE,
    )?;
    let expires = m.at + chrono::Duration::days(SENT_COPY_DAYS);
    item.insert(
        keys::TTL.into(),
        AttributeValue::N(expires.timestamp().to_string()),
    );
    debug_assert!(item.contains_key(TYPE));
    out.push(Op::put(item, kind::SENT_MESSAGE, None)?);
    Ok(())
}

fn health_attribute(channel: Channel) -> Result<&'static str> {
    match channel {
        Channel::Sms => Ok("sms_health"),
        Channel::Email => Ok("email_health"),
        Channel::Voice => Err(Error::Storage(
            "voice has no channel health (a staff call cannot bounce)".into(),
        )),
    }
}

/// Healthy: the attribute is absent (older items) or NULL.
fn healthy(attr: &'static str) -> Condition {
    Condition {
        expression: "attribute_exists(#pk) AND (attribute_not_exists(#health) OR attribute_type(#health, :null_type))",
        names: vec![("#pk", keys::PK), ("#health", attr)],
        values: vec![(":null_type", s("NULL"))],
    }
}

pub(super) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::ChannelHealth {
            practice_id,
            patient_id,
            phone,
            channel,
            unhealthy,
        } => {
            let attr = health_attribute(channel)?;
            let value = match &unhealthy {
                Some(u) => attribute(&**u, kind::PATIENT)?,
                None => AttributeValue::Null(true),
            };
            let update = Update {
                set: vec![(attr, value)],
                append: vec![],
                increment: vec![(VERSION, 1)],
            };
            let pk = keys::practice_pk(&practice_id);
            let mut main = Op::update(
                pk.clone(),
                keys::patient_sk(&patient_id),
                update.clone(),
                kind::PATIENT,
                match unhealthy {
                    Some(_) => healthy(attr),
                    None => Condition::exists(),
                },
            );
            // Healing a patient that is gone is nothing to do; marking one conflicts.
            main.lenient = unhealthy.is_none();
            out.push(main);
            if let Some(phone) = &phone {
                let mut copy = Op::update(
                    pk,
                    keys::phone_sk(phone, &patient_id),
                    update,
                    kind::PATIENT_PHONE,
                    Condition::exists(),
                );
                copy.lenient = true;
                out.push(copy);
            }
        }
        Write::DeliveryReport(m) => {
            let update = Update {
                set: vec![(DECISION, attribute(&m.decision, kind::MESSAGE)?)],
                append: vec![],
                increment: vec![],
            };
            out.push(Op::update(
                keys::practice_pk(&m.practice_id),
                keys::message_sk(&m),
                update,
                kind::MESSAGE,
                Condition {
                    expression: "attribute_exists(#pk) AND #decision.#outcome = :sent_outcome",
                    names: vec![
                        ("#pk", keys::PK),
                        ("#decision", DECISION),
                        ("#outcome", "outcome"),
                    ],
                    values: vec![(":sent_outcome", s("sent"))],
                },
            ));
        }
        _ => return Err(Error::Storage("not a delivery write".into())),
    }
    Ok(())
}
