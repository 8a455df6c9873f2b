//! STOP and START in the consent history: one append-only record per change, for the
//! patient and each family member on the number, written in the same transaction as the
//! patients (see `frontdesk::domain::ConsentEvent`).

use chrono::{DateTime, Utc};
use frontdesk::domain::{ConsentChangeSource, ConsentEvent, Patient};
use frontdesk::ports::Write;

use crate::plan::Action;

/// The history records of a keyword's consent changes: `before` and `after` pair each
/// patient on the number as read and as it will be written.
pub(crate) fn keyword_writes<'a>(
    action: Action,
    pairs: impl IntoIterator<Item = (&'a Patient, &'a Patient)>,
    now: DateTime<Utc>,
) -> Vec<Write> {
    let source = match action {
        Action::OptOut => ConsentChangeSource::keyword("STOP"),
        Action::OptIn => ConsentChangeSource::keyword("START"),
        _ => return vec![],
    };
    pairs
        .into_iter()
        .flat_map(|(before, after)| {
            ConsentEvent::between(
                &after.practice_id,
                &after.patient_id,
                Some(&before.consents),
                &after.consents,
                &source,
                now,
            )
        })
        .map(|e| Write::ConsentEvent(Box::new(e)))
        .collect()
}
