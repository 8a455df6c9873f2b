//! Fixtures shared by the in-crate tests: the test kit's, for this crate's practice.

use frontdesk::domain::{Channel, Patient, Practice, PracticeId, PracticeSettings};
pub(crate) use testkit::fixtures::{appointment, PRACTICE_SMS};
pub(crate) use testkit::utc;
pub(crate) use testkit::{PassThrough, SpyStore, WriteHook};

pub(crate) const PRACTICE: &str = "smile";

pub(crate) fn practice_id() -> PracticeId {
    testkit::fixtures::practice_id(PRACTICE)
}

pub(crate) fn practice(settings: impl FnOnce(&mut PracticeSettings)) -> Practice {
    testkit::fixtures::practice(PRACTICE, settings)
}

/// A patient who prefers `channel`, with an address on every channel and care consent on it.
pub(crate) fn patient(id: &str, channel: Channel) -> Patient {
    testkit::fixtures::patient(PRACTICE, id, channel)
}
