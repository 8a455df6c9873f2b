//! Reading one raw email (RFC 5322 MIME, as SES stored it) with `mail-parser`: the sender,
//! the subject and the patient's new words only. Text and HTML parts, any charset,
//! quoted-printable and base64 are decoded by the parser; the quoted history of a reply
//! (`> ...`, "On ... wrote:", "-----Original Message-----", Outlook's header block) is cut
//! so only what the patient just wrote is classified.

use frontdesk::domain::EmailAddress;
use mail_parser::MessageParser;

use crate::error::EmailError;

/// The largest raw email read (SES accepts up to 40 MB; a patient's reply is a few KB).
pub const MAX_RAW_BYTES: usize = 10 * 1024 * 1024;
/// The most of the new text kept (stored on the timeline, classified).
pub const MAX_TEXT_CHARS: usize = 4000;

/// What the email says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub from: EmailAddress,
    pub subject: String,
    /// The new text (quoted history removed, whitespace tidied).
    pub text: String,
    pub attachments: usize,
}

/// Parses a raw message. A message without a usable From address is refused.
pub fn parse(raw: &[u8]) -> Result<Parsed, EmailError> {
    if raw.len() > MAX_RAW_BYTES {
        return Err(EmailError::Unreadable("the email is larger than 10 MB"));
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(EmailError::Unreadable("the email is not a MIME message"))?;
    let from = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .and_then(|a| EmailAddress::parse(a).ok())
        .ok_or(EmailError::Unreadable(
            "the email has no valid From address",
        ))?;
    let subject = message.subject().unwrap_or("").trim().to_string();
    // `body_text` falls back to the HTML part converted to text when there is no text part.
    let body = message
        .body_text(0)
        .map(|b| b.into_owned())
        .unwrap_or_default();
    let mut text = new_text(&body);
    if text.is_empty() {
        // A reply by subject only (the List-Unsubscribe mailto: "unsubscribe").
        text = strip_reply_prefix(&subject).to_string();
    }
    let text: String = text.chars().take(MAX_TEXT_CHARS).collect();
    Ok(Parsed {
        from,
        subject,
        text,
        attachments: message.attachment_count(),
    })
}

/// The envelope a local delivery needs (SES gives it in the notification): the From
/// address and the To/Cc addresses. Empty when the message cannot be parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    pub from: Option<String>,
    pub recipients: Vec<String>,
}

pub fn envelope(raw: &[u8]) -> Envelope {
    let Some(m) = MessageParser::default().parse(raw) else {
        return Envelope::default();
    };
    let list = |a: Option<&mail_parser::Address<'_>>| -> Vec<String> {
        a.map(|a| {
            a.iter()
                .filter_map(|x| x.address().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
    };
    let mut recipients = list(m.to());
    recipients.extend(list(m.cc()));
    Envelope {
        from: list(m.from()).into_iter().next(),
        recipients,
    }
}

fn strip_reply_prefix(subject: &str) -> &str {
    let mut s = subject.trim();
    loop {
        let lower = s.to_ascii_lowercase();
        let cut = ["re:", "aw:", "fwd:", "fw:", "sv:"]
            .iter()
            .find(|p| lower.starts_with(**p))
            .map(|p| p.len());
        match cut {
            Some(n) => s = s[n..].trim_start(),
            None => return s,
        }
    }
}

/// Whether a line starts the quoted history of a reply.
fn starts_history(line: &str, next: Option<&str>) -> bool {
    let l = line.trim();
    let lower = l.to_lowercase();
    if l.starts_with('>') {
        return true;
    }
    if lower.starts_with("-----original message-----")
        || lower.starts_with("________________")
        || lower.starts_with("-------- original message")
        || lower.starts_with("begin forwarded message")
    {
        return true;
    }
    // "On Tue, 3 Mar 2026, Maple Dental <…> wrote:" (possibly wrapped over two lines).
    if lower.starts_with("on ") {
        if lower.ends_with("wrote:") {
            return true;
        }
        if next.is_some_and(|n| n.trim().to_lowercase().ends_with("wrote:")) {
            return true;
        }
    }
    // Outlook: "From: …" followed by "Sent: …" or "Date: …".
    if lower.starts_with("from:")
        && next.is_some_and(|n| {
            let n = n.trim().to_lowercase();
            n.starts_with("sent:") || n.starts_with("date:")
        })
    {
        return true;
    }
    false
}

/// The text before the quoted history, with the signature delimiter ("-- ") cut too.
pub fn new_text(body: &str) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if starts_history(line, lines.get(i + 1).copied()) || *line == "-- " {
            break;
        }
        kept.push(line.trim_end());
    }
    let joined = kept.join("\n");
    joined.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_in_its_usual_forms_is_cut() {
        for body in [
            "C\n\nOn Tue, 3 Mar 2026 at 09:00, Maple Dental <reply@x.org> wrote:\n> Reply C to confirm",
            "C\nOn Tue, 3 Mar 2026 at 09:00, Maple Dental\n<reply@x.org> wrote:\n> quoted",
            "C\n-----Original Message-----\nFrom: Maple\nReply C",
            "C\r\n\r\nFrom: Maple Dental\r\nSent: Tuesday\r\nReply C to confirm",
            "C\n> earlier\n> more",
            "C\n-- \nAda, sent from my phone",
        ] {
            assert_eq!(new_text(body), "C", "{body:?}");
        }
        assert_eq!(
            new_text("On my way, but late.\nSorry"),
            "On my way, but late.\nSorry"
        );
    }

    #[test]
    fn a_subject_only_mail_is_read_by_its_subject() {
        let raw = b"From: Ada <ada@example.org>\r\nTo: reply+prc_a@mail.example.com\r\nSubject: Re: unsubscribe\r\n\r\n";
        let p = parse(raw).unwrap();
        assert_eq!(p.text, "unsubscribe");
    }

    #[test]
    fn a_message_without_a_sender_is_refused() {
        assert!(parse(b"Subject: hi\r\n\r\nC").is_err());
        assert!(parse(b"").is_err());
    }
}
