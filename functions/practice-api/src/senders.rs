//! Email sender ownership: a practice's `email_from` is an identity owned by exactly one
//! practice (`SENDER#<address>`, see `frontdesk::sender_guard`). Setting it claims it with a
//! conditional put, in the same transaction as the practice; another practice's sender is
//! a 409. Every write of a practice with a sender claims it again (a no-op for the owner),
//! so practices created before ownership existed are claimed by their next change.

use frontdesk::domain::{EmailAddress, PracticeId};
use frontdesk::ports::Write;

use crate::error::ApiError;

fn same(a: &EmailAddress, b: &EmailAddress) -> bool {
    a.as_str().eq_ignore_ascii_case(b.as_str())
}

/// The writes that move `practice_id`'s sender from `old` to `new`.
pub(crate) fn sender_writes(
    practice_id: &PracticeId,
    old: Option<&EmailAddress>,
    new: Option<&EmailAddress>,
) -> Vec<Write> {
    let mut writes = vec![];
    if let Some(old) = old.filter(|o| new.is_none_or(|n| !same(o, n))) {
        writes.push(Write::RemoveSenderRoute {
            address: old.clone(),
            practice_id: practice_id.clone(),
        });
    }
    if let Some(new) = new {
        writes.push(Write::SenderRoute {
            address: new.clone(),
            practice_id: practice_id.clone(),
        });
    }
    writes
}

/// The 409 for a batch that claimed a number (when `number_claimed`) and/or a sender (when
/// `sender_claimed`).
pub(crate) fn ownership_conflict(
    number_claimed: bool,
    sender_claimed: bool,
) -> impl Fn(frontdesk::Error) -> ApiError {
    move |e| {
        match e {
        frontdesk::Error::Conflict => ApiError::Conflict(
            match (number_claimed, sender_claimed) {
                (true, true) => "sms_number or email_from is already in use by another practice; each origination number and each email sender belongs to one practice",
                (true, false) => "sms_number is already in use by another practice; each origination number belongs to one practice",
                _ => "email_from is already in use by another practice; each email sender belongs to one practice",
            }
            .into(),
        ),
        other => other.into(),
    }
    }
}
