//! Canned replies: a practice's saved answers to its most common questions, written by
//! an admin with placeholders (`{{ first_name }}`, `{{ practice_name }}`,
//! `{{ callback_number }}`, `{{ next_appointment }}`), rendered with minijinja for one
//! conversation and previewed before a staff member sends them as a normal staff reply.
//!
//! Strict: a placeholder that is not one of [`PLACEHOLDERS`] is refused when the reply is
//! saved, and one that has no value for this conversation (no first name for an unknown
//! sender, no upcoming visit) is an error when it is rendered, never an empty gap.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};

use super::{CannedReplyId, DomainError, PracticeId, StaffId};

/// The placeholders a canned reply may use.
pub const PLACEHOLDERS: &[&str] = &[
    "first_name",
    "practice_name",
    "callback_number",
    "next_appointment",
];

/// A title's and a body's limits (a body of 1600 is ten SMS segments, as a staff reply).
pub const MAX_TITLE: usize = 80;
pub const MAX_BODY: usize = 1600;
/// Saved replies per practice.
pub const MAX_PER_PRACTICE: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReply {
    pub practice_id: PracticeId,
    pub reply_id: CannedReplyId,
    pub title: String,
    /// The minijinja source.
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The admin who last saved it (none when saved with an API key).
    #[serde(default)]
    pub updated_by: Option<StaffId>,
}

impl CannedReply {
    /// A new reply, checked ([`check`]).
    pub fn new(
        practice_id: PracticeId,
        title: &str,
        body: &str,
        by: Option<StaffId>,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let (title, body) = check(title, body)?;
        Ok(Self {
            practice_id,
            reply_id: CannedReplyId::generate(),
            title,
            body,
            created_at: now,
            updated_at: now,
            updated_by: by,
        })
    }

    /// This reply with a new title and body, checked.
    pub fn edited(
        &self,
        title: &str,
        body: &str,
        by: Option<StaffId>,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let (title, body) = check(title, body)?;
        Ok(Self {
            title,
            body,
            updated_at: now,
            updated_by: by,
            ..self.clone()
        })
    }

    /// The text for one conversation. `values` holds the placeholders this conversation
    /// has; using one it lacks is an error that names it.
    pub fn render(&self, values: &BTreeMap<&'static str, String>) -> Result<String, DomainError> {
        let env = environment();
        let tmpl = env
            .template_from_str(&self.body)
            .map_err(|e| invalid("body", format!("the reply cannot be read: {e}")))?;
        match tmpl.render(values) {
            Ok(text) => Ok(text.trim().to_string()),
            Err(e) if e.kind() == minijinja::ErrorKind::UndefinedError => {
                let missing: Vec<String> = placeholders_of(&self.body)?
                    .into_iter()
                    .filter(|p| !values.contains_key(p.as_str()))
                    .map(|m| format!("{{{{ {m} }}}}"))
                    .collect();
                Err(invalid(
                    "placeholders",
                    format!(
                        "this conversation has no value for {}: edit the text before \
                         sending, or choose another reply",
                        missing.join(", ")
                    ),
                ))
            }
            Err(e) => Err(invalid(
                "body",
                format!("the reply cannot be rendered: {e}"),
            )),
        }
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field,
        reason: reason.into(),
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Plain text (SMS and email text parts): no HTML escaping.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env
}

/// The variables a body uses, sorted.
fn placeholders_of(body: &str) -> Result<Vec<String>, DomainError> {
    let env = environment();
    let tmpl = env
        .template_from_str(body)
        .map_err(|e| invalid("body", format!("the reply cannot be read: {e}")))?;
    let mut names: Vec<String> = tmpl.undeclared_variables(false).into_iter().collect();
    names.sort();
    Ok(names)
}

/// A title and body fit to save: trimmed, within limits, valid minijinja using only
/// [`PLACEHOLDERS`].
pub fn check(title: &str, body: &str) -> Result<(String, String), DomainError> {
    let title = title.trim();
    let body = body.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(invalid(
            "title",
            format!("must be 1 to {MAX_TITLE} characters"),
        ));
    }
    if title.chars().any(char::is_control) {
        return Err(invalid("title", "must be one line of text"));
    }
    if body.is_empty() || body.chars().count() > MAX_BODY {
        return Err(invalid(
            "body",
            format!("must be 1 to {MAX_BODY} characters"),
        ));
    }
    let unknown: Vec<String> = placeholders_of(body)?
        .into_iter()
        .filter(|p| !PLACEHOLDERS.contains(&p.as_str()))
        .collect();
    if !unknown.is_empty() {
        return Err(invalid(
            "body",
            format!(
                "unknown placeholder {}; use {}",
                unknown.join(", "),
                PLACEHOLDERS
                    .iter()
                    .map(|p| format!("{{{{ {p} }}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok((title.to_string(), body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::utc;

    fn reply(body: &str) -> Result<CannedReply, DomainError> {
        CannedReply::new(
            PracticeId::parse("prc_1").unwrap(),
            "Hours",
            body,
            None,
            utc("2026-03-02T15:00:00Z"),
        )
    }

    fn values(pairs: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn placeholders_are_filled_in_as_plain_text() {
        let r = reply("Hi {{ first_name }}, {{ practice_name }} here. Call {{ callback_number }}.")
            .unwrap();
        let text = r
            .render(&values(&[
                ("first_name", "Ann"),
                ("practice_name", "Lakeside <Dental> & Co"),
                ("callback_number", "(312) 555-0101"),
            ]))
            .unwrap();
        assert_eq!(
            text,
            "Hi Ann, Lakeside <Dental> & Co here. Call (312) 555-0101."
        );
    }

    #[test]
    fn an_unknown_placeholder_or_bad_syntax_is_refused_when_saved() {
        let e = reply("Hi {{ frist_name }}").unwrap_err().to_string();
        assert!(e.contains("unknown placeholder frist_name"), "{e}");
        assert!(e.contains("{{ first_name }}"), "{e}");
        let e = reply("Hi {{ first_name").unwrap_err().to_string();
        assert!(e.contains("cannot be read"), "{e}");
        assert!(reply("  ").is_err());
        assert!(reply(&"x".repeat(MAX_BODY + 1)).is_err());
        assert!(CannedReply::new(
            PracticeId::parse("prc_1").unwrap(),
            "a\nb",
            "ok",
            None,
            utc("2026-03-02T15:00:00Z")
        )
        .is_err());
    }

    #[test]
    fn a_placeholder_this_conversation_lacks_is_an_error_naming_it() {
        let r = reply("Hi {{ first_name }}, see you {{ next_appointment }}.").unwrap();
        let e = r
            .render(&values(&[("first_name", "Ann")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no value for {{ next_appointment }}"), "{e}");
        // Conditionals may test for a value the conversation lacks.
        let r = reply("Hi{% if first_name is defined %} {{ first_name }}{% endif %}!").unwrap();
        assert_eq!(r.render(&values(&[])).unwrap(), "Hi!");
    }
}
