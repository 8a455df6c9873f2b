//! A broadcast's text for one patient: the practice's body (minijinja with the canned-reply
//! placeholders, strict), on every channel; only the preferred one is used.

use std::collections::BTreeMap;

use frontdesk::deliver::Content;
use frontdesk::domain::{broadcast_values, Broadcast, MessageKind, Patient, PracticeSettings};

pub use frontdesk::domain::BROADCAST_PLACEHOLDERS as PLACEHOLDERS;

/// The values for `patient` (`None`: the sample values).
pub fn values(
    settings: &PracticeSettings,
    patient: Option<&Patient>,
) -> BTreeMap<&'static str, String> {
    broadcast_values(settings, patient)
}

/// The body rendered with `values` (strict: a placeholder outside [`PLACEHOLDERS`] fails).
pub fn render(b: &Broadcast, values: &BTreeMap<&'static str, String>) -> frontdesk::Result<String> {
    b.render(values)
}

/// Every channel's text and the call script.
pub fn content(
    b: &Broadcast,
    settings: &PracticeSettings,
    patient: &Patient,
) -> frontdesk::Result<Content> {
    let text = render(b, &values(settings, Some(patient)))?;
    let sms = match b.kind {
        MessageKind::Marketing => format!("{text} Reply STOP to opt out."),
        _ => text.clone(),
    };
    let subject = match b.kind {
        MessageKind::Care => format!("Important: a message from {}", settings.name),
        _ => format!("News from {}", settings.name),
    };
    Ok(Content {
        sms,
        email_subject: subject,
        email_text: text.clone(),
        call_script: text,
        voicemail_script: None,
        task_title: "Broadcast: call the patients who prefer a phone call".into(),
    })
}
