//! One SES receipt notification (the Lambda action of a receipt rule, after its S3 action
//! stored the raw message under `<prefix><messageId>`): validated once, at the edge.
//!
//! Shape (`Records[].ses`): `mail.messageId`, `mail.source`, `receipt.recipients`, and the
//! verdicts `receipt.{spam,virus,spf,dkim,dmarc}Verdict.status` (`PASS`, `FAIL`, `GRAY`,
//! `PROCESSING_FAILED`).

use serde::Deserialize;

use crate::error::EmailError;

/// The longest SES message id accepted (they are about 40 characters).
pub const MAX_MESSAGE_ID: usize = 128;

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "Records", default)]
    records: Vec<Record>,
}

#[derive(Debug, Deserialize)]
struct Record {
    ses: Ses,
}

#[derive(Debug, Deserialize)]
struct Ses {
    mail: Mail,
    receipt: RawReceipt,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Mail {
    message_id: String,
}

#[derive(Debug, Deserialize, Default)]
struct Verdict {
    #[serde(default)]
    status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawReceipt {
    #[serde(default)]
    recipients: Vec<String>,
    #[serde(default)]
    spam_verdict: Verdict,
    #[serde(default)]
    virus_verdict: Verdict,
    #[serde(default)]
    spf_verdict: Verdict,
    #[serde(default)]
    dkim_verdict: Verdict,
    #[serde(default)]
    dmarc_verdict: Verdict,
}

/// A validated receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// SES's id of the message: the S3 object name and the idempotency key.
    pub message_id: String,
    pub recipients: Vec<String>,
    /// The checks that did not pass (`spf`, `dkim`, …), empty when all passed.
    pub failed_checks: Vec<&'static str>,
}

impl Receipt {
    pub fn passed(&self) -> bool {
        self.failed_checks.is_empty()
    }

    /// The idempotency key, within the practice's partition.
    pub fn claim_key(&self) -> String {
        format!("inbound:ses:{}", self.message_id)
    }
}

/// The receipts in one notification.
pub fn parse(event: &serde_json::Value) -> Result<Vec<Receipt>, EmailError> {
    let event: Event =
        serde_json::from_value(event.clone()).map_err(|e| EmailError::BadEvent(format!("{e}")))?;
    event
        .records
        .into_iter()
        .map(|r| {
            let id = r.ses.mail.message_id.trim().to_string();
            if id.is_empty()
                || id.len() > MAX_MESSAGE_ID
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(EmailError::BadEvent(
                    "mail.messageId must be 1 to 128 letters, digits, '-' or '_'".into(),
                ));
            }
            let rc = r.ses.receipt;
            // Spam and virus must be PASS; SPF, DKIM and DMARC may not FAIL (GRAY: the
            // sender's domain publishes nothing, common for small providers, is accepted
            // only where DKIM or SPF passed).
            let status = |v: &Verdict| v.status.clone().unwrap_or_default().to_ascii_uppercase();
            let mut failed = Vec::new();
            for (name, v) in [("spam", &rc.spam_verdict), ("virus", &rc.virus_verdict)] {
                if status(v) != "PASS" {
                    failed.push(name);
                }
            }
            let (spf, dkim, dmarc) = (
                status(&rc.spf_verdict),
                status(&rc.dkim_verdict),
                status(&rc.dmarc_verdict),
            );
            for (name, s) in [("spf", &spf), ("dkim", &dkim), ("dmarc", &dmarc)] {
                if s != "PASS" && s != "GRAY" {
                    failed.push(name);
                }
            }
            if failed.is_empty() && spf != "PASS" && dkim != "PASS" {
                failed.push("spf/dkim");
            }
            Ok(Receipt {
                message_id: id,
                recipients: rc.recipients,
                failed_checks: failed,
            })
        })
        .collect()
}

/// A notification as SES sends it (the local gateway and tests build theirs with this).
pub fn notification(
    message_id: &str,
    source: &str,
    recipients: &[String],
    verdicts: [(&str, &str); 5],
) -> serde_json::Value {
    let verdict = |name: &str| {
        let status = verdicts
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("PASS", |(_, s)| s);
        serde_json::json!({ "status": status })
    };
    let now = chrono::Utc::now().to_rfc3339();
    serde_json::json!({
        "Records": [{
            "eventSource": "aws:ses",
            "eventVersion": "1.0",
            "ses": {
                "mail": {
                    "timestamp": now,
                    "source": source,
                    "messageId": message_id,
                    "destination": recipients,
                    "headersTruncated": false,
                    "headers": [],
                    "commonHeaders": {"from": [source], "to": recipients, "messageId": message_id}
                },
                "receipt": {
                    "timestamp": now,
                    "processingTimeMillis": 1,
                    "recipients": recipients,
                    "spamVerdict": verdict("spam"),
                    "virusVerdict": verdict("virus"),
                    "spfVerdict": verdict("spf"),
                    "dkimVerdict": verdict("dkim"),
                    "dmarcVerdict": verdict("dmarc"),
                    "action": {"type": "Lambda", "invocationType": "Event",
                               "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:inbound-email"}
                }
            }
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(v: [(&str, &str); 5]) -> Receipt {
        parse(&notification(
            "abc123",
            "a@example.org",
            &["reply+p@m.example.com".into()],
            v,
        ))
        .unwrap()
        .remove(0)
    }
    const PASS: [(&str, &str); 5] = [
        ("spam", "PASS"),
        ("virus", "PASS"),
        ("spf", "PASS"),
        ("dkim", "PASS"),
        ("dmarc", "PASS"),
    ];

    #[test]
    fn every_verdict_counts() {
        assert!(one(PASS).passed());
        let mut v = PASS;
        v[2].1 = "FAIL";
        assert_eq!(one(v).failed_checks, ["spf"]);
        let mut v = PASS;
        v[3].1 = "FAIL";
        v[0].1 = "FAIL";
        assert_eq!(one(v).failed_checks, ["spam", "dkim"]);
        let mut v = PASS;
        v[2].1 = "GRAY";
        v[3].1 = "GRAY";
        assert_eq!(
            one(v).failed_checks,
            ["spf/dkim"],
            "nothing authenticated the sender"
        );
        assert_eq!(one(PASS).claim_key(), "inbound:ses:abc123");
    }

    #[test]
    fn bad_ids_and_shapes_are_refused() {
        assert!(parse(&serde_json::json!({"Records": [{"ses": {}}]})).is_err());
        let mut n = notification("../etc", "a@example.org", &[], PASS);
        assert!(parse(&n).is_err());
        n["Records"][0]["ses"]["mail"]["messageId"] = "".into();
        assert!(parse(&n).is_err());
    }
}
