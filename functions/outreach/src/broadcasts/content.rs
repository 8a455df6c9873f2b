//! A broadcast's text for one patient: the practice's body (minijinja with the canned-reply
//! placeholders, strict), on every channel; only the preferred one is used.

use std::collections::BTreeMap;

use frontdesk::deliver::Content;
use frontdesk::domain::{Broadcast, CannedReply, MessageKind, Patient, PracticeSettings};

/// Placeholders a broadcast may use: what every patient has.
pub const PLACEHOLDERS: &[&str] = &["first_name", "practice_name", "callback_number"];

/// The values for `patient` (`None` for the check at creation: sample values).
pub fn values(
    settings: &PracticeSettings,
    patient: Option<&Patient>,
) -> BTreeMap<&'static str, String> {
    let mut v = BTreeMap::new();
    v.insert(
        "first_name",
        patient.map_or_else(|| "Alex".to_string(), |p| p.first_name.clone()),
    );
    v.insert("practice_name", settings.name.clone());
    let callback = settings
        .callback_phone
        .as_ref()
        .or(settings.sms_number.as_ref())
        .map(|n| n.to_string())
        .unwrap_or_else(|| "the office".to_string());
    v.insert("callback_number", callback);
    v
}

/// The body rendered with `values` (strict: a placeholder outside [`PLACEHOLDERS`] fails).
pub fn render(b: &Broadcast, values: &BTreeMap<&'static str, String>) -> frontdesk::Result<String> {
    let template = CannedReply::new(
        b.practice_id.clone(),
        "broadcast",
        &b.body,
        None,
        b.created_at,
    )?;
    template.render(values)
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
