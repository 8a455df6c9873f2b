//! A broadcast's body for one patient: the practice's text, rendered with the canned-reply
//! engine (minijinja, strict) and only the placeholders every patient has. The Practice
//! API checks a body with the sample values at creation; outreach renders it per patient.

use std::collections::BTreeMap;

use super::{Broadcast, CannedReply, Patient, PracticeSettings};

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

impl Broadcast {
    /// The body as a template: refused if it is not valid or uses a placeholder no
    /// message may use.
    pub fn template(&self) -> crate::Result<CannedReply> {
        CannedReply::new(
            self.practice_id.clone(),
            "broadcast",
            &self.body,
            None,
            self.created_at,
        )
    }

    /// The body rendered with `values` (strict: a placeholder outside [`PLACEHOLDERS`]
    /// fails).
    pub fn render(&self, values: &BTreeMap<&'static str, String>) -> crate::Result<String> {
        self.template()?.render(values)
    }
}
