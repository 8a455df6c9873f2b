//! A send intent: an automatic reply recorded as pending in the same transaction that
//! claims the inbound message, so a reply whose send fails, or whose commit's answer is
//! lost, is completed later (once) or handed to staff, never lost and never sent twice.
//! See `frontdesk::reply_intents` for the state machine.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::senders::{Email, Sms};
use crate::domain::{Message, MessageId, PracticeId};

/// How long an intent belongs to whoever wrote or claimed it before a completer may take
/// it: well beyond a function's timeout, so a completer never races a live sender.
pub const INTENT_STALE_AFTER: Duration = Duration::minutes(2);

/// Send attempts before the reply is handed to staff instead.
pub const INTENT_ATTEMPTS: u32 = 3;

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "snake_case")]
pub enum IntentSend {
    Sms(Sms),
    Email(Email),
}

/// Where an intent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentState {
    /// Not being sent: nobody tried yet, or every try failed before the provider took it.
    Pending,
    /// Claimed by a sender until `due_at`. Still here after that: the sender stopped
    /// between claiming and settling, so nobody knows whether the patient got it.
    Sending,
}

/// One pending automatic reply (item `INTENT#REPLY#<message id>` in the practice's partition,
/// indexed by GSI1 `DUE#replies#<shard>` at `due_at`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyIntent {
    pub practice_id: PracticeId,
    /// The reply's timeline entry (`record.message_id`), rewritten with the outcome.
    pub record: Message,
    pub send: IntentSend,
    pub state: IntentState,
    /// Sends tried so far.
    pub attempts: u32,
    /// When a completer may take it.
    pub due_at: DateTime<Utc>,
    /// Bumped by every claim and release: the condition that makes one completer win.
    pub version: u64,
}

impl ReplyIntent {
    /// A new pending intent for `record`, written at `now` with the commit that decides it.
    pub fn pending(record: Message, send: IntentSend, now: DateTime<Utc>) -> Self {
        Self {
            practice_id: record.practice_id.clone(),
            record,
            send,
            state: IntentState::Pending,
            attempts: 0,
            due_at: now + INTENT_STALE_AFTER,
            version: 0,
        }
    }

    pub fn message_id(&self) -> &MessageId {
        &self.record.message_id
    }
}
