//! Domain types. Everything that comes from outside is parsed into these once, at the edge.

mod appointment;
mod appointment_upsert;
mod broadcast;
mod broadcast_text;
mod canned_reply;
mod channel;
mod channel_health;
mod consent;
mod consent_history;
mod contact;
mod due;
mod hours;
mod idempotency;
mod ids;
mod message;
mod notice;
mod patient;
mod practice;
mod practice_validate;
mod sign_in_backoff;
mod sms_provider;
mod staff;
mod staff_account;
mod staff_session;
mod task;
mod task_work;
mod thread;
pub mod thread_key;
mod waitlist;

pub use crate::error::Error as DomainError;
pub use appointment::{Appointment, AppointmentStatus, Confirmation};
pub use appointment_upsert::{AppointmentChange, UpsertRefused};
pub use broadcast::{
    Audience, Broadcast, BroadcastStatus, DeferredRange, Progress, Recipient, RecipientOutcome,
    MAX_BODY as MAX_BROADCAST_BODY, MAX_LISTED_PATIENTS,
};
pub use broadcast_text::{values as broadcast_values, PLACEHOLDERS as BROADCAST_PLACEHOLDERS};
pub use canned_reply::{
    CannedReply, MAX_PER_PRACTICE as MAX_CANNED_REPLIES, PLACEHOLDERS as CANNED_REPLY_PLACEHOLDERS,
};
pub use channel::{Channel, MessageKind};
pub use channel_health::{
    fix_contact_detail, fix_contact_title, ChannelHealthView, HealthView, Unhealthy,
};
pub use consent::{ChannelConsent, ConsentBlock, ConsentGrant, ConsentSource, Consents};
pub use consent_history::{consent_changes, ConsentChange, ConsentChangeSource, ConsentEvent};
pub use contact::{EmailAddress, PhoneNumber, Region};
pub use due::{bucket_of, DueKind, DueWork, Sweep, BUCKET_MINUTES};
pub use hours::{ClockTime, DayOfWeek, OfficeHours, OpenWindow, QuietHours};
pub use idempotency::{IdempotentRequest, StoredResponse, IDEMPOTENCY_LOCK, IDEMPOTENCY_TTL};
pub use ids::{
    AppointmentId, BroadcastId, CannedReplyId, MessageId, PatientId, PracticeId, TaskId,
    WaitlistEntryId,
};
pub use message::{Decision, Direction, Message, Purpose};
pub use notice::UrgentNotice;
pub use patient::{Patient, ThreadState};
pub use practice::{
    ApiKeyRecord, MessageCaps, OnCall, Practice, PracticeSettings, ProviderSecrets, RecallInterval,
    ReminderOffset,
};
pub use sign_in_backoff::{locked_until as sign_in_locked_until, Failures, Scope as SignInScope};
pub use sms_provider::SmsProvider;
pub use staff::{Actor, StaffId};
pub use staff_account::{
    hash_password, token_hash, verify_password, Invitation, StaffMember, StaffRole, StaffStatus,
    INVITATION_TTL,
};
pub use staff_session::{
    clear_session_cookie, constant_time_eq, cookie_value, csrf_matches, csrf_token,
    is_loopback_host, parse_cookie_value, session_cookie, Session, SessionEnd, SESSION_COOKIE,
    SESSION_IDLE, SESSION_MAX,
};
pub use task::{Priority, Task, TaskKind, TaskNews, TaskStatus};
pub use task_work::{parse_outcome, TaskNote, TaskOutcome, TaskView, TaskWork, MAX_SNOOZE};
pub use thread::{ThreadId, ThreadLink, UnknownThread, Waiting};
pub use waitlist::{
    FreedSlot, OfferedTo, SlotOffer, SlotReason, SlotState, WaitlistEntry, WaitlistWish,
};
