//! Ports: what the handlers need from the outside world. Adapters (`dynamo`, `sns`, `ses`)
//! implement them against AWS; `testing` implements them in memory.

mod clock;
mod due;
mod items;
mod ownership;
mod reply_intent;
mod senders;
mod store;
mod write;

pub use clock::{Clock, FixedClock, SystemClock};
pub use ownership::{EmailIdentities, IdentityStatus, NumberCheck, Owners, ProviderNumbers};
pub use reply_intent::{IntentSend, IntentState, ReplyIntent, INTENT_ATTEMPTS, INTENT_STALE_AFTER};
pub use senders::{Email, EmailSender, PatientMail, Sms, SmsSender};
pub use store::{
    ChangeKind, DuePartition, Expect, Fetched, Item, Key, LeasedClaim, Page, PatientLease, Store,
    Write, DUE_PAGE,
};
